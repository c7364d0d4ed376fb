// Damaged files: every kind of damage a snapshot file can suffer (a flipped
// byte anywhere, bytes swapped or moved, a structural lie in the header or the
// section table, truncation, trailing bytes, a newer writer's sections) is
// refused with an error that names what was damaged and where.
//
// Structural lies are built with their header and table checksums recomputed
// (XXH3_64bits_withSeed as documented in format.h, reimplemented here from the
// documentation), so that the structural check, not a checksum, refuses them.
//
// `bbsnap diff` meets every flipped bit too, on either side: through its
// comparison in-process (tools/state_diff.h) and, for a sample, as the
// command.
#include <catch2/catch.hpp>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "cli/subprocess.h"
#include "common.h"
#include "container_builder.h"
#include "random_state.h"
#include "require_ok.h"
#include "state_diff.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::full_example_state;
using bbsnap::testing::random_state;
using namespace bbsnap::testing;
using format::Header;
using format::SectionEntry;

namespace {

constexpr std::uint64_t kHeaderSize = sizeof(Header);
constexpr std::uint64_t k2Pow63 = std::uint64_t{1} << 63;

// ---------------------------------------------------------------- encoding

Bytes encode(const TransientSnapshot& state, std::uint32_t slots_per_chunk) {
  WriteOptions options;
  options.slots_per_chunk = slots_per_chunk;
  Result<AlignedBuffer> bytes = encode_snapshot(state, options);
  REQUIRE_OK(bytes);
  return Bytes(bytes->span().begin(), bytes->span().end());
}

// The names errors use, spelled out here rather than taken from the library.
std::string kind_name(std::uint32_t kind) {
  static const char* const names[] = {nullptr,        "framework",     "bus",
                                      "ingress",      "pending_completions", "frontier",
                                      "slot_index",   "slot_chunk",    "pending_async",
                                      "execution_state", "wire_states"};
  if (kind >= 1 && kind <= 10) return names[kind];
  return "kind_" + std::to_string(kind);
}

// Raw access, resealing, split and assemble: container_builder.h.

// ---------------------------------------------------------------- opening

struct Opened {
  explicit Opened(std::span<const std::uint8_t> bytes, const OpenOptions& options = {})
      : buffer(AlignedBuffer::copy_of(bytes)), snapshot(Snapshot::from_bytes(buffer.span(), options)) {}
  AlignedBuffer buffer;  // must outlive the snapshot: declared first
  Result<Snapshot> snapshot;
};

OpenOptions lazy() {
  OpenOptions options;
  options.verification = Verification::lazy;
  return options;
}

// The error that refuses `bytes`; fails the test if they are accepted.
Error refusal(std::span<const std::uint8_t> bytes, const OpenOptions& options = {}) {
  Opened opened(bytes, options);
  if (opened.snapshot.ok()) FAIL("a damaged file was accepted");
  return opened.snapshot.error();
}

// Checks an error's code, section and (if given) offset, and that its
// one-line form names the section and the offset.
void check_error(const Error& e, ErrorCode code, const std::string& section,
                 std::optional<std::uint64_t> offset = std::nullopt) {
  INFO(e.to_string());
  CHECK(to_string(e.code) == to_string(code));
  CHECK(e.section == section);
  if (offset) CHECK(e.offset == *offset);
  CHECK(e.offset != kNoOffset);
  const std::string line = e.to_string();
  CHECK(line.find("in section " + section) != std::string::npos);
  CHECK(line.find(" at offset " + std::to_string(e.offset)) != std::string::npos);
}

// ---------------------------------------------------------------- the map of a file

// What damage to a byte of a region must be reported as.
struct Region {
  enum Kind { header, gap, payload_padding, value, metadata, table_padding, table } kind;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::string section;      // the name the error must carry
  std::uint32_t index = 0;  // table index of the section (gap, payload_padding, value, metadata)
  SlotKey slot;             // value: which slot

  Region(Kind kind_in, std::uint64_t begin_in, std::uint64_t end_in, std::string section_in, std::uint32_t index_in = 0,
         SlotKey slot_in = {})
      : kind(kind_in), begin(begin_in), end(end_in), section(std::move(section_in)), index(index_in), slot(slot_in) {}
};

const char* kind_text(Region::Kind kind) {
  switch (kind) {
    case Region::header: return "header";
    case Region::gap: return "padding between sections";
    case Region::payload_padding: return "padding in a payload area";
    case Region::value: return "slot value";
    case Region::metadata: return "metadata";
    case Region::table_padding: return "padding before the table";
    case Region::table: return "section table";
  }
  return "?";
}

// Every byte of a good file, by region; the regions tile the file.
std::vector<Region> map_file(std::span<const std::uint8_t> file) {
  Opened opened(file);
  REQUIRE_OK(opened.snapshot);
  const Snapshot& s = *opened.snapshot;
  std::span<const SectionEntry> entries = s.sections();
  std::uint32_t first_chunk = 0;
  while (first_chunk < entries.size() && entries[first_chunk].kind != 7) ++first_chunk;

  std::vector<Region> regions;
  regions.emplace_back(Region{Region::header, 0, kHeaderSize, "header"});
  std::uint64_t cursor = kHeaderSize;
  for (std::uint32_t i = 0; i < entries.size(); ++i) {
    const SectionEntry& e = entries[i];
    std::string name = kind_name(e.kind);
    if (e.kind == 7) name += "[" + std::to_string(i - first_chunk) + "]";
    if (cursor < e.offset) regions.emplace_back(Region{Region::gap, cursor, e.offset, name, i});
    std::uint64_t pos = e.offset;
    if (e.kind == 7) {
      Result<const fb::SlotChunk*> chunk = s.slot_chunk(i - first_chunk);
      REQUIRE_OK(chunk);
      for (const fb::SlotEntry* slot : *(*chunk)->slots()) {
        if (!slot->has_value() || slot->value_length() == 0) continue;
        std::uint64_t start = e.offset + slot->value_offset();
        if (pos < start) regions.emplace_back(Region{Region::payload_padding, pos, start, name, i});
        regions.emplace_back(Region{Region::value, start, start + slot->value_length(), name, i, {slot->site(), slot->exec()}});
        pos = start + slot->value_length();
      }
    }
    if (pos < e.offset + e.payload_length) regions.emplace_back(Region{Region::payload_padding, pos, e.offset + e.payload_length, name, i});
    if (e.payload_length < e.length) regions.emplace_back(Region{Region::metadata, e.offset + e.payload_length, e.offset + e.length, name, i});
    cursor = e.offset + e.length;
  }
  std::uint64_t table_offset = s.header().table_offset;
  if (cursor < table_offset) regions.emplace_back(Region{Region::table_padding, cursor, table_offset, "section_table"});
  regions.emplace_back(Region{Region::table, table_offset, file.size(), "section_table"});

  for (std::size_t i = 1; i < regions.size(); ++i) REQUIRE(regions[i - 1].end == regions[i].begin);
  REQUIRE(regions.back().end == file.size());
  return regions;
}

// The error damage to byte `pos` of `region` must be reported as.
struct ExpectedError {
  ErrorCode code;
  std::string section;
  std::uint64_t offset;
};

ExpectedError expected_flip_error(const Region& region, std::uint64_t pos) {
  switch (region.kind) {
    case Region::header:
      if (pos < 8) return {ErrorCode::bad_magic, "header", 0};
      if (pos < 12) return {ErrorCode::unsupported_format_version, "header", 8};
      return {ErrorCode::checksum_mismatch, "header", 56};
    case Region::table: return {ErrorCode::checksum_mismatch, "section_table", region.begin};
    case Region::metadata:
    case Region::value: return {ErrorCode::checksum_mismatch, region.section, region.begin};
    case Region::gap:
    case Region::payload_padding:
    case Region::table_padding: return {ErrorCode::nonzero_padding, region.section, pos};
  }
  FAIL("unknown region kind");
  return {};
}

// Checks the error for byte `pos` of `region` flipped.
void check_flip_error(const Error& e, const Region& region, std::uint64_t pos) {
  const ExpectedError expected = expected_flip_error(region, pos);
  check_error(e, expected.code, expected.section, expected.offset);
}

// A few bytes of each region: first, middle, last.
std::vector<std::uint64_t> sample(const Region& r) {
  std::vector<std::uint64_t> positions{r.begin, r.begin + (r.end - r.begin) / 2, r.end - 1};
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  return positions;
}

struct TestFile {
  std::string name;
  Bytes bytes;
  std::vector<Region> regions;
};

// The full example with two slots per chunk, and random states with several
// slot chunks, values in each and padding between values.
const std::vector<TestFile>& test_files() {
  static const std::vector<TestFile> files = [] {
    std::vector<TestFile> out;
    Bytes example = encode(full_example_state(), 2);
    out.push_back({"full example", example, map_file(example)});
    for (std::uint64_t seed = 1; out.size() < 4; ++seed) {
      REQUIRE(seed < 100);
      TransientSnapshot state = random_state(seed);
      if (state.slot_table.size() < 9) continue;
      state.framework.spec_version = kCurrentSpecVersion;  // random states vary it
      Bytes bytes = encode(state, 3);
      std::vector<Region> regions = map_file(bytes);
      // Wanted: a value directly followed by padding and then another value.
      bool padding_between_values = false;
      for (std::size_t i = 2; i < regions.size(); ++i) {
        padding_between_values |= regions[i - 2].kind == Region::value && regions[i - 1].kind == Region::payload_padding &&
                                   regions[i].kind == Region::value;
      }
      if (!padding_between_values) continue;
      out.push_back({"random state " + std::to_string(seed), bytes, regions});
    }
    return out;
  }();
  return files;
}

// Flips the sampled bytes of every region of `kind` in every test file and
// checks the error; returns how many regions were damaged.
std::size_t flip_regions(Region::Kind kind) {
  std::size_t damaged = 0;
  for (const TestFile& file : test_files()) {
    for (const Region& region : file.regions) {
      if (region.kind != kind) continue;
      ++damaged;
      for (std::uint64_t pos : sample(region)) {
        INFO(file.name << ": " << kind_text(kind) << " of " << region.section << ", byte " << pos);
        AlignedBuffer damaged_file = bbsnap::testing::with_flipped_byte(file.bytes, pos);
        check_flip_error(refusal(damaged_file.span()), region, pos);
        check_flip_error(refusal(damaged_file.span(), on_threads(3)), region, pos);
      }
    }
  }
  return damaged;
}

std::uint32_t section_index(const Bytes& file, std::uint32_t kind) {
  Header h = get_header(file);
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    if (get_entry(file, h.table_offset, i).kind == kind) return i;
  }
  FAIL("no section of kind " << kind);
  return 0;
}

