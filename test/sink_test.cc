// sink.cc's sinks. AtomicFileSink: whatever the sizes of the appends, the
// file holds exactly the bytes appended, and every write() but the last
// covers whole 2 MiB blocks at block boundaries (so that the page cache keeps
// the file in 2 MiB folios; see sink.cc). MemorySink: whatever its first
// capacity, it hands back exactly the bytes appended and overwritten, in one
// 64-byte aligned buffer.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <span>
#include <vector>

#include "container/sink.h"
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

// `size` bytes to append at `place`, each a function of its place in the
// output: a misplaced piece shows.
std::vector<std::uint8_t> bytes_at(std::uint64_t place, std::uint64_t size, std::uint64_t seed) {
  std::vector<std::uint8_t> bytes(size);
  for (std::uint64_t at = 0; at < size; ++at) {
    const std::uint64_t p = place + at;
    bytes[at] = static_cast<std::uint8_t>(p ^ (p >> 8) ^ (p >> 16) ^ seed);
  }
  return bytes;
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
        const std::vector<std::uint8_t> bytes = bytes_at(expected.size(), next_size(rng), seed);
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

TEST_CASE("the memory sink hands back exactly what was appended and overwritten, aligned", "[sink]") {
  for (std::uint64_t seed = 0; seed < 12; ++seed) {
    std::mt19937_64 rng(seed);
    // Below, at and above what is appended: the sink grows, or never needs to.
    const std::size_t appends = rng() % 16;
    std::vector<std::uint64_t> sizes(appends);
    std::uint64_t total = 0;
    for (std::uint64_t& size : sizes) total += size = next_size(rng) / 16;
    for (const std::size_t capacity : {std::uint64_t{0}, std::uint64_t{1}, total / 3, total, total + 4096}) {
      INFO("seed " << seed << ", " << appends << " appends of " << total << " bytes, capacity " << capacity);
      MemorySink sink(capacity);
      std::vector<std::uint8_t> expected;
      for (const std::uint64_t size : sizes) {
        const std::vector<std::uint8_t> bytes = bytes_at(expected.size(), size, seed);
        REQUIRE(sink.append(bytes).ok());
        expected.insert(expected.end(), bytes.begin(), bytes.end());
        REQUIRE(sink.position() == expected.size());
      }
      if (expected.size() >= 64) {  // as the writer rewrites the header
        const std::vector<std::uint8_t> header = bytes_at(1u << 20, 64, seed);
        REQUIRE(sink.overwrite(0, header).ok());
        std::copy(header.begin(), header.end(), expected.begin());
      }
      REQUIRE(sink.commit().ok());
      const AlignedBuffer out = sink.take();
      CHECK(std::vector<std::uint8_t>(out.span().begin(), out.span().end()) == expected);
      CHECK(reinterpret_cast<std::uintptr_t>(out.data()) % AlignedBuffer::kAlignment == 0);
      CHECK((out.data() == nullptr) == expected.empty());
    }
  }
}

TEST_CASE("the memory sink asks for transparent huge pages for a buffer of many MiB", "[sink]") {
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage")) {
    WARN("not checked: the kernel has no transparent huge pages");
    return;
  }
  for (const std::size_t capacity : {std::size_t{8} << 20, std::size_t{64} << 20}) {
    MemorySink sink(capacity);
    const std::vector<std::uint8_t> bytes(capacity, 0x5a);
    REQUIRE(sink.append(bytes).ok());
    const AlignedBuffer out = sink.take();
    // The 2 MiB-aligned middle of the buffer: first touch costs one fault per 2 MiB.
    const auto middle = (reinterpret_cast<std::uintptr_t>(out.data()) + (3u << 20)) / (2u << 20) * (2u << 20);
    INFO(capacity << " bytes at " << static_cast<const void*>(out.data()));
    const std::string flags = bbsnap::testing::vm_flags_of(reinterpret_cast<const void*>(middle));
    INFO("VmFlags:" << flags);
    REQUIRE(flags.find(" rd ") != std::string::npos);  // found the mapping
    CHECK(flags.find(" hg ") != std::string::npos);
  }
}
