// Lazy verification: open checks the header, the table and what reading
// spec_version needs; other damage is reported for the damaged section only
// (accessors, check_section, check_section_fully, to_model), the rest reads.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
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

TEST_CASE("lazy mode: a damaged ingress section is reported by its accessors, the rest stays readable") {
  const TestFile& example = test_files().front();
  const Region& ingress = region_of(example, Region::metadata, "ingress");
  Opened opened(bbsnap::testing::with_flipped_byte(example.bytes, ingress.begin + 3).span(), lazy());
  REQUIRE_OK(opened.snapshot);
  const Snapshot& s = *opened.snapshot;

  for (int attempt = 0; attempt < 2; ++attempt) {  // reported on every access, not only the first
    Result<const fb::Ingress*> damaged = s.ingress();
    REQUIRE_FALSE(damaged.ok());
    check_error(damaged.error(), ErrorCode::checksum_mismatch, "ingress", ingress.begin);
  }
  Result<TransientSnapshot> model = s.to_model();
  REQUIRE_FALSE(model.ok());
  check_error(model.error(), ErrorCode::checksum_mismatch, "ingress", ingress.begin);
  Status check = s.check_section(ingress.index);
  REQUIRE_FALSE(check.ok());
  check_error(check.error(), ErrorCode::checksum_mismatch, "ingress", ingress.begin);

  const TransientSnapshot state = full_example_state();
  Result<const fb::Framework*> framework = s.framework();
  REQUIRE_OK(framework);
  CHECK((*framework)->next_command_id() == 42);
  CHECK(s.spec_version() == 1);
  Result<SlotLookup> slot = s.slot({1, 1});
  REQUIRE_OK(slot);
  CHECK(std::ranges::equal(slot->value, *state.slot_table.at({1, 1})));
  CHECK(s.slot({1, 2})->state == SlotLookup::State::empty);
  CHECK(std::ranges::equal(s.slot({~0ull, ~0ull})->value, *state.slot_table.at({~0ull, ~0ull})));
  Result<std::optional<std::uint64_t>> counter = s.counter("bytes_in");
  REQUIRE_OK(counter);
  CHECK(**counter == 123456789);
  REQUIRE_OK(s.bus());
  CHECK(std::ranges::equal(**s.subscribers("peer.down"), std::vector<std::uint64_t>{1, 2}));
  REQUIRE_OK(s.pending_completions());
  REQUIRE_OK(s.frontier());
  REQUIRE_OK(s.pending_async(8));
  CHECK(**s.execution_state(1) == 4294967295u);
  CHECK(std::ranges::equal(**s.wire_state(3), Bytes{1, 2}));
}

TEST_CASE("lazy mode: a damaged slot value is reported for that slot only") {
  const TestFile& example = test_files().front();
  const Region& value = region_of(example, Region::value, "slot_chunk[1]");
  REQUIRE(value.slot == SlotKey{~0ull, ~0ull});
  Opened opened(bbsnap::testing::with_flipped_byte(example.bytes, value.end - 1).span(), lazy());
  REQUIRE_OK(opened.snapshot);
  const Snapshot& s = *opened.snapshot;

  for (int attempt = 0; attempt < 2; ++attempt) {  // a value is checked on every access
    Result<SlotLookup> damaged = s.slot(value.slot);
    REQUIRE_FALSE(damaged.ok());
    check_error(damaged.error(), ErrorCode::checksum_mismatch, "slot_chunk[1]", value.begin);
  }
  // The chunk's metadata is intact; the other slots of the chunk and of the file read fine.
  REQUIRE_OK(s.check_section(value.index));
  REQUIRE_OK(s.slot_chunk(1));
  CHECK(s.slot({2, 0})->state == SlotLookup::State::value);
  CHECK(s.slot({2, 0})->value.empty());
  CHECK(std::ranges::equal(s.slot({1, 1})->value, Bytes{0x00, 0xff, 0x10}));
  CHECK(s.slot({1, 2})->state == SlotLookup::State::empty);
  CHECK(s.slot({5, 5})->state == SlotLookup::State::missing);
  REQUIRE_OK(s.ingress());
  Result<TransientSnapshot> model = s.to_model();
  REQUIRE_FALSE(model.ok());
  check_error(model.error(), ErrorCode::checksum_mismatch, "slot_chunk[1]", value.begin);
}

