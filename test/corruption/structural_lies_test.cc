// Structural lies in the header, the section table and a slot chunk's
// entries are refused, naming what lies and where. They are built with every
// checksum over them recomputed (container_builder.h, written from FORMAT.md),
// so that the structural check, not a checksum, refuses them.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "container_builder.h"
#include "corruption/corruption_support.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using namespace bbsnap::testing;
using namespace bbsnap::testing::corruption;
using format::Header;
using format::SectionEntry;

namespace {

constexpr std::uint64_t k2Pow63 = std::uint64_t{1} << 63;

// The name errors give section `i` of a file.
std::string section_name(const Bytes& file, std::uint32_t i) {
  const Header h = get_header(file);
  const std::uint32_t kind = get_entry(file, h.table_offset, i).kind;
  if (kind != 7) return kind_name(kind);
  std::uint32_t first = i;
  while (first > 0 && get_entry(file, h.table_offset, first - 1).kind == 7) --first;
  return "slot_chunk[" + std::to_string(i - first) + "]";
}

}  // namespace

TEST_CASE("a section table entry pointing outside the file is refused") {
  for (const TestFile& file : test_files()) {
    const Header h = get_header(file.bytes);
    for (std::uint32_t k = 0; k < h.section_count; ++k) {
      INFO(file.name << ": section " << k);
      const std::string name = table_entry_name(k);
      const std::uint64_t entry_offset = table_entry_offset(h, k);
      for (std::uint64_t offset : {std::uint64_t{file.bytes.size()}, format::align_up(file.bytes.size()) + 64,
                                   h.table_offset, k2Pow63, ~std::uint64_t{0} - 63}) {
        INFO("offset " << offset);
        check_error(refusal(with_entry(file.bytes, k, [&](SectionEntry& e) { e.offset = offset; })),
                    ErrorCode::malformed_section, name, entry_offset);
      }
      // Its end beyond the file, into the next section or into the table.
      const SectionEntry entry = get_entry(file.bytes, h.table_offset, k);
      const std::uint64_t end = entry.offset + entry.length;
      for (std::uint64_t extra : {std::uint64_t{1}, std::uint64_t{64}, std::uint64_t{file.bytes.size()}}) {
        INFO("length + " << extra);
        Error e = refusal(with_entry(file.bytes, k, [&](SectionEntry& x) { x.length += extra; }));
        if (end + extra <= format::align_up(end)) {
          // Absorbed by the padding after the section: the layout still holds,
          // but the metadata checksum is seeded with the entry, length included.
          check_error(e, ErrorCode::checksum_mismatch, section_name(file.bytes, k));
        } else if (end + extra > h.table_offset) {
          check_error(e, ErrorCode::malformed_section, name, entry_offset);  // runs into the table
        } else {
          check_error(e, ErrorCode::malformed_section, table_entry_name(k + 1));
        }
      }
    }
  }
}

TEST_CASE("overlapping sections are refused") {
  for (const TestFile& file : test_files()) {
    const Header h = get_header(file.bytes);
    for (std::uint32_t k = 1; k < h.section_count; ++k) {
      INFO(file.name << ": section " << k);
      const SectionEntry previous = get_entry(file.bytes, h.table_offset, k - 1);
      const std::string name = table_entry_name(k);
      const std::uint64_t entry_offset = table_entry_offset(h, k);
      // Starts where the previous one starts, or 64 bytes before its own start.
      check_error(refusal(with_entry(file.bytes, k, [&](SectionEntry& e) { e.offset = previous.offset; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [&](SectionEntry& e) { e.offset -= 64; })),
                  ErrorCode::malformed_section, name, entry_offset);
      // The previous one extends over this one's first bytes.
      Bytes overlapping = with_entry(file.bytes, k - 1, [&](SectionEntry& e) {
        e.length = get_entry(file.bytes, h.table_offset, k).offset - e.offset + 8;
      });
      check_error(refusal(overlapping), ErrorCode::malformed_section, name, entry_offset);
    }
  }
}

TEST_CASE("lengths of 2^63 are refused") {
  for (const TestFile& file : test_files()) {
    const Header h = get_header(file.bytes);
    for (std::uint32_t k = 0; k < h.section_count; ++k) {
      INFO(file.name << ": section " << k);
      const std::string name = table_entry_name(k);
      const std::uint64_t entry_offset = table_entry_offset(h, k);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.length = k2Pow63; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.payload_length = k2Pow63; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.length = e.payload_length = k2Pow63; })),
                  ErrorCode::malformed_section, name, entry_offset);
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.length = ~std::uint64_t{0}; })),
                  ErrorCode::malformed_section, name, entry_offset);
      // A payload longer than the section, and one not a multiple of 64.
      check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.payload_length = e.length + 64; })),
                  ErrorCode::malformed_section, name, entry_offset);
      if (get_entry(file.bytes, h.table_offset, k).length > 0) {
        check_error(refusal(with_entry(file.bytes, k, [](SectionEntry& e) { e.payload_length += 1; })),
                    ErrorCode::malformed_section, name, entry_offset);
      }
    }
    // In the header.
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.file_length = k2Pow63; })), ErrorCode::truncated,
                "file", file.bytes.size());
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.table_offset = k2Pow63; })),
                ErrorCode::malformed_section, "header", 24);
  }
}