// The name errors give section `i` of a file.
std::string section_name(const Bytes& file, std::uint32_t i) {
  const Header h = get_header(file);
  const std::uint32_t kind = get_entry(file, h.table_offset, i).kind;
  if (kind != 7) return kind_name(kind);
  std::uint32_t first = i;
  while (first > 0 && get_entry(file, h.table_offset, first - 1).kind == 7) --first;
  return "slot_chunk[" + std::to_string(i - first) + "]";
}

const Region& region_of(const TestFile& file, Region::Kind kind, const std::string& section) {
  for (const Region& r : file.regions) {
    if (r.kind == kind && r.section == section) return r;
  }
  FAIL("no " << kind_text(kind) << " region in " << section);
  return file.regions.front();
}

const Bytes& example_file() { return test_files().front().bytes; }

// The regions a checksum covers, in file order: every metadata region and
// every slot value.
std::vector<const Region*> checksummed_regions(const std::vector<Region>& regions) {
  std::vector<const Region*> out;
  for (const Region& r : regions) {
    if (r.kind == Region::metadata || r.kind == Region::value) out.push_back(&r);
  }
  return out;
}

// `file` with the first byte of targets[skip..] flipped (0x40).
Bytes damaged_from(const Bytes& file, const std::vector<const Region*>& targets, std::size_t skip) {
  Bytes damaged = file;
  for (std::size_t t = skip; t < targets.size(); ++t) damaged[targets[t]->begin] ^= 0x40;
  return damaged;
}

}  // namespace

// ================================================================ the tools themselves

TEST_CASE("corruption test helpers: a file split and reassembled is byte-identical") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    CHECK(assemble(split(file.bytes), SectionChecksums::keep) == file.bytes);
    CHECK(assemble(split(file.bytes), SectionChecksums::reseal) == file.bytes);
    CHECK(with_entry(file.bytes, 0, [](SectionEntry&) {}) == file.bytes);
    CHECK(with_header(file.bytes, [](Header&) {}) == file.bytes);
  }
  // The example file has every kind of section and every kind of region.
  const TestFile& example = test_files().front();
  std::map<std::string, int> metadata_regions;
  for (const Region& r : example.regions) {
    if (r.kind == Region::metadata) ++metadata_regions[r.section];
  }
  for (const char* name : {"framework", "bus", "ingress", "pending_completions", "frontier", "slot_index",
                           "slot_chunk[0]", "slot_chunk[1]", "pending_async", "execution_state", "wire_states"}) {
    CHECK(metadata_regions[name] == 1);
  }
  for (auto kind : {Region::header, Region::gap, Region::payload_padding, Region::value, Region::metadata,
                    Region::table_padding, Region::table}) {
    INFO(kind_text(kind));
    CHECK(std::ranges::count_if(example.regions, [&](const Region& r) { return r.kind == kind; }) > 0);
  }
}

// ================================================================ one flipped byte

TEST_CASE("a flipped byte in a section's metadata is a checksum_mismatch naming that section") {
  CHECK(flip_regions(Region::metadata) >= 11 + 3 * 11);
}

TEST_CASE("a flipped byte in a slot value is a checksum_mismatch naming its chunk and the value's offset") {
  CHECK(flip_regions(Region::value) >= 3 + 3 * 3);
  // Spelled out once for the example: slot (1,1) is the first value of the first chunk.
  const TestFile& example = test_files().front();
  const Region& value = region_of(example, Region::value, "slot_chunk[0]");
  CHECK(value.slot == SlotKey{1, 1});
  Error e = refusal(bbsnap::testing::with_flipped_byte(example.bytes, value.begin + 1, 0x01).span());
  check_error(e, ErrorCode::checksum_mismatch, "slot_chunk[0]", value.begin);
  CHECK(e.stored != e.computed);
}

TEST_CASE("a flipped header byte is refused naming the header") {
  CHECK(flip_regions(Region::header) == test_files().size());
  // Every byte of the header, with several masks.
  const Bytes& file = example_file();
  const Region header{Region::header, 0, kHeaderSize, "header"};
  for (std::uint64_t pos = 0; pos < kHeaderSize; ++pos) {
    for (std::uint8_t mask : {0x01, 0x80, 0xff}) {
      INFO("header byte " << pos << " ^ " << int{mask});
      check_flip_error(refusal(bbsnap::testing::with_flipped_byte(file, pos, mask).span()), header, pos);
    }
  }
}

TEST_CASE("a flipped section table byte is a checksum_mismatch naming the section table") {
  CHECK(flip_regions(Region::table) == test_files().size());
  const Bytes& file = example_file();
  const std::uint64_t table_offset = get_header(file).table_offset;
  for (std::uint64_t pos = table_offset; pos < file.size(); ++pos) {
    INFO("table byte " << pos);
    Error e = refusal(bbsnap::testing::with_flipped_byte(file, pos, 0x01).span());
    check_error(e, ErrorCode::checksum_mismatch, "section_table", table_offset);
  }
}

TEST_CASE("a nonzero padding byte between sections is refused naming the next section") {
  CHECK(flip_regions(Region::gap) > 0);
}

TEST_CASE("a nonzero padding byte between slot values is refused naming the chunk") {
  CHECK(flip_regions(Region::payload_padding) > 0);
}

TEST_CASE("a nonzero padding byte before the section table is refused naming the section table") {
  CHECK(flip_regions(Region::table_padding) > 0);
}

namespace {

bool same_error(const Error& a, const Error& b) {
  return a.code == b.code && a.section == b.section && a.offset == b.offset && a.message == b.message;
}

// `bbsnap diff` of a good and a damaged file, in-process, both ways round:
// the damaged side must be refused with exactly the error full verification
// gives it, which exits 1. Returns what went otherwise, one line per run.
std::vector<std::string> diff_problems(std::span<const std::uint8_t> good, std::span<const std::uint8_t> damaged,
                                       const Error& verified) {
  std::vector<std::string> problems;
  for (int damaged_side : {1, 0}) {
    tool::DiffOutcome outcome =
        damaged_side == 1 ? tool::diff_bytes(good, damaged) : tool::diff_bytes(damaged, good);
    const bool refused = outcome.refusal && outcome.refusal->side == damaged_side &&
                         tool::exit_code_of(outcome.refusal->error) == tool::kInvalid &&
                         same_error(outcome.refusal->error, verified);
    if (refused) continue;
    problems.push_back(std::string("diff with the damaged file as ") + (damaged_side == 1 ? "B" : "A") + ": " +
                       (outcome.refusal ? outcome.refusal->error.to_string() : "not refused"));
  }
  return problems;
}

// The same with the command, on files: exit 1, nothing on standard output,
// and verify's error naming the damaged file.
std::vector<std::string> diff_command_problems(const std::string& good, const std::string& damaged,
                                               const Error& verified) {
  std::vector<std::string> problems;
  for (const auto& args : {std::vector<std::string>{"diff", good, damaged}, {"diff", damaged, good}}) {
    RunResult r = run_bbsnap(args);
    if (r.exit_code == 1 && r.out.empty() && r.err == "bbsnap diff: " + damaged + ": " + verified.to_string() + "\n") {
      continue;
    }
    problems.push_back("bbsnap diff " + args[1] + " " + args[2] + ": exit " + std::to_string(r.exit_code) + ", " +
                       r.err);
  }
  return problems;
}

}  // namespace

