// The owned C++ mirror of the runtime's `TransientSnapshot`
// (shared/seed/transient.rs). Used to build a state for the writer and as
// the result of `Snapshot::to_model()`, an owned copy of a restored state.
//
// Rust `HashMap`s become `std::map`s: their iteration order is the order the
// file stores them in (numeric keys numerically, strings by UTF-8 bytes,
// slots by (site, exec)), so equal states write identical files whatever the
// order their entries were inserted in. `Option` becomes `std::optional`;
// `None` and an empty value are different states and both survive a round
// trip (file and JSON). Only three fields are optional: SlotValue,
// PeerGovernor::allowlist and PendingAsync::deadline_ns; everything else is
// a plain value whose default (0, false, empty) is an ordinary state.
//
// Every std::string in the model (counter names, fired phases, event kinds,
// module and input names, NamedBytes names) must be valid UTF-8: the writer
// refuses anything else with ErrorCode::invalid_argument (and a reader
// refuses such a file as malformed_section). NUL is allowed; there is no
// normalisation: strings compare and sort by their bytes. `Bytes` may hold
// anything.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap {

using Bytes = std::vector<std::uint8_t>;

// The runtime's schema version this build restores (CURRENT_SNAPSHOT_SPEC_VERSION
// in the seed). Distinct from the file's format version (format.h).
inline constexpr std::uint32_t kCurrentSpecVersion = 1;

// Key of the slot table, ordered by site, then exec.
struct SlotKey {
  std::uint64_t site = 0;  // NodeSiteId
  std::uint64_t exec = 0;  // ExecId
  friend auto operator<=>(const SlotKey&, const SlotKey&) = default;
};

// `None` = slot allocated but empty; `Some(empty)` = zero bytes.
using SlotValue = std::optional<Bytes>;

// A suspended Op awaiting its CommandId's completion (the map key).
struct PendingAsync {
  std::uint64_t op_ref = 0;   // OpRef of the suspended Op
  std::uint64_t exec_id = 0;  // ExecId of the suspended execution
  std::vector<std::uint64_t> output_sites;  // NodeSiteIds, order kept
  // Engine-side deadline (scheduler.now_ns() clock) past which the
  // suspension expires. nullopt: no engine deadline; 0 is a deadline.
  std::optional<std::uint64_t> deadline_ns;
  friend bool operator==(const PendingAsync&, const PendingAsync&) = default;
};

struct ExecutionState {
  std::uint32_t outputs_written = 0;  // outputs written so far
  friend bool operator==(const ExecutionState&, const ExecutionState&) = default;
};

struct AddressBookEntry {
  Bytes peer_id;                 // PeerId::to_bytes()
  std::vector<Bytes> addresses;  // order kept
  std::uint64_t ref_count = 0;   // kept across restore so peers stay alive at their grip count
  friend bool operator==(const AddressBookEntry&, const AddressBookEntry&) = default;
};

// One element of `PeerGovernorSnapshot::health`, the Rust tuple
// (peer, consecutive_failures, last_event_ns, down).
struct PeerHealth {
  Bytes peer;
  std::uint32_t consecutive_failures = 0;
  std::uint64_t last_event_ns = 0;
  bool down = false;
  friend bool operator==(const PeerHealth&, const PeerHealth&) = default;
};

struct PeerGovernor {
  std::vector<Bytes> blocklist;  // PeerId bytes, order kept
  // nullopt (Rust None): open policy, anyone may communicate. A list (Some):
  // only the listed peers may communicate, so an empty list (Some(empty))
  // means nobody may. The default is nullopt.
  std::optional<std::vector<Bytes>> allowlist;
  std::vector<PeerHealth> health;  // order kept
  std::uint32_t failure_threshold = 0;  // consecutive failures that mark a peer down
  friend bool operator==(const PeerGovernor&, const PeerGovernor&) = default;
};

struct BackoffEntry {
  Bytes peer;
  std::uint32_t attempts = 0;         // consecutive failures
  std::uint64_t last_attempt_ns = 0;  // now_ns at the most recent failure
  std::uint64_t next_retry_ns = 0;    // earliest now_ns at which a retry is permitted
  friend bool operator==(const BackoffEntry&, const BackoffEntry&) = default;
};

