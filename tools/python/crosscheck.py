#!/usr/bin/python3
"""Cross-checks the independent Python reader (bbsnap_read.py) against the
C++ library, as the meson test `python_reader` runs it:

1. golden files: every test/golden/v*/NAME.bbsnap reads as NAME.json, byte
   for byte, in Python and in the C++ dump;
2. random states: the C++ writer's files for random_state(seed) with several
   slots_per_chunk values read as the same JSON in Python and C++;
3. damage: one byte flipped in each part of a file (header, table, each
   section's metadata and payload, padding) of the golden files and of two
   random ones is refused by both readers;
4. resealed damage: bytes of the golden files changed and every checksum
   recomputed, so that the structural rules (FlatBuffers, §5, §6) are what
   refuses the file: both readers accept with equal JSON, or both refuse;
   with --damage-random N, 3 and 4 also damage N random files;
5. crafted files (crafted.py): what a buggy or hostile writer could write,
   each with the verdict FORMAT.md gives it; both readers must give it.

Whenever both readers refuse a file, they must report the same error code,
the same section and the same byte offset: FORMAT.md §7 fixes the order of
the checks and what each one reports, so a difference in any of the three
is a divergence.

    crosscheck.py --tool GOLDEN_TOOL --dump BBSNAP --golden DIR [--fb-python DIR] [--seeds N] ...

The C++ JSON of 1 and 2 is `bbsnap dump` (tools/: streams from the mapping);
that of 3, 4 and 5 is test/golden/golden_tool's (to_model, json::write_state),
which reads many files in one process.
"""

import argparse
import glob
import itertools
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bbsnap_read as bbsnap  # noqa: E402
import crafted  # noqa: E402

RANDOM_RESEALS = 400  # resealed mutations per random file with --damage-random
BATCH = 1000  # damaged files on disk and in one C++ process at a time


class Checker:
    """Runs the C++ side and collects failures.

    A verdict is (True, json_text) for an accepted file, or
    (False, (code, section, offset), error_line) for a refused one."""

    def __init__(self, tool, dump):
        self.tool, self.dump = tool, dump
        self.failures = []

    def fail(self, message):
        self.failures.append(message)
        print("FAIL", message, file=sys.stderr)

    def cpp_dump(self, path):
        """The C++ verdict on one file from `bbsnap dump` (any spec_version)."""
        run = subprocess.run([self.dump, "dump", path], capture_output=True)
        if run.returncode == 0:
            return True, run.stdout.decode()
        line = run.stderr.decode().strip()
        line = line[line.find(path + ": ") + len(path) + 2:] if path + ": " in line else line
        if run.returncode < 0:
            return False, ("crash", "", None), f"bbsnap dump crashed (signal {-run.returncode})"
        return False, parse_cpp_error(line), line

    def cpp_verdicts(self, paths):
        """{path: verdict} for many files, in one C++ process (one more
        after each file it crashes on)."""
        verdicts = {}
        while len(verdicts) < len(paths):
            rest = paths[len(verdicts):]
            run = subprocess.run([self.tool, "verdicts", *rest], capture_output=True)
            for line in run.stdout.decode().splitlines():
                path, result = line.split("\t", 1)
                if result == "ok":
                    verdicts[path] = True, open(path + ".cpp.json", encoding="utf-8").read()
                else:
                    verdicts[path] = False, parse_cpp_error(result), result
            if run.returncode != 0:
                crashed = rest[len(run.stdout.decode().splitlines())]
                verdicts[crashed] = False, ("crash", "", None), f"the C++ reader crashed (exit {run.returncode})"
        return verdicts

    def compare(self, where, py, cpp):
        """True if the two verdicts agree (same JSON text, or same error
        code, section and offset)."""
        if py[0] and cpp[0]:
            if json.loads(py[1]) != json.loads(cpp[1]):
                self.fail(f"{where}: Python and C++ read different states")
            elif py[1] != cpp[1]:
                self.fail(f"{where}: same state, different JSON text")
            else:
                return True
        elif py[0] or cpp[0]:
            self.fail(f"{where}: {'Python' if py[0] else 'C++'} accepts it, "
                      f"{'C++' if py[0] else 'Python'} refuses it: {(cpp if py[0] else py)[2]}")
        elif py[1] != cpp[1]:
            self.fail(f"{where}:\n    Python: {py[2]}\n    C++:    {cpp[2]}")
        else:
            return True
        return False


def py_verdict(data, spec_version=1):
    try:
        return True, bbsnap.to_json(bbsnap.read_snapshot(data, spec_version))
    except bbsnap.SnapshotError as e:
        return False, (e.code, e.section, e.offset), str(e)