TEST_CASE("a header claiming too many or too few sections is refused") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    const Header h = get_header(file.bytes);
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.section_count = ~std::uint32_t{0}; })),
                ErrorCode::limit_exceeded, "header", 32);
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.section_count = format::kMaxSections + 1; })),
                ErrorCode::limit_exceeded, "header", 32);
    check_error(refusal(with_header(file.bytes, [](Header& x) { x.section_count = format::kMaxSections; })),
                ErrorCode::malformed_section, "header", 24);
    for (std::uint32_t count : {0u, h.section_count - 1, h.section_count + 1, h.section_count * 2}) {
      INFO(count << " sections");
      check_error(refusal(with_header(file.bytes, [&](Header& x) { x.section_count = count; })),
                  ErrorCode::malformed_section, "header", 24);
    }
    // Fewer sections, with the table start moved to keep it at the end of the
    // file: the sections no longer reach the table, or one is missing.
    Bytes fewer = with_header(file.bytes, [&](Header& x) {
      x.section_count -= 1;
      x.table_offset += sizeof(SectionEntry);
    });
    Error e = refusal(fewer);
    INFO(e.to_string());
    CHECK(e.code != ErrorCode::io);
  }
}

TEST_CASE("other lies in the header are refused") {
  const Bytes& file = example_file();
  const Header h = get_header(file);
  check_error(refusal(with_header(file, [](Header& x) { x.format_version = format::kFormatVersion + 1; })),
              ErrorCode::unsupported_format_version, "header", 8);
  check_error(refusal(with_header(file, [](Header& x) { x.format_version = 0; })),
              ErrorCode::unsupported_format_version, "header", 8);
  check_error(refusal(with_header(file, [](Header& x) { x.flags = 1; })), ErrorCode::unsupported_feature, "header", 12);
  check_error(refusal(with_header(file, [](Header& x) { x.reserved0 = 1; })), ErrorCode::malformed_section, "header",
              36);
  check_error(refusal(with_header(file, [](Header& x) { x.reserved1 = 1; })), ErrorCode::malformed_section, "header",
              48);
  check_error(refusal(with_header(file, [](Header& x) { x.file_length += 64; })), ErrorCode::truncated, "file",
              file.size());
  check_error(refusal(with_header(file, [](Header& x) { x.file_length -= 64; })), ErrorCode::malformed_section,
              "file", file.size() - 64);
  for (std::uint64_t table_offset : {std::uint64_t{0}, std::uint64_t{32}, h.table_offset - 64, h.table_offset + 1,
                                     h.table_offset + 64, ~std::uint64_t{0}}) {
    INFO("table_offset " << table_offset);
    check_error(refusal(with_header(file, [&](Header& x) { x.table_offset = table_offset; })),
                ErrorCode::malformed_section, "header", 24);
  }
  // A table checksum that does not match.
  check_error(refusal(with_header(file, [](Header& x) { x.table_checksum ^= 1; })), ErrorCode::checksum_mismatch,
              "section_table", h.table_offset);
}

TEST_CASE("a duplicated or missing section is refused") {
  const Bytes& file = example_file();
  const std::vector<Piece> pieces = split(file);
  const std::uint32_t bus = section_index(file, 2);

  std::vector<Piece> duplicated = pieces;
  duplicated.insert(duplicated.begin() + bus + 1, pieces[bus]);
  check_error(refusal(assemble(duplicated, SectionChecksums::reseal)), ErrorCode::malformed_section,
              table_entry_name(bus + 1));

  for (std::uint32_t kind = 1; kind <= 10; ++kind) {
    if (kind == 7) continue;
    std::vector<Piece> missing = pieces;
    missing.erase(missing.begin() + section_index(file, kind));
    INFO("without " << kind_name(kind));
    check_error(refusal(assemble(missing, SectionChecksums::reseal)), ErrorCode::missing_section, kind_name(kind));
  }
  // Without its slot chunks, the index is wrong.
  std::vector<Piece> no_chunks;
  for (const Piece& p : pieces) {
    if (p.entry.kind != 7) no_chunks.push_back(p);
  }
  check_error(refusal(assemble(no_chunks, SectionChecksums::reseal)), ErrorCode::malformed_section, "slot_index");
}

