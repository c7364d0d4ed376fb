"""Hand-built files for the cross-check: what a buggy or hostile writer
could write, with every checksum valid, so that only the rules of FORMAT.md
decide. Each case names the verdict FORMAT.md gives it: "ok" or an error
code (the section and offset are compared with the C++ reader's, not listed
here). Cases that break two rules at once check the order of §7.3 and §6.3:
the rule checked first is the one both readers must report.

Metadata is built with the FlatBuffers Python Builder; `build_file` lays
sections out and seals them as FORMAT.md §2-§4 say.
"""

import struct

import flatbuffers

import bbsnap_read as bbsnap

U64_MAX = (1 << 64) - 1


# ---------------------------------------------------------------- files

def sections_of(data):
    """[kind, flags, payload, metadata] of each section of a valid file."""
    table_offset, count = struct.unpack_from("<QI", data, 24)
    out = []
    for i in range(count):
        kind, flags, offset, length, payload_length, _ = struct.unpack_from("<IIQQQQ", data, table_offset + 40 * i)
        out.append([kind, flags, data[offset:offset + payload_length], data[offset + payload_length:offset + length]])
    return out


def build_file(sections, version=bbsnap.FORMAT_VERSIONS[-1]):
    """Lays sections out (§4.1) and seals them (§2, §3) under a header of
    `version`."""
    out = bytearray(64)
    entries = []
    for kind, flags, payload, meta in sections:
        offset = bbsnap.align_up(len(out))
        out += bytes(offset - len(out)) + payload + meta
        entries.append(struct.pack("<IIQQQ", kind, flags, offset, len(payload) + len(meta), len(payload)))
    table_offset = bbsnap.align_up(len(out))
    out += bytes(table_offset - len(out))
    for entry, (_, _, _, meta) in zip(entries, sections):
        out += entry + struct.pack("<Q", bbsnap.xxh3(meta, bbsnap.xxh3(entry)))
    header = bbsnap.MAGIC + struct.pack("<IIQQII", version, 0, len(out), table_offset, len(sections), 0)
    header += struct.pack("<QQ", bbsnap.xxh3(bytes(out[table_offset:]), bbsnap.TABLE_SEED), 0)
    out[:64] = header + struct.pack("<Q", bbsnap.xxh3(header, bbsnap.HEADER_SEED))
    return bytes(out)


def metadata(base, kind):
    return next(s[3] for s in base if s[0] == kind)


def replaced(base, kind, meta=None, payload=b"", flags=1):
    """The base file's sections with the one of `kind` replaced."""
    return [[kind, flags, payload, meta] if s[0] == kind else s for s in base]


# ---------------------------------------------------------------- metadata

def table(b, fields):
    """A table from {field id: (type, value)}; type u8, bool, u32, u64 or
    off (an offset already built). Every given field is written, defaults
    included."""
    b.StartObject(max(fields, default=-1) + 1)
    prepend = {"u8": b.PrependUint8Slot, "bool": b.PrependBoolSlot, "u32": b.PrependUint32Slot,
               "u64": b.PrependUint64Slot, "off": b.PrependUOffsetTRelativeSlot}
    for field_id, (kind, value) in fields.items():
        prepend[kind](field_id, value, None)
    return b.EndObject()


def offsets(b, items):
    b.StartVector(4, len(items), 4)
    for item in reversed(items):
        b.PrependUOffsetTRelative(item)
    return b.EndVector()


def start_vector(b, element_size, count, alignment):
    """b.StartVector with the first element at exactly `alignment` modulo
    16 (4: 4-aligned but not 8-aligned), in the buffer and so in the file,
    where metadata starts on a 64-byte boundary. The builder writes back to
    front; Prep(16) makes Finish() align the buffer's end to 16."""
    b.Prep(16, element_size * count + alignment % 16)
    b.StartVector(element_size, count, 4)


def byte_vector(b, data, alignment=16):
    start_vector(b, 1, len(data), alignment)
    for byte in reversed(data):
        b.PrependUint8(byte)
    return b.EndVector()


