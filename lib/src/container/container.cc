#include "container/container.h"

#include <algorithm>
#include <cstring>

#include "container/checksum.h"

namespace bbsnap {

using format::SectionEntry;

namespace {

constexpr std::uint64_t kHeaderSize = sizeof(format::Header);

Status check_magic(std::span<const std::uint8_t> file) {
  std::size_t n = std::min(file.size(), format::kMagic.size());
  if (n > 0 && std::memcmp(file.data(), format::kMagic.data(), n) != 0) {  // memcmp(nullptr, ..., 0) is UB
    return Error::of(ErrorCode::bad_magic, "not a bbsnap file (the first bytes are not \\x89BBSNAP\\n)", "header", 0);
  }
  if (file.size() < kHeaderSize) {
    return Error::of(ErrorCode::truncated,
                     "the file is " + std::to_string(file.size()) + " bytes, shorter than the 64-byte header", "header",
                     file.size());
  }
  return {};
}

Status check_header(const format::Header& h, std::uint64_t file_size, bool verify_checksums) {
  // The version is checked before the checksum: another version may define
  // the header (and its checksum) differently.
  if (h.format_version < format::kOldestFormatVersion || h.format_version > format::kFormatVersion) {
    return Error::of(ErrorCode::unsupported_format_version,
                     "format version " + std::to_string(h.format_version) + ", this build reads versions " +
                         std::to_string(format::kOldestFormatVersion) + " to " + std::to_string(format::kFormatVersion),
                     "header", offsetof(format::Header, format_version));
  }
  if (verify_checksums) {
    std::uint64_t computed = checksum::header(h);
    if (computed != h.header_checksum) {
      Error e = Error::of(ErrorCode::checksum_mismatch, "header checksum mismatch", "header",
                          offsetof(format::Header, header_checksum));
      e.stored = h.header_checksum;
      e.computed = computed;
      return e;
    }
  }
  if (h.flags != 0) {
    return Error::of(ErrorCode::unsupported_feature, "unknown header flags " + std::to_string(h.flags), "header",
                     offsetof(format::Header, flags));
  }
  if (h.reserved0 != 0) {
    return Error::of(ErrorCode::malformed_section, "reserved header field (bytes 36..39) is not zero", "header",
                     offsetof(format::Header, reserved0));
  }
  if (h.reserved1 != 0) {
    return Error::of(ErrorCode::malformed_section, "reserved header field (bytes 48..55) is not zero", "header",
                     offsetof(format::Header, reserved1));
  }
  if (file_size < h.file_length) {
    return Error::of(ErrorCode::truncated,
                     "the file ends at byte " + std::to_string(file_size) + " but declares " +
                         std::to_string(h.file_length) + " bytes",
                     "file", file_size);
  }
  if (file_size > h.file_length) {
    return Error::of(ErrorCode::malformed_section,
                     std::to_string(file_size - h.file_length) + " bytes follow the declared end of the file", "file",
                     h.file_length);
  }
  if (h.section_count > format::kMaxSections) {
    return Error::of(
        ErrorCode::limit_exceeded,
        std::to_string(h.section_count) + " sections, more than the limit of " + std::to_string(format::kMaxSections),
        "header", offsetof(format::Header, section_count));
  }
  std::uint64_t table_size = std::uint64_t{h.section_count} * sizeof(SectionEntry);
  if (h.table_offset < kHeaderSize || h.table_offset % format::kAlignment != 0 || table_size > h.file_length ||
      h.table_offset != h.file_length - table_size) {
    return Error::of(ErrorCode::malformed_section,
                     "the section table (offset " + std::to_string(h.table_offset) + ", " +
                         std::to_string(h.section_count) + " entries) does not end the file on a 64-byte boundary",
                     "header", offsetof(format::Header, table_offset));
  }
  return {};
}

Status check_table_checksum(const Layout& layout) {
  std::span<const std::uint8_t> table = layout.file.subspan(layout.header.table_offset);
  std::uint64_t computed = checksum::table(table);
  if (computed == layout.header.table_checksum) return {};
  Error e = Error::of(ErrorCode::checksum_mismatch, "section table checksum mismatch", "section_table",
                      layout.header.table_offset);
  e.stored = layout.header.table_checksum;
  e.computed = computed;
  return e;
}

// One entry: placement (sections follow each other in table order, each at
// the next 64-byte boundary, inside the file), sizes, flags, kind.
Status check_entry(Layout& layout, std::uint32_t i, std::uint64_t cursor) {
  const SectionEntry& e = layout.entries[i];
  std::uint64_t entry_offset = layout.header.table_offset + std::uint64_t{i} * sizeof(SectionEntry);
  // Built only for an error: parsing a good table allocates nothing per entry.
  auto name = [i] { return "section_table[" + std::to_string(i) + "]"; };
  auto malformed = [&](const std::string& message) {
    return Error::of(ErrorCode::malformed_section, message, name(), entry_offset);
  };
  if ((e.flags & ~format::kKnownSectionFlags) != 0) {
    return Error::of(ErrorCode::unsupported_feature, "unknown section flags " + std::to_string(e.flags), name(),
                     entry_offset + offsetof(SectionEntry, flags));
  }
  if (e.offset != format::align_up(cursor)) {
    return malformed("section at offset " + std::to_string(e.offset) + ", expected " +
                     std::to_string(format::align_up(cursor)) +
                     " (sections follow each other in table order on 64-byte boundaries)");
  }
  if (e.length > layout.header.table_offset - e.offset) {
    return malformed("section of " + std::to_string(e.length) + " bytes at offset " + std::to_string(e.offset) +
                     " runs into the section table at " + std::to_string(layout.header.table_offset));
  }
  if (e.payload_length % format::kAlignment != 0 || e.payload_length > e.length) {
    return malformed("payload length " + std::to_string(e.payload_length) +
                     " is not a multiple of 64 within the section length " + std::to_string(e.length));
  }
  if (e.length - e.payload_length > format::kMaxMetadataLength) {
    return Error::of(ErrorCode::limit_exceeded,
                     "metadata of " + std::to_string(e.length - e.payload_length) + " bytes exceeds the 2 GiB limit",
                     name(), entry_offset);
  }
  if (e.kind == 0) return malformed("section kind 0 is reserved");
  if (const KindRule* rule = layout.catalog->find(e.kind)) {
    Run& run = layout.runs[e.kind];
    if (run.count > 0 && rule->occurs == Occurs::once) return malformed("a second " + std::string(rule->name) + " section");
    if (run.count == 0) run.first = i;
    if (run.first + run.count != i) return malformed(std::string(rule->name) + " sections are not consecutive in the table");
    ++run.count;
  } else if ((e.flags & format::kSectionRequired) != 0) {
    return Error::of(ErrorCode::unsupported_feature,
                     "required section of unknown kind " + std::to_string(e.kind) + ": written by a newer bbsnap",
                     name(), entry_offset);
  }
  return {};
}

Status check_entries(Layout& layout) {
  std::uint64_t cursor = kHeaderSize;
  for (std::uint32_t i = 0; i < layout.entries.size(); ++i) {
    BBSNAP_RETURN_IF_ERROR(check_entry(layout, i, cursor));
    cursor = layout.entries[i].offset + layout.entries[i].length;
  }
  if (format::align_up(cursor) != layout.header.table_offset) {
    return Error::of(ErrorCode::malformed_section, "the section table does not follow the last section",
                     "section_table", layout.header.table_offset);
  }
  // The missing kind with the smallest number is the one reported.
  for (std::uint32_t kind = 1; kind < layout.runs.size(); ++kind) {
    const KindRule* rule = layout.catalog->find(kind);
    if (rule && rule->occurs == Occurs::once && layout.runs[kind].count == 0) {
      return Error::of(ErrorCode::missing_section, "the file has no " + std::string(rule->name) + " section",
                       std::string(rule->name), layout.header.table_offset);
    }
  }
  return {};
}

}  // namespace

std::span<const std::uint8_t> Layout::metadata(std::uint32_t index) const {
  const SectionEntry& e = entries[index];
  return file.subspan(e.offset + e.payload_length, e.length - e.payload_length);
}

std::span<const std::uint8_t> Layout::payload(std::uint32_t index) const {
  const SectionEntry& e = entries[index];
  return file.subspan(e.offset, e.payload_length);
}

std::string Layout::section_name(std::uint32_t index) const {
  const std::uint32_t kind = entries[index].kind;
  std::string name = catalog->name(kind);
  const KindRule* rule = catalog->find(kind);
  if (rule && rule->occurs == Occurs::run) {
    // Appended piecewise: "[" + std::string&& trips GCC 12's -Wrestrict false positive at -O3.
    name += '[';
    name += std::to_string(index - runs[kind].first);
    name += ']';
  }
  return name;
}

std::uint64_t Layout::gap_start(std::uint32_t index) const {
  return index == 0 ? kHeaderSize : entries[index - 1].offset + entries[index - 1].length;
}

Status check_zero(const Layout& layout, std::uint64_t begin, std::uint64_t end, std::uint32_t index) {
  // Runs of padding are checked after every slot value, so this is hot: whole
  // blocks are compared at once, and the byte is looked for only on failure.
  static constexpr std::uint8_t kZeros[64] = {};
  for (std::uint64_t block = begin; block < end; block += sizeof kZeros) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(end - block, sizeof kZeros));
    if (std::memcmp(layout.file.data() + block, kZeros, n) == 0) continue;
    std::uint64_t i = block;
    while (layout.file[i] == 0) ++i;
    std::string section = index == kTableIndex ? "section_table" : layout.section_name(index);
    return Error::of(ErrorCode::nonzero_padding, "padding byte is not zero", std::move(section), i);
  }
  return {};
}

