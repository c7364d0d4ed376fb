#include "checksum.h"

#include <xxhash.h>

namespace bbsnap::checksum {

std::uint64_t xxh3(std::span<const std::uint8_t> bytes, std::uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

std::uint64_t header(const format::Header& header) {
  return XXH3_64bits_withSeed(&header, format::kHeaderChecksummedBytes, format::kHeaderSeed);
}

std::uint64_t table(std::span<const std::uint8_t> table_bytes) {
  return xxh3(table_bytes, format::kTableSeed);
}

std::uint64_t section_seed(const format::SectionEntry& entry) {
  return XXH3_64bits(&entry, format::kSectionSeedBytes);
}

std::uint64_t section(const format::SectionEntry& entry, std::span<const std::uint8_t> metadata) {
  return xxh3(metadata, section_seed(entry));
}

std::uint64_t value(std::span<const std::uint8_t> value, std::uint64_t absolute_offset) {
  return xxh3(value, absolute_offset);
}

}  // namespace bbsnap::checksum
