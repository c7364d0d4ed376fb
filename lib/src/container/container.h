// Reading the container: the header and the section table, checked against
// the file's real size before anything they declare is read.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "bbsnap/format.h"
#include "bbsnap/status.h"
#include "container/section_catalog.h"

namespace bbsnap {

// Where the sections of one known kind are in the table: `count` entries
// from `first` (a kind that occurs once: count 1).
struct Run {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

struct Layout {
  std::span<const std::uint8_t> file;
  format::Header header{};
  std::span<const format::SectionEntry> entries;  // in place, in the file
  const SectionCatalog* catalog = nullptr;
  std::array<Run, format::kMaxKnownKind + 1> runs{};  // by kind

  const Run& run(format::SectionKind kind) const { return runs[static_cast<std::uint32_t>(kind)]; }
  // The table index of the one section of a kind that occurs once.
  std::uint32_t index_of(format::SectionKind kind) const { return run(kind).first; }

  std::span<const std::uint8_t> metadata(std::uint32_t index) const;
  std::span<const std::uint8_t> payload(std::uint32_t index) const;
  // "framework", "slot_chunk[3]" (a kind that occurs as a run), "kind_42".
  std::string section_name(std::uint32_t index) const;
  // Where padding before section `index` starts (the end of the previous one).
  std::uint64_t gap_start(std::uint32_t index) const;
};

// Parses and bounds-checks the header against the file's real size
// (FORMAT.md §7.2 checks 1..10; 4, its checksum, with `verify_checksums`).
// Afterwards the table lies at [table_offset, file.size()).
Result<format::Header> parse_header(std::span<const std::uint8_t> file, bool verify_checksums);

// Then the section table: §7.2 checks 11..15 (11 and 15, its checksum and the
// padding before it, with `verify_checksums`), with the kinds `catalog`
// knows. Section contents are not read. `catalog` must outlive the Layout.
Result<Layout> parse_layout(std::span<const std::uint8_t> file, const format::Header& header, bool verify_checksums,
                            const SectionCatalog& catalog);

// Index naming the section table itself in errors.
inline constexpr std::uint32_t kTableIndex = ~std::uint32_t{0};

// Checks that the padding bytes in [begin, end) of the file are zero; an
// error names section `index` (or the table, for kTableIndex).
Status check_zero(const Layout& layout, std::uint64_t begin, std::uint64_t end, std::uint32_t index);

}  // namespace bbsnap
