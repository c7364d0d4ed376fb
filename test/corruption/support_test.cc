// The corruption tests' own tools (corruption_support.h, container_builder.h):
// a file split and reassembled is byte-identical, and the map of the example
// file has every kind of section and region, so the sweeps cover them all.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <string>

#include "container_builder.h"
#include "corruption/corruption_support.h"

using namespace bbsnap;
using namespace bbsnap::testing;
using namespace bbsnap::testing::corruption;
using format::Header;
using format::SectionEntry;

TEST_CASE("corruption test helpers: a file split and reassembled is byte-identical") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    CHECK(assemble(split(file.bytes), SectionChecksums::keep) == file.bytes);
    CHECK(assemble(split(file.bytes), SectionChecksums::reseal) == file.bytes);
    CHECK(with_entry(file.bytes, 0, [](SectionEntry&) {}) == file.bytes);
    CHECK(with_header(file.bytes, [](Header&) {}) == file.bytes);
  }
  // The example file has every kind of section and every kind of region.
  const TestFile& example = test_files().front();
  std::map<std::string, int> metadata_regions;
  for (const Region& r : example.regions) {
    if (r.kind == Region::metadata) ++metadata_regions[r.section];
  }
  for (const char* name : {"framework", "bus", "ingress", "pending_completions", "frontier", "slot_index",
                           "slot_chunk[0]", "slot_chunk[1]", "pending_async", "execution_state", "wire_states"}) {
    CHECK(metadata_regions[name] == 1);
  }
  for (auto kind : {Region::header, Region::gap, Region::payload_padding, Region::value, Region::metadata,
                    Region::table_padding, Region::table}) {
    INFO(kind_text(kind));
    CHECK(std::ranges::count_if(example.regions, [&](const Region& r) { return r.kind == kind; }) > 0);
  }
}