TEST_CASE("lazy mode: a damaged framework section fails the open") {
  for (const TestFile& file : test_files()) {
    INFO(file.name);
    const Region& framework = region_of(file, Region::metadata, "framework");
    for (std::uint64_t pos : sample(framework)) {
      check_error(refusal(bbsnap::testing::with_flipped_byte(file.bytes, pos).span(), lazy()),
                  ErrorCode::checksum_mismatch, "framework", framework.begin);
    }
    // So does nonzero padding before it.
    const std::uint32_t index = section_index(file.bytes, 1);
    const SectionEntry entry = get_entry(file.bytes, get_header(file.bytes).table_offset, index);
    for (const Region& r : file.regions) {
      if (r.kind == Region::gap && r.end == entry.offset) {
        check_error(refusal(bbsnap::testing::with_flipped_byte(file.bytes, r.begin).span(), lazy()),
                    ErrorCode::nonzero_padding, "framework", r.begin);
      }
    }
  }
}

namespace {

// A copy of `file` whose framework metadata `edit` changed, every checksum
// recomputed: damage only the content rules can see.
Bytes with_framework_edited(const Bytes& file, const std::function<void(std::uint8_t* metadata)>& edit) {
  const std::vector<Piece> pieces = split(file);
  const std::span<const std::uint8_t> original = pieces[*find_piece(pieces, 1)].metadata();
  Bytes metadata(original.begin(), original.end());
  edit(metadata.data());
  return with_metadata(file, 1, metadata);
}

// Little-endian scalars inside a FlatBuffer (the tests run on little-endian hosts, as the format's reference does).
template <typename T>
T load_le(const std::uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}
template <typename T>
void store_le(std::uint8_t* at, T value) {
  std::memcpy(at, &value, sizeof value);
}

// Positions inside a framework FlatBuffer (FORMAT.md Appendix A).
std::uint32_t root_table_of(const std::uint8_t* metadata) { return load_le<std::uint32_t>(metadata); }
std::uint32_t vtable_of(const std::uint8_t* metadata) {
  const std::uint32_t table = root_table_of(metadata);
  return table - static_cast<std::uint32_t>(load_le<std::int32_t>(metadata + table));
}
void break_utf8_of_a_counter_name(std::uint8_t* metadata) {
  const auto* root = flatbuffers::GetRoot<fb::Framework>(metadata);
  for (const fb::Counter* counter : *root->counters()) {
    if (counter->name()->size() == 0) continue;
    const_cast<std::uint8_t*>(counter->name()->Data())[0] = 0xff;  // a lone continuation byte
    return;
  }
  FAIL("the example has no counter with a name");
}

}  // namespace

