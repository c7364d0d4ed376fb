// A newer writer's files: a spec_version other than the one expected is
// refused, an unknown optional section skipped (its checksum still checked),
// an unknown required section or flag refused.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
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
using format::SectionEntry;

TEST_CASE("spec_version 2 is refused unless expected") {
  TransientSnapshot state = full_example_state();
  state.framework.spec_version = 2;
  const Bytes file = encode(state, 2);
  const std::uint32_t framework = section_index(file, 1);
  const SectionEntry entry = get_entry(file, get_header(file).table_offset, framework);
  for (Verification mode : {Verification::full, Verification::lazy, Verification::trusted}) {
    INFO("mode " << static_cast<int>(mode));
    OpenOptions options;
    options.verification = mode;
    Error e = refusal(file, options);
    check_error(e, ErrorCode::spec_version_mismatch, "framework", entry.offset + entry.payload_length);
    CHECK(e.message.find('2') != std::string::npos);

    options.expected_spec_version = 2;
    Opened opened(file, options);
    REQUIRE_OK(opened.snapshot);
    CHECK(opened.snapshot->spec_version() == 2);
    Result<TransientSnapshot> model = opened.snapshot->to_model();
    REQUIRE_OK(model);
    CHECK(*model == state);

    // No expectation: any version opens, and says which it is.
    options.expected_spec_version = std::nullopt;
    Opened any(file, options);
    REQUIRE_OK(any.snapshot);
    CHECK(any.snapshot->spec_version() == 2);
  }
  // And the other way round: a spec_version 1 file when 2 is expected.
  OpenOptions expect2;
  expect2.expected_spec_version = 2;
  check_error(refusal(example_file(), expect2), ErrorCode::spec_version_mismatch, "framework");
}

TEST_CASE("an unknown optional section kind is skipped, an unknown required one refused") {
  const Bytes& file = example_file();
  const std::vector<Piece> pieces = split(file);
  const TransientSnapshot state = full_example_state();
  Piece unknown;
  unknown.entry = {};
  unknown.entry.kind = 42;
  unknown.entry.flags = 0;
  unknown.entry.payload_length = 64;  // unknown kinds may have a payload area
  unknown.body = Bytes(64, 0x11);
  for (int i = 0; i < 37; ++i) unknown.body.push_back(static_cast<std::uint8_t>(i * 7));

  // Right after the slot chunks (before slot_index), between two metadata sections (before bus) and at the end.
  const std::uint32_t bus = section_index(file, 2);
  const std::uint32_t slot_index = section_index(file, 6);
  for (std::uint32_t at : {slot_index, bus, static_cast<std::uint32_t>(pieces.size())}) {
    INFO("unknown section at table index " << at);
    std::vector<Piece> with_unknown = pieces;
    with_unknown.insert(with_unknown.begin() + at, unknown);
    const Bytes optional = assemble(with_unknown, SectionChecksums::reseal);
    for (Verification mode : {Verification::full, Verification::lazy}) {
      OpenOptions options;
      options.verification = mode;
      Opened opened(optional, options);
      REQUIRE_OK(opened.snapshot);
      CHECK(opened.snapshot->sections().size() == pieces.size() + 1);
      CHECK(opened.snapshot->sections()[at].kind == 42);
      REQUIRE_OK(opened.snapshot->check_section(at));
      Result<TransientSnapshot> model = opened.snapshot->to_model();
      REQUIRE_OK(model);
      CHECK(*model == state);
    }
    // Its checksum is still checked.
    const SectionEntry placed = get_entry(optional, get_header(optional).table_offset, at);
    const std::uint64_t metadata = placed.offset + placed.payload_length;
    check_error(refusal(bbsnap::testing::with_flipped_byte(optional, metadata + 5).span()),
                ErrorCode::checksum_mismatch, "kind_42", metadata);

    // Marked required, it is refused.
    with_unknown[at].entry.flags = format::kSectionRequired;
    const Bytes required = assemble(with_unknown, SectionChecksums::reseal);
    const std::uint64_t entry_offset = get_header(required).table_offset + std::uint64_t{at} * sizeof(SectionEntry);
    check_error(refusal(required), ErrorCode::unsupported_feature, table_entry_name(at),
                entry_offset);
    check_error(refusal(required, lazy()), ErrorCode::unsupported_feature, table_entry_name(at),
                entry_offset);
  }
  // An unknown section between two slot chunks splits them.
  const std::uint32_t first_chunk = section_index(file, 7);
  std::vector<Piece> split_chunks = pieces;
  split_chunks.insert(split_chunks.begin() + first_chunk + 1, unknown);
  check_error(refusal(assemble(split_chunks, SectionChecksums::reseal)), ErrorCode::malformed_section,
              table_entry_name(first_chunk + 2));
  // An unknown flag on a known section is refused.
  check_error(refusal(with_entry(file, 0, [](SectionEntry& e) { e.flags |= 2; })), ErrorCode::unsupported_feature,
              "section_table[0]", get_header(file).table_offset + 4);
}
