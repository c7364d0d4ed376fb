// sink.cc's AtomicFileSink: whatever the sizes of the appends, the file holds
// exactly the bytes appended, and every write() but the last covers whole
// 2 MiB blocks at block boundaries (so that the page cache keeps the file in
// 2 MiB folios; see sink.cc).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "sink.h"
#include "test_files.h"

using namespace bbsnap;

namespace {

constexpr std::uint64_t kBlock = 2u << 20;

// Append sizes that stress the block boundaries: nothing, a byte, a block
// exactly, a block and a byte, several blocks, and sizes at random.
std::uint64_t next_size(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0: return 0;
    case 1: return 1;
    case 2: return kBlock;
    case 3: return kBlock + 1;
    case 4: return kBlock - 1;
    case 5: return 3 * kBlock + rng() % 4096;
    default: return rng() % (kBlock / 2);
  }
}

}  // namespace

TEST_CASE("the file sink writes exactly what was appended, in whole aligned blocks but the last", "[sink]") {
  bbsnap::testing::TempDir dir;
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    std::vector<std::uint8_t> expected;
    bbsnap::testing::RecordingFileOps ops;
    const std::string path = dir.file("s" + std::to_string(seed));
    {
      auto sink = AtomicFileSink::create(path, ops, false);
      REQUIRE(sink.ok());
      for (int i = 0; i < 24; ++i) {
        const std::uint64_t size = next_size(rng);
        // Each byte depends on its place in the file: a misplaced piece shows.
        std::vector<std::uint8_t> bytes(size);
        for (std::uint64_t at = 0; at < size; ++at) {
          const std::uint64_t place = expected.size() + at;
          bytes[at] = static_cast<std::uint8_t>(place ^ (place >> 8) ^ (place >> 16) ^ seed);
        }
        REQUIRE((*sink)->append(bytes).ok());
        expected.insert(expected.end(), bytes.begin(), bytes.end());
        REQUIRE((*sink)->position() == expected.size());
      }
      REQUIRE((*sink)->commit().ok());
    }
    CHECK(bbsnap::testing::read_file(path) == expected);
    const auto& writes = ops.writes;
    REQUIRE(!writes.empty());
    CHECK(writes.back().offset + writes.back().size == expected.size());
    for (std::size_t i = 0; i < writes.size(); ++i) {
      INFO("write " << i << " of " << writes.size() << " at " << writes[i].offset << ", " << writes[i].size << " bytes");
      CHECK(writes[i].offset % kBlock == 0);
      if (i + 1 < writes.size()) CHECK(writes[i].size % kBlock == 0);
    }
  }
}