TEST_CASE("lazy mode: open checks what reading spec_version needs; the rest of the framework on its first access") {
  const Bytes& example = example_file();
  const std::uint32_t index = section_index(example, 1);

  SECTION("a content rule broken inside the framework is reported by its accessors, not by the open") {
    const Bytes file = with_framework_edited(example, break_utf8_of_a_counter_name);
    const Error full = refusal(file);
    check_error(full, ErrorCode::malformed_section, "framework");
    CHECK_THAT(full.message, Catch::Matchers::Contains("UTF-8"));

    Opened opened(file, lazy());
    REQUIRE_OK(opened.snapshot);
    const Snapshot& s = *opened.snapshot;
    CHECK(s.spec_version() == kCurrentSpecVersion);
    for (int attempt = 0; attempt < 2; ++attempt) {  // never marked good
      REQUIRE_FALSE(s.framework().ok());
      check_error(s.framework().error(), full.code, full.section, full.offset);
      REQUIRE_FALSE(s.counter("x").ok());
      check_error(s.counter("x").error(), full.code, full.section, full.offset);
    }
    REQUIRE_FALSE(s.check_section(index).ok());
    check_error(s.check_section(index).error(), full.code, full.section, full.offset);
    REQUIRE_FALSE(s.to_model().ok());
    check_error(s.to_model().error(), full.code, full.section, full.offset);
    // The other sections read as in an intact file.
    REQUIRE_OK(s.ingress());
    CHECK(s.slot({2, 0})->state == SlotLookup::State::value);
  }

  SECTION("the framework's checksum and the reads of spec_version are checked at open, like full mode does") {
    const std::uint64_t metadata_begin = get_entry(example, get_header(example).table_offset, index).offset;
    struct Lie {
      const char* what;
      std::function<void(std::uint8_t*)> edit;
    };
    const Lie lies[] = {
        {"a zero root offset", [](std::uint8_t* m) { store_le<std::uint32_t>(m, 0); }},
        {"a root offset past the end", [](std::uint8_t* m) { store_le<std::uint32_t>(m, 0x7fff0000); }},
        {"a vtable offset past the start",
         [](std::uint8_t* m) { store_le<std::int32_t>(m + root_table_of(m), 0x7fff0000); }},
        {"an odd vtable size", [](std::uint8_t* m) { store_le<std::uint16_t>(m + vtable_of(m), 7); }},
        {"spec_version placed off its 4-byte alignment",
         [](std::uint8_t* m) { store_le<std::uint16_t>(m + vtable_of(m) + 4, 1); }},
        {"spec_version placed past the end",
         [](std::uint8_t* m) { store_le<std::uint16_t>(m + vtable_of(m) + 4, 0xfffc); }},
    };
    for (const Lie& lie : lies) {
      INFO(lie.what);
      const Bytes file = with_framework_edited(example, lie.edit);
      const Error full = refusal(file);
      check_error(full, ErrorCode::malformed_section, "framework");
      check_error(refusal(file, lazy()), full.code, full.section, full.offset);
      CHECK(full.offset >= metadata_begin);
    }
    // And a flipped byte anywhere in it: "a damaged framework section fails the open".
  }

  SECTION("a mismatched spec_version is reported before the rest of the framework is checked") {
    const Bytes file = with_framework_edited(example, [](std::uint8_t* m) {
      break_utf8_of_a_counter_name(m);
      const std::uint32_t field = load_le<std::uint16_t>(m + vtable_of(m) + 4);
      REQUIRE(field != 0);
      store_le<std::uint32_t>(m + root_table_of(m) + field, 2);
    });
    check_error(refusal(file), ErrorCode::malformed_section, "framework");
    check_error(refusal(file, lazy()), ErrorCode::spec_version_mismatch, "framework");
  }
}

TEST_CASE("lazy mode: damage to one section's metadata is reported for that section only") {
  for (const TestFile& file : test_files()) {
    const std::uint32_t slot_index = section_index(file.bytes, 6);
    for (const Region& damaged : file.regions) {
      if (damaged.kind != Region::metadata || damaged.section == "framework") continue;
      INFO(file.name << ": damaged " << damaged.section);
      const std::uint64_t middle = damaged.begin + (damaged.end - damaged.begin) / 2;
      Opened opened(bbsnap::testing::with_flipped_byte(file.bytes, middle).span(), lazy());
      REQUIRE_OK(opened.snapshot);
      const Snapshot& s = *opened.snapshot;
      for (std::uint32_t i = 0; i < s.sections().size(); ++i) {
        Status status = s.check_section(i);
        bool chunk_behind_damaged_index = damaged.index == slot_index && s.sections()[i].kind == 7;
        INFO("section " << i);
        if (i == damaged.index || chunk_behind_damaged_index) {
          REQUIRE_FALSE(status.ok());
          // A chunk is checked against the index, so a damaged index is reported for the chunks.
          check_error(status.error(), ErrorCode::checksum_mismatch, damaged.section, damaged.begin);
        } else {
          CHECK(status.ok());
        }
      }
    }
  }
}

