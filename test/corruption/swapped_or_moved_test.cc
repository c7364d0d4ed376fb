// Sections swapped or moved with the table following them: the section
// checksums (seeded with the entry, offset included), the slot index and
// the layout rules refuse them; slot chunks moved whole read the same in
// version 2 and are refused in version 1.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "container_builder.h"
#include "corruption/corruption_support.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using namespace bbsnap::testing;
using namespace bbsnap::testing::corruption;
using format::Header;
using format::SectionEntry;

TEST_CASE("two sections swapped are refused even with table and header checksums recomputed") {
  for (const TestFile& file : test_files()) {
    const std::vector<Piece> pieces = split(file.bytes);
    for (std::size_t a = 0; a < pieces.size(); ++a) {
      for (std::size_t b = a + 1; b < pieces.size(); ++b) {
        INFO(file.name << ": swapped sections " << a << " and " << b);
        // The table follows the move; only the section checksums (seeded
        // with the entry, offset included) can tell.
        std::vector<Piece> swapped = pieces;
        std::swap(swapped[a], swapped[b]);
        std::vector<std::size_t> chunks;
        for (std::size_t i = 0; i < swapped.size(); ++i) {
          if (swapped[i].entry.kind == 7) chunks.push_back(i);
        }
        Error e = refusal(assemble(swapped, SectionChecksums::keep));
        INFO(e.to_string());
        if (chunks.back() - chunks.front() + 1 != chunks.size()) {
          // A chunk moved past another section: the run of chunks is split.
          CHECK(e.code == ErrorCode::malformed_section);
          CHECK(e.section.rfind("section_table[", 0) == 0);
        } else {
          CHECK(e.code == ErrorCode::checksum_mismatch);
          CHECK(e.offset != kNoOffset);
        }
      }
    }
  }
}

TEST_CASE("two slot chunks swapped in place, or reordered with every checksum recomputed, are refused") {
  const TestFile& example = test_files().front();
  std::vector<Piece> pieces = split(example.bytes);
  const std::uint32_t first = section_index(example.bytes, 7);
  REQUIRE(pieces[first + 1].entry.kind == 7);
  // Raw swap of two chunks' bytes, table untouched (they have the same length).
  REQUIRE(pieces[first].body.size() == pieces[first + 1].body.size());
  Bytes raw = example.bytes;
  const SectionEntry c0 = pieces[first].entry;
  const SectionEntry c1 = pieces[first + 1].entry;
  std::copy(pieces[first + 1].body.begin(), pieces[first + 1].body.end(),
            raw.begin() + static_cast<std::ptrdiff_t>(c0.offset));
  std::copy(pieces[first].body.begin(), pieces[first].body.end(), raw.begin() + static_cast<std::ptrdiff_t>(c1.offset));
  check_error(refusal(raw), ErrorCode::checksum_mismatch, "slot_chunk[0]", c0.offset + c0.payload_length);

  // Reordered in the table with every checksum consistent: the index catches it.
  std::swap(pieces[first], pieces[first + 1]);
  check_error(refusal(assemble(pieces, SectionChecksums::reseal)), ErrorCode::malformed_section, "slot_chunk[0]");
}

namespace {

// `file` with an optional section of an unknown kind inserted before its
// first slot chunk, every checksum recomputed under `format_version`: the
// chunks move 64 bytes on, their metadata and value hashes unchanged (value
// offsets are relative to their section).
Bytes with_chunks_moved(const Bytes& file, std::uint32_t format_version) {
  std::vector<Piece> pieces = split(file);
  Piece extra;
  extra.entry = {};
  extra.entry.kind = 42;
  extra.body = Bytes(24, 0x77);
  pieces.insert(pieces.begin() + section_index(file, 7), extra);
  return assemble(pieces, SectionChecksums::reseal, format_version);
}

}  // namespace

