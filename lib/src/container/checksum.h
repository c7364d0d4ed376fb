// The only caller of xxHash. Every checksum of the format is XXH3_64bits with
// a seed; the seed binds a checksum to what it protects and where it lies, so
// bytes copied, swapped or moved to another place fail like random damage.
#pragma once

#include <cstdint>
#include <span>

#include "bbsnap/format.h"

namespace bbsnap::checksum {

std::uint64_t xxh3(std::span<const std::uint8_t> bytes, std::uint64_t seed);

// Over header bytes 0..55, seed kHeaderSeed.
std::uint64_t header(const format::Header& header);
// Over the whole section table, seed kTableSeed.
std::uint64_t table(std::span<const std::uint8_t> table_bytes);
// Seed of a section's metadata checksum: XXH3_64bits of the entry's first 32
// bytes (kind, flags, offset, length, payload_length).
std::uint64_t section_seed(const format::SectionEntry& entry);
// The section's metadata checksum, as stored in SectionEntry::checksum.
std::uint64_t section(const format::SectionEntry& entry, std::span<const std::uint8_t> metadata);
// A slot value's hash; `seed` is format::value_hash_seed of the file's
// version (0 for the version the writer writes).
std::uint64_t value(std::span<const std::uint8_t> value, std::uint64_t seed);

}  // namespace bbsnap::checksum