def words(b, values, fmt="<Q", alignment=8):
    """A vector of u64s, or of structs given as tuples packed with fmt."""
    size = struct.calcsize(fmt)
    start_vector(b, size, len(values), alignment)
    for value in reversed(values):
        b.head -= size
        struct.pack_into(fmt, b.Bytes, b.head, *(value if isinstance(value, tuple) else (value,)))
    return b.EndVector()


def finish(b, root):
    b.Finish(root)
    return bytes(b.Output())


def framework(fields_of):
    """Framework metadata: spec_version 1 plus fields_of(builder)."""
    b = flatbuffers.Builder(256)
    fields = {0: ("u32", 1)}
    fields.update(fields_of(b))
    return finish(b, table(b, fields))


def counters(*names):
    def fields(b):
        return {1: ("off", offsets(b, [table(b, {0: ("off", b.CreateString(n)), 1: ("u64", 7)}) for n in names]))}
    return framework(fields)


def fired_phases_sharing_one_string(count, length):
    def fields(b):
        s = b.CreateString("x" * length)
        return {2: ("off", offsets(b, [s] * count))}
    return framework(fields)


def ingress_sharing_one_item(count):
    b = flatbuffers.Builder(256)
    event = table(b, {0: ("u64", 5)})  # TimerMatured
    item = table(b, {0: ("u8", 4), 1: ("off", event)})
    return finish(b, table(b, {0: ("off", offsets(b, [item] * count))}))


def ingress_item(event_type, with_event=True, event_fields=None):
    b = flatbuffers.Builder(256)
    event = table(b, {0: ("u64", 5)} if event_fields is None else event_fields)
    fields = {} if event_type is None else {0: ("u8", event_type)}
    if with_event:
        fields[1] = ("off", event)
    return finish(b, table(b, {0: ("off", offsets(b, [table(b, fields)]))}))


def wire_states_sharing_one_vector(count, length):
    b = flatbuffers.Builder(256)
    data = byte_vector(b, bytes(range(length)))
    entries = [table(b, {0: ("u32", i), 1: ("off", data)}) for i in range(count)]
    return finish(b, table(b, {0: ("off", offsets(b, entries))}))


def wire_states(*entries):
    """WireStates from (component, bytes, alignment of the bytes)."""
    b = flatbuffers.Builder(256)
    tables = [table(b, {0: ("u32", component), 1: ("off", byte_vector(b, data, alignment))})
              for component, data, alignment in entries]
    return finish(b, table(b, {0: ("off", offsets(b, tables))}))


def wire_state(data, alignment):
    return wire_states((3, data, alignment))


def pending_async(deadline_ns):
    b = flatbuffers.Builder(256)
    fields = {0: ("u64", 7), 3: ("off", words(b, [1, 2]))}
    if deadline_ns is not None:
        fields[4] = ("u64", deadline_ns)
    return finish(b, table(b, {0: ("off", offsets(b, [table(b, fields)]))}))


def pending_async_entries(*entries):
    """PendingAsyncTable from (command_id, alignment of output_sites [1, 2])."""
    b = flatbuffers.Builder(256)
    tables = [table(b, {0: ("u64", command_id), 3: ("off", words(b, [1, 2], alignment=alignment))})
              for command_id, alignment in entries]
    return finish(b, table(b, {0: ("off", offsets(b, tables))}))


def bus(*subscriptions):
    """Bus from (event_kind, alignment of subscribers [1, 2])."""
    b = flatbuffers.Builder(256)
    tables = [table(b, {0: ("off", b.CreateString(kind)), 1: ("off", words(b, [1, 2], alignment=alignment))})
              for kind, alignment in subscriptions]
    return finish(b, table(b, {0: ("off", offsets(b, tables))}))


def execution_state(*entries):
    """ExecutionStateTable from (exec_id, outputs_written, u32 of bytes 12..15)."""
    b = flatbuffers.Builder(256)
    return finish(b, table(b, {0: ("off", words(b, list(entries), "<QII"))}))


def peer_health_down(byte):
    return framework(lambda b: {4: ("off", table(b, {2: ("off", offsets(b, [table(b, {3: ("u8", byte)})]))}))})