TEST_CASE("lazy mode: check_section_fully finds what full verification finds, in the damaged section only") {
  // Damage a lazy open lets through (anything but the header, the table and
  // the framework section): check_section_fully reports it for the damaged
  // section with full verification's error, and passes every other section
  // (a chunk behind a damaged index reports the index's error).
  std::size_t payload_damage = 0;
  for (const TestFile& file : test_files()) {
    const std::uint32_t slot_index = section_index(file.bytes, 6);
    for (const Region& damaged : file.regions) {
      const bool in_section = damaged.kind == Region::gap || damaged.kind == Region::payload_padding ||
                              damaged.kind == Region::value || damaged.kind == Region::metadata;
      if (!in_section || damaged.section == "framework") continue;
      for (std::uint64_t pos : sample(damaged)) {
        INFO(file.name << ": " << kind_text(damaged.kind) << " of " << damaged.section << ", byte " << pos);
        AlignedBuffer bytes = bbsnap::testing::with_flipped_byte(file.bytes, pos);
        const Error expected = refusal(bytes.span());
        Opened opened(bytes.span(), lazy());
        REQUIRE_OK(opened.snapshot);
        const Snapshot& s = *opened.snapshot;
        for (std::uint32_t i = 0; i < s.sections().size(); ++i) {
          INFO("section " << i);
          Status status = s.check_section_fully(i);
          if (i == damaged.index || (damaged.index == slot_index && s.sections()[i].kind == 7)) {
            REQUIRE_FALSE(status.ok());
            CHECK(status.error().to_string() == expected.to_string());
          } else {
            CHECK(status.ok());
          }
        }
        if (damaged.kind == Region::payload_padding || damaged.kind == Region::value) {
          ++payload_damage;
          CHECK(s.check_section(damaged.index).ok());  // the metadata alone is intact
          CHECK_FALSE(s.check_section_fully(damaged.index).ok());  // not remembered as checked
        }
      }
    }
  }
  CHECK(payload_damage > 0);
}

TEST_CASE("check_section_fully: a no-op in full mode, unchecked in trusted mode, an index out of range refused") {
  const Bytes& file = example_file();
  for (Verification mode : {Verification::full, Verification::lazy, Verification::trusted}) {
    OpenOptions options;
    options.verification = mode;
    Opened opened(file, options);
    REQUIRE_OK(opened.snapshot);
    const auto count = static_cast<std::uint32_t>(opened.snapshot->sections().size());
    for (std::uint32_t i = 0; i < count; ++i) CHECK(opened.snapshot->check_section_fully(i).ok());
    Status beyond = opened.snapshot->check_section_fully(count);
    REQUIRE_FALSE(beyond.ok());
    CHECK(beyond.error().code == ErrorCode::invalid_argument);
  }
}

TEST_CASE("lazy mode: with hundreds of sections, passing every other section never passes a damaged one") {
  // One slot per chunk: ~200 sections, so the 'checked' marks of a lazy
  // snapshot span several words; each damaged chunk is read after all others.
  TransientSnapshot state = full_example_state();
  for (std::uint64_t site = 100; site < 300; ++site) state.slot_table[{site, 0}] = Bytes{std::uint8_t(site)};
  const Bytes file = encode(state, 1);
  std::vector<Region> chunks;
  for (const Region& r : map_file(file)) {
    if (r.kind == Region::metadata && r.section.starts_with("slot_chunk[")) chunks.push_back(r);
  }
  REQUIRE(chunks.size() == state.slot_table.size());
  REQUIRE(chunks.back().index > 192);
  for (std::size_t pick : {std::size_t{0}, std::size_t{62}, std::size_t{63}, std::size_t{64}, chunks.size() - 1}) {
    const Region& damaged = chunks[pick];
    INFO("damaged " << damaged.section << ", table index " << damaged.index);
    Opened opened(bbsnap::testing::with_flipped_byte(file, damaged.begin).span(), lazy());
    REQUIRE_OK(opened.snapshot);
    const Snapshot& s = *opened.snapshot;
    for (std::uint32_t i = 0; i < s.sections().size(); ++i) {
      if (i != damaged.index) REQUIRE_OK(s.check_section(i));
    }
    for (int attempt = 0; attempt < 2; ++attempt) {
      Status status = s.check_section(damaged.index);
      REQUIRE_FALSE(status.ok());
      check_error(status.error(), ErrorCode::checksum_mismatch, damaged.section, damaged.begin);
    }
  }
}

TEST_CASE("lazy mode: to_model() fails on any damaged section, even one no accessor reaches") {
  // Without slots, no chunk leads to slot_index: to_model must check it anyway.
  TransientSnapshot state = full_example_state();
  state.slot_table.clear();
  const Bytes file = encode(state, 2);
  for (const Region& damaged : map_file(file)) {
    if (damaged.kind != Region::metadata || damaged.section == "framework") continue;
    INFO("damaged " << damaged.section);
    Opened opened(bbsnap::testing::with_flipped_byte(file, damaged.begin).span(), lazy());
    REQUIRE_OK(opened.snapshot);
    Result<TransientSnapshot> model = opened.snapshot->to_model();
    REQUIRE_FALSE(model.ok());
    check_error(model.error(), ErrorCode::checksum_mismatch, damaged.section, damaged.begin);
  }
}
