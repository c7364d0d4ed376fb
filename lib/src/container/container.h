// Reading the container: the header and the section table, checked against
// the file's real size before anything they declare is read.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "bbsnap/format.h"
#include "bbsnap/status.h"

namespace bbsnap {

inline constexpr std::int32_t kNoSection = -1;

struct Layout {
  std::span<const std::uint8_t> file;
  format::Header header{};
  std::span<const format::SectionEntry> entries;  // in place, in the file
  // Table index of the section of each singleton kind (kNoSection until found).
  std::array<std::int32_t, format::kMaxKnownKind + 1> singleton{};
  std::uint32_t first_chunk = 0;  // slot chunks are consecutive in the table
  std::uint32_t chunk_count = 0;

  std::span<const std::uint8_t> metadata(std::uint32_t index) const;
  std::span<const std::uint8_t> payload(std::uint32_t index) const;
  // "framework", "slot_chunk[3]", "kind_42".
  std::string section_name(std::uint32_t index) const;
  // Where padding before section `index` starts (the end of the previous one).
  std::uint64_t gap_start(std::uint32_t index) const;
};

// Parses and bounds-checks the header against the file's real size
// (FORMAT.md §7.2 checks 1..10; 4, its checksum, with `verify_checksums`).
// Afterwards the table lies at [table_offset, file.size()).
Result<format::Header> parse_header(std::span<const std::uint8_t> file, bool verify_checksums);

// Then the section table: §7.2 checks 11..15 (11 and 15, its checksum and the
// padding before it, with `verify_checksums`). Section contents are not read.
Result<Layout> parse_layout(std::span<const std::uint8_t> file, const format::Header& header, bool verify_checksums);

// Index naming the section table itself in errors.
inline constexpr std::uint32_t kTableIndex = ~std::uint32_t{0};

// Checks that the padding bytes in [begin, end) of the file are zero; an
// error names section `index` (or the table, for kTableIndex).
Status check_zero(const Layout& layout, std::uint64_t begin, std::uint64_t end, std::uint32_t index);

}  // namespace bbsnap