def framework_with_extra_field():
    """A field id beyond the schema (a later version's field): ignored."""
    return framework(lambda b: {12: ("u64", 99)})


def empty_root():
    b = flatbuffers.Builder(64)
    return finish(b, table(b, {}))


def slot_sections(base, chunk_offset, slots, payload, summaries=None, slots_alignment=8, summaries_alignment=8,
                  version=bbsnap.FORMAT_VERSIONS[-1]):
    """A slot_index and one slot_chunk holding `slots`, (site, exec,
    value_offset, value_length, has_value, hash or None = the right one for
    format `version`);
    has_value is the u64 of entry bytes 40..47, so values above 0xFF set
    padding bytes. summaries: the index's (first_site, first_exec,
    last_site, last_exec, slot_count), by default the one matching slots."""
    entries = []
    for site, exec_, value_offset, value_length, has_value, value_hash in slots:
        if value_hash is None:
            value = payload[value_offset:value_offset + value_length]
            seed = bbsnap.value_hash_seed(version, chunk_offset + value_offset)
            value_hash = bbsnap.xxh3(value, seed) if has_value & 0xFF else 0
        entries.append((site, exec_, value_offset, value_length, value_hash, has_value))
    b = flatbuffers.Builder(256)
    chunk = finish(b, table(b, {0: ("off", words(b, entries, "<6Q", slots_alignment))}))
    if summaries is None:
        summaries = [(*slots[0][:2], *slots[-1][:2], len(slots))]
    b = flatbuffers.Builder(256)
    index = finish(b, table(b, {0: ("off", words(b, summaries, "<5Q", summaries_alignment))}))
    rest = [s for s in base if s[0] != bbsnap.SLOT_INDEX]
    return [[7, 1, payload, chunk], [6, 1, b"", index]] + rest


def assembled_framework(root=12, soffset=8, vtable=(6, 8, 4), table_at=12, fields=(1,), length=None):
    """A Framework buffer assembled byte by byte (FORMAT.md Appendix A), not
    by a FlatBuffers builder, so that each encoding rule can be broken
    alone: the root uoffset at 0, a vtable (u16s: its size, the table's
    size, field offsets) at 4, a table at `table_at` (its soffset, then one
    u32 per value of `fields`, spec_version first). The defaults are a valid
    buffer: spec_version 1, the vtable before the table."""
    vt = struct.pack(f"<{len(vtable)}H", *vtable)
    out = bytearray(max(4 + len(vt), table_at + 4 + 4 * len(fields)))
    struct.pack_into("<I", out, 0, root)
    out[4:4 + len(vt)] = vt
    struct.pack_into("<i", out, table_at, soffset)
    for i, value in enumerate(fields):
        struct.pack_into("<I", out, table_at + 4 + 4 * i, value)
    return bytes(out if length is None else out[:length])


def with_table_field(uoffset):
    """An assembled Framework whose field 4 (a table) is the uoffset given,
    stored at table offset 8 (buffer position 28)."""
    return assembled_framework(root=20, soffset=16, vtable=(14, 12, 4, 0, 0, 0, 8), table_at=20, fields=(1, uoffset))


def patched(data, old, new):
    """`data` with its one occurrence of `old` replaced by `new` (same size)."""
    assert data.count(old) == 1 and len(old) == len(new)
    return data.replace(old, new)


