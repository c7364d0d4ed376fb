// The shape of the state document (STATE-JSON.md, "Shape"), written once for
// both directions: the reader looks member names up in these tables and the
// writer walks them, so names and the canonical member order cannot drift
// apart between `pack` and `dump`.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>

#include "bbsnap/model.h"

namespace bbsnap::json::shape {

template <class Owner, class Member>
struct Field {
  std::string_view name;
  Member Owner::*member;
};

template <class Owner, class Member>
constexpr Field<Owner, Member> field(std::string_view name, Member Owner::*member) {
  return {name, member};
}

// Specialised for each model type written as a JSON object: `fields`, a tuple
// of Field in canonical order.
template <class T>
struct ObjectShape;

// Specialised for each model type written as a fixed-length JSON array (a
// Rust tuple): `items`, a tuple of Field in array order. The names only
// document what each position means.
template <class T>
struct TupleShape;

template <class T>
concept Object = requires { ObjectShape<T>::fields; };

template <class T>
concept Tuple = requires { TupleShape<T>::items; };

// Calls `visit(owner.*field.member)` for the index-th Field of `fields`
// (an ObjectShape's or a TupleShape's) and returns what it returns.
template <class Result, class Owner, class Fields, class Visit>
Result with_member(Owner& owner, const Fields& fields, std::size_t index, Visit&& visit) {
  Result result{};
  std::size_t i = 0;
  std::apply([&](const auto&... field) { ((i++ == index ? void(result = visit(owner.*field.member)) : void()), ...); },
             fields);
  return result;
}

// The position of the member called `name` in ObjectShape<T>::fields.
template <Object T>
std::optional<std::size_t> field_index(std::string_view name) {
  std::optional<std::size_t> index;
  std::size_t i = 0;
  std::apply([&](const auto&... field) { ((field.name == name ? void(index = i) : void(), ++i), ...); },
             ObjectShape<T>::fields);
  return index;
}

using SlotTable = std::map<SlotKey, SlotValue>;

// One `slot_table` element. JSON object keys cannot be pairs, so the table is
// a list of these; the model keeps it as a map.
struct SlotEntry {
  std::uint64_t site = 0;
  std::uint64_t exec = 0;
  SlotValue value;
};

// IngressEvent's variant names, in the order of its alternatives.
inline constexpr std::array<std::string_view, 5> kIngressVariants = {
    "Envelope", "AppEvent", "Invoke", "TimerMatured", "Completion"};
static_assert(kIngressVariants.size() == std::variant_size_v<IngressEvent>);

template <std::size_t... I>
void emplace_variant(IngressEvent& event, std::size_t index, std::index_sequence<I...>) {
  ((I == index ? void(event.emplace<I>()) : void()), ...);
}

// Makes `event` the empty alternative named kIngressVariants[index].
inline void emplace_variant(IngressEvent& event, std::size_t index) {
  emplace_variant(event, index, std::make_index_sequence<std::variant_size_v<IngressEvent>>{});
}

template <class A, class B>
struct TupleShape<std::pair<A, B>> {
  static constexpr auto items =
      std::tuple{field("first", &std::pair<A, B>::first), field("second", &std::pair<A, B>::second)};
};

template <>
struct TupleShape<PeerHealth> {
  static constexpr auto items = std::tuple{
      field("peer", &PeerHealth::peer),
      field("consecutive_failures", &PeerHealth::consecutive_failures),
      field("last_event_ns", &PeerHealth::last_event_ns),
      field("down", &PeerHealth::down),
  };
};

template <>
struct ObjectShape<TransientSnapshot> {
  static constexpr auto fields = std::tuple{
      field("frontier", &TransientSnapshot::frontier),
      field("slot_table", &TransientSnapshot::slot_table),
      field("pending_async", &TransientSnapshot::pending_async),
      field("execution_state", &TransientSnapshot::execution_state),
      field("framework", &TransientSnapshot::framework),
      field("bus", &TransientSnapshot::bus),
      field("ingress", &TransientSnapshot::ingress),
      field("wire_states", &TransientSnapshot::wire_states),
      field("pending_completions", &TransientSnapshot::pending_completions),
  };
};

template <>
struct ObjectShape<SlotEntry> {
  static constexpr auto fields = std::tuple{
      field("site", &SlotEntry::site),
      field("exec", &SlotEntry::exec),
      field("value", &SlotEntry::value),
  };
};

template <>
struct ObjectShape<PendingAsync> {
  static constexpr auto fields = std::tuple{
      field("op_ref", &PendingAsync::op_ref),
      field("exec_id", &PendingAsync::exec_id),
      field("output_sites", &PendingAsync::output_sites),
      field("deadline_ns", &PendingAsync::deadline_ns),
  };
};

template <>
struct ObjectShape<ExecutionState> {
  static constexpr auto fields = std::tuple{
      field("outputs_written", &ExecutionState::outputs_written),
  };
};

template <>
struct ObjectShape<Framework> {
  static constexpr auto fields = std::tuple{
      field("counters", &Framework::counters),
      field("fired_phases", &Framework::fired_phases),
      field("address_book", &Framework::address_book),
      field("peer_governor", &Framework::peer_governor),
      field("backoff_table", &Framework::backoff_table),
      field("pending_outbound", &Framework::pending_outbound),
      field("peer_id_bytes", &Framework::peer_id_bytes),
      field("next_command_id", &Framework::next_command_id),
      field("next_exec_id", &Framework::next_exec_id),
      field("spec_version", &Framework::spec_version),
  };
};

template <>
struct ObjectShape<AddressBookEntry> {
  static constexpr auto fields = std::tuple{
      field("peer_id", &AddressBookEntry::peer_id),
      field("addresses", &AddressBookEntry::addresses),
      field("ref_count", &AddressBookEntry::ref_count),
  };
};

template <>
struct ObjectShape<PeerGovernor> {
  static constexpr auto fields = std::tuple{
      field("blocklist", &PeerGovernor::blocklist),
      field("allowlist", &PeerGovernor::allowlist),
      field("health", &PeerGovernor::health),
      field("failure_threshold", &PeerGovernor::failure_threshold),
  };
};

template <>
struct ObjectShape<BackoffEntry> {
  static constexpr auto fields = std::tuple{
      field("peer", &BackoffEntry::peer),
      field("attempts", &BackoffEntry::attempts),
      field("last_attempt_ns", &BackoffEntry::last_attempt_ns),
      field("next_retry_ns", &BackoffEntry::next_retry_ns),
  };
};

template <>
struct ObjectShape<PendingOutbound> {
  static constexpr auto fields = std::tuple{
      field("envelope_bytes", &PendingOutbound::envelope_bytes),
      field("redelivered", &PendingOutbound::redelivered),
  };
};

template <>
struct ObjectShape<TypedBus> {
  static constexpr auto fields = std::tuple{
      field("event_subscriptions", &TypedBus::event_subscriptions),
  };
};

template <>
struct ObjectShape<AppEvent> {
  static constexpr auto fields = std::tuple{
      field("module_name", &AppEvent::module_name),
      field("input_name", &AppEvent::input_name),
      field("value_bytes", &AppEvent::value_bytes),
  };
};

template <>
struct ObjectShape<InvokeEvent> {
  static constexpr auto fields = std::tuple{
      field("module_name", &InvokeEvent::module_name),
      field("inputs", &InvokeEvent::inputs),
  };
};

template <>
struct ObjectShape<TimerMaturedEvent> {
  static constexpr auto fields = std::tuple{
      field("at_ns", &TimerMaturedEvent::at_ns),
  };
};

template <>
struct ObjectShape<CompletionEvent> {
  static constexpr auto fields = std::tuple{
      field("cmd_id", &CompletionEvent::cmd_id),
      field("results", &CompletionEvent::results),
  };
};

template <>
struct ObjectShape<PendingCompletion> {
  static constexpr auto fields = std::tuple{
      field("cmd_id", &PendingCompletion::cmd_id),
      field("results", &PendingCompletion::results),
  };
};

}  // namespace bbsnap::json::shape
