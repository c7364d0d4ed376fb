// The `large` suite: a snapshot past 4 GiB, written through the streaming
// writer with bounded memory, read back across the 2 GiB and 4 GiB
// boundaries where 32-bit offsets would truncate or wrap.
//
// Needs about 7 GiB of free disk in the temporary directory.
#include <catch2/catch.hpp>
#include <sys/resource.h>

#include <chrono>
#include <cstring>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;

namespace {

constexpr std::uint64_t kValueSize = (48ull << 20) + 7;  // odd, so values straddle the boundaries at odd places
constexpr std::uint64_t kSlots = 130;                    // ~6.1 GiB of values

// Byte `i` of slot `n`'s value: a function of both, so a value read from the
// wrong place (a wrapped offset) cannot pass for the right one.
std::uint8_t pattern(std::uint64_t n, std::uint64_t i) {
  std::uint64_t x = (n + 1) * 0x9E3779B97F4A7C15ull ^ (i / 8) * 0xBF58476D1CE4E5B9ull;
  return static_cast<std::uint8_t>(x >> (8 * (i % 8)));
}

void fill(std::vector<std::uint8_t>& buffer, std::uint64_t n) {
  for (std::uint64_t i = 0; i < buffer.size(); ++i) buffer[i] = pattern(n, i);
}

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("a snapshot past 4 GiB streams out in bounded memory and reads back across 32-bit boundaries") {
  bbsnap::testing::TempDir dir;
  const std::string path = dir.file("large.bbsnap");
  std::vector<std::uint8_t> value(kValueSize);  // the caller's own buffer, reused for every slot
  fill(value, 0);
  const std::uint64_t baseline = peak_rss_bytes();

  auto start = std::chrono::steady_clock::now();
  {
    // durable = false: fsyncing 6 GiB would time the disk, not bbsnap.
    Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.durable = false, .slots_per_chunk = 16});
    REQUIRE_OK(writer);
    for (std::uint64_t n = 0; n < kSlots; ++n) {
      fill(value, n);
      REQUIRE_OK(writer->add_slot({n, n}, std::span<const std::uint8_t>(value)));
    }
    TransientSnapshot rest;
    rest.framework.counters["slots"] = kSlots;
    REQUIRE_OK(writer->finish(rest));
  }
  const double write_s = seconds_since(start);
  const std::uint64_t peak = peak_rss_bytes();
  const std::uint64_t file_size = std::filesystem::file_size(path);
  WARN("wrote " << file_size / (1 << 20) << " MiB in " << write_s << " s; peak RSS grew by "
                << (peak - baseline) / (1 << 20) << " MiB beyond the caller's " << baseline / (1 << 20) << " MiB");
  CHECK(file_size > (4ull << 30) + (1ull << 30));
  CHECK(peak - baseline < (256ull << 20));

  start = std::chrono::steady_clock::now();
  Result<Snapshot> snapshot = Snapshot::open(path, {.threads = 2});
  REQUIRE_OK(snapshot);
  WARN("full verification of the whole file on 2 threads: " << seconds_since(start) << " s");

  // Slots to read byte for byte: the first, the last, and those whose value
  // spans file offsets 2^31 and 2^32.
  std::vector<std::uint64_t> checked;
  std::span<const std::uint8_t> file = snapshot->bytes();
  for (std::uint64_t n = 0; n < kSlots; ++n) {
    Result<SlotLookup> slot = snapshot->slot({n, n});
    REQUIRE_OK(slot);
    REQUIRE(slot->value.size() == kValueSize);
    const std::uint64_t begin = static_cast<std::uint64_t>(slot->value.data() - file.data());
    const std::uint64_t end = begin + kValueSize;
    const bool spans_2g = begin < (1ull << 31) && end > (1ull << 31);
    const bool spans_4g = begin < (1ull << 32) && end > (1ull << 32);
    if (n != 0 && n != kSlots - 1 && !spans_2g && !spans_4g) continue;
    checked.push_back(n);
    fill(value, n);
    REQUIRE(std::memcmp(slot->value.data(), value.data(), kValueSize) == 0);
  }
  CHECK(checked.size() == 4);
  CHECK(**snapshot->counter("slots") == kSlots);
}

TEST_CASE("a section whose metadata would pass 2 GiB is refused before it is built") {
  bbsnap::testing::TempDir dir;
  TransientSnapshot state;
  state.ingress.push_back(EnvelopeEvent{Bytes(2ull << 30)});  // the bytes alone fill 2 GiB
  Status s = write_snapshot(dir.file("too-big.bbsnap"), state, {.durable = false});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::limit_exceeded);
  CHECK(s.error().section == "ingress");
  CHECK(dir.entries().empty());
  // The same in memory, where the writer sizes its buffer from the bounds.
  Result<AlignedBuffer> encoded = encode_snapshot(state);
  REQUIRE_FALSE(encoded.ok());
  CHECK(encoded.error().code == ErrorCode::limit_exceeded);
  CHECK(encoded.error().section == "ingress");
}
