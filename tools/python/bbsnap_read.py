#!/usr/bin/python3
"""An independent reader of .bbsnap files.

Written from schema/FORMAT.md and schema/bbsnap.fbs alone (not from lib/), so
that it checks the specification as much as the files: it verifies everything
FORMAT.md says a full-mode reader verifies, in the order of its §7 and §8.1,
and prints the state as the canonical JSON of shared/spec/STATE-JSON.md.

    bbsnap_read.py [--fb-python DIR] [--spec-version N] FILE

Exit status 0 with the JSON on stdout, or 1 with one line on stderr in the
form of the C++ reader's errors: "<code> in section <name> at offset <n>: ...".

The section metadata is read with the Python code `flatc --python` generates
from schema/bbsnap.fbs: from --fb-python DIR, else $BBSNAP_FB_PYTHON, else
generated now into a temporary directory. That code has no verifier, so the
FlatBuffers checks of FORMAT.md Appendix A are done here first (`Verifier`);
the generated accessors only ever run on verified buffers.

Python standard library, flatbuffers and xxhash only (Debian's
python3-flatbuffers and python3-xxhash; run with /usr/bin/python3).
"""

import argparse
import importlib
import json
import os
import struct
import subprocess
import sys
import tempfile

import xxhash

# ---------------------------------------------------------------- constants (FORMAT.md §2, §3, §4.2, §10)

MAGIC = b"\x89BBSNAP\n"
FORMAT_VERSIONS = (1, 2)  # §8.3: every version this reader reads
HEADER_SEED = 0x646165684E534242  # "BBSNhead"
TABLE_SEED = 0x6C6261744E534242  # "BBSNtabl"
HEADER_SIZE = 64
ENTRY_SIZE = 40
MAX_SECTIONS = 1 << 20
MAX_METADATA = (1 << 31) - 2
MAX_DEPTH = 16
FLAG_REQUIRED = 1
U64 = (1 << 64) - 1

KIND_NAMES = {
    1: "framework", 2: "bus", 3: "ingress", 4: "pending_completions", 5: "frontier",
    6: "slot_index", 7: "slot_chunk", 8: "pending_async", 9: "execution_state", 10: "wire_states",
}
SLOT_INDEX, SLOT_CHUNK = 6, 7
ROOTS = {
    1: "Framework", 2: "Bus", 3: "Ingress", 4: "PendingCompletions", 5: "Frontier",
    6: "SlotIndex", 7: "SlotChunk", 8: "PendingAsyncTable", 9: "ExecutionStateTable", 10: "WireStates",
}


def align_up(n, alignment=64):
    return (n + alignment - 1) & ~(alignment - 1)


def u16(buf, pos):
    return struct.unpack_from("<H", buf, pos)[0]


def u32(buf, pos):
    return struct.unpack_from("<I", buf, pos)[0]


def i32(buf, pos):
    return struct.unpack_from("<i", buf, pos)[0]


def u64(buf, pos):
    return struct.unpack_from("<Q", buf, pos)[0]


def xxh3(data, seed=0):
    return xxhash.xxh3_64_intdigest(data, seed=seed)


# ---------------------------------------------------------------- errors (FORMAT.md §11)

class SnapshotError(Exception):
    """A refused file: error code, section name, absolute byte offset."""

    def __init__(self, code, section, offset, message, stored=None, computed=None):
        super().__init__(message)
        self.code, self.section, self.offset, self.message = code, section, offset, message
        self.stored, self.computed = stored, computed

    def __str__(self):
        text = self.code
        if self.section:
            text += f" in section {self.section}"
        if self.offset is not None:
            text += f" at offset {self.offset}"
        text += f": {self.message}"
        if self.stored is not None:
            text += f" (stored {self.stored:016x}, computed {self.computed:016x})"
        return text


def checksum_error(section, offset, what, stored, computed):
    return SnapshotError("checksum_mismatch", section, offset, f"{what} checksum mismatch", stored, computed)


def first_nonzero(data, start, end):
    """Offset of the first nonzero byte in data[start:end], or None."""
    chunk = bytes(data[start:end])
    stripped = chunk.lstrip(b"\0")
    return None if not stripped else start + len(chunk) - len(stripped)


# ---------------------------------------------------------------- container (FORMAT.md §2, §3, §4.1, §7.2)

class Entry:
    """One section table entry (§3) and where it sits."""

    def __init__(self, data, index, pos):
        self.index, self.pos = index, pos
        self.kind, self.flags, self.offset, self.length, self.payload_length, self.checksum = \
            struct.unpack_from("<IIQQQQ", data, pos)
        self.seed_bytes = bytes(data[pos:pos + 32])
        self.name = KIND_NAMES.get(self.kind, f"kind_{self.kind}")  # slot chunks renamed below

    @property
    def end(self):
        return self.offset + self.length

    @property
    def meta_start(self):
        return self.offset + self.payload_length

    @property
    def known(self):
        return 1 <= self.kind <= 10