TEST_CASE("every bit of the example file and of a random multi-chunk file is protected") {
  // Each single-bit flip of the whole file, opened with full verification:
  // refused with the error naming the damaged region, or counted as accepted
  // (the test fails on any). The example (every kind of section) and the
  // smallest random state (several slot chunks, padding between values);
  // every region of the other random files is covered by the sampled tests
  // above. (All four files: 755,008 flips, too slow under sanitizers.)
  // Each flip is also compared with the good file by diff, both ways round,
  // in-process; and by the command for one flip per kind of region in each
  // file (the middle byte of the first region of the kind): in the ASan +
  // UBSan build (scripts/sanitize) each run of the command costs about 0.4 s
  // of CPU, and 238 runs (one per region) cost 90 s.
  std::vector<const TestFile*> files{&test_files().front()};
  files.push_back(&*std::min_element(test_files().begin() + 1, test_files().end(),
                                     [](const TestFile& a, const TestFile& b) { return a.bytes.size() < b.bytes.size(); }));
  std::uint64_t tried = 0, refused = 0, misnamed = 0, accepted = 0;
  std::uint64_t diffs = 0, diff_missed = 0, commands = 0, command_missed = 0;
  std::uint64_t sections = 0;
  TempDir dir;
  for (const TestFile* file_pointer : files) {
    const TestFile& file = *file_pointer;
    const AlignedBuffer good = AlignedBuffer::copy_of(file.bytes);
    const std::string good_path = dir.file("good.bbsnap"), damaged_path = dir.file("damaged.bbsnap");
    write_file(good_path, file.bytes);
    std::uint64_t file_tried = 0, file_refused = 0, file_misnamed = 0, file_accepted = 0;
    std::set<Region::Kind> run_command_in;
    for (const Region& region : file.regions) {
      const bool first_of_kind = run_command_in.insert(region.kind).second;
      const std::uint64_t run_command_at = first_of_kind ? region.begin + (region.end - region.begin) / 2 : region.end;
      for (std::uint64_t pos = region.begin; pos < region.end; ++pos) {
        for (int bit = 0; bit < 8; ++bit) {
          ++file_tried;
          AlignedBuffer damaged = bbsnap::testing::with_flipped_byte(file.bytes, pos, static_cast<std::uint8_t>(1u << bit));
          Result<Snapshot> opened = Snapshot::from_bytes(damaged.span());
          if (opened.ok()) {
            ++file_accepted;
            UNSCOPED_INFO(file.name << ": accepted with bit " << bit << " of byte " << pos << " flipped ("
                                    << kind_text(region.kind) << " of " << region.section << ")");
            continue;
          }
          ++file_refused;
          const ExpectedError expected = expected_flip_error(region, pos);
          const Error& e = opened.error();
          if (e.code != expected.code || e.section != expected.section || e.offset != expected.offset) {
            ++file_misnamed;
            UNSCOPED_INFO(file.name << ": bit " << bit << " of byte " << pos << " (" << kind_text(region.kind) << " of "
                                    << region.section << "): " << e.to_string());
          }
          std::vector<std::string> problems = diff_problems(good.span(), damaged.span(), e);
          diffs += 2;
          diff_missed += problems.size();
          if (pos == run_command_at && bit == static_cast<int>(pos % 8)) {
            write_file(damaged_path, Bytes(damaged.span().begin(), damaged.span().end()));
            std::vector<std::string> command = diff_command_problems(good_path, damaged_path, e);
            commands += 2;
            command_missed += command.size();
            problems.insert(problems.end(), command.begin(), command.end());
          }
          for (const std::string& problem : problems) {
            if (diff_missed + command_missed > 20) break;  // the first few, not thousands
            FAIL_CHECK(file.name << ": bit " << bit << " of byte " << pos << " flipped (" << kind_text(region.kind)
                                 << " of " << region.section << "): " << problem);
          }
        }
      }
    }
    sections += get_header(file.bytes).section_count;
    CHECK(file_tried == file.bytes.size() * 8);
    std::printf("%-16s %7zu bytes, %2u sections: flips tried %7llu, refused %7llu, accepted %llu, misnamed %llu\n",
                file.name.c_str(), file.bytes.size(), get_header(file.bytes).section_count,
                static_cast<unsigned long long>(file_tried), static_cast<unsigned long long>(file_refused),
                static_cast<unsigned long long>(file_accepted), static_cast<unsigned long long>(file_misnamed));
    tried += file_tried;
    refused += file_refused;
    misnamed += file_misnamed;
    accepted += file_accepted;
  }
  std::printf("every bit of %zu files (%llu sections): flips tried %llu, refused %llu, accepted %llu\n",
              files.size(), static_cast<unsigned long long>(sections), static_cast<unsigned long long>(tried),
              static_cast<unsigned long long>(refused), static_cast<unsigned long long>(accepted));
  std::printf("diff of good and damaged, both ways: %llu in-process (%llu not refused as verify refuses), "
              "%llu as the command (%llu not exit 1 with verify's error)\n",
              static_cast<unsigned long long>(diffs), static_cast<unsigned long long>(diff_missed),
              static_cast<unsigned long long>(commands), static_cast<unsigned long long>(command_missed));
  std::fflush(stdout);
  CHECK(accepted == 0);
  CHECK(misnamed == 0);
  CHECK(refused == tried);
  CHECK(diffs == 2 * tried);
  CHECK(diff_missed == 0);
  CHECK(commands == 2 * 7 * files.size());  // every kind of region, in each file
  CHECK(command_missed == 0);
}

TEST_CASE("with several damaged places, the error reported does not depend on the thread count", "[verify_threads]") {
  for (const TestFile& file : test_files()) {
    // Damage every metadata region and every value, then all but the first, ...
    const std::vector<const Region*> targets = checksummed_regions(file.regions);
    for (std::size_t skip = 0; skip < targets.size(); ++skip) {
      const Bytes damaged = damaged_from(file.bytes, targets, skip);
      const Error single = refusal(damaged);
      INFO(file.name << ", first " << skip << " targets intact: " << single.to_string());
      for (unsigned threads : {2u, 3u, 8u}) {
        for (int repeat = 0; repeat < 3; ++repeat) {
          const Error e = refusal(damaged, on_threads(threads));
          CHECK(e.to_string() == single.to_string());
        }
      }
    }
  }
}

TEST_CASE("a chunk's values split into several runs are all checked, on any number of threads", "[verify_threads]") {
  // Threads check values in runs of about 256 KiB of payload: 43 values of
  // 32 KiB - 5 in one chunk make five runs of eight or nine, each value
  // followed by padding. Damage to any value or padding byte is found, with
  // the same error, on 1, 2 and 3 threads.
  constexpr std::uint64_t kValues = 43, kValueSize = (32 << 10) - 5;
  TransientSnapshot state;
  for (std::uint64_t i = 0; i < kValues; ++i) state.slot_table[{i, 0}] = Bytes(kValueSize, static_cast<std::uint8_t>(i + 1));
  const Bytes file = encode(state, 64);
  std::vector<std::uint64_t> value_at;
  {
    Opened opened(file);
    REQUIRE_OK(opened.snapshot);
    for (std::uint64_t i = 0; i < kValues; ++i) {
      Result<SlotLookup> slot = opened.snapshot->slot({i, 0});
      REQUIRE_OK(slot);
      value_at.push_back(static_cast<std::uint64_t>(slot->value.data() - opened.snapshot->bytes().data()));
    }
  }
  for (std::uint64_t i = 0; i < kValues; ++i) {
    INFO("slot " << i);
    const std::uint64_t last_value_byte = value_at[i] + kValueSize - 1, first_padding_byte = value_at[i] + kValueSize;
    for (unsigned threads : {1u, 2u, 3u}) {
      check_error(refusal(bbsnap::testing::with_flipped_byte(file, last_value_byte).span(), on_threads(threads)),
                  ErrorCode::checksum_mismatch, "slot_chunk[0]", value_at[i]);
      check_error(refusal(bbsnap::testing::with_flipped_byte(file, first_padding_byte).span(), on_threads(threads)),
                  ErrorCode::nonzero_padding, "slot_chunk[0]", first_padding_byte);
    }
  }
}

TEST_CASE("a threaded verification that fails early returns, whichever thread sees the failure first", "[verify_threads]") {
  // Regression: a thread that found an error in one phase could move on to the
  // next while another, still waking from the barrier, saw the error and left;
  // the first then waited at the next barrier forever. Many repetitions make
  // that interleaving near-certain with the bug, so the test hangs (and times
  // out) rather than passes by luck.
  const TestFile& example = test_files().front();
  for (Region::Kind kind : {Region::metadata, Region::value}) {
    const Region& target = *std::ranges::find_if(example.regions, [&](const Region& r) { return r.kind == kind; });
    const auto damaged = bbsnap::testing::with_flipped_byte(example.bytes, target.begin, 0x01);
    const Error single = refusal(damaged.span());
    for (unsigned threads : {2u, 3u}) {
      const OpenOptions options = on_threads(threads);
      for (int repeat = 0; repeat < 2000; ++repeat) REQUIRE(refusal(damaged.span(), options).to_string() == single.to_string());
    }
  }
}