def appendix_a_cases(base):
    """One rule of FORMAT.md Appendix A broken at a time (and its valid
    twins): validity is defined by that appendix, not by one FlatBuffers
    version's Verifier, and these pin each rule for every version the
    reference builds with."""
    framework_case = lambda name, verdict, meta: (name, verdict, build_file(replaced(base, 1, meta)))  # noqa: E731
    vtable_after = bytearray(20)
    struct.pack_into("<IiI3H", vtable_after, 0, 4, -8, 1, 6, 8, 4)  # root 4; table at 4; vtable at 12
    no_field_table = struct.pack("<IiHH", 4, -4, 4, 4)  # 12 bytes: a table without fields, its vtable after it
    counter = counters("ab")
    subscribed = wire_state(b"\x01\x02", 16)
    return [
        framework_case("assembled: vtable before the table", "ok", assembled_framework()),
        framework_case("assembled: vtable after the table (negative soffset)", "ok", bytes(vtable_after)),
        framework_case("assembled: the vtable's table_size is not checked", "ok", assembled_framework(vtable=(6, 0xFFFC, 4))),
        framework_case("assembled: a vtable without field entries (spec_version absent)", "spec_version_mismatch",
                       assembled_framework(vtable=(4, 8))),
        framework_case("assembled: root uoffset 0", "malformed_section", assembled_framework(root=0)),
        framework_case("assembled: root uoffset past the end", "malformed_section", assembled_framework(root=100)),
        framework_case("assembled: root uoffset of 2^31", "malformed_section", assembled_framework(root=1 << 31)),
        framework_case("assembled: table not 4-aligned", "malformed_section",
                       assembled_framework(root=13, table_at=13, soffset=9)),
        framework_case("assembled: soffset outside the buffer", "malformed_section", assembled_framework(soffset=-64)),
        framework_case("assembled: vtable not 2-aligned", "malformed_section", assembled_framework(soffset=7)),
        framework_case("assembled: vtable_size odd", "malformed_section", assembled_framework(vtable=(7, 8, 4))),
        framework_case("assembled: vtable past the end", "malformed_section", assembled_framework(vtable=(64, 8, 4))),
        # A vtable_size below 4 leaves no room for field entries, and even the
        # table_size u16 may lie past it: every field reads as absent.
        framework_case("assembled: vtable_size 2", "spec_version_mismatch", assembled_framework(vtable=(2, 8, 4))),
        framework_case("assembled: vtable_size 0", "spec_version_mismatch", assembled_framework(vtable=(0, 8, 4))),
        framework_case("assembled: spec_version not 4-aligned", "malformed_section",
                       assembled_framework(vtable=(6, 8, 5), fields=(0x100, 0))),
        framework_case("assembled: spec_version past the end", "malformed_section", assembled_framework(vtable=(6, 8, 40))),
        framework_case("assembled: 11 bytes", "malformed_section", assembled_framework(length=11)),
        ("assembled: 12 bytes, a table without fields", "ok", build_file(replaced(base, 10, no_field_table))),
        framework_case("counter name without its NUL", "malformed_section", patched(counter, b"ab\0", b"abc")),
        framework_case("counter without its required name", "malformed_section",
                       framework(lambda b: {1: ("off", offsets(b, [table(b, {1: ("u64", 7)})]))})),
        framework_case("assembled: a table field's uoffset of 2^31", "malformed_section", with_table_field(1 << 31)),
        framework_case("assembled: a table field's uoffset 0", "malformed_section", with_table_field(0)),
        framework_case("assembled: a table field's uoffset past the end", "malformed_section", with_table_field(64)),
        ("wire state bytes longer than the buffer", "malformed_section", build_file(replaced(
            base, 10, patched(subscribed, struct.pack("<I", 2) + b"\x01\x02", struct.pack("<I", 1 << 20) + b"\x01\x02")))),
        ("wire state bytes of 2^31 - 1 elements", "malformed_section", build_file(replaced(
            base, 10, patched(subscribed, struct.pack("<I", 2) + b"\x01\x02", struct.pack("<I", (1 << 31) - 1) + b"\x01\x02")))),
    ]


# ---------------------------------------------------------------- cases

def boundary_cases(base):
    """Sharing around the limits of FORMAT.md §10: max_tables (visits of one
    shared ingress item) and the content budget (visits of one shared
    string, counted as §5.1 says: strings, byte vectors and vectors of u64
    or structs; not the vectors of offsets). No verdict is listed: both
    readers must agree at every count."""
    out = []
    for count in range(2, 48):
        out.append((f"{count} ingress events sharing one item", None,
                    build_file(replaced(base, 3, ingress_sharing_one_item(count)))))
        for length in (0, 3):
            out.append((f"{count} fired phases sharing one string of {length} bytes", None,
                        build_file(replaced(base, 1, fired_phases_sharing_one_string(count, length)))))
    return out


