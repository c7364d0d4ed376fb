// Round trips: a state written and restored is the same state, field by
// field, in every verification mode; equal states write equal bytes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <random>
#include <string>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::full_example_state;
using bbsnap::testing::random_state;

namespace {

AlignedBuffer encode(const TransientSnapshot& state, std::uint32_t slots_per_chunk = format::kDefaultSlotsPerChunk) {
  WriteOptions options;
  options.slots_per_chunk = slots_per_chunk;
  Result<AlignedBuffer> bytes = encode_snapshot(state, options);
  REQUIRE(bytes.ok());
  return std::move(bytes).value();
}

TransientSnapshot restore(std::span<const std::uint8_t> bytes, Verification mode, std::uint32_t spec_version,
                          unsigned threads = 1) {
  OpenOptions options;
  options.verification = mode;
  options.expected_spec_version = spec_version;
  options.threads = threads;
  options.bytes_per_thread = 0;  // test files are small: threads regardless
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes, options);
  if (!snapshot) FAIL(snapshot.error().to_string());
  Result<TransientSnapshot> model = snapshot->to_model();
  if (!model) FAIL(model.error().to_string());
  return std::move(model).value();
}

}  // namespace

TEST_CASE("the full example state round-trips through a file") {
  bbsnap::testing::TempDir dir;
  const TransientSnapshot state = full_example_state();
  REQUIRE(write_snapshot(dir.file("full.bbsnap"), state).ok());
  Result<Snapshot> snapshot = Snapshot::open(dir.file("full.bbsnap"));
  REQUIRE_OK(snapshot);
  Result<TransientSnapshot> model = snapshot->to_model();
  REQUIRE_OK(model);
  CHECK(model->frontier == state.frontier);
  CHECK(model->slot_table == state.slot_table);
  CHECK(model->pending_async == state.pending_async);
  CHECK(model->execution_state == state.execution_state);
  CHECK(model->framework == state.framework);
  CHECK(model->bus == state.bus);
  CHECK(model->ingress == state.ingress);
  CHECK(model->wire_states == state.wire_states);
  CHECK(model->pending_completions == state.pending_completions);
  CHECK(*model == state);
  CHECK(dir.entries() == std::vector<std::string>{"full.bbsnap"});  // no temporary left behind
}

TEST_CASE("1,000 random states round-trip in every verification mode", "[verify_threads]") {
  for (std::uint64_t seed = 0; seed < 1000; ++seed) {
    INFO("seed " << seed);
    const TransientSnapshot state = random_state(seed);
    // Small chunks make many multi-chunk slot tables.
    std::uint32_t slots_per_chunk = seed % 3 == 0 ? 1 : seed % 3 == 1 ? 7 : format::kDefaultSlotsPerChunk;
    AlignedBuffer bytes = encode(state, slots_per_chunk);
    std::uint32_t spec = state.framework.spec_version;
    REQUIRE(restore(bytes.span(), Verification::full, spec) == state);
    REQUIRE(restore(bytes.span(), Verification::full, spec, 2) == state);
    REQUIRE(restore(bytes.span(), Verification::lazy, spec) == state);
    REQUIRE(restore(bytes.span(), Verification::trusted, spec) == state);
  }
}

TEST_CASE("None, empty and zero stay distinct") {
  TransientSnapshot state;
  state.slot_table[{1, 1}] = std::nullopt;
  state.slot_table[{1, 2}] = Bytes{};
  state.slot_table[{1, 3}] = Bytes{0};
  state.pending_async[1] = PendingAsync{.op_ref = 0, .exec_id = 0, .output_sites = {}, .deadline_ns = std::nullopt};
  state.pending_async[2] = PendingAsync{.op_ref = 0, .exec_id = 0, .output_sites = {}, .deadline_ns = 0};
  state.framework.peer_governor.allowlist = std::vector<Bytes>{};
  state.wire_states[0] = Bytes{};

  TransientSnapshot none_allowlist = state;
  none_allowlist.framework.peer_governor.allowlist = std::nullopt;

  for (const TransientSnapshot& s : {state, none_allowlist}) {
    AlignedBuffer bytes = encode(s);
    TransientSnapshot back = restore(bytes.span(), Verification::full, 1);
    CHECK(back == s);
    CHECK(back.framework.peer_governor.allowlist.has_value() == s.framework.peer_governor.allowlist.has_value());
  }
  TransientSnapshot back = restore(encode(state).span(), Verification::full, 1);
  CHECK_FALSE(back.slot_table.at({1, 1}).has_value());
  CHECK(back.slot_table.at({1, 2}) == Bytes{});
  CHECK(back.pending_async.at(1).deadline_ns == std::nullopt);
  CHECK(back.pending_async.at(2).deadline_ns == std::optional<std::uint64_t>{0});
}

