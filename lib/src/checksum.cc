#include "checksum.h"

#include <xxh_x86dispatch.h>
#include <xxhash.h>

namespace bbsnap::checksum {

// libxxhash's plain entry points are its SSE2 build; the _dispatch ones pick
// AVX2/AVX-512 at run time (same values, 1.6x to 4.4x faster here).
std::uint64_t xxh3(std::span<const std::uint8_t> bytes, std::uint64_t seed) {
  return XXH3_64bits_withSeed_dispatch(bytes.data(), bytes.size(), seed);
}

std::uint64_t header(const format::Header& header) {
  return XXH3_64bits_withSeed_dispatch(&header, format::kHeaderChecksummedBytes, format::kHeaderSeed);
}

std::uint64_t table(std::span<const std::uint8_t> table_bytes) {
  return xxh3(table_bytes, format::kTableSeed);
}

std::uint64_t section_seed(const format::SectionEntry& entry) {
  return XXH3_64bits_dispatch(&entry, format::kSectionSeedBytes);
}

std::uint64_t section(const format::SectionEntry& entry, std::span<const std::uint8_t> metadata) {
  return xxh3(metadata, section_seed(entry));
}

std::uint64_t value(std::span<const std::uint8_t> value, std::uint64_t absolute_offset) {
  return xxh3(value, absolute_offset);
}

}  // namespace bbsnap::checksum
