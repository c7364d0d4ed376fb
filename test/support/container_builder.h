// A tiny container builder for tests: takes .bbsnap files apart into their
// sections and lays sections out into a file again, recomputing the checksums
// as schema/FORMAT.md §2-§4 define them. With it a test builds the files a
// newer writer (new section kinds, extended metadata) or a buggy one would
// write.
//
// It is written from FORMAT.md, not from lib/src: XXH3 is called directly
// (xxhash.h), only the constants and on-disk structs of format.h are shared.
// Inputs are test files: `split` and the raw accessors check bounds and
// throw std::out_of_range rather than read outside the file, but do not
// otherwise validate it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "bbsnap/format.h"
#include "bbsnap/model.h"

namespace bbsnap::testing {

// ---------------------------------------------------------------- checksums (FORMAT.md §2, §3, §4.1)

// XXH3_64bits_withSeed(header bytes 0..55, kHeaderSeed).
std::uint64_t header_checksum(const format::Header& header);
// XXH3_64bits_withSeed(table bytes, kTableSeed).
std::uint64_t table_checksum(std::span<const std::uint8_t> table);
// XXH3_64bits_withSeed(metadata, XXH3_64bits(entry bytes 0..31)).
std::uint64_t section_checksum(const format::SectionEntry& entry, std::span<const std::uint8_t> metadata);

// ---------------------------------------------------------------- raw access (copies, any alignment)

format::Header get_header(std::span<const std::uint8_t> file);
void put_header(Bytes& file, const format::Header& header);
format::SectionEntry get_entry(std::span<const std::uint8_t> file, std::uint64_t table_offset, std::uint32_t i);
void put_entry(Bytes& file, std::uint64_t table_offset, std::uint32_t i, const format::SectionEntry& entry);

// Recomputes the header checksum only.
void reseal_header(Bytes& file);
// Recomputes the table checksum over the table really at `table_offset` to
// the end of the file (whatever the header now claims), then the header
// checksum.
void reseal(Bytes& file, std::uint64_t table_offset);

// A copy of `file` with its header edited and its header checksum resealed.
Bytes with_header(const Bytes& file, const std::function<void(format::Header&)>& edit);
// A copy of `file` with entry `i` edited, table and header checksums resealed
// (the section's own checksum is left as it is).
Bytes with_entry(const Bytes& file, std::uint32_t i, const std::function<void(format::SectionEntry&)>& edit);

// ---------------------------------------------------------------- sections

// One section: its table entry and its bytes (payload area, then metadata).
struct Piece {
  format::SectionEntry entry{};
  Bytes body;

  std::span<const std::uint8_t> payload() const;   // body[0 .. entry.payload_length)
  std::span<const std::uint8_t> metadata() const;  // body[entry.payload_length ..)
};

// A section of `kind` with `flags`, the given metadata and payload area
// (payload.size() must be a multiple of 64; offset, length and checksum are
// left for `assemble`).
Piece make_piece(std::uint32_t kind, std::uint32_t flags, std::span<const std::uint8_t> metadata,
                 std::span<const std::uint8_t> payload = {});

// The sections of `file`, in table order, with their entries as stored.
std::vector<Piece> split(std::span<const std::uint8_t> file);

// Index of the first section of `kind` in table order, if any.
std::optional<std::uint32_t> find_section(std::span<const std::uint8_t> file, std::uint32_t kind);
std::optional<std::uint32_t> find_piece(const std::vector<Piece>& pieces, std::uint32_t kind);

enum class SectionChecksums { keep, reseal };

// Lays `pieces` out as a file, in the list's order: the 64-byte header, each
// section at the next 64-byte boundary after the previous one (zero gaps),
// the section table last (FORMAT.md §1, §3, §4.1). Sets every entry's offset
// and length, its checksum too with SectionChecksums::reseal, then the table
// and header checksums, under a header of `format_version`. Kind, flags and
// payload_length are taken as given, and so are the payload areas: slot
// values keep their bytes and hashes, which in a version 1 file no longer
// match when their chunk moves (they were seeded with their offset).
Bytes assemble(std::vector<Piece> pieces, SectionChecksums checksums = SectionChecksums::reseal,
               std::uint32_t format_version = format::kFormatVersion);

// A copy of `file` with the metadata of its first section of `kind` replaced
// (no payload area), laid out again by `assemble` with every checksum
// recomputed: damage only the content rules can see.
Bytes with_metadata(std::span<const std::uint8_t> file, std::uint32_t kind, std::span<const std::uint8_t> metadata);

}  // namespace bbsnap::testing