TEST_CASE("a mapped file verified on several threads (as a pipeline) reports what one thread reports", "[verify_threads]") {
  // A mapped file on two or more threads is checked as a pipeline: one
  // thread faults it in, one checks the metadata in file order behind it,
  // and runs of values start as soon as their chunk's metadata has passed,
  // before later chunks' metadata is checked. The error must still be the one
  // a single thread reports: the index's, else the first metadata error in
  // file order, else the first value's. 30 values of 300 KiB, three per
  // chunk, make a 9 MiB file: nine fault-in pieces of 1 MiB, ten chunks of
  // three runs each.
  const Bytes file = encode(threaded_example_state(), kThreadedExampleSlotsPerChunk);
  const std::vector<Region> regions = map_file(file);
  const std::vector<const Region*> targets = checksummed_regions(regions);
  REQUIRE(targets.size() > 40);
  TempDir dir;
  const std::string path = dir.file("damaged.bbsnap");
  auto check_all_thread_counts = [&](const Bytes& damaged) {
    const Error single = refusal(damaged);
    write_file(path, damaged);
    for (unsigned threads : {1u, 2u, 3u, 8u}) {
      for (int repeat = 0; repeat < 2; ++repeat) {
        Result<Snapshot> opened = Snapshot::open(path, on_threads(threads));
        REQUIRE_FALSE(opened.ok());
        INFO(threads << " threads");
        CHECK(opened.error().to_string() == single.to_string());
      }
    }
  };
  // One damaged place, each in turn; then every place from the n-th on, so
  // that a value error and later metadata errors are found together.
  for (const Region* target : targets) {
    Bytes damaged = file;
    damaged[target->begin + (target->end - target->begin) / 2] ^= 0x10;
    INFO("damaged: " << kind_text(target->kind) << " of " << target->section);
    check_all_thread_counts(damaged);
  }
  for (std::size_t skip = 0; skip < targets.size(); skip += 3) {
    INFO("damaged from target " << skip << " on");
    check_all_thread_counts(damaged_from(file, targets, skip));
  }
  // A value and the last section's metadata: runs of values are checked
  // while the metadata is still waiting for the fault-in, so the value's
  // error is found first, but the metadata's is the one to report.
  const Region& last_metadata = *targets.back();
  REQUIRE(last_metadata.kind == Region::metadata);
  for (const Region* target : targets) {
    if (target->kind != Region::value) continue;
    Bytes damaged = file;
    damaged[target->begin] ^= 0x08;
    damaged[last_metadata.begin] ^= 0x08;
    INFO("damaged: a value of " << target->section << " and the metadata of " << last_metadata.section);
    check_all_thread_counts(damaged);
  }
  write_file(path, file);
  for (unsigned threads : {2u, 3u, 8u}) REQUIRE_OK(Snapshot::open(path, on_threads(threads)));
}

// ================================================================ lazy verification

TEST_CASE("lazy mode: a damaged ingress section is reported by its accessors, the rest stays readable") {
  const TestFile& example = test_files().front();
  const Region& ingress = region_of(example, Region::metadata, "ingress");
  Opened opened(bbsnap::testing::with_flipped_byte(example.bytes, ingress.begin + 3).span(), lazy());
  REQUIRE_OK(opened.snapshot);
  const Snapshot& s = *opened.snapshot;

  for (int attempt = 0; attempt < 2; ++attempt) {  // reported on every access, not only the first
    Result<const fb::Ingress*> damaged = s.ingress();
    REQUIRE_FALSE(damaged.ok());
    check_error(damaged.error(), ErrorCode::checksum_mismatch, "ingress", ingress.begin);
  }
  Result<TransientSnapshot> model = s.to_model();
  REQUIRE_FALSE(model.ok());
  check_error(model.error(), ErrorCode::checksum_mismatch, "ingress", ingress.begin);
  Status check = s.check_section(ingress.index);
  REQUIRE_FALSE(check.ok());
  check_error(check.error(), ErrorCode::checksum_mismatch, "ingress", ingress.begin);

  const TransientSnapshot state = full_example_state();
  Result<const fb::Framework*> framework = s.framework();
  REQUIRE_OK(framework);
  CHECK((*framework)->next_command_id() == 42);
  CHECK(s.spec_version() == 1);
  Result<SlotLookup> slot = s.slot({1, 1});
  REQUIRE_OK(slot);
  CHECK(std::ranges::equal(slot->value, *state.slot_table.at({1, 1})));
  CHECK(s.slot({1, 2})->state == SlotLookup::State::empty);
  CHECK(std::ranges::equal(s.slot({~0ull, ~0ull})->value, *state.slot_table.at({~0ull, ~0ull})));
  Result<std::optional<std::uint64_t>> counter = s.counter("bytes_in");
  REQUIRE_OK(counter);
  CHECK(**counter == 123456789);
  REQUIRE_OK(s.bus());
  CHECK(std::ranges::equal(**s.subscribers("peer.down"), std::vector<std::uint64_t>{1, 2}));
  REQUIRE_OK(s.pending_completions());
  REQUIRE_OK(s.frontier());
  REQUIRE_OK(s.pending_async(8));
  CHECK(**s.execution_state(1) == 4294967295u);
  CHECK(std::ranges::equal(**s.wire_state(3), Bytes{1, 2}));
}

TEST_CASE("lazy mode: a damaged slot value is reported for that slot only") {
  const TestFile& example = test_files().front();
  const Region& value = region_of(example, Region::value, "slot_chunk[1]");
  REQUIRE(value.slot == SlotKey{~0ull, ~0ull});
  Opened opened(bbsnap::testing::with_flipped_byte(example.bytes, value.end - 1).span(), lazy());
  REQUIRE_OK(opened.snapshot);
  const Snapshot& s = *opened.snapshot;

  for (int attempt = 0; attempt < 2; ++attempt) {  // a value is checked on every access
    Result<SlotLookup> damaged = s.slot(value.slot);
    REQUIRE_FALSE(damaged.ok());
    check_error(damaged.error(), ErrorCode::checksum_mismatch, "slot_chunk[1]", value.begin);
  }
  // The chunk's metadata is intact; the other slots of the chunk and of the file read fine.
  REQUIRE_OK(s.check_section(value.index));
  REQUIRE_OK(s.slot_chunk(1));
  CHECK(s.slot({2, 0})->state == SlotLookup::State::value);
  CHECK(s.slot({2, 0})->value.empty());
  CHECK(std::ranges::equal(s.slot({1, 1})->value, Bytes{0x00, 0xff, 0x10}));
  CHECK(s.slot({1, 2})->state == SlotLookup::State::empty);
  CHECK(s.slot({5, 5})->state == SlotLookup::State::missing);
  REQUIRE_OK(s.ingress());
  Result<TransientSnapshot> model = s.to_model();
  REQUIRE_FALSE(model.ok());
  check_error(model.error(), ErrorCode::checksum_mismatch, "slot_chunk[1]", value.begin);
}

TEST_CASE("lazy mode: a damaged framework section fails the open") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    const Region& framework = region_of(file, Region::metadata, "framework");
    for (std::uint64_t pos : sample(framework)) {
      check_error(refusal(bbsnap::testing::with_flipped_byte(file.bytes, pos).span(), lazy()),
                  ErrorCode::checksum_mismatch, "framework", framework.begin);
    }
    // So does nonzero padding before it.
    const std::uint32_t index = section_index(file.bytes, 1);
    const SectionEntry entry = get_entry(file.bytes, get_header(file.bytes).table_offset, index);
    for (const Region& r : file.regions) {
      if (r.kind == Region::gap && r.end == entry.offset) {
        check_error(refusal(bbsnap::testing::with_flipped_byte(file.bytes, r.begin).span(), lazy()),
                    ErrorCode::nonzero_padding, "framework", r.begin);
      }
    }
  }
}

// A copy of `file` whose framework metadata `edit` changed, every checksum
// recomputed: damage only the content rules can see.
Bytes with_framework_edited(const Bytes& file, const std::function<void(std::uint8_t* metadata)>& edit) {
  const std::vector<Piece> pieces = split(file);
  const std::span<const std::uint8_t> original = pieces[*find_piece(pieces, 1)].metadata();
  Bytes metadata(original.begin(), original.end());
  edit(metadata.data());
  return with_metadata(file, 1, metadata);
}

// Little-endian scalars inside a FlatBuffer (the tests run on little-endian hosts, as the format's reference does).
template <typename T>
T load_le(const std::uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}
template <typename T>
void store_le(std::uint8_t* at, T value) {
  std::memcpy(at, &value, sizeof value);
}

// Positions inside a framework FlatBuffer (FORMAT.md Appendix A).
std::uint32_t root_table_of(const std::uint8_t* metadata) { return load_le<std::uint32_t>(metadata); }
std::uint32_t vtable_of(const std::uint8_t* metadata) {
  const std::uint32_t table = root_table_of(metadata);
  return table - static_cast<std::uint32_t>(load_le<std::int32_t>(metadata + table));
}
void break_utf8_of_a_counter_name(std::uint8_t* metadata) {
  const auto* root = flatbuffers::GetRoot<fb::Framework>(metadata);
  for (const fb::Counter* counter : *root->counters()) {
    if (counter->name()->size() == 0) continue;
    const_cast<std::uint8_t*>(counter->name()->Data())[0] = 0xff;  // a lone continuation byte
    return;
  }
  FAIL("the example has no counter with a name");
}