Result<format::Header> parse_header(std::span<const std::uint8_t> file, bool verify_checksums) {
  BBSNAP_RETURN_IF_ERROR(check_magic(file));
  format::Header header;
  std::memcpy(&header, file.data(), sizeof header);
  BBSNAP_RETURN_IF_ERROR(check_header(header, file.size(), verify_checksums));
  return header;
}

Result<Layout> parse_layout(std::span<const std::uint8_t> file, const format::Header& header, bool verify_checksums,
                            const SectionCatalog& catalog) {
  Layout layout;
  layout.file = file;
  layout.header = header;
  layout.catalog = &catalog;
  if (verify_checksums) {
    BBSNAP_RETURN_IF_ERROR(check_table_checksum(layout));
  }
  // In place: the table is 64-byte aligned in a 64-byte aligned file.
  layout.entries = {reinterpret_cast<const SectionEntry*>(file.data() + layout.header.table_offset),
                    layout.header.section_count};
  BBSNAP_RETURN_IF_ERROR(check_entries(layout));
  if (verify_checksums) {
    std::uint64_t last_end = layout.entries.empty() ? kHeaderSize : layout.gap_start(layout.header.section_count);
    BBSNAP_RETURN_IF_ERROR(check_zero(layout, last_end, layout.header.table_offset, kTableIndex));
  }
  return layout;
}

}  // namespace bbsnap