// An outbound envelope not yet shipped when the snapshot was taken.
struct PendingOutbound {
  Bytes envelope_bytes;  // a serialized WireEnvelope
  // A plain bool, not an Option: true once a previous snapshot/restore cycle
  // already surfaced this envelope ("seen before: decide whether to ship it
  // again"); false (the default) for an envelope surfaced for the first time.
  bool redelivered = false;
  friend bool operator==(const PendingOutbound&, const PendingOutbound&) = default;
};

struct Framework {
  std::map<std::string, std::uint64_t> counters;  // by metric name (UTF-8)
  std::vector<std::string> fired_phases;  // lifecycle phases queued for the next poll; order kept
  std::vector<AddressBookEntry> address_book;  // order kept
  PeerGovernor peer_governor;
  std::vector<BackoffEntry> backoff_table;  // order kept
  std::vector<PendingOutbound> pending_outbound;  // order kept
  Bytes peer_id_bytes;  // the Node's PeerId (multihash bytes)
  // The next ids to mint, so a restored Node does not reuse in-flight ids.
  std::uint64_t next_command_id = 0;
  std::uint64_t next_exec_id = 0;
  // The runtime's snapshot schema version this state was taken with. A
  // plain u32, not an Option: it defaults to kCurrentSpecVersion here, as
  // serde's default does in the seed (and as a JSON document without it
  // does), but a file whose framework section lacks the field reads as 0.
  // Snapshot::open refuses any value other than
  // OpenOptions::expected_spec_version (spec_version_mismatch).
  std::uint32_t spec_version = kCurrentSpecVersion;
  friend bool operator==(const Framework&, const Framework&) = default;
};

struct TypedBus {
  // Event kind (UTF-8) -> subscriber NodeSiteIds, order kept.
  std::map<std::string, std::vector<std::uint64_t>> event_subscriptions;
  friend bool operator==(const TypedBus&, const TypedBus&) = default;
};

// A (name, bytes) pair: Invoke inputs and pending completion results.
using NamedBytes = std::pair<std::string, Bytes>;

// The five variants of `IngressEventSnapshot`.
struct EnvelopeEvent {
  Bytes bytes;
  friend bool operator==(const EnvelopeEvent&, const EnvelopeEvent&) = default;
};
struct AppEvent {
  std::string module_name;
  std::string input_name;
  Bytes value_bytes;
  friend bool operator==(const AppEvent&, const AppEvent&) = default;
};
struct InvokeEvent {
  std::string module_name;
  std::vector<NamedBytes> inputs;
  friend bool operator==(const InvokeEvent&, const InvokeEvent&) = default;
};
struct TimerMaturedEvent {
  std::uint64_t at_ns = 0;
  friend bool operator==(const TimerMaturedEvent&, const TimerMaturedEvent&) = default;
};
struct CompletionEvent {
  std::uint64_t cmd_id = 0;
  std::vector<Bytes> results;
  friend bool operator==(const CompletionEvent&, const CompletionEvent&) = default;
};
using IngressEvent =
    std::variant<EnvelopeEvent, AppEvent, InvokeEvent, TimerMaturedEvent, CompletionEvent>;

// A completion surfaced mid-cycle, drained after dispatch.
struct PendingCompletion {
  std::uint64_t cmd_id = 0;         // the CommandId being fulfilled
  std::vector<NamedBytes> results;  // (slot name, payload) pairs, order kept
  friend bool operator==(const PendingCompletion&, const PendingCompletion&) = default;
};

// The whole state. Default-constructed it is the empty state (spec_version
// kCurrentSpecVersion, allowlist nullopt), which can be written as is.
struct TransientSnapshot {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> frontier;  // a queue: order kept
  std::map<SlotKey, SlotValue> slot_table;
  std::map<std::uint64_t, PendingAsync> pending_async;  // by CommandId
  std::map<std::uint64_t, ExecutionState> execution_state;  // by ExecId
  Framework framework;
  TypedBus bus;
  std::vector<IngressEvent> ingress;  // order kept
  std::map<std::uint32_t, Bytes> wire_states;  // by component id
  std::vector<PendingCompletion> pending_completions;  // order kept
  friend bool operator==(const TransientSnapshot&, const TransientSnapshot&) = default;
};

}  // namespace bbsnap

#pragma GCC visibility pop