TEST_CASE("integer extremes keep every bit") {
  constexpr std::uint64_t u64max = ~std::uint64_t{0};
  constexpr std::uint32_t u32max = ~std::uint32_t{0};
  TransientSnapshot state;
  state.frontier = {{0, u64max}, {u64max, 0}};
  state.slot_table[{u64max, u64max}] = Bytes{1};
  state.slot_table[{0, 0}] = Bytes{2};
  state.execution_state[u64max] = {u32max};
  state.wire_states[u32max] = Bytes{3};
  state.framework.next_command_id = u64max;
  state.framework.next_exec_id = u64max - 1;
  state.framework.peer_governor.failure_threshold = u32max;
  state.framework.counters["max"] = u64max;
  state.ingress.push_back(TimerMaturedEvent{u64max});
  state.ingress.push_back(CompletionEvent{u64max, {}});
  CHECK(restore(encode(state).span(), Verification::full, 1) == state);
}

TEST_CASE("the empty state round-trips") {
  const TransientSnapshot state;
  AlignedBuffer bytes = encode(state);
  CHECK(restore(bytes.span(), Verification::full, 1) == state);
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes.span());
  REQUIRE_OK(snapshot);
  CHECK(snapshot->slot_chunk_count() == 0);
  CHECK(snapshot->slot({0, 0})->state == SlotLookup::State::missing);
}

TEST_CASE("equal states write identical bytes whatever the insertion order") {
  const TransientSnapshot state = random_state(7, {.max_entries = 200});
  // Rebuild every map by inserting its entries in a shuffled order.
  std::mt19937_64 rng(99);
  auto shuffled = [&](const auto& map) {
    std::vector<std::pair<typename std::decay_t<decltype(map)>::key_type,
                          typename std::decay_t<decltype(map)>::mapped_type>>
        entries(map.begin(), map.end());
    std::shuffle(entries.begin(), entries.end(), rng);
    std::decay_t<decltype(map)> rebuilt;
    for (auto& [k, v] : entries) rebuilt.emplace(k, v);
    return rebuilt;
  };
  TransientSnapshot copy = state;
  copy.slot_table = shuffled(state.slot_table);
  copy.pending_async = shuffled(state.pending_async);
  copy.execution_state = shuffled(state.execution_state);
  copy.wire_states = shuffled(state.wire_states);
  copy.framework.counters = shuffled(state.framework.counters);
  copy.bus.event_subscriptions = shuffled(state.bus.event_subscriptions);
  AlignedBuffer a = encode(state);
  AlignedBuffer b = encode(copy);
  CHECK(std::ranges::equal(a.span(), b.span()));
}

TEST_CASE("lookups find entries in place") {
  const TransientSnapshot state = full_example_state();
  AlignedBuffer bytes = encode(state, 2);
  for (Verification mode : {Verification::full, Verification::lazy, Verification::trusted}) {
    OpenOptions options;
    options.verification = mode;
    Result<Snapshot> snapshot = Snapshot::from_bytes(bytes.span(), options);
    REQUIRE_OK(snapshot);
    const Snapshot& s = *snapshot;

    CHECK(s.slot({1, 1})->state == SlotLookup::State::value);
    CHECK(std::ranges::equal(s.slot({1, 1})->value, Bytes{0x00, 0xff, 0x10}));
    CHECK(s.slot({1, 2})->state == SlotLookup::State::empty);
    CHECK(s.slot({2, 0})->state == SlotLookup::State::value);
    CHECK(s.slot({2, 0})->value.empty());
    CHECK(s.slot({1, 3})->state == SlotLookup::State::missing);
    CHECK(s.slot({0, 0})->state == SlotLookup::State::missing);
    CHECK(std::ranges::equal(s.slot({~0ull, ~0ull})->value, Bytes{0xde, 0xad, 0xbe, 0xef}));

    const fb::PendingAsyncEntry* p = *s.pending_async(8);
    REQUIRE(p != nullptr);
    CHECK(p->op_ref() == 4);
    CHECK(p->deadline_ns().has_value());
    CHECK(*p->deadline_ns() == 0);
    CHECK_FALSE((*s.pending_async(7))->deadline_ns().has_value());
    CHECK(*s.pending_async(9) == nullptr);

    CHECK(**s.execution_state(1) == 4294967295u);
    CHECK_FALSE(s.execution_state(2)->has_value());
    CHECK(std::ranges::equal(**s.wire_state(3), Bytes{1, 2}));
    CHECK_FALSE(s.wire_state(5)->has_value());
    CHECK(**s.counter("événements") == ~0ull);
    CHECK(**s.counter("") == 0);
    CHECK_FALSE(s.counter("missing")->has_value());
    CHECK(std::ranges::equal(**s.subscribers("peer.down"), std::vector<std::uint64_t>{1, 2}));
    CHECK((*s.subscribers("peer.up"))->empty());
    CHECK_FALSE(s.subscribers("nope")->has_value());
  }
}