def check_container(data):
    """§7.2 checks 1..15; returns the format version and the section table
    entries."""
    version, table_offset, section_count = check_header(data)
    entries = check_entries(data, table_offset, section_count)
    check_sections_end(data, entries, table_offset)
    return version, entries


def check_header(data):
    """§7.2 checks 1..11: the header, the file's size, the table's place and
    checksum. Returns (format_version, table_offset, section_count)."""
    size = len(data)
    head = min(size, 8)
    if bytes(data[:head]) != MAGIC[:head]:
        raise SnapshotError("bad_magic", "header", 0, "not a bbsnap file (bad magic)")
    if size < HEADER_SIZE:
        raise SnapshotError("truncated", "header", size, f"file of {size} bytes is shorter than the 64-byte header")
    version, flags, file_length, table_offset, section_count, reserved0, table_checksum, reserved1, \
        header_checksum = struct.unpack_from("<IIQQIIQQQ", data, 8)
    if version not in FORMAT_VERSIONS:
        raise SnapshotError("unsupported_format_version", "header", 8,
                            f"format_version {version}, expected one of {FORMAT_VERSIONS}")
    computed = xxh3(data[:56], HEADER_SEED)
    if computed != header_checksum:
        raise checksum_error("header", 56, "header", header_checksum, computed)
    if flags != 0:
        raise SnapshotError("unsupported_feature", "header", 12, f"unknown header flags {flags:#x}")
    if reserved0 != 0 or reserved1 != 0:
        raise SnapshotError("malformed_section", "header", 36 if reserved0 else 48, "reserved header field not zero")
    if size < file_length:
        raise SnapshotError("truncated", "file", size, f"file has {size} bytes, header declares {file_length}")
    if size > file_length:
        raise SnapshotError("malformed_section", "file", file_length, f"{size - file_length} bytes after file_length")
    if section_count > MAX_SECTIONS:
        raise SnapshotError("limit_exceeded", "header", 32, f"section_count {section_count} > 2^20")
    if (table_offset < HEADER_SIZE or table_offset % 64 or ENTRY_SIZE * section_count > file_length
            or table_offset != file_length - ENTRY_SIZE * section_count):
        raise SnapshotError("malformed_section", "header", 24,
                            f"section table at {table_offset} with {section_count} entries misplaced")
    computed = xxh3(data[table_offset:file_length], TABLE_SEED)
    if computed != table_checksum:
        raise checksum_error("section_table", table_offset, "section table", table_checksum, computed)
    return version, table_offset, section_count


def check_entries(data, table_offset, section_count):
    """§7.2 check 12: each entry, in table order (§3, §4.1-§4.4)."""
    entries, seen, chunk_count, chunks_ended = [], set(), 0, False
    end_prev = HEADER_SIZE
    for i in range(section_count):
        e = Entry(data, i, table_offset + ENTRY_SIZE * i)
        where = f"section_table[{i}]"

        def bad(code, message, field=0):
            return SnapshotError(code, where, e.pos + field, message)

        if e.flags & ~FLAG_REQUIRED:
            raise bad("unsupported_feature", f"unknown section flags {e.flags:#x}", 4)
        if e.offset != align_up(end_prev):
            raise bad("malformed_section", f"section at {e.offset}, expected {align_up(end_prev)}")
        if e.length > table_offset - e.offset:
            raise bad("malformed_section", "section runs into the section table")
        if e.payload_length % 64 or e.payload_length > e.length:
            raise bad("malformed_section", f"bad payload_length {e.payload_length}")
        if e.length - e.payload_length > MAX_METADATA:
            raise bad("limit_exceeded", "metadata longer than 2^31 - 2 bytes")
        if e.kind == 0:
            raise bad("malformed_section", "section kind 0 is reserved")
        if e.known and e.kind != SLOT_CHUNK:
            if e.kind in seen:
                raise bad("malformed_section", f"second {e.name} section")
            seen.add(e.kind)
        if e.kind == SLOT_CHUNK:
            if chunks_ended:
                raise bad("malformed_section", "slot chunks are not consecutive in the table")
            e.name = f"slot_chunk[{chunk_count}]"
            chunk_count += 1
        elif chunk_count:
            chunks_ended = True
        if not e.known and e.flags & FLAG_REQUIRED:
            raise bad("unsupported_feature", f"required section of unknown kind {e.kind}")
        entries.append(e)
        end_prev = e.end
    return entries


