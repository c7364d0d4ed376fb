// One flipped byte anywhere in a file is refused, on one thread and on
// several, with the error that names the damaged region; every bit of two
// files is flipped in turn.
//
// `bbsnap diff` meets every flipped bit too, on either side: through its
// comparison in-process (tools/state_diff.h) and, for a sample, as the
// command.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "cli/subprocess.h"
#include "common.h"
#include "container_builder.h"
#include "corruption/corruption_support.h"
#include "state_diff.h"
#include "test_files.h"

using namespace bbsnap;
using namespace bbsnap::testing;
using namespace bbsnap::testing::corruption;

namespace {

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
  files.push_back(&*std::min_element(
      test_files().begin() + 1, test_files().end(),
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
          AlignedBuffer damaged =
              bbsnap::testing::with_flipped_byte(file.bytes, pos, static_cast<std::uint8_t>(1u << bit));
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