TEST_CASE("lazy mode: open checks what reading spec_version needs; the rest of the framework on its first access") {
  const Bytes& example = example_file();
  const std::uint32_t index = section_index(example, 1);

  SECTION("a content rule broken inside the framework is reported by its accessors, not by the open") {
    const Bytes file = with_framework_edited(example, break_utf8_of_a_counter_name);
    const Error full = refusal(file);
    check_error(full, ErrorCode::malformed_section, "framework");
    CHECK_THAT(full.message, Catch::Matchers::Contains("UTF-8"));

    Opened opened(file, lazy());
    REQUIRE_OK(opened.snapshot);
    const Snapshot& s = *opened.snapshot;
    CHECK(s.spec_version() == kCurrentSpecVersion);
    for (int attempt = 0; attempt < 2; ++attempt) {  // never marked good
      REQUIRE_FALSE(s.framework().ok());
      check_error(s.framework().error(), full.code, full.section, full.offset);
      REQUIRE_FALSE(s.counter("x").ok());
      check_error(s.counter("x").error(), full.code, full.section, full.offset);
    }
    REQUIRE_FALSE(s.check_section(index).ok());
    check_error(s.check_section(index).error(), full.code, full.section, full.offset);
    REQUIRE_FALSE(s.to_model().ok());
    check_error(s.to_model().error(), full.code, full.section, full.offset);
    // The other sections read as in an intact file.
    REQUIRE_OK(s.ingress());
    CHECK(s.slot({2, 0})->state == SlotLookup::State::value);
  }

  SECTION("the framework's checksum and the reads of spec_version are checked at open, like full mode does") {
    const std::uint64_t metadata_begin = get_entry(example, get_header(example).table_offset, index).offset;
    struct Lie {
      const char* what;
      std::function<void(std::uint8_t*)> edit;
    };
    const Lie lies[] = {
        {"a zero root offset", [](std::uint8_t* m) { store_le<std::uint32_t>(m, 0); }},
        {"a root offset past the end", [](std::uint8_t* m) { store_le<std::uint32_t>(m, 0x7fff0000); }},
        {"a vtable offset past the start", [](std::uint8_t* m) { store_le<std::int32_t>(m + root_table_of(m), 0x7fff0000); }},
        {"an odd vtable size", [](std::uint8_t* m) { store_le<std::uint16_t>(m + vtable_of(m), 7); }},
        {"spec_version placed off its 4-byte alignment", [](std::uint8_t* m) { store_le<std::uint16_t>(m + vtable_of(m) + 4, 1); }},
        {"spec_version placed past the end", [](std::uint8_t* m) { store_le<std::uint16_t>(m + vtable_of(m) + 4, 0xfffc); }},
    };
    for (const Lie& lie : lies) {
      INFO(lie.what);
      const Bytes file = with_framework_edited(example, lie.edit);
      const Error full = refusal(file);
      check_error(full, ErrorCode::malformed_section, "framework");
      check_error(refusal(file, lazy()), full.code, full.section, full.offset);
      CHECK(full.offset >= metadata_begin);
    }
    // And a flipped byte anywhere in it: "a damaged framework section fails the open".
  }

  SECTION("a mismatched spec_version is reported before the rest of the framework is checked") {
    const Bytes file = with_framework_edited(example, [](std::uint8_t* m) {
      break_utf8_of_a_counter_name(m);
      const std::uint32_t field = load_le<std::uint16_t>(m + vtable_of(m) + 4);
      REQUIRE(field != 0);
      store_le<std::uint32_t>(m + root_table_of(m) + field, 2);
    });
    check_error(refusal(file), ErrorCode::malformed_section, "framework");
    check_error(refusal(file, lazy()), ErrorCode::spec_version_mismatch, "framework");
  }
}

TEST_CASE("lazy mode: damage to one section's metadata is reported for that section only") {
  for (const TestFile& file : test_files()) {
    const std::uint32_t slot_index = section_index(file.bytes, 6);
    for (const Region& damaged : file.regions) {
      if (damaged.kind != Region::metadata || damaged.section == "framework") continue;
      INFO(file.name << ": damaged " << damaged.section);
      Opened opened(bbsnap::testing::with_flipped_byte(file.bytes, damaged.begin + (damaged.end - damaged.begin) / 2).span(),
                    lazy());
      REQUIRE_OK(opened.snapshot);
      const Snapshot& s = *opened.snapshot;
      for (std::uint32_t i = 0; i < s.sections().size(); ++i) {
        Status status = s.check_section(i);
        bool chunk_behind_damaged_index = damaged.index == slot_index && s.sections()[i].kind == 7;
        INFO("section " << i);
        if (i == damaged.index || chunk_behind_damaged_index) {
          REQUIRE_FALSE(status.ok());
          // A chunk is checked against the index, so a damaged index is reported for the chunks.
          check_error(status.error(), ErrorCode::checksum_mismatch, damaged.section, damaged.begin);
        } else {
          CHECK(status.ok());
        }
      }
    }
  }
}

TEST_CASE("lazy mode: check_section_fully finds what full verification finds, in the damaged section only") {
  // Damage a lazy open lets through (anything but the header, the table and
  // the framework section): check_section_fully reports it for the damaged
  // section with full verification's error, and passes every other section
  // (a chunk behind a damaged index reports the index's error).
  std::size_t payload_damage = 0;
  for (const TestFile& file : test_files()) {
    const std::uint32_t slot_index = section_index(file.bytes, 6);
    for (const Region& damaged : file.regions) {
      const bool in_section = damaged.kind == Region::gap || damaged.kind == Region::payload_padding ||
                              damaged.kind == Region::value || damaged.kind == Region::metadata;
      if (!in_section || damaged.section == "framework") continue;
      for (std::uint64_t pos : sample(damaged)) {
        INFO(file.name << ": " << kind_text(damaged.kind) << " of " << damaged.section << ", byte " << pos);
        AlignedBuffer bytes = bbsnap::testing::with_flipped_byte(file.bytes, pos);
        const Error expected = refusal(bytes.span());
        Opened opened(bytes.span(), lazy());
        REQUIRE_OK(opened.snapshot);
        const Snapshot& s = *opened.snapshot;
        for (std::uint32_t i = 0; i < s.sections().size(); ++i) {
          INFO("section " << i);
          Status status = s.check_section_fully(i);
          if (i == damaged.index || (damaged.index == slot_index && s.sections()[i].kind == 7)) {
            REQUIRE_FALSE(status.ok());
            CHECK(status.error().to_string() == expected.to_string());
          } else {
            CHECK(status.ok());
          }
        }
        if (damaged.kind == Region::payload_padding || damaged.kind == Region::value) {
          ++payload_damage;
          CHECK(s.check_section(damaged.index).ok());  // the metadata alone is intact
          CHECK_FALSE(s.check_section_fully(damaged.index).ok());  // not remembered as checked
        }
      }
    }
  }
  CHECK(payload_damage > 0);
}

TEST_CASE("check_section_fully: a no-op in full mode, unchecked in trusted mode, an index out of range refused") {
  const Bytes& file = example_file();
  for (Verification mode : {Verification::full, Verification::lazy, Verification::trusted}) {
    OpenOptions options;
    options.verification = mode;
    Opened opened(file, options);
    REQUIRE_OK(opened.snapshot);
    const auto count = static_cast<std::uint32_t>(opened.snapshot->sections().size());
    for (std::uint32_t i = 0; i < count; ++i) CHECK(opened.snapshot->check_section_fully(i).ok());
    Status beyond = opened.snapshot->check_section_fully(count);
    REQUIRE_FALSE(beyond.ok());
    CHECK(beyond.error().code == ErrorCode::invalid_argument);
  }
}

TEST_CASE("lazy mode: with hundreds of sections, passing every other section never passes a damaged one") {
  // One slot per chunk: ~200 sections, so the 'checked' marks of a lazy
  // snapshot span several words; each damaged chunk is read after all others.
  TransientSnapshot state = full_example_state();
  for (std::uint64_t site = 100; site < 300; ++site) state.slot_table[{site, 0}] = Bytes{std::uint8_t(site)};
  const Bytes file = encode(state, 1);
  std::vector<Region> chunks;
  for (const Region& r : map_file(file)) {
    if (r.kind == Region::metadata && r.section.starts_with("slot_chunk[")) chunks.push_back(r);
  }
  REQUIRE(chunks.size() == state.slot_table.size());
  REQUIRE(chunks.back().index > 192);
  for (std::size_t pick : {std::size_t{0}, std::size_t{62}, std::size_t{63}, std::size_t{64}, chunks.size() - 1}) {
    const Region& damaged = chunks[pick];
    INFO("damaged " << damaged.section << ", table index " << damaged.index);
    Opened opened(bbsnap::testing::with_flipped_byte(file, damaged.begin).span(), lazy());
    REQUIRE_OK(opened.snapshot);
    const Snapshot& s = *opened.snapshot;
    for (std::uint32_t i = 0; i < s.sections().size(); ++i) {
      if (i != damaged.index) REQUIRE_OK(s.check_section(i));
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      Status status = s.check_section(damaged.index);
      REQUIRE_FALSE(status.ok());
      check_error(status.error(), ErrorCode::checksum_mismatch, damaged.section, damaged.begin);
    }
  }
}

// ================================================================ bytes swapped or moved

TEST_CASE("lazy mode: to_model() fails on any damaged section, even one no accessor reaches") {
  // Without slots, no chunk leads to slot_index: to_model must check it anyway.
  TransientSnapshot state = full_example_state();
  state.slot_table.clear();
  const Bytes file = encode(state, 2);
  for (const Region& damaged : map_file(file)) {
    if (damaged.kind != Region::metadata || damaged.section == "framework") continue;
    INFO("damaged " << damaged.section);
    Opened opened(bbsnap::testing::with_flipped_byte(file, damaged.begin).span(), lazy());
    REQUIRE_OK(opened.snapshot);
    Result<TransientSnapshot> model = opened.snapshot->to_model();
    REQUIRE_FALSE(model.ok());
    check_error(model.error(), ErrorCode::checksum_mismatch, damaged.section, damaged.begin);
  }
}