def check_sections_end(data, entries, table_offset):
    """§7.2 checks 13..15: the table follows the last section, every
    singleton kind is there, the gap before the table is zero."""
    end_prev = entries[-1].end if entries else HEADER_SIZE
    seen = {e.kind for e in entries}
    if align_up(end_prev) != table_offset:
        raise SnapshotError("malformed_section", "section_table", table_offset,
                            f"sections end at {end_prev}, table at {table_offset}")
    for kind in range(1, 11):
        if kind != SLOT_CHUNK and kind not in seen:
            raise SnapshotError("missing_section", KIND_NAMES[kind], table_offset, f"no {KIND_NAMES[kind]} section")
    bad_byte = first_nonzero(data, end_prev, table_offset)
    if bad_byte is not None:
        raise SnapshotError("nonzero_padding", "section_table", bad_byte, "nonzero byte before the section table")


# ---------------------------------------------------------------- FlatBuffers verification (FORMAT.md Appendix A, §10)

# Fields of every table by field id (Appendix B). Types: scalar sizes "u8",
# "bool", "u32", "u64"; "string" ("string!" required); "bytes" ([ubyte]);
# "[u64]"; ("structs", size); "[string]"; ("[table]", name); ("table", name);
# "union" (the value of IngressItem.event, whose type is the field before).
SCHEMA = {
    "Bytes": [("data", "bytes")],
    "NamedBytes": [("name", "string"), ("data", "bytes")],
    "Counter": [("name", "string!"), ("value", "u64")],
    "AddressBookEntry": [("peer_id", "bytes"), ("addresses", ("[table]", "Bytes")), ("ref_count", "u64")],
    "PeerHealth": [("peer", "bytes"), ("consecutive_failures", "u32"), ("last_event_ns", "u64"), ("down", "bool")],
    "PeerGovernor": [("blocklist", ("[table]", "Bytes")), ("allowlist", ("[table]", "Bytes")),
                     ("health", ("[table]", "PeerHealth")), ("failure_threshold", "u32")],
    "BackoffEntry": [("peer", "bytes"), ("attempts", "u32"), ("last_attempt_ns", "u64"), ("next_retry_ns", "u64")],
    "PendingOutbound": [("envelope_bytes", "bytes"), ("redelivered", "bool")],
    "Framework": [("spec_version", "u32"), ("counters", ("[table]", "Counter")), ("fired_phases", "[string]"),
                  ("address_book", ("[table]", "AddressBookEntry")), ("peer_governor", ("table", "PeerGovernor")),
                  ("backoff_table", ("[table]", "BackoffEntry")),
                  ("pending_outbound", ("[table]", "PendingOutbound")), ("peer_id_bytes", "bytes"),
                  ("next_command_id", "u64"), ("next_exec_id", "u64")],
    "EventSubscription": [("event_kind", "string!"), ("subscribers", "[u64]")],
    "Bus": [("event_subscriptions", ("[table]", "EventSubscription"))],
    "Envelope": [("bytes", "bytes")],
    "AppEvent": [("module_name", "string"), ("input_name", "string"), ("value_bytes", "bytes")],
    "Invoke": [("module_name", "string"), ("inputs", ("[table]", "NamedBytes"))],
    "TimerMatured": [("at_ns", "u64")],
    "Completion": [("cmd_id", "u64"), ("results", ("[table]", "Bytes"))],
    "IngressItem": [("event_type", "u8"), ("event", "union")],
    "Ingress": [("events", ("[table]", "IngressItem"))],
    "PendingCompletion": [("cmd_id", "u64"), ("results", ("[table]", "NamedBytes"))],
    "PendingCompletions": [("entries", ("[table]", "PendingCompletion"))],
    "Frontier": [("items", ("structs", 16))],
    "SlotChunk": [("slots", ("structs", 48))],
    "SlotIndex": [("chunks", ("structs", 40))],
    "PendingAsyncEntry": [("command_id", "u64"), ("op_ref", "u64"), ("exec_id", "u64"),
                          ("output_sites", "[u64]"), ("deadline_ns", "u64")],
    "PendingAsyncTable": [("entries", ("[table]", "PendingAsyncEntry"))],
    "ExecutionStateTable": [("entries", ("structs", 16))],
    "WireState": [("component", "u32"), ("bytes", "bytes")],
    "WireStates": [("entries", ("[table]", "WireState"))],
}
UNION_VARIANTS = {1: "Envelope", 2: "AppEvent", 3: "Invoke", 4: "TimerMatured", 5: "Completion"}
SCALAR_SIZES = {"u8": 1, "bool": 1, "u32": 4, "u64": 8}
MAX_BUFFER = (1 << 31) - 1