def cases(empty_file):
    """(name, expected verdict, file bytes) built on the empty state's file.
    Section kinds by number: 1 framework, 2 bus, 3 ingress, 5 frontier, 6
    slot_index, 7 slot_chunk, 8 pending_async, 9 execution_state, 10
    wire_states."""
    base = sections_of(empty_file)
    value = b"\x01\x02\x03" + bytes(61)
    huge = U64_MAX - 63 + 1  # value_offset 64 + this wraps to 1 in u64 arithmetic
    out = [
        ("empty file", "truncated", b""),
        ("magic only", "truncated", bbsnap.MAGIC),
        ("one byte x", "bad_magic", b"x"),
        ("4 bytes of the magic", "truncated", bbsnap.MAGIC[:4]),
        ("one byte appended", "malformed_section", empty_file + b"\0"),
        ("one byte missing", "truncated", empty_file[:-1]),
        ("no sections", "missing_section", build_file([])),
        ("framework required bit clear", "ok", build_file([[k, 0 if k == 1 else f, p, m] for k, f, p, m in base])),
        ("framework with a payload area", "malformed_section", build_file(replaced(base, 1, metadata(base, 1), bytes(64)))),
        ("second frontier", "malformed_section", build_file(base + [[5, 1, b"", metadata(base, 5)]])),
        ("kind 0", "malformed_section", build_file(base + [[0, 0, b"", metadata(base, 5)]])),
        ("optional kind 11 with a payload", "ok", build_file(base + [[11, 0, b"\xff" * 64, b"anything"]])),
        ("required kind 11", "unsupported_feature", build_file(base + [[11, 1, b"", b"anything"]])),
        ("metadata of 8 bytes", "malformed_section", build_file(replaced(base, 10, bytes(8)))),
        ("no metadata", "malformed_section", build_file(replaced(base, 10, b""))),
        ("framework without fields: spec_version 0", "spec_version_mismatch", build_file(replaced(base, 1, empty_root()))),
        ("framework: only spec_version 1", "ok", build_file(replaced(base, 1, framework(lambda b: {})))),
        ("framework: allowlist present and empty", "ok", build_file(replaced(base, 1, framework(
            lambda b: {4: ("off", table(b, {1: ("off", offsets(b, []))}))})))),
        ("framework: a field id beyond the schema", "ok", build_file(replaced(base, 1, framework_with_extra_field()))),
        ("slot_index without its vector", "ok", build_file(replaced(base, 6, empty_root()))),
        ("counters in bytewise order", "ok", build_file(replaced(base, 1, counters(
            "", "a", "a\0", "b", "z", "\u00e9", "\uff61", "\U00010000", "\U0010ffff")))),
        ("counters in UTF-16 order", "malformed_section", build_file(replaced(base, 1, counters("\U00010000", "\uff61")))),
        ("counter twice", "malformed_section", build_file(replaced(base, 1, counters("a", "a")))),
        ("counter name overlong NUL", "malformed_section", build_file(replaced(base, 1, counters(b"\xc0\x80")))),
        ("counter name surrogate", "malformed_section", build_file(replaced(base, 1, counters(b"\xed\xa0\x80")))),
        ("counter name above U+10FFFF", "malformed_section", build_file(replaced(base, 1, counters(b"\xf4\x90\x80\x80")))),
        ("counter name truncated sequence", "malformed_section", build_file(replaced(base, 1, counters(b"a\xc3")))),
        ("64 fired phases sharing one string", "malformed_section",
         build_file(replaced(base, 1, fired_phases_sharing_one_string(64, 100)))),
        ("2 fired phases sharing one string", "ok", build_file(replaced(base, 1, fired_phases_sharing_one_string(2, 3)))),
        ("200 ingress events sharing one item", "malformed_section", build_file(replaced(base, 3, ingress_sharing_one_item(200)))),
        ("3 ingress events sharing one item", "ok", build_file(replaced(base, 3, ingress_sharing_one_item(3)))),
        ("ingress event_type 0", "malformed_section", build_file(replaced(base, 3, ingress_item(0)))),
        ("ingress event_type absent", "malformed_section", build_file(replaced(base, 3, ingress_item(None)))),
        ("ingress AppEvent without fields", "ok", build_file(replaced(base, 3, ingress_item(2, event_fields={})))),
        ("ingress event_type 6", "malformed_section", build_file(replaced(base, 3, ingress_item(6)))),
        ("ingress TimerMatured without its table", "malformed_section",
         build_file(replaced(base, 3, ingress_item(4, with_event=False)))),
        ("ingress Envelope without its table", "malformed_section",
         build_file(replaced(base, 3, ingress_item(1, with_event=False)))),
        ("10 wire states sharing one vector", "malformed_section",
         build_file(replaced(base, 10, wire_states_sharing_one_vector(10, 64)))),
        ("wire state bytes 16-aligned", "ok", build_file(replaced(base, 10, wire_state(b"\x01\x02", 16)))),
        ("wire state bytes 4-aligned", "malformed_section", build_file(replaced(base, 10, wire_state(b"\x01\x02", 4)))),
        ("PeerHealth.down stored as 2", "ok", build_file(replaced(base, 1, peer_health_down(2)))),
        ("deadline_ns Some(0)", "ok", build_file(replaced(base, 8, pending_async(0)))),
        ("deadline_ns None", "ok", build_file(replaced(base, 8, pending_async(None)))),
        ("slots: value, None, empty at the payload's end", "ok", build_file(slot_sections(
            base, 64, [(1, 1, 0, 3, 1, None), (1, 2, 0, 0, 0, None), (1, 3, 64, 0, 1, None)], value))),
        ("slots: only None, payload area of 64 zero bytes", "malformed_section", build_file(slot_sections(
            base, 64, [(1, 1, 0, 0, 0, None)], bytes(64)))),
        ("slots: None with a value_length", "malformed_section", build_file(slot_sections(
            base, 64, [(1, 1, 0, 3, 0, 0)], b""))),
        ("slots: has_value 2", "malformed_section", build_file(slot_sections(base, 64, [(1, 1, 0, 3, 2, None)], value))),
        ("slots: value_length wrapping around 2^64", "malformed_section", build_file(slot_sections(
            base, 64, [(1, 1, 0, 1, 1, None), (1, 2, 64, huge, 1, 0)], value))),
        ("slots: value past the payload area", "malformed_section", build_file(slot_sections(
            base, 64, [(1, 1, 0, 65, 1, 0)], value))),
        ("slot_index: a summary whose last key is below its first", "malformed_section", build_file(slot_sections(
            base, 64, [(2, 1, 0, 0, 0, None), (1, 1, 0, 0, 0, None)], b""))),
        ("slots: nonzero byte after a value", "nonzero_padding", build_file(slot_sections(
            base, 64, [(1, 1, 0, 3, 1, None)], value[:3] + b"\x01" + value[4:]))),
        ("format version 1: value hashes seeded with their offsets", "ok", build_file(slot_sections(
            base, 64, [(1, 1, 0, 3, 1, None), (1, 3, 64, 0, 1, None)], value, version=1), version=1)),
        ("format version 1 header over version 2 value hashes", "checksum_mismatch", build_file(slot_sections(
            base, 64, [(1, 1, 0, 3, 1, None)], value, version=2), version=1)),
        ("format version 2 header over version 1 value hashes", "checksum_mismatch", build_file(slot_sections(
            base, 64, [(1, 1, 0, 3, 1, None)], value, version=1), version=2)),
        ("format version 0", "unsupported_format_version", build_file(base, version=0)),
        ("format version 3", "unsupported_format_version", build_file(base, version=3)),
    ]
    return out + order_cases(base, value) + boundary_cases(base) + appendix_a_cases(base)


