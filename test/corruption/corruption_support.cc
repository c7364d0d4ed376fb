// The corruption tests' shared files, opening and map of a file
// (corruption_support.h).
#include "corruption/corruption_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "bbsnap/writer.h"
#include "container_builder.h"
#include "random_state.h"
#include "require_ok.h"

namespace bbsnap::testing::corruption {

using format::Header;
using format::SectionEntry;

Bytes encode(const TransientSnapshot& state, std::uint32_t slots_per_chunk) {
  WriteOptions options;
  options.slots_per_chunk = slots_per_chunk;
  Result<AlignedBuffer> bytes = encode_snapshot(state, options);
  REQUIRE_OK(bytes);
  return Bytes(bytes->span().begin(), bytes->span().end());
}

std::string kind_name(std::uint32_t kind) {
  static const char* const names[] = {nullptr,        "framework",     "bus",
                                      "ingress",      "pending_completions", "frontier",
                                      "slot_index",   "slot_chunk",    "pending_async",
                                      "execution_state", "wire_states"};
  if (kind >= 1 && kind <= 10) return names[kind];
  return "kind_" + std::to_string(kind);
}

OpenOptions lazy() {
  OpenOptions options;
  options.verification = Verification::lazy;
  return options;
}

Error refusal(std::span<const std::uint8_t> bytes, const OpenOptions& options) {
  Opened opened(bytes, options);
  if (opened.snapshot.ok()) FAIL("a damaged file was accepted");
  return opened.snapshot.error();
}

void check_error(const Error& e, ErrorCode code, const std::string& section, std::optional<std::uint64_t> offset) {
  INFO(e.to_string());
  CHECK(to_string(e.code) == to_string(code));
  CHECK(e.section == section);
  if (offset) CHECK(e.offset == *offset);
  CHECK(e.offset != kNoOffset);
  const std::string line = e.to_string();
  CHECK(line.find("in section " + section) != std::string::npos);
  CHECK(line.find(" at offset " + std::to_string(e.offset)) != std::string::npos);
}

const char* kind_text(Region::Kind kind) {
  switch (kind) {
    case Region::header: return "header";
    case Region::gap: return "padding between sections";
    case Region::payload_padding: return "padding in a payload area";
    case Region::value: return "slot value";
    case Region::metadata: return "metadata";
    case Region::table_padding: return "padding before the table";
    case Region::table: return "section table";
  }
  return "?";
}

std::vector<Region> map_file(std::span<const std::uint8_t> file) {
  Opened opened(file);
  REQUIRE_OK(opened.snapshot);
  const Snapshot& s = *opened.snapshot;
  std::span<const SectionEntry> entries = s.sections();
  std::uint32_t first_chunk = 0;
  while (first_chunk < entries.size() && entries[first_chunk].kind != 7) ++first_chunk;

  std::vector<Region> regions;
  regions.emplace_back(Region{Region::header, 0, kHeaderSize, "header"});
  std::uint64_t cursor = kHeaderSize;
  for (std::uint32_t i = 0; i < entries.size(); ++i) {
    const SectionEntry& e = entries[i];
    std::string name = kind_name(e.kind);
    if (e.kind == 7) name += "[" + std::to_string(i - first_chunk) + "]";
    if (cursor < e.offset) regions.emplace_back(Region{Region::gap, cursor, e.offset, name, i});
    std::uint64_t pos = e.offset;
    if (e.kind == 7) {
      Result<const fb::SlotChunk*> chunk = s.slot_chunk(i - first_chunk);
      REQUIRE_OK(chunk);
      for (const fb::SlotEntry* slot : *(*chunk)->slots()) {
        if (!slot->has_value() || slot->value_length() == 0) continue;
        std::uint64_t start = e.offset + slot->value_offset();
        if (pos < start) regions.emplace_back(Region{Region::payload_padding, pos, start, name, i});
        regions.emplace_back(
            Region{Region::value, start, start + slot->value_length(), name, i, {slot->site(), slot->exec()}});
        pos = start + slot->value_length();
      }
    }
    if (pos < e.offset + e.payload_length) {
      regions.emplace_back(Region{Region::payload_padding, pos, e.offset + e.payload_length, name, i});
    }
    if (e.payload_length < e.length) {
      regions.emplace_back(Region{Region::metadata, e.offset + e.payload_length, e.offset + e.length, name, i});
    }
    cursor = e.offset + e.length;
  }
  std::uint64_t table_offset = s.header().table_offset;
  if (cursor < table_offset) regions.emplace_back(Region{Region::table_padding, cursor, table_offset, "section_table"});
  regions.emplace_back(Region{Region::table, table_offset, file.size(), "section_table"});

  for (std::size_t i = 1; i < regions.size(); ++i) REQUIRE(regions[i - 1].end == regions[i].begin);
  REQUIRE(regions.back().end == file.size());
  return regions;
}

std::vector<std::uint64_t> sample(const Region& r) {
  std::vector<std::uint64_t> positions{r.begin, r.begin + (r.end - r.begin) / 2, r.end - 1};
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  return positions;
}

const std::vector<TestFile>& test_files() {
  static const std::vector<TestFile> files = [] {
    std::vector<TestFile> out;
    Bytes example = encode(full_example_state(), 2);
    out.push_back({"full example", example, map_file(example)});
    for (std::uint64_t seed = 1; out.size() < 4; ++seed) {
      REQUIRE(seed < 100);
      TransientSnapshot state = random_state(seed);
      if (state.slot_table.size() < 9) continue;
      state.framework.spec_version = kCurrentSpecVersion;  // random states vary it
      Bytes bytes = encode(state, 3);
      std::vector<Region> regions = map_file(bytes);
      // Wanted: a value directly followed by padding and then another value.
      bool padding_between_values = false;
      for (std::size_t i = 2; i < regions.size(); ++i) {
        padding_between_values |= regions[i - 2].kind == Region::value &&
                                   regions[i - 1].kind == Region::payload_padding && regions[i].kind == Region::value;
      }
      if (!padding_between_values) continue;
      out.push_back({"random state " + std::to_string(seed), bytes, regions});
    }
    return out;
  }();
  return files;
}

const Bytes& example_file() { return test_files().front().bytes; }

std::uint32_t section_index(const Bytes& file, std::uint32_t kind) {
  Header h = get_header(file);
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    if (get_entry(file, h.table_offset, i).kind == kind) return i;
  }
  FAIL("no section of kind " << kind);
  return 0;
}

const Region& region_of(const TestFile& file, Region::Kind kind, const std::string& section) {
  for (const Region& r : file.regions) {
    if (r.kind == kind && r.section == section) return r;
  }
  FAIL("no " << kind_text(kind) << " region in " << section);
  return file.regions.front();
}

}  // namespace bbsnap::testing::corruption