class Verifier:
    """Appendix A over one metadata buffer; positions are buffer-relative."""

    def __init__(self, buf, section, base):
        self.buf, self.n = buf, len(buf)
        self.section, self.base = section, base
        self.depth, self.tables = 0, 0
        self.max_tables = self.n // 4 + 1

    def fail(self, message, pos):
        """§7.3 step 4: reported at the metadata's first byte, whichever read
        failed; the failing position is only in the message."""
        raise SnapshotError("malformed_section", self.section, self.base,
                            f"FlatBuffers verification failed: {message} (metadata byte {pos})")

    def range(self, pos, length, what):
        if not (length < self.n and 0 <= pos <= self.n - length):
            self.fail(f"{what} out of bounds", pos)

    def scalar(self, pos, size, what):
        if pos % size:
            self.fail(f"{what} misaligned", pos)
        self.range(pos, size, what)

    def offset(self, pos, what):
        """A uoffset in a table field or at 0: returns its target."""
        self.scalar(pos, 4, what)
        value = u32(self.buf, pos)
        if value == 0 or value >= 1 << 31:
            self.fail(f"{what}: bad offset {value}", pos)
        self.range(pos + value, 1, what)
        return pos + value

    def element(self, pos):
        """The target of a vector element's uoffset (no other checks)."""
        return pos + u32(self.buf, pos)

    def vector(self, pos, element_size, what):
        self.scalar(pos, 4, f"{what} length")
        count = u32(self.buf, pos)
        if count >= MAX_BUFFER // element_size:
            self.fail(f"{what}: {count} elements", pos)
        self.range(pos, 4 + element_size * count, what)
        return count

    def string(self, pos, what):
        count = self.vector(pos, 1, what)
        end = pos + 4 + count
        self.range(end, 1, f"{what} terminator")
        if self.buf[end] != 0:
            self.fail(f"{what} not NUL-terminated", end)

    def root(self, table_name):
        if self.n < 12:
            self.fail(f"buffer of {self.n} bytes", 0)
        self.table(self.offset(0, "root offset"), table_name)

    def table(self, t, name):
        """The table at t, then each field the schema knows (Appendix B)."""
        vt, vsize = self.table_start(t, name)
        union_type = 0  # IngressItem.event_type, read before the union's value
        for field_id, (field, kind) in enumerate(SCHEMA[name]):
            voffset = 4 + 2 * field_id
            entry = u16(self.buf, vt + voffset) if voffset < vsize else 0
            what = f"{name}.{field}"
            if entry == 0:
                if kind == "string!":
                    self.fail(f"required field {what} absent", t)
            elif kind in SCALAR_SIZES:
                self.scalar(t + entry, SCALAR_SIZES[kind], what)
                if field == "event_type":
                    union_type = self.buf[t + entry]
            else:
                self.reference(self.offset(t + entry, what), kind, what, union_type)
        self.depth -= 1

    def table_start(self, t, name):
        """The soffset, the limits of §10 and the vtable: (vtable, its size)."""
        self.scalar(t, 4, f"{name} vtable offset")
        self.depth += 1
        self.tables += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"tables nested deeper than {MAX_DEPTH}", t)
        if self.tables > self.max_tables:
            self.fail(f"more than {self.max_tables} table visits", t)
        vt = (t - i32(self.buf, t)) & U64  # C++ size_t arithmetic: below 0 is out of range
        self.scalar(vt, 2, f"{name} vtable")
        vsize = u16(self.buf, vt)
        if vsize % 2:
            self.fail(f"{name} vtable size {vsize} is odd", vt)
        self.range(vt, vsize, f"{name} vtable")
        return vt, vsize

    def reference(self, target, kind, what, union_type):
        """What an offset field points to."""
        if kind in ("string", "string!"):
            self.string(target, what)
        elif kind == "bytes":
            self.vector(target, 1, what)
        elif kind == "[u64]":
            self.vector(target, 8, what)
        elif kind == "[string]":
            for i in range(self.vector(target, 4, what)):
                self.string(self.element(target + 4 + 4 * i), f"{what}[{i}]")
        elif kind == "union":
            if union_type in UNION_VARIANTS:  # type 0 and unknown types: not verified (§5.4 refuses them)
                self.table(target, UNION_VARIANTS[union_type])
        elif kind[0] == "structs":
            self.vector(target, kind[1], what)
        elif kind[0] == "[table]":
            for i in range(self.vector(target, 4, what)):
                self.table(self.element(target + 4 + 4 * i), kind[1])
        else:  # ("table", name)
            self.table(target, kind[1])


# ---------------------------------------------------------------- section contents (FORMAT.md §5, §6)

FB = None  # the generated classes by name, set by load_generated_code()
FB_NAMES = list(SCHEMA)  # the tables; structs are read in place