TEST_CASE(
    "every rule of a slot entry is checked, naming the chunk and the entry's byte, with every checksum recomputed") {
  // One chunk of the example's four slots: (1,1) 3 bytes at payload offset 0,
  // (1,2) None, (2,0) 0 bytes at 64, (max,max) 4 bytes at 64; a 128-byte payload area.
  const Bytes file = encode(full_example_state(), 4);
  const std::uint32_t chunk = section_index(file, 7);
  const Header header = get_header(file);
  const SectionEntry section = get_entry(file, header.table_offset, chunk);
  REQUIRE(section.payload_length == 128);
  std::uint64_t entry_at[4];
  std::uint64_t chunk_root = 0;
  {
    Opened opened(file);
    REQUIRE_OK(opened.snapshot);
    const auto at = [&](const void* p) {
      return static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(p) - opened.buffer.data());
    };
    const fb::SlotChunk* root = *opened.snapshot->slot_chunk(0);
    chunk_root = at(root);
    REQUIRE(root->slots()->size() == 4);
    for (std::uint32_t i = 0; i < 4; ++i) entry_at[i] = at(root->slots()->Get(i));
  }
  const std::uint64_t metadata_at = section.offset + section.payload_length;
  // Field offsets in SlotEntry: site 0, exec 8, value_offset 16, value_length 24, value_hash 32, has_value 40.
  struct Lie {
    const char* what;
    std::uint32_t slot;
    std::uint64_t field;
    std::uint64_t value;
    std::uint32_t width;
    std::uint64_t reported_at;
    const char* message;
  };
  const Lie lies[] = {
      {"a key equal to the previous one", 1, 8, 1, 8, entry_at[1], "slot keys are not sorted and unique"},
      {"a key below the previous one", 2, 0, 1, 8, entry_at[2], "slot keys are not sorted and unique"},
      {"has_value 2", 0, 40, 2, 1, entry_at[0] + 40, "has_value is neither 0 nor 1"},
      {"a nonzero padding byte", 3, 46, 1, 1, entry_at[3] + 46, "struct padding is not zero"},
      {"an empty slot with a hash", 1, 32, 1, 8, entry_at[1], "an empty slot with a value offset, length or hash"},
      {"an empty slot with an offset", 1, 16, 64, 8, entry_at[1], "an empty slot with a value offset, length or hash"},
      {"a value one boundary late", 3, 16, 128, 8, entry_at[3], "value at payload offset 128, expected 64"},
      {"a value not on a boundary", 0, 16, 8, 8, entry_at[0], "value at payload offset 8, expected 0"},
      {"a value past the payload area", 0, 24, 129, 8, entry_at[0], "value of 129 bytes runs past the payload area"},
      {"a value of 2^64 - 1 bytes", 3, 24, ~std::uint64_t{0}, 8, entry_at[3], "runs past the payload area"},
      {"values ending a boundary early", 3, 24, 0, 8, chunk_root,
       "the payload area is 128 bytes, its values end at 64"},
  };
  for (const Lie& lie : lies) {
    INFO(lie.what);
    Bytes lying = file;
    std::memcpy(lying.data() + entry_at[lie.slot] + lie.field, &lie.value, lie.width);
    SectionEntry resealed = section;
    resealed.checksum = section_checksum(
        section, std::span<const std::uint8_t>(lying).subspan(metadata_at, section.length - section.payload_length));
    put_entry(lying, header.table_offset, chunk, resealed);
    reseal(lying, header.table_offset);
    for (const OpenOptions& options : {OpenOptions{}, on_threads(2)}) {
      Error e = refusal(lying, options);
      check_error(e, ErrorCode::malformed_section, "slot_chunk[0]", lie.reported_at);
      CHECK_THAT(e.message, Catch::Matchers::Contains(lie.message));
    }
    Opened opened(lying, lazy());
    REQUIRE_OK(opened.snapshot);
    Result<const fb::SlotChunk*> chunk_view = opened.snapshot->slot_chunk(0);
    REQUIRE_FALSE(chunk_view.ok());
    check_error(chunk_view.error(), ErrorCode::malformed_section, "slot_chunk[0]", lie.reported_at);
  }
}