TEST_CASE("slot values are views into the mapping, 64-byte aligned") {
  bbsnap::testing::TempDir dir;
  TransientSnapshot state;
  for (std::uint64_t i = 0; i < 100; ++i) state.slot_table[{i, i}] = Bytes(i * 7 + 1, static_cast<std::uint8_t>(i));
  REQUIRE(write_snapshot(dir.file("s.bbsnap"), state, {.durable = false, .slots_per_chunk = 16}).ok());
  Result<Snapshot> snapshot = Snapshot::open(dir.file("s.bbsnap"));
  REQUIRE_OK(snapshot);
  std::span<const std::uint8_t> file = snapshot->bytes();
  for (std::uint64_t i = 0; i < 100; ++i) {
    Result<SlotLookup> slot = snapshot->slot({i, i});
    REQUIRE(slot.ok());
    REQUIRE(slot->state == SlotLookup::State::value);
    CHECK(slot->value.data() >= file.data());
    CHECK(slot->value.data() + slot->value.size() <= file.data() + file.size());
    CHECK(reinterpret_cast<std::uintptr_t>(slot->value.data()) % 64 == 0);
    CHECK(std::ranges::equal(slot->value, *state.slot_table.at({i, i})));
  }
}

// Full verification reads every byte: in 2 MiB folios a cold file is read in
// a few large reads and mapped with a fault per 2 MiB (bench
// BM_OpenFullCold/S 0.99 -> 0.58 ms). A lazy lookup reads a few pages: with
// the huge-page hint each cold lookup would read megabytes.
TEST_CASE("a full open asks the kernel for huge pages, a lazy or trusted open does not") {
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage")) {
    WARN("not checked: the kernel has no transparent huge pages");
    return;
  }
  bbsnap::testing::TempDir dir;
  REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), full_example_state(), {.durable = false}));
  for (Verification mode : {Verification::full, Verification::lazy, Verification::trusted}) {
    Result<Snapshot> snapshot = Snapshot::open(dir.file("s.bbsnap"), {.verification = mode});
    REQUIRE_OK(snapshot);
    const std::string flags = bbsnap::testing::vm_flags_of(snapshot->bytes().data());
    INFO("mode " << static_cast<int>(mode) << ", VmFlags:" << flags);
    REQUIRE(flags.find(" rd ") != std::string::npos);  // found the mapping
    CHECK(flags.find(" rr ") != std::string::npos);    // after the open: lookups
    CHECK((flags.find(" hg ") != std::string::npos) == (mode == Verification::full));
  }
}

TEST_CASE("from_bytes refuses bytes that do not start on a 64-byte boundary, in every mode") {
  // Values are handed out at their file offsets: from a misaligned start
  // they would be misaligned too, breaking what slot values promise.
  Result<AlignedBuffer> file = encode_snapshot(full_example_state());
  REQUIRE_OK(file);
  std::vector<std::uint8_t> room(file->span().size() + 128);
  auto* aligned = reinterpret_cast<std::uint8_t*>(
      (reinterpret_cast<std::uintptr_t>(room.data()) + 63) / 64 * 64);
  for (std::size_t shift : {0, 1, 8, 16, 32, 63}) {
    std::ranges::copy(file->span(), aligned + shift);
    const std::span<const std::uint8_t> bytes(aligned + shift, file->span().size());
    for (Verification mode : {Verification::full, Verification::lazy, Verification::trusted}) {
      INFO("shifted by " << shift << " bytes, mode " << static_cast<int>(mode));
      Result<Snapshot> snapshot = Snapshot::from_bytes(bytes, {.verification = mode});
      if (shift == 0) {
        CHECK(snapshot.ok());
        continue;
      }
      REQUIRE_FALSE(snapshot.ok());
      CHECK(snapshot.error().code == ErrorCode::invalid_argument);
      CHECK_THAT(snapshot.error().message, Catch::Contains("64-byte boundary"));
    }
  }
}