def load_generated_code(directory=None):
    """Imports the `flatc --python` classes (see the module docstring)."""
    global FB
    directory = directory or os.environ.get("BBSNAP_FB_PYTHON")
    if not directory:
        schema = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schema", "bbsnap.fbs")
        load_generated_code.tmp = tempfile.TemporaryDirectory(prefix="bbsnap-fb-")
        directory = load_generated_code.tmp.name
        subprocess.run(["flatc", "--python", "-o", directory, schema], check=True)
    sys.path.insert(0, directory)
    FB = {name: getattr(importlib.import_module(f"bbsnap.fb.{name}"), name) for name in FB_NAMES}


class Contents:
    """Reads one verified metadata buffer with the generated code, checking
    the rules of §5.1 as it goes: sorted keys, UTF-8, alignment, struct
    padding and the content budget, in the order of §7.3 step 5 (an element
    of a map: its own rules, then its key) and at the offsets it gives.
    Positions are buffer-relative."""

    def __init__(self, buf, section, base):
        self.buf, self.section, self.base = buf, section, base
        self.spent = 0

    def fail(self, message, pos):
        raise SnapshotError("malformed_section", self.section, self.base + pos, message)

    def spend(self, amount, pos):
        self.spent += amount
        if self.spent > len(self.buf):
            self.fail(f"content budget of {len(self.buf)} bytes exceeded", pos)

    def root(self, name):
        return FB[name].GetRootAs(self.buf, 0)

    @staticmethod
    def target(obj, field_id):
        """Buffer position of what an offset field points to (its string's
        length field, say), or None if absent."""
        o = obj._tab.Offset(4 + 2 * field_id)
        return obj._tab.Indirect(o + obj._tab.Pos) if o else None

    @staticmethod
    def vector_start(obj, field_id):
        """Buffer position of a vector field's first element, or None if absent."""
        o = obj._tab.Offset(4 + 2 * field_id)
        return obj._tab.Vector(o) if o else None

    def text(self, raw, pos, what):
        """A string the generated code returned (None if absent)."""
        if raw is None:
            return ""
        self.spend(5 + len(raw), pos)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fail(f"{what} is not valid UTF-8", pos)

    def bytes_field(self, obj, field_id, what):
        """A [ubyte] field: first byte on a 16-byte boundary when non-empty."""
        start = self.vector_start(obj, field_id)
        if start is None:
            return b""
        count = u32(self.buf, start - 4)
        self.spend(4 + count, start - 4)
        if count and start % 16:
            self.fail(f"{what} not 16-byte aligned", start)
        return bytes(self.buf[start:start + count])

    def array(self, obj, field_id, element_size, what):
        """A vector of u64 or 8-aligned structs: (first element, count)."""
        start = self.vector_start(obj, field_id)
        if start is None:
            return None, 0
        count = u32(self.buf, start - 4)
        self.spend(4 + element_size * count, start - 4)
        if count and start % 8:
            self.fail(f"{what} not 8-byte aligned", start)
        return start, count

    def u64s(self, obj, field_id, what):
        start, count = self.array(obj, field_id, 8, what)
        return [u64(self.buf, start + 8 * i) for i in range(count)]

    def element(self, pos):
        """The target of the uoffset at pos (a vector element)."""
        return pos + u32(self.buf, pos)

    def increasing(self, previous, key, pos, what):
        if previous is not None and key <= previous:
            self.fail(f"{what} not strictly increasing", pos)
        return key


def hexs(data):
    return data.hex()