def parse_cpp_error(line):
    """(code, section, offset) of a C++ Error::to_string() line."""
    head = line.split(": ", 1)[0]
    code, _, rest = head.partition(" in section ")
    section, _, offset = rest.partition(" at offset ")
    if not rest:
        code, _, offset = head.partition(" at offset ")
    return code, section, int(offset) if offset else None


# ---------------------------------------------------------------- 1, 2: the same JSON

def check_golden(checker, golden_dir):
    files = sorted(glob.glob(os.path.join(golden_dir, "v*", "*.bbsnap")))
    if not files:
        checker.fail(f"no golden files in {golden_dir}")
    for path in files:
        expected = open(path[: -len(".bbsnap")] + ".json", encoding="utf-8").read()
        py = py_verdict(open(path, "rb").read())
        if py != (True, expected):
            checker.fail(f"{path}: the Python reader does not read the committed JSON: {py[-1][:200]}")
        checker.compare(path, py, checker.cpp_dump(path))
    return len(files)


def check_random(checker, tmp, seeds, chunkings):
    """Both readers read the same JSON (any spec_version, as `bbsnap dump`
    does: it is not 1 in one random state out of eight)."""
    subprocess.run([checker.tool, "write-random", tmp, str(seeds), chunkings], check=True)
    paths = sorted(glob.glob(os.path.join(tmp, "seed*.bbsnap")))
    for path in paths:
        py = py_verdict(open(path, "rb").read(), spec_version=None)
        if not py[0]:
            checker.fail(f"{path}: the Python reader refused the C++ writer's file: {py[2]}")
        checker.compare(path, py, checker.cpp_dump(path))
    return paths


# ---------------------------------------------------------------- 3, 4: damaged files

def layout(data):
    """(table_offset, entries) read without any check, for placing damage;
    entries is empty when the table does not fit in the file."""
    table_offset, count = struct.unpack_from("<QI", data, 24)
    if table_offset + 40 * count > len(data):
        return table_offset, []
    return table_offset, [bbsnap.Entry(data, i, table_offset + 40 * i) for i in range(count)]