TEST_CASE("slot chunks moved whole read the same state: version 2 value hashes do not depend on the offset") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    const Bytes moved = with_chunks_moved(file.bytes, format::kFormatVersion);
    Opened original(file.bytes);
    REQUIRE_OK(original.snapshot);
    Opened opened(moved);
    REQUIRE_OK(opened.snapshot);
    Result<TransientSnapshot> model = opened.snapshot->to_model();
    REQUIRE_OK(model);
    CHECK(*model == original.snapshot->to_model().value());
    // Lazy mode checks the value where it now is.
    const Region& value = region_of(file, Region::value, "slot_chunk[0]");
    Opened lazily(moved, lazy());
    REQUIRE_OK(lazily.snapshot);
    Result<SlotLookup> slot = lazily.snapshot->slot(value.slot);
    REQUIRE_OK(slot);
    CHECK(slot->value.data() == lazily.buffer.data() + value.begin + 64);
  }
}

TEST_CASE("slot chunks moved whole are refused in version 1: its value hashes were seeded with their offset") {
  const Bytes golden = testing::read_file(std::filesystem::path(BBSNAP_GOLDEN_DIR) / "v1" / "random.bbsnap");
  REQUIRE_OK(Opened(golden).snapshot);
  const Bytes moved = with_chunks_moved(golden, 1);
  const std::vector<Piece> pieces = split(golden);
  const SectionEntry& first_chunk = pieces[section_index(golden, 7)].entry;
  // The first value is at the start of the first chunk's payload area.
  REQUIRE(first_chunk.payload_length > 0);
  check_error(refusal(moved), ErrorCode::checksum_mismatch, "slot_chunk[0]", first_chunk.offset + 64);
  // Lazy mode reports it for the first slot with a value.
  Opened opened(moved, lazy());
  REQUIRE_OK(opened.snapshot);
  Result<const fb::SlotChunk*> chunk = opened.snapshot->slot_chunk(0);
  REQUIRE_OK(chunk);
  for (const fb::SlotEntry* entry : *(*chunk)->slots()) {
    if (!entry->has_value()) continue;
    Result<SlotLookup> slot = opened.snapshot->slot({entry->site(), entry->exec()});
    REQUIRE_FALSE(slot.ok());
    check_error(slot.error(), ErrorCode::checksum_mismatch, "slot_chunk[0]", first_chunk.offset + 64);
    break;
  }
}

TEST_CASE("a section moved away from the end of the previous one is refused") {
  for (const TestFile& file : test_files()) {
    const std::vector<Piece> pieces = split(file.bytes);
    for (std::uint32_t k = 0; k < pieces.size(); ++k) {
      INFO(file.name << ": section " << k << " moved 64 bytes later");
      // Rebuild with 64 zero bytes before section k; every entry points at its
      // section's real bytes and all checksums (section ones included) are right.
      Bytes moved(kHeaderSize, 0);
      std::vector<SectionEntry> entries;
      for (std::uint32_t i = 0; i < pieces.size(); ++i) {
        moved.resize(format::align_up(moved.size()) + (i == k ? 64 : 0), 0);
        SectionEntry e = pieces[i].entry;
        e.offset = moved.size();
        e.checksum = section_checksum(e, std::span<const std::uint8_t>(pieces[i].body).subspan(e.payload_length));
        entries.push_back(e);
        moved.insert(moved.end(), pieces[i].body.begin(), pieces[i].body.end());
      }
      moved.resize(format::align_up(moved.size()), 0);
      Header h = get_header(file.bytes);
      h.table_offset = moved.size();
      for (const SectionEntry& e : entries) {
        const auto* raw = reinterpret_cast<const std::uint8_t*>(&e);
        moved.insert(moved.end(), raw, raw + sizeof e);
      }
      h.file_length = moved.size();
      put_header(moved, h);
      reseal(moved, h.table_offset);
      check_error(refusal(moved), ErrorCode::malformed_section, table_entry_name(k),
                  table_entry_offset(h, k));
    }
  }
}