def read_framework(c):
    fw = c.root("Framework")
    counters, previous = {}, None
    for j in range(fw.CountersLength()):
        counter = fw.Counters(j)
        raw = counter.Name()
        name = c.text(raw, c.target(counter, 0), "Counter.name")
        previous = c.increasing(previous, raw, counter._tab.Pos, "counters")
        counters[name] = counter.Value()
    start = c.vector_start(fw, 2)
    fired = [c.text(fw.FiredPhases(j), c.element(start + 4 * j), "fired_phases") for j in range(fw.FiredPhasesLength())]
    book = []
    for j in range(fw.AddressBookLength()):
        e = fw.AddressBook(j)
        book.append({
            "peer_id": hexs(c.bytes_field(e, 0, "AddressBookEntry.peer_id")),
            "addresses": [hexs(c.bytes_field(e.Addresses(k), 0, "Bytes.data")) for k in range(e.AddressesLength())],
            "ref_count": e.RefCount(),
        })
    governor = {"blocklist": [], "allowlist": None, "health": [], "failure_threshold": 0}
    g = fw.PeerGovernor()
    if g is not None:
        governor["blocklist"] = [hexs(c.bytes_field(g.Blocklist(k), 0, "Bytes.data"))
                                 for k in range(g.BlocklistLength())]
        if not g.AllowlistIsNone():
            governor["allowlist"] = [hexs(c.bytes_field(g.Allowlist(k), 0, "Bytes.data"))
                                     for k in range(g.AllowlistLength())]
        for k in range(g.HealthLength()):
            h = g.Health(k)
            governor["health"].append([hexs(c.bytes_field(h, 0, "PeerHealth.peer")), h.ConsecutiveFailures(),
                                       h.LastEventNs(), h.Down()])
        governor["failure_threshold"] = g.FailureThreshold()
    backoff = []
    for j in range(fw.BackoffTableLength()):
        b = fw.BackoffTable(j)
        backoff.append({"peer": hexs(c.bytes_field(b, 0, "BackoffEntry.peer")), "attempts": b.Attempts(),
                        "last_attempt_ns": b.LastAttemptNs(), "next_retry_ns": b.NextRetryNs()})
    outbound = []
    for j in range(fw.PendingOutboundLength()):
        p = fw.PendingOutbound(j)
        outbound.append({"envelope_bytes": hexs(c.bytes_field(p, 0, "PendingOutbound.envelope_bytes")),
                         "redelivered": p.Redelivered()})
    return {
        "counters": counters,
        "fired_phases": fired,
        "address_book": book,
        "peer_governor": governor,
        "backoff_table": backoff,
        "pending_outbound": outbound,
        "peer_id_bytes": hexs(c.bytes_field(fw, 7, "Framework.peer_id_bytes")),
        "next_command_id": fw.NextCommandId(),
        "next_exec_id": fw.NextExecId(),
        "spec_version": fw.SpecVersion(),
    }


def read_bus(c):
    bus = c.root("Bus")
    subscriptions, previous = {}, None
    for j in range(bus.EventSubscriptionsLength()):
        s = bus.EventSubscriptions(j)
        raw = s.EventKind()
        kind = c.text(raw, c.target(s, 0), "EventSubscription.event_kind")
        subscribers = c.u64s(s, 1, "EventSubscription.subscribers")
        previous = c.increasing(previous, raw, s._tab.Pos, "event_subscriptions")
        subscriptions[kind] = subscribers
    return {"event_subscriptions": subscriptions}


def named_bytes(c, nb):
    return [c.text(nb.Name(), c.target(nb, 0), "NamedBytes.name"), hexs(c.bytes_field(nb, 1, "NamedBytes.data"))]


def read_ingress(c):
    events = []
    ingress = c.root("Ingress")
    for j in range(ingress.EventsLength()):
        item = ingress.Events(j)
        variant = UNION_VARIANTS.get(item.EventType())
        table = item.Event()
        if variant is None or table is None:
            c.fail(f"ingress event {j}: event_type {item.EventType()} with {'no' if table is None else 'an'} event",
                   item._tab.Pos)
        e = FB[variant]()
        e.Init(table.Bytes, table.Pos)
        if variant == "Envelope":
            value = hexs(c.bytes_field(e, 0, "Envelope.bytes"))
        elif variant == "AppEvent":
            value = {"module_name": c.text(e.ModuleName(), c.target(e, 0), "AppEvent.module_name"),
                     "input_name": c.text(e.InputName(), c.target(e, 1), "AppEvent.input_name"),
                     "value_bytes": hexs(c.bytes_field(e, 2, "AppEvent.value_bytes"))}
        elif variant == "Invoke":
            value = {"module_name": c.text(e.ModuleName(), c.target(e, 0), "Invoke.module_name"),
                     "inputs": [named_bytes(c, e.Inputs(k)) for k in range(e.InputsLength())]}
        elif variant == "TimerMatured":
            value = {"at_ns": e.AtNs()}
        else:
            value = {"cmd_id": e.CmdId(),
                     "results": [hexs(c.bytes_field(e.Results(k), 0, "Bytes.data")) for k in range(e.ResultsLength())]}
        events.append({variant: value})
    return events


def read_pending_completions(c):
    root = c.root("PendingCompletions")
    out = []
    for j in range(root.EntriesLength()):
        p = root.Entries(j)
        out.append({"cmd_id": p.CmdId(), "results": [named_bytes(c, p.Results(k)) for k in range(p.ResultsLength())]})
    return out


def read_frontier(c):
    start, count = c.array(c.root("Frontier"), 0, 16, "Frontier.items")
    return [[u64(c.buf, start + 16 * i), u64(c.buf, start + 16 * i + 8)] for i in range(count)]


def read_pending_async(c):
    root = c.root("PendingAsyncTable")
    out, previous = {}, None
    for j in range(root.EntriesLength()):
        e = root.Entries(j)
        entry = {"op_ref": e.OpRef(), "exec_id": e.ExecId(),
                 "output_sites": c.u64s(e, 3, "PendingAsyncEntry.output_sites"), "deadline_ns": e.DeadlineNs()}
        previous = c.increasing(previous, e.CommandId(), e._tab.Pos, "pending_async command_id")
        out[str(e.CommandId())] = entry
    return out


