// Each section kind's size_bound (state/sections.h) must be an upper bound of every section's real metadata
// size: the writer refuses a state by it, and a bound below the truth would
// let FlatBuffers build past 2 GiB, where its offsets wrap. It should also be
// close: a loose bound refuses valid states and makes encode_snapshot
// reserve far more memory than the file needs.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>

#include "bbsnap/format.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "state/sections.h"
#include "random_state.h"

using namespace bbsnap;

namespace {

// A state whose every table has every field present with its widest value,
// and many small elements: where per-element overhead dominates.
TransientSnapshot dense_state(std::size_t n) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  TransientSnapshot s;
  Framework& f = s.framework;
  f.spec_version = 0xFFFFFFFF;
  f.next_command_id = f.next_exec_id = kMax;
  f.peer_id_bytes = Bytes{1};
  f.peer_governor.failure_threshold = 0xFFFFFFFF;
  f.peer_governor.allowlist.emplace();
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = std::to_string(i);
    f.counters[name] = kMax;
    f.fired_phases.push_back("");
    f.address_book.push_back({Bytes{1}, {Bytes{}, Bytes{2}}, kMax});
    f.peer_governor.blocklist.push_back(Bytes{});
    f.peer_governor.allowlist->push_back(Bytes{3});
    f.peer_governor.health.push_back({Bytes{4}, 0xFFFFFFFF, kMax, true});
    f.backoff_table.push_back({Bytes{5}, 0xFFFFFFFF, kMax, kMax});
    f.pending_outbound.push_back({Bytes{6}, true});
    s.bus.event_subscriptions[name] = {kMax};
    s.ingress.push_back(EnvelopeEvent{Bytes{7}});
    s.ingress.push_back(AppEvent{"m", "i", Bytes{8}});
    s.ingress.push_back(InvokeEvent{"m", {{"n", Bytes{9}}}});
    s.ingress.push_back(TimerMaturedEvent{kMax});
    s.ingress.push_back(CompletionEvent{kMax, {Bytes{10}}});
    s.pending_completions.push_back({kMax, {{"", Bytes{}}}});
    s.frontier.push_back({kMax, kMax});
    s.pending_async[i] = PendingAsync{kMax, kMax, {kMax}, kMax};
    s.execution_state[i] = ExecutionState{0xFFFFFFFF};
    s.wire_states[static_cast<std::uint32_t>(i)] = Bytes{11};
  }
  return s;
}

// Checks the bound of every section kind against the encoded file; returns
// the largest bound / size ratio, for the tightness check.
double check_bounds(const TransientSnapshot& state) {
  Result<AlignedBuffer> bytes = encode_snapshot(state);
  REQUIRE(bytes.ok());
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes->span(), {.expected_spec_version = std::nullopt});
  REQUIRE(snapshot.ok());
  double worst = 0;
  for (const format::SectionEntry& entry : snapshot->sections()) {
    const auto kind = static_cast<format::SectionKind>(entry.kind);
    if (kind == format::SectionKind::slot_chunk || kind == format::SectionKind::slot_index) continue;
    const std::uint64_t metadata = entry.length - entry.payload_length;
    const std::uint64_t bound = section_kind(entry.kind)->size_bound(state);
    INFO(format::section_kind_name(entry.kind) << ": metadata " << metadata << " bytes, bound " << bound);
    CHECK(bound >= metadata);
    worst = std::max(worst, static_cast<double>(bound) / static_cast<double>(metadata));
  }
  return worst;
}

}  // namespace

TEST_CASE("size_bound is at least every section's metadata size, for random states") {
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    INFO("random_state(" << seed << ")");
    check_bounds(testing::random_state(seed));
  }
  check_bounds(TransientSnapshot{});
}

TEST_CASE("size_bound is an upper bound within 4x of the metadata when small elements dominate") {
  for (std::size_t n : {1u, 10u, 1000u}) {
    INFO(n << " elements of each kind");
    const double worst = check_bounds(dense_state(n));
    if (n == 1000) CHECK(worst <= 4.0);
  }
}