TEST_CASE("two sections swapped are refused even with table and header checksums recomputed") {
  for (const TestFile& file : test_files()) {
    const std::vector<Piece> pieces = split(file.bytes);
    for (std::size_t a = 0; a < pieces.size(); ++a) {
      for (std::size_t b = a + 1; b < pieces.size(); ++b) {
        INFO(file.name << ": swapped sections " << a << " and " << b);
        // The table follows the move; only the section checksums (seeded
        // with the entry, offset included) can tell.
        std::vector<Piece> swapped = pieces;
        std::swap(swapped[a], swapped[b]);
        std::vector<std::size_t> chunks;
        for (std::size_t i = 0; i < swapped.size(); ++i) {
          if (swapped[i].entry.kind == 7) chunks.push_back(i);
        }
        Error e = refusal(assemble(swapped, SectionChecksums::keep));
        INFO(e.to_string());
        if (chunks.back() - chunks.front() + 1 != chunks.size()) {
          // A chunk moved past another section: the run of chunks is split.
          CHECK(e.code == ErrorCode::malformed_section);
          CHECK(e.section.rfind("section_table[", 0) == 0);
        } else {
          CHECK(e.code == ErrorCode::checksum_mismatch);
          CHECK(e.offset != kNoOffset);
        }
      }
    }
  }
}

TEST_CASE("two slot chunks swapped in place, or reordered with every checksum recomputed, are refused") {
  const TestFile& example = test_files().front();
  std::vector<Piece> pieces = split(example.bytes);
  const std::uint32_t first = section_index(example.bytes, 7);
  REQUIRE(pieces[first + 1].entry.kind == 7);
  // Raw swap of two chunks' bytes, table untouched (they have the same length).
  REQUIRE(pieces[first].body.size() == pieces[first + 1].body.size());
  Bytes raw = example.bytes;
  const SectionEntry c0 = pieces[first].entry;
  const SectionEntry c1 = pieces[first + 1].entry;
  std::copy(pieces[first + 1].body.begin(), pieces[first + 1].body.end(), raw.begin() + static_cast<std::ptrdiff_t>(c0.offset));
  std::copy(pieces[first].body.begin(), pieces[first].body.end(), raw.begin() + static_cast<std::ptrdiff_t>(c1.offset));
  check_error(refusal(raw), ErrorCode::checksum_mismatch, "slot_chunk[0]", c0.offset + c0.payload_length);

  // Reordered in the table with every checksum consistent: the index catches it.
  std::swap(pieces[first], pieces[first + 1]);
  check_error(refusal(assemble(pieces, SectionChecksums::reseal)), ErrorCode::malformed_section, "slot_chunk[0]");
}

TEST_CASE("every rule of a slot entry is checked, naming the chunk and the entry's byte, with every checksum recomputed") {
  // One chunk of the example's four slots: (1,1) 3 bytes at payload offset 0,
  // (1,2) None, (2,0) 0 bytes at 64, (max,max) 4 bytes at 64; a 128-byte payload area.
  const Bytes file = encode(full_example_state(), 4);
  const std::uint32_t chunk = section_index(file, 7);
  const Header header = get_header(file);
  const SectionEntry section = get_entry(file, header.table_offset, chunk);
  REQUIRE(section.payload_length == 128);
  std::uint64_t entry_at[4];
  std::uint64_t chunk_root = 0;
  {
    Opened opened(file);
    REQUIRE_OK(opened.snapshot);
    const auto at = [&](const void* p) {
      return static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(p) - opened.buffer.data());
    };
    const fb::SlotChunk* root = *opened.snapshot->slot_chunk(0);
    chunk_root = at(root);
    REQUIRE(root->slots()->size() == 4);
    for (std::uint32_t i = 0; i < 4; ++i) entry_at[i] = at(root->slots()->Get(i));
  }
  const std::uint64_t metadata_at = section.offset + section.payload_length;
  // Field offsets in SlotEntry: site 0, exec 8, value_offset 16, value_length 24, value_hash 32, has_value 40.
  struct Lie {
    const char* what;
    std::uint32_t slot;
    std::uint64_t field;
    std::uint64_t value;
    std::uint32_t width;
    std::uint64_t reported_at;
    const char* message;
  };
  const Lie lies[] = {
      {"a key equal to the previous one", 1, 8, 1, 8, entry_at[1], "slot keys are not sorted and unique"},
      {"a key below the previous one", 2, 0, 1, 8, entry_at[2], "slot keys are not sorted and unique"},
      {"has_value 2", 0, 40, 2, 1, entry_at[0] + 40, "has_value is neither 0 nor 1"},
      {"a nonzero padding byte", 3, 46, 1, 1, entry_at[3] + 46, "struct padding is not zero"},
      {"an empty slot with a hash", 1, 32, 1, 8, entry_at[1], "an empty slot with a value offset, length or hash"},
      {"an empty slot with an offset", 1, 16, 64, 8, entry_at[1], "an empty slot with a value offset, length or hash"},
      {"a value one boundary late", 3, 16, 128, 8, entry_at[3], "value at payload offset 128, expected 64"},
      {"a value not on a boundary", 0, 16, 8, 8, entry_at[0], "value at payload offset 8, expected 0"},
      {"a value past the payload area", 0, 24, 129, 8, entry_at[0], "value of 129 bytes runs past the payload area"},
      {"a value of 2^64 - 1 bytes", 3, 24, ~std::uint64_t{0}, 8, entry_at[3], "runs past the payload area"},
      {"values ending a boundary early", 3, 24, 0, 8, chunk_root, "the payload area is 128 bytes, its values end at 64"},
  };
  for (const Lie& lie : lies) {
    INFO(lie.what);
    Bytes lying = file;
    std::memcpy(lying.data() + entry_at[lie.slot] + lie.field, &lie.value, lie.width);
    SectionEntry resealed = section;
    resealed.checksum =
        section_checksum(section, std::span<const std::uint8_t>(lying).subspan(metadata_at, section.length - section.payload_length));
    put_entry(lying, header.table_offset, chunk, resealed);
    reseal(lying, header.table_offset);
    for (const OpenOptions& options : {OpenOptions{}, on_threads(2)}) {
      Error e = refusal(lying, options);
      check_error(e, ErrorCode::malformed_section, "slot_chunk[0]", lie.reported_at);
      CHECK_THAT(e.message, Catch::Matchers::Contains(lie.message));
    }
    Opened opened(lying, lazy());
    REQUIRE_OK(opened.snapshot);
    Result<const fb::SlotChunk*> chunk_view = opened.snapshot->slot_chunk(0);
    REQUIRE_FALSE(chunk_view.ok());
    check_error(chunk_view.error(), ErrorCode::malformed_section, "slot_chunk[0]", lie.reported_at);
  }
}

namespace {

// `file` with an optional section of an unknown kind inserted before its
// first slot chunk, every checksum recomputed under `format_version`: the
// chunks move 64 bytes on, their metadata and value hashes unchanged (value
// offsets are relative to their section).
Bytes with_chunks_moved(const Bytes& file, std::uint32_t format_version) {
  std::vector<Piece> pieces = split(file);
  Piece extra;
  extra.entry = {};
  extra.entry.kind = 42;
  extra.body = Bytes(24, 0x77);
  pieces.insert(pieces.begin() + section_index(file, 7), extra);
  return assemble(pieces, SectionChecksums::reseal, format_version);
}

}  // namespace

TEST_CASE("slot chunks moved whole read the same state: version 2 value hashes do not depend on the offset") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    const Bytes moved = with_chunks_moved(file.bytes, format::kFormatVersion);
    Opened original(file.bytes);
    REQUIRE_OK(original.snapshot);
    Opened opened(moved);
    REQUIRE_OK(opened.snapshot);
    Result<TransientSnapshot> model = opened.snapshot->to_model();
    REQUIRE_OK(model);
    CHECK(*model == original.snapshot->to_model().value());
    // Lazy mode checks the value where it now is.
    const Region& value = region_of(file, Region::value, "slot_chunk[0]");
    Opened lazily(moved, lazy());
    REQUIRE_OK(lazily.snapshot);
    Result<SlotLookup> slot = lazily.snapshot->slot(value.slot);
    REQUIRE_OK(slot);
    CHECK(slot->value.data() == lazily.buffer.data() + value.begin + 64);
  }
}

TEST_CASE("slot chunks moved whole are refused in version 1: its value hashes were seeded with their offset") {
  const Bytes golden = testing::read_file(std::filesystem::path(BBSNAP_GOLDEN_DIR) / "v1" / "random.bbsnap");
  REQUIRE_OK(Opened(golden).snapshot);
  const Bytes moved = with_chunks_moved(golden, 1);
  const std::vector<Piece> pieces = split(golden);
  const SectionEntry& first_chunk = pieces[section_index(golden, 7)].entry;
  // The first value is at the start of the first chunk's payload area.
  REQUIRE(first_chunk.payload_length > 0);
  check_error(refusal(moved), ErrorCode::checksum_mismatch, "slot_chunk[0]", first_chunk.offset + 64);
  // Lazy mode reports it for the first slot with a value.
  Opened opened(moved, lazy());
  REQUIRE_OK(opened.snapshot);
  Result<const fb::SlotChunk*> chunk = opened.snapshot->slot_chunk(0);
  REQUIRE_OK(chunk);
  for (const fb::SlotEntry* entry : *(*chunk)->slots()) {
    if (!entry->has_value()) continue;
    Result<SlotLookup> slot = opened.snapshot->slot({entry->site(), entry->exec()});
    REQUIRE_FALSE(slot.ok());
    check_error(slot.error(), ErrorCode::checksum_mismatch, "slot_chunk[0]", first_chunk.offset + 64);
    break;
  }
}