def read_execution_state(c):
    start, count = c.array(c.root("ExecutionStateTable"), 0, 16, "ExecutionStateTable.entries")
    out, previous = {}, None
    for i in range(count):
        pos = start + 16 * i
        exec_id, outputs_written, padding = struct.unpack_from("<QII", c.buf, pos)
        if padding:
            c.fail("ExecutionStateEntry padding not zero", pos + 12)  # §7.3: at byte 12, whichever is nonzero
        previous = c.increasing(previous, exec_id, pos, "execution_state exec_id")
        out[str(exec_id)] = {"outputs_written": outputs_written}
    return out


def read_wire_states(c):
    root = c.root("WireStates")
    out, previous = {}, None
    for j in range(root.EntriesLength()):
        w = root.Entries(j)
        data = hexs(c.bytes_field(w, 1, "WireState.bytes"))
        previous = c.increasing(previous, w.Component(), w._tab.Pos, "wire_states component")
        out[str(w.Component())] = data
    return out


def read_slot_index(c, chunk_count):
    """§6.2: the chunk summaries, as ((first key), (last key), slot_count).
    The number of summaries is checked first, at the root table, then the
    vector (content budget, alignment), then each summary (§7.3)."""
    root = c.root("SlotIndex")
    if root.ChunksLength() != chunk_count:
        c.fail(f"{root.ChunksLength()} chunk summaries for {chunk_count} slot_chunk sections", root._tab.Pos)
    start, count = c.array(root, 0, 40, "SlotIndex.chunks")
    summaries = []
    for i in range(count):
        pos = start + 40 * i
        fs, fe, ls, le, slot_count = struct.unpack_from("<5Q", c.buf, pos)
        if slot_count == 0 or (ls, le) < (fs, fe):
            c.fail(f"chunk summary {i} is empty or inverted", pos)
        if summaries and summaries[-1][1] >= (fs, fe):
            c.fail(f"chunk summary {i} overlaps or precedes the one before", pos)
        summaries.append(((fs, fe), (ls, le), slot_count))
    return summaries


def read_slot_chunk(c, entry, summary):
    """§6.1, §6.3: the chunk's slots, checked against its summary and with
    value placement, in the order of §6.3 "Order of the chunk checks" (the
    step numbers below); values are hashed later (§7.3 step 6)."""
    root = c.root("SlotChunk")
    first, last, slot_count = summary
    if root.SlotsLength() != slot_count or slot_count == 0:  # 1.
        c.fail(f"{root.SlotsLength()} slots, the slot_index summary says {slot_count}", root._tab.Pos)
    start, count = c.array(root, 0, 48, "SlotChunk.slots")  # 2.
    if struct.unpack_from("<2Q", c.buf, start) != first or \
            struct.unpack_from("<2Q", c.buf, start + 48 * (count - 1)) != last:  # 3.
        c.fail("the first or last slot key differs from the slot_index summary", root._tab.Pos)
    slots, previous, cursor = [], None, 0
    for i in range(count):  # 4.
        pos = start + 48 * i
        site, exec_, value_offset, value_length, value_hash = struct.unpack_from("<5Q", c.buf, pos)
        previous = c.increasing(previous, (site, exec_), pos, "slot keys")
        has_value = c.buf[pos + 40]
        if has_value > 1:
            c.fail(f"slot ({site}, {exec_}): has_value {has_value}", pos + 40)
        if any(c.buf[pos + 41:pos + 48]):
            c.fail(f"slot ({site}, {exec_}): SlotEntry padding not zero", first_nonzero(c.buf, pos + 41, pos + 48))
        if not has_value:
            if value_offset or value_length or value_hash:
                c.fail(f"slot ({site}, {exec_}): None with a value offset, length or hash", pos)
        else:
            if value_offset != align_up(cursor):
                c.fail(f"slot ({site}, {exec_}): value at {value_offset}, expected {align_up(cursor)}", pos)
            if value_length > entry.payload_length - value_offset:  # rule 1 passed: value_offset <= payload_length
                c.fail(f"slot ({site}, {exec_}): value outside the payload area", pos)
            cursor = value_offset + value_length
        slots.append((site, exec_, has_value, value_offset, value_length, value_hash))
    if entry.payload_length != align_up(cursor):  # 5.
        c.fail(f"payload_length {entry.payload_length}, values end at {cursor}", root._tab.Pos)
    return slots


def value_hash_seed(version, begin):
    """§6.3: version 1 seeds a value's hash with its file offset, version 2
    with 0."""
    return begin if version == 1 else 0