def order_cases(base, value):
    """Files breaking two rules (or one, as a reference): the order of
    §7.3 step 5 and §6.3 decides which one is reported, and where."""
    none = [(1, 1, 0, 0, 0, None), (3, 1, 0, 0, 0, None), (2, 1, 0, 0, 0, None)]  # the last two out of order
    malformed = "malformed_section"

    def slots(name, slot_list, payload=b"", **options):
        return (f"slots: {name}", malformed, build_file(slot_sections(base, 64, slot_list, payload, **options)))

    return [
        ("slot_index: two summaries for one chunk, vector 4 bytes off", malformed, build_file(slot_sections(
            base, 64, none[:1], b"", summaries=[(1, 1, 1, 1, 1), (2, 1, 2, 1, 1)], summaries_alignment=4))),
        ("slot_index: vector 4 bytes off", malformed, build_file(slot_sections(
            base, 64, none[:1], b"", summaries_alignment=4))),
        slots("count differs from the summary, vector 4 bytes off", none[:1], summaries=[(1, 1, 1, 1, 2)],
              slots_alignment=4),
        slots("vector 4 bytes off", none[:1], slots_alignment=4),
        slots("keys out of order", none),
        slots("first key differs from the summary, keys out of order", none, summaries=[(0, 1, 2, 1, 3)]),
        slots("last key differs from the summary", none[:2], summaries=[(1, 1, 4, 1, 2)]),
        slots("keys out of order, has_value 2", none[:2] + [(2, 1, 0, 0, 2, 0)]),
        slots("has_value 2, padding byte 41 nonzero", [(1, 1, 0, 0, 2 | 1 << 8, 0)]),
        slots("padding bytes 44 and 46 nonzero", [(1, 1, 0, 0, 1 << 32 | 1 << 48, 0)]),
        slots("None with a value_hash, padding byte 47 nonzero", [(1, 1, 0, 0, 1 << 56, 5)]),
        slots("value at payload offset 64, expected 0", [(1, 1, 64, 3, 1, None)], bytes(64) + value),
        slots("value past the payload area, which is longer than the values", [(1, 1, 0, 129, 1, 0)],
              value + bytes(64)),
        ("counters out of order, the later name not UTF-8", malformed, build_file(replaced(base, 1, counters(
            "b", b"a\xff")))),
        ("counter name without its NUL terminator", malformed, build_file(replaced(base, 1, counters(
            "abc").replace(b"abc\0", b"abcd")))),
        ("bus: event kinds out of order, the later one's subscribers 4 bytes off", malformed, build_file(replaced(
            base, 2, bus(("b", 8), ("a", 4))))),
        ("bus: event kinds out of order", malformed, build_file(replaced(base, 2, bus(("b", 8), ("a", 8))))),
        ("bus: event kinds out of order, the later one not UTF-8", malformed, build_file(replaced(
            base, 2, bus(("b", 8), (b"a\xc3", 8))))),
        ("pending_async: out of order, the later one's output_sites 4 bytes off", malformed, build_file(replaced(
            base, 8, pending_async_entries((7, 8), (3, 4))))),
        ("pending_async: out of order", malformed, build_file(replaced(
            base, 8, pending_async_entries((7, 8), (3, 8))))),
        ("execution_state: out of order, padding byte 14 of the later one nonzero", malformed, build_file(replaced(
            base, 9, execution_state((5, 1, 0), (4, 1, 1 << 16))))),
        ("execution_state: padding byte 15 nonzero", malformed, build_file(replaced(
            base, 9, execution_state((5, 1, 1 << 24))))),
        ("execution_state: out of order", malformed, build_file(replaced(
            base, 9, execution_state((5, 1, 0), (5, 2, 0))))),
        ("wire_states: out of order, the later one's bytes 4 bytes off", malformed, build_file(replaced(
            base, 10, wire_states((3, b"\x01", 16), (2, b"\x02", 4))))),
        ("wire_states: out of order", malformed, build_file(replaced(
            base, 10, wire_states((3, b"\x01", 16), (3, b"\x02", 16))))),
        ("wire_states: bytes 8 bytes off", malformed, build_file(replaced(base, 10, wire_state(b"\x01\x02", 8)))),
    ]
