// The corruption tests (test/corruption/*_test.cc, one subject each): every
// kind of damage a snapshot file can suffer is refused with an error that
// names what was damaged and where.
//
// What they share: a few good files (the full example and random multi-chunk
// states), opening damaged copies of them, checking the error that refuses
// them, and the map of a file, byte by byte, to the error damage there must
// be reported as. Raw access, resealing, split and assemble:
// container_builder.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/format.h"
#include "bbsnap/model.h"
#include "bbsnap/reader.h"
#include "bbsnap/status.h"

namespace bbsnap::testing::corruption {

inline constexpr std::uint64_t kHeaderSize = sizeof(format::Header);

// ---------------------------------------------------------------- encoding

Bytes encode(const TransientSnapshot& state, std::uint32_t slots_per_chunk);

// The names errors use, spelled out here rather than taken from the library.
std::string kind_name(std::uint32_t kind);

// How an error in the k-th section table entry is named: its section name and
// the entry's byte offset in the file.
inline std::string table_entry_name(std::uint64_t k) { return "section_table[" + std::to_string(k) + "]"; }
inline std::uint64_t table_entry_offset(const format::Header& h, std::uint64_t k) {
  return h.table_offset + k * sizeof(format::SectionEntry);
}

// ---------------------------------------------------------------- opening

struct Opened {
  explicit Opened(std::span<const std::uint8_t> bytes, const OpenOptions& options = {})
      : buffer(AlignedBuffer::copy_of(bytes)), snapshot(Snapshot::from_bytes(buffer.span(), options)) {}
  AlignedBuffer buffer;  // must outlive the snapshot: declared first
  Result<Snapshot> snapshot;
};

// Lazy verification (Verification::lazy).
OpenOptions lazy();

// The error that refuses `bytes`; fails the test if they are accepted.
Error refusal(std::span<const std::uint8_t> bytes, const OpenOptions& options = {});

// Checks an error's code, section and (if given) offset, and that its
// one-line form names the section and the offset.
void check_error(const Error& e, ErrorCode code, const std::string& section,
                 std::optional<std::uint64_t> offset = std::nullopt);

// ---------------------------------------------------------------- the map of a file

// What damage to a byte of a region must be reported as.
struct Region {
  enum Kind { header, gap, payload_padding, value, metadata, table_padding, table } kind;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::string section;      // the name the error must carry
  std::uint32_t index = 0;  // table index of the section (gap, payload_padding, value, metadata)
  SlotKey slot;             // value: which slot

  Region(Kind kind_in, std::uint64_t begin_in, std::uint64_t end_in, std::string section_in, std::uint32_t index_in = 0,
         SlotKey slot_in = {})
      : kind(kind_in), begin(begin_in), end(end_in), section(std::move(section_in)), index(index_in), slot(slot_in) {}
};

const char* kind_text(Region::Kind kind);

// Every byte of a good file, by region; the regions tile the file.
std::vector<Region> map_file(std::span<const std::uint8_t> file);

// A few bytes of each region: first, middle, last.
std::vector<std::uint64_t> sample(const Region& r);

struct TestFile {
  std::string name;
  Bytes bytes;
  std::vector<Region> regions;
};

// The full example with two slots per chunk, and random states with several
// slot chunks, values in each and padding between values.
const std::vector<TestFile>& test_files();

// The first of test_files(): every kind of section and every kind of region.
const Bytes& example_file();

// The table index of the first section of `kind`; fails the test if there is none.
std::uint32_t section_index(const Bytes& file, std::uint32_t kind);

// The first region of `kind` in `section`; fails the test if there is none.
const Region& region_of(const TestFile& file, Region::Kind kind, const std::string& section);

}  // namespace bbsnap::testing::corruption
