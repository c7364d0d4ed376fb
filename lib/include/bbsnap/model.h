// The owned C++ mirror of the runtime's `TransientSnapshot`
// (shared/seed/transient.rs). Used to build a state for the writer and as
// the result of `Snapshot::to_model()`, an owned copy of a restored state.
//
// Rust `HashMap`s become `std::map`s: their iteration order is the order the
// file stores them in (numeric keys numerically, strings by UTF-8 bytes,
// slots by (site, exec)), so equal states write identical files whatever the
// order their entries were inserted in. `Option` becomes `std::optional`;
// `None` and an empty value are different states and both survive a round
// trip.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace bbsnap {

using Bytes = std::vector<std::uint8_t>;

// The runtime's schema version this build restores (CURRENT_SNAPSHOT_SPEC_VERSION
// in the seed). Distinct from the file's format version (format.h).
inline constexpr std::uint32_t kCurrentSpecVersion = 1;

struct SlotKey {
  std::uint64_t site = 0;  // NodeSiteId
  std::uint64_t exec = 0;  // ExecId
  friend auto operator<=>(const SlotKey&, const SlotKey&) = default;
};

// `None` = slot allocated but empty; `Some(empty)` = zero bytes.
using SlotValue = std::optional<Bytes>;

struct PendingAsync {
  std::uint64_t op_ref = 0;
  std::uint64_t exec_id = 0;
  std::vector<std::uint64_t> output_sites;
  std::optional<std::uint64_t> deadline_ns;  // nullopt: no engine deadline
  friend bool operator==(const PendingAsync&, const PendingAsync&) = default;
};

struct ExecutionState {
  std::uint32_t outputs_written = 0;
  friend bool operator==(const ExecutionState&, const ExecutionState&) = default;
};

struct AddressBookEntry {
  Bytes peer_id;
  std::vector<Bytes> addresses;  // order kept
  std::uint64_t ref_count = 0;
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
  std::vector<Bytes> blocklist;
  // nullopt: open policy. An empty list: nobody may communicate.
  std::optional<std::vector<Bytes>> allowlist;
  std::vector<PeerHealth> health;
  std::uint32_t failure_threshold = 0;
  friend bool operator==(const PeerGovernor&, const PeerGovernor&) = default;
};

struct BackoffEntry {
  Bytes peer;
  std::uint32_t attempts = 0;
  std::uint64_t last_attempt_ns = 0;
  std::uint64_t next_retry_ns = 0;
  friend bool operator==(const BackoffEntry&, const BackoffEntry&) = default;
};

struct PendingOutbound {
  Bytes envelope_bytes;
  bool redelivered = false;  // a previous snapshot/restore cycle surfaced it
  friend bool operator==(const PendingOutbound&, const PendingOutbound&) = default;
};

struct Framework {
  std::map<std::string, std::uint64_t> counters;
  std::vector<std::string> fired_phases;  // order kept
  std::vector<AddressBookEntry> address_book;
  PeerGovernor peer_governor;
  std::vector<BackoffEntry> backoff_table;
  std::vector<PendingOutbound> pending_outbound;
  Bytes peer_id_bytes;
  std::uint64_t next_command_id = 0;
  std::uint64_t next_exec_id = 0;
  std::uint32_t spec_version = kCurrentSpecVersion;
  friend bool operator==(const Framework&, const Framework&) = default;
};

struct TypedBus {
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

struct PendingCompletion {
  std::uint64_t cmd_id = 0;
  std::vector<NamedBytes> results;
  friend bool operator==(const PendingCompletion&, const PendingCompletion&) = default;
};

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