def one_flip_per_part(data):
    """(label, offset): one byte in each part of a valid file."""
    table_offset, entries = layout(data)
    flips = [("header", 20), ("section_table", table_offset + 9)]
    end_prev = 64
    for e in entries:
        if e.offset > end_prev:
            flips.append((f"gap before {e.name}", end_prev))
        if e.payload_length:
            flips.append((f"{e.name} payload", e.offset))
            flips.append((f"{e.name} payload end", e.meta_start - 1))
        flips.append((f"{e.name} metadata", e.meta_start + (e.length - e.payload_length) // 2))
        end_prev = e.end
    if table_offset > end_prev:
        flips.append(("gap before the table", table_offset - 1))
    return flips


def reseal(data):
    """Recomputes every metadata, table and header checksum (bytearray, in
    place), where the declared ranges allow."""
    table_offset, entries = layout(data)
    for e in entries:
        if e.meta_start <= e.end <= len(data):
            seed = bbsnap.xxh3(bytes(data[e.pos:e.pos + 32]))
            struct.pack_into("<Q", data, e.pos + 32, bbsnap.xxh3(bytes(data[e.meta_start:e.end]), seed))
    struct.pack_into("<Q", data, 40, bbsnap.xxh3(bytes(data[table_offset:]), bbsnap.TABLE_SEED))
    struct.pack_into("<Q", data, 56, bbsnap.xxh3(bytes(data[:56]), bbsnap.HEADER_SEED))


def resealed_mutations(data, stride):
    """Yields (label, bytes): every stride-th byte outside the checksum
    fields, changed by one of a few masks, then resealed."""
    table_offset, entries = layout(data)
    checksum_bytes = set(range(40, 48)) | set(range(56, 64))
    for e in entries:
        checksum_bytes |= set(range(e.pos + 32, e.pos + 40))
    masks = (0x01, 0x80, 0xFF, 0x10, 0x04)
    for n, pos in enumerate(p for p in range(len(data)) if p not in checksum_bytes):
        if n % stride:
            continue
        mask = masks[(n // stride) % len(masks)]
        damaged = bytearray(data)
        damaged[pos] ^= mask
        reseal(damaged)
        yield f"byte {pos} ^ {mask:#04x}, resealed", bytes(damaged)


def spread(paths, count):
    """`count` of the paths, evenly spaced over them (so over the seeds and
    chunkings)."""
    if count <= 0:
        return []
    step = max(1, len(paths) // count)
    return paths[::step][:count]


def compare_verdicts(checker, tmp, cases):
    """Writes the damaged files of `cases` (an iterable of (label, bytes)),
    BATCH at a time, reads each with both readers, compares.
    Returns (files, agreeing refusals, agreeing acceptances)."""
    cases = iter(cases)
    files = refused = accepted = 0
    while batch := list(itertools.islice(cases, BATCH)):
        paths = [os.path.join(tmp, f"damaged{files + i}.bbsnap") for i in range(len(batch))]
        files += len(batch)
        for (label, data), path in zip(batch, paths):
            with open(path, "wb") as f:
                f.write(data)
        cpp = checker.cpp_verdicts(paths)
        for (label, data), path in zip(batch, paths):
            py = py_verdict(data)
            if checker.compare(f"{os.path.basename(path)} ({label})", py, cpp[path]):
                accepted += py[0]
                refused += not py[0]
            os.remove(path)
            if cpp[path][0]:
                os.remove(path + ".cpp.json")
    return files, refused, accepted


def check_crafted(checker, tmp, empty_file):
    """5. hand-built files: the Python verdict is the one FORMAT.md gives,
    and the C++ reader's is the same (code, section and offset)."""
    built = crafted.cases(empty_file)
    for name, expected, data in built:
        py = py_verdict(data)
        if expected and (py[1][0] if not py[0] else "ok") != expected:
            checker.fail(f"crafted '{name}': FORMAT.md says {expected}, the Python reader says {py[-1][:200]}")
    _, refused, accepted = compare_verdicts(checker, tmp, [(f"crafted: {name}", data) for name, _, data in built])
    return refused, accepted


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tool", required=True, help="test/golden/golden_tool")
    parser.add_argument("--dump", required=True, help="the bbsnap command (tools/), for `bbsnap dump`")
    parser.add_argument("--golden", required=True, help="test/golden")
    parser.add_argument("--fb-python", help="the `flatc --python` code (default: generated now)")
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--chunkings", default="1,3,4096", help="slots_per_chunk values for the random files")
    parser.add_argument("--reseal-stride", type=int, default=7, help="reseal every K-th byte of the golden files")
    parser.add_argument("--damage-random", type=int, default=0, metavar="N",
                        help=f"damage N more random files, spread over the seeds: one flip per part and about "
                             f"{RANDOM_RESEALS} resealed mutations each")
    args = parser.parse_args()
    bbsnap.load_generated_code(args.fb_python)
    checker = Checker(os.path.abspath(args.tool), os.path.abspath(args.dump))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bbsnap-crosscheck-") as tmp:
        golden = check_golden(checker, args.golden)
        print(f"golden: {golden} files read alike ({time.monotonic() - started:.1f} s)")
        paths = check_random(checker, tmp, args.seeds, args.chunkings)
        print(f"random: {len(paths)} files read alike ({time.monotonic() - started:.1f} s)")

        golden_files = sorted(glob.glob(os.path.join(args.golden, "v*", "*.bbsnap")))
        damaged_random = spread(paths, args.damage_random)
        sources = golden_files + [p for p in paths if os.path.basename(p) in ("seed2-spc3.bbsnap", "seed5-spc1.bbsnap")]
        sources += [p for p in damaged_random if p not in sources]
        flips = []
        for source in sources:
            data = open(source, "rb").read()
            for label, offset in one_flip_per_part(data):
                damaged = bytearray(data)
                damaged[offset] ^= 0x5A
                flips.append((f"{os.path.basename(source)}: {label}, byte {offset}", bytes(damaged)))
        files, refused, _ = compare_verdicts(checker, tmp, flips)
        print(f"damage: {files} one-byte flips, {refused} refused alike "
              f"({time.monotonic() - started:.1f} s)")

        def resealed(source):
            data = open(source, "rb").read()
            stride = args.reseal_stride if source in golden_files else max(1, len(data) // RANDOM_RESEALS)
            for label, damaged in resealed_mutations(data, stride):
                yield f"{os.path.basename(source)}: {label}", damaged

        files, refused, accepted = compare_verdicts(
            checker, tmp, itertools.chain.from_iterable(map(resealed, golden_files + damaged_random)))
        print(f"resealed: {files} files, {refused} refused alike, {accepted} accepted alike "
              f"({time.monotonic() - started:.1f} s)")
        empty = open(os.path.join(args.golden, "v1", "empty.bbsnap"), "rb").read()
        refused, accepted = check_crafted(checker, tmp, empty)
        print(f"crafted: {refused} refused alike, {accepted} accepted alike ({time.monotonic() - started:.1f} s)")
    if checker.failures:
        print(f"{len(checker.failures)} failures", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