TEST_CASE("a section moved away from the end of the previous one is refused") {
  for (const TestFile& file : test_files()) {
    const std::vector<Piece> pieces = split(file.bytes);
    for (std::uint32_t k = 0; k < pieces.size(); ++k) {
      INFO(file.name << ": section " << k << " moved 64 bytes later");
      // Rebuild with 64 zero bytes before section k; every entry points at its
      // section's real bytes and all checksums (section ones included) are right.
      Bytes moved(kHeaderSize, 0);
      std::vector<SectionEntry> entries;
      for (std::uint32_t i = 0; i < pieces.size(); ++i) {
        moved.resize(format::align_up(moved.size()) + (i == k ? 64 : 0), 0);
        SectionEntry e = pieces[i].entry;
        e.offset = moved.size();
        e.checksum = section_checksum(e, std::span<const std::uint8_t>(pieces[i].body).subspan(e.payload_length));
        entries.push_back(e);
        moved.insert(moved.end(), pieces[i].body.begin(), pieces[i].body.end());
      }
      moved.resize(format::align_up(moved.size()), 0);
      Header h = get_header(file.bytes);
      h.table_offset = moved.size();
      for (const SectionEntry& e : entries) {
        const auto* raw = reinterpret_cast<const std::uint8_t*>(&e);
        moved.insert(moved.end(), raw, raw + sizeof e);
      }
      h.file_length = moved.size();
      put_header(moved, h);
      reseal(moved, h.table_offset);
      check_error(refusal(moved), ErrorCode::malformed_section, "section_table[" + std::to_string(k) + "]",
                  h.table_offset + std::uint64_t{k} * sizeof(SectionEntry));
    }
  }
}

// ================================================================ structural lies in the table

TEST_CASE("a section table entry pointing outside the file is refused") {
  for (const TestFile& file : test_files()) {
    const Header h = get_header(file.bytes);
    for (std::uint32_t k = 0; k < h.section_count; ++k) {
      INFO(file.name << ": section " << k);
      const std::string name = "section_table[" + std::to_string(k) + "]";
      const std::uint64_t entry_offset = h.table_offset + std::uint64_t{k} * sizeof(SectionEntry);
      for (std::uint64_t offset : {std::uint64_t{file.bytes.size()}, format::align_up(file.bytes.size()) + 64,
                                   h.table_offset, k2Pow63, ~std::uint64_t{0} - 63}) {
        INFO("offset " << offset);
        check_error(refusal(with_entry(file.bytes, k, [&](SectionEntry& e) { e.offset = offset; })),
                    ErrorCode::malformed_section, name, entry_offset);
      }
      // Its end beyond the file, into the next section or into the table.
      const SectionEntry entry = get_entry(file.bytes, h.table_offset, k);
      const std::uint64_t end = entry.offset + entry.length;
      for (std::uint64_t extra : {std::uint64_t{1}, std::uint64_t{64}, std::uint64_t{file.bytes.size()}}) {
        INFO("length + " << extra);
        Error e = refusal(with_entry(file.bytes, k, [&](SectionEntry& x) { x.length += extra; }));
        if (end + extra <= format::align_up(end)) {
          // Absorbed by the padding after the section: the layout still holds,
          // but the metadata checksum is seeded with the entry, length included.
          check_error(e, ErrorCode::checksum_mismatch, section_name(file.bytes, k));
        } else if (end + extra > h.table_offset) {
          check_error(e, ErrorCode::malformed_section, name, entry_offset);  // runs into the table
        } else {
          check_error(e, ErrorCode::malformed_section, "section_table[" + std::to_string(k + 1) + "]");
        }
      }
    }
  }
}

TEST_CASE("overlapping sections are refused") {
  for (const TestFile& file : test_files()) {
    const Header h = get_header(file.bytes);
    for (std::uint32_t k = 1; k < h.section_count; ++k) {
      INFO(file.name << ": section " << k);
      const SectionEntry previous = get_entry(file.bytes, h.table_offset, k - 1);
      const std::string name = "section_table[" + std::to_string(k) + "]";
      const std::uint64_t entry_offset = h.table_offset + std::uint64_t{k} * sizeof(SectionEntry);
      // Starts where the previous one starts, or 64 bytes before its own start.
      check_error(refusal(with_entry(file.bytes, k, [&](SectionEntry& e) { e.offset = previous.offset; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [&](SectionEntry& e) { e.offset -= 64; })),
                  ErrorCode::malformed_section, name, entry_offset);
      // The previous one extends over this one's first bytes.
      Bytes overlapping = with_entry(file.bytes, k - 1, [&](SectionEntry& e) {
        e.length = get_entry(file.bytes, h.table_offset, k).offset - e.offset + 8;
      });
      check_error(refusal(overlapping), ErrorCode::malformed_section, name, entry_offset);
    }
  }
}

TEST_CASE("lengths of 2^63 are refused") {
  for (const TestFile& file : test_files()) {
    const Header h = get_header(file.bytes);
    for (std::uint32_t k = 0; k < h.section_count; ++k) {
      INFO(file.name << ": section " << k);
      const std::string name = "section_table[" + std::to_string(k) + "]";
      const std::uint64_t entry_offset = h.table_offset + std::uint64_t{k} * sizeof(SectionEntry);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.length = k2Pow63; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.payload_length = k2Pow63; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.length = e.payload_length = k2Pow63; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.length = ~std::uint64_t{0}; })),
                  ErrorCode::malformed_section, name, entry_offset);
      // A payload longer than the section, and one not a multiple of 64.
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.payload_length = e.length + 64; })),
                  ErrorCode::malformed_section, name, entry_offset);
      if (get_entry(file.bytes, h.table_offset, k).length > 0) {
        check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.payload_length += 1; })),
                    ErrorCode::malformed_section, name, entry_offset);
      }
    }
    // In the header.
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.file_length = k2Pow63; })), ErrorCode::truncated,
                "file", file.bytes.size());
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.table_offset = k2Pow63; })),
                ErrorCode::malformed_section, "header", 24);
  }
}

TEST_CASE("a header claiming too many or too few sections is refused") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    const Header h = get_header(file.bytes);
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.section_count = ~std::uint32_t{0}; })),
                ErrorCode::limit_exceeded, "header", 32);
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.section_count = format::kMaxSections + 1; })),
                ErrorCode::limit_exceeded, "header", 32);
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.section_count = format::kMaxSections; })),
                ErrorCode::malformed_section, "header", 24);
    for (std::uint32_t count : {0u, h.section_count - 1, h.section_count + 1, h.section_count * 2}) {
      INFO(count << " sections");
      check_error(refusal(with_header(file.bytes, [&](Header& x) { x.section_count = count; })),
                  ErrorCode::malformed_section, "header", 24);
    }
    // Fewer sections, with the table start moved to keep it at the end of the
    // file: the sections no longer reach the table, or one is missing.
    Bytes fewer = with_header(file.bytes, [&](Header& x) {
      x.section_count -= 1;
      x.table_offset += sizeof(SectionEntry);
    });
    Error e = refusal(fewer);
    INFO(e.to_string());
    CHECK(e.code != ErrorCode::io);
  }
}

TEST_CASE("other lies in the header are refused") {
  const Bytes& file = example_file();
  const Header h = get_header(file);
  check_error(refusal(with_header(file, [](Header& x) { x.format_version = format::kFormatVersion + 1; })),
              ErrorCode::unsupported_format_version, "header", 8);
  check_error(refusal(with_header(file, [](Header& x) { x.format_version = 0; })),
              ErrorCode::unsupported_format_version, "header", 8);
  check_error(refusal(with_header(file, [](Header& x) { x.flags = 1; })), ErrorCode::unsupported_feature, "header", 12);
  check_error(refusal(with_header(file, [](Header& x) { x.reserved0 = 1; })), ErrorCode::malformed_section, "header",
              36);
  check_error(refusal(with_header(file, [](Header& x) { x.reserved1 = 1; })), ErrorCode::malformed_section, "header",
              48);
  check_error(refusal(with_header(file, [](Header& x) { x.file_length += 64; })), ErrorCode::truncated, "file",
              file.size());
  check_error(refusal(with_header(file, [](Header& x) { x.file_length -= 64; })), ErrorCode::malformed_section,
              "file", file.size() - 64);
  for (std::uint64_t table_offset : {std::uint64_t{0}, std::uint64_t{32}, h.table_offset - 64, h.table_offset + 1,
                                     h.table_offset + 64, ~std::uint64_t{0}}) {
    INFO("table_offset " << table_offset);
    check_error(refusal(with_header(file, [&](Header& x) { x.table_offset = table_offset; })),
                ErrorCode::malformed_section, "header", 24);
  }
  // A table checksum that does not match.
  check_error(refusal(with_header(file, [](Header& x) { x.table_checksum ^= 1; })), ErrorCode::checksum_mismatch,
              "section_table", h.table_offset);
}

