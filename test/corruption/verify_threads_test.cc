// Full verification on several threads ([verify_threads], run under
// ThreadSanitizer by scripts/sanitize) reports the error one thread reports,
// whichever thread finds damage first, and never hangs on a failure.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "corruption/corruption_support.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using namespace bbsnap::testing;
using namespace bbsnap::testing::corruption;

namespace {

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
  for (std::uint64_t i = 0; i < kValues; ++i) {
    state.slot_table[{i, 0}] = Bytes(kValueSize, static_cast<std::uint8_t>(i + 1));
  }
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

TEST_CASE("a threaded verification that fails early returns, whichever thread sees the failure first",
          "[verify_threads]") {
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
      for (int repeat = 0; repeat < 2000; ++repeat) {
        REQUIRE(refusal(damaged.span(), options).to_string() == single.to_string());
      }
    }
  }
}

TEST_CASE("a mapped file verified on several threads (as a pipeline) reports what one thread reports",
          "[verify_threads]") {
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