def check_values(data, version, entry, slots):
    """§7.3 step 6: each present value's hash, then its padding."""
    out = []
    for site, exec_, has_value, value_offset, value_length, value_hash in slots:
        value = None
        if has_value:
            begin = entry.offset + value_offset
            end = begin + value_length
            computed = xxh3(data[begin:end], value_hash_seed(version, begin))
            if computed != value_hash:
                raise checksum_error(entry.name, begin, f"slot ({site}, {exec_}) value", value_hash, computed)
            bad_byte = first_nonzero(data, end, align_up(end))
            if bad_byte is not None:
                raise SnapshotError("nonzero_padding", entry.name, bad_byte, "nonzero byte after a slot value")
            value = hexs(bytes(data[begin:end]))
        out.append({"site": site, "exec": exec_, "value": value})
    return out


READERS = {1: read_framework, 2: read_bus, 3: read_ingress, 4: read_pending_completions, 5: read_frontier,
           8: read_pending_async, 9: read_execution_state, 10: read_wire_states}


# ---------------------------------------------------------------- full verification (FORMAT.md §7.3, §8.1)

def check_section(data, entries, i):
    """§7.3 steps 1..3 for entry i; returns its metadata buffer, or None
    for an unknown kind (nothing more to check)."""
    e = entries[i]
    end_prev = entries[i - 1].end if i else HEADER_SIZE
    bad_byte = first_nonzero(data, end_prev, e.offset)
    if bad_byte is not None:
        raise SnapshotError("nonzero_padding", e.name, bad_byte, "nonzero byte before the section")
    meta = data[e.meta_start:e.end]
    computed = xxh3(meta, xxh3(e.seed_bytes))
    if computed != e.checksum:
        raise checksum_error(e.name, e.meta_start, "metadata", e.checksum, computed)
    if not e.known:
        return None
    if e.kind != SLOT_CHUNK and e.payload_length:
        raise SnapshotError("malformed_section", e.name, e.offset, f"{e.name} section with a payload area")
    Verifier(meta, e.name, e.meta_start).root(ROOTS[e.kind])
    return meta


def read_snapshot(data, expected_spec_version=1):
    """Checks a whole file as FORMAT.md's full mode does; returns the state
    as the canonical JSON document (a dict in key order). An
    expected_spec_version of None accepts any spec_version."""
    data = memoryview(data)
    version, entries = check_container(data)
    chunks = [e for e in entries if e.kind == SLOT_CHUNK]
    index_pos = next(i for i, e in enumerate(entries) if e.kind == SLOT_INDEX)
    meta = check_section(data, entries, index_pos)
    summaries = read_slot_index(Contents(meta, "slot_index", entries[index_pos].meta_start), len(chunks))
    parts, chunk_slots = {}, []
    for i, e in enumerate(entries):
        if i == index_pos:
            continue
        meta = check_section(data, entries, i)
        if meta is None:
            continue
        c = Contents(meta, e.name, e.meta_start)
        if e.kind == SLOT_CHUNK:
            chunk_slots.append((e, read_slot_chunk(c, e, summaries[len(chunk_slots)])))
        else:
            parts[e.kind] = READERS[e.kind](c)
    slot_table = []
    for e, slots in chunk_slots:
        slot_table += check_values(data, version, e, slots)
    framework = parts[1]
    if expected_spec_version is not None and framework["spec_version"] != expected_spec_version:
        fw = next(e for e in entries if e.kind == 1)
        raise SnapshotError("spec_version_mismatch", "framework", fw.meta_start,
                            f"spec_version {framework['spec_version']}, expected {expected_spec_version}")
    return {
        "frontier": parts[5],
        "slot_table": slot_table,
        "pending_async": parts[8],
        "execution_state": parts[9],
        "framework": framework,
        "bus": parts[2],
        "ingress": parts[3],
        "wire_states": parts[10],
        "pending_completions": parts[4],
    }


def to_json(document):
    """STATE-JSON.md's canonical text: 2-space indentation, UTF-8 unescaped."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def read_path(path, expected_spec_version=1):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise SnapshotError("io", "", None, f"{path}: {e.strerror}") from None
    return read_snapshot(data, expected_spec_version)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Check a .bbsnap file and print its state as canonical JSON.")
    parser.add_argument("file")
    parser.add_argument("--fb-python", help="directory of the `flatc --python` code for schema/bbsnap.fbs")
    parser.add_argument("--spec-version", default="1", help="the spec_version to expect: a number (default 1) or any")
    args = parser.parse_args(argv)
    load_generated_code(args.fb_python)
    try:
        document = read_path(args.file, None if args.spec_version == "any" else int(args.spec_version))
    except SnapshotError as e:
        print(f"{args.file}: {e}", file=sys.stderr)
        return 1
    sys.stdout.buffer.write(to_json(document).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