TEST_CASE("a duplicated or missing section is refused") {
  const Bytes& file = example_file();
  const std::vector<Piece> pieces = split(file);
  const std::uint32_t bus = section_index(file, 2);

  std::vector<Piece> duplicated = pieces;
  duplicated.insert(duplicated.begin() + bus + 1, pieces[bus]);
  check_error(refusal(assemble(duplicated, SectionChecksums::reseal)), ErrorCode::malformed_section,
              "section_table[" + std::to_string(bus + 1) + "]");

  for (std::uint32_t kind = 1; kind <= 10; ++kind) {
    if (kind == 7) continue;
    std::vector<Piece> missing = pieces;
    missing.erase(missing.begin() + section_index(file, kind));
    INFO("without " << kind_name(kind));
    check_error(refusal(assemble(missing, SectionChecksums::reseal)), ErrorCode::missing_section, kind_name(kind));
  }
  // Without its slot chunks, the index is wrong.
  std::vector<Piece> no_chunks;
  for (const Piece& p : pieces) {
    if (p.entry.kind != 7) no_chunks.push_back(p);
  }
  check_error(refusal(assemble(no_chunks, SectionChecksums::reseal)), ErrorCode::malformed_section, "slot_index");
}

// ================================================================ truncated and extended files

TEST_CASE("a file truncated at any length is refused as truncated") {
  const Bytes& file = example_file();
  const AlignedBuffer whole = AlignedBuffer::copy_of(file);
  for (std::size_t length = 0; length < file.size(); ++length) {
    INFO("truncated to " << length << " of " << file.size() << " bytes");
    for (Verification mode : {Verification::full, Verification::lazy}) {
      OpenOptions options;
      options.verification = mode;
      Result<Snapshot> s = Snapshot::from_bytes(whole.span().first(length), options);
      REQUIRE_FALSE(s.ok());
      check_error(s.error(), ErrorCode::truncated, length < kHeaderSize ? "header" : "file", length);
    }
  }
  // An empty buffer, and a buffer that is not a bbsnap file.
  Result<Snapshot> empty = Snapshot::from_bytes({});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == ErrorCode::truncated);
  AlignedBuffer text = AlignedBuffer::copy_of(Bytes{'h', 'e', 'l', 'l', 'o'});
  check_error(refusal(text.span()), ErrorCode::bad_magic, "header", 0);

  // The same through files on disk, including the empty file.
  bbsnap::testing::TempDir dir;
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{63}, std::size_t{64},
                             file.size() / 2, file.size() - 1}) {
    INFO("file truncated to " << length);
    const std::string path = dir.file("t" + std::to_string(length) + ".bbsnap");
    bbsnap::testing::write_file(path, Bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(length)));
    for (Verification mode : {Verification::full, Verification::lazy}) {
      OpenOptions options;
      options.verification = mode;
      Result<Snapshot> s = Snapshot::open(path, options);
      REQUIRE_FALSE(s.ok());
      check_error(s.error(), ErrorCode::truncated, length < kHeaderSize ? "header" : "file", length);
    }
  }
}

TEST_CASE("bytes appended at the end are refused") {
  const Bytes& file = example_file();
  for (std::size_t extra : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{4096}}) {
    for (std::uint8_t fill : {std::uint8_t{0}, std::uint8_t{0xab}}) {
      INFO(extra << " bytes of " << int{fill} << " appended");
      Bytes longer = file;
      longer.insert(longer.end(), extra, fill);
      check_error(refusal(longer), ErrorCode::malformed_section, "file", file.size());
      check_error(refusal(longer, lazy()), ErrorCode::malformed_section, "file", file.size());
      // With the header's file length following, the table is not at the end.
      Bytes lying = with_header(longer, [&](Header& h) { h.file_length = longer.size(); });
      check_error(refusal(lying), ErrorCode::malformed_section, "header", 24);
    }
  }
  // A second copy of the table appended, the header pointing at it: the
  // sections no longer reach the table.
  Bytes twice = file;
  const Header h = get_header(file);
  twice.resize(format::align_up(twice.size()), 0);
  const std::uint64_t second_table = twice.size();
  twice.insert(twice.end(), file.begin() + static_cast<std::ptrdiff_t>(h.table_offset), file.end());
  twice = with_header(twice, [&](Header& x) {
    x.file_length = twice.size();
    x.table_offset = second_table;
  });
  check_error(refusal(twice), ErrorCode::malformed_section, "section_table", second_table);
}

// ================================================================ versions and features

TEST_CASE("spec_version 2 is refused unless expected") {
  TransientSnapshot state = full_example_state();
  state.framework.spec_version = 2;
  const Bytes file = encode(state, 2);
  const std::uint32_t framework = section_index(file, 1);
  const SectionEntry entry = get_entry(file, get_header(file).table_offset, framework);
  for (Verification mode : {Verification::full, Verification::lazy, Verification::trusted}) {
    INFO("mode " << static_cast<int>(mode));
    OpenOptions options;
    options.verification = mode;
    Error e = refusal(file, options);
    check_error(e, ErrorCode::spec_version_mismatch, "framework", entry.offset + entry.payload_length);
    CHECK(e.message.find('2') != std::string::npos);

    options.expected_spec_version = 2;
    Opened opened(file, options);
    REQUIRE_OK(opened.snapshot);
    CHECK(opened.snapshot->spec_version() == 2);
    Result<TransientSnapshot> model = opened.snapshot->to_model();
    REQUIRE_OK(model);
    CHECK(*model == state);

    // No expectation: any version opens, and says which it is.
    options.expected_spec_version = std::nullopt;
    Opened any(file, options);
    REQUIRE_OK(any.snapshot);
    CHECK(any.snapshot->spec_version() == 2);
  }
  // And the other way round: a spec_version 1 file when 2 is expected.
  OpenOptions expect2;
  expect2.expected_spec_version = 2;
  check_error(refusal(example_file(), expect2), ErrorCode::spec_version_mismatch, "framework");
}

TEST_CASE("an unknown optional section kind is skipped, an unknown required one refused") {
  const Bytes& file = example_file();
  const std::vector<Piece> pieces = split(file);
  const TransientSnapshot state = full_example_state();
  Piece unknown;
  unknown.entry = {};
  unknown.entry.kind = 42;
  unknown.entry.flags = 0;
  unknown.entry.payload_length = 64;  // unknown kinds may have a payload area
  unknown.body = Bytes(64, 0x11);
  for (int i = 0; i < 37; ++i) unknown.body.push_back(static_cast<std::uint8_t>(i * 7));

  // (Not before the slot chunks: moving them breaks their value hashes, see above.)
  const std::uint32_t bus = section_index(file, 2);
  const std::uint32_t slot_index = section_index(file, 6);
  for (std::uint32_t at : {slot_index, bus, static_cast<std::uint32_t>(pieces.size())}) {
    INFO("unknown section at table index " << at);
    std::vector<Piece> with_unknown = pieces;
    with_unknown.insert(with_unknown.begin() + at, unknown);
    const Bytes optional = assemble(with_unknown, SectionChecksums::reseal);
    for (Verification mode : {Verification::full, Verification::lazy}) {
      OpenOptions options;
      options.verification = mode;
      Opened opened(optional, options);
      REQUIRE_OK(opened.snapshot);
      CHECK(opened.snapshot->sections().size() == pieces.size() + 1);
      CHECK(opened.snapshot->sections()[at].kind == 42);
      REQUIRE_OK(opened.snapshot->check_section(at));
      Result<TransientSnapshot> model = opened.snapshot->to_model();
      REQUIRE_OK(model);
      CHECK(*model == state);
    }
    // Its checksum is still checked.
    const SectionEntry placed = get_entry(optional, get_header(optional).table_offset, at);
    const std::uint64_t metadata = placed.offset + placed.payload_length;
    check_error(refusal(bbsnap::testing::with_flipped_byte(optional, metadata + 5).span()), ErrorCode::checksum_mismatch,
                "kind_42", metadata);

    // Marked required, it is refused.
    with_unknown[at].entry.flags = format::kSectionRequired;
    const Bytes required = assemble(with_unknown, SectionChecksums::reseal);
    const std::uint64_t entry_offset = get_header(required).table_offset + std::uint64_t{at} * sizeof(SectionEntry);
    check_error(refusal(required), ErrorCode::unsupported_feature, "section_table[" + std::to_string(at) + "]",
                entry_offset);
    check_error(refusal(required, lazy()), ErrorCode::unsupported_feature, "section_table[" + std::to_string(at) + "]",
                entry_offset);
  }
  // An unknown section between two slot chunks splits them.
  const std::uint32_t first_chunk = section_index(file, 7);
  std::vector<Piece> split_chunks = pieces;
  split_chunks.insert(split_chunks.begin() + first_chunk + 1, unknown);
  check_error(refusal(assemble(split_chunks, SectionChecksums::reseal)), ErrorCode::malformed_section,
              "section_table[" + std::to_string(first_chunk + 2) + "]");
  // An unknown flag on a known section is refused.
  check_error(refusal(with_entry(file, 0, [](SectionEntry& e) { e.flags |= 2; })), ErrorCode::unsupported_feature,
              "section_table[0]", get_header(file).table_offset + 4);
}
