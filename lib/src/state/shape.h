// The shape of the state, written once: for every table and struct of
// schema/bbsnap.fbs that holds part of the state, its fields in declaration
// order, each with its name in the state document (STATE-JSON.md), the model
// member it holds (model.h) and the generated accessor that reads it.
//
// Everything that walks the state follows these rows instead of naming
// fields itself: encoding (encode.cc), the owned copy (decode.cc), the
// content rules of verification (verify.cc), the size bound (size_bound.cc),
// the writer's UTF-8 check (text_check.cc) and the section registry
// (sections.h). Adding a field to a table is the schema, the model member
// and one row here.
//
// Encoding calls the generated Create function of each table with the
// fields' encodings in this order, so the rows must list a table's fields in
// the schema's order: a row out of place either fails to compile (the types
// differ) or changes the bytes written, which the golden files catch.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "bbsnap/model.h"
#include "bbsnap_generated.h"

namespace bbsnap::shape {

// One field: its document name, the model member and the FlatBuffers
// accessor (a pointer to the generated const member function).
template <class Model, class Member, class Table, class Read>
struct Field {
  using ModelType = Model;
  using MemberType = Member;
  using TableType = Table;
  std::string_view name;
  Member Model::*member;
  Read (Table::*read)() const;
};

template <class Model, class Member, class Table, class Read>
constexpr Field<Model, Member, Table, Read> field(std::string_view name, Member Model::*member,
                                                  Read (Table::*read)() const) {
  return {name, member, read};
}

// The key of a map's entry table or struct: the map's key is this field of
// each entry, and entries are sorted by it (strictly: keys are unique).
template <class Table, class Read>
struct Key {
  std::string_view name;
  Read (Table::*read)() const;
};

template <class Table, class Read>
constexpr Key<Table, Read> key(std::string_view name, Read (Table::*read)() const) {
  return {name, read};
}

// Shape<T>, for each model type stored as a FlatBuffers table or struct:
//   Table types:  `using Table`, `static constexpr auto create` (the
//                 generated Create function), `fields`.
//   Struct types: `using Struct` (constructed from the fields in order),
//                 `fields`.
//   Maps (std::map<K, V>), stored as a vector of entries sorted by key:
//                 `using Table` and `create`, or `using Struct`; `key`; and
//                 either `value`, the one field that holds V, or, when V is
//                 itself a shaped type whose Table/Struct is the entry,
//                 nothing (V's fields follow the key in the entry).
template <class T>
struct Shape;

template <class T>
concept TableShaped = requires { typename Shape<T>::Table; Shape<T>::fields; };
template <class T>
concept StructShaped = requires { typename Shape<T>::Struct; Shape<T>::fields; };

template <class T>
struct IsVector : std::false_type {};
template <class E>
struct IsVector<std::vector<E>> : std::true_type {};
template <class T>
concept Vector = IsVector<T>::value;  // a list (Bytes too: test for it first)

template <class T>
struct IsOptional : std::false_type {};
template <class E>
struct IsOptional<std::optional<E>> : std::true_type {};
template <class T>
concept Optional = IsOptional<T>::value;

template <class T>
struct IsMap : std::false_type {};
template <class K, class V>
struct IsMap<std::map<K, V>> : std::true_type {};
template <class T>
concept Map = IsMap<T>::value;

// A map whose entry holds the value in one field, or the value's own fields.
template <class M>
concept MapWithValueField = Map<M> && requires { Shape<M>::value; };
template <class M>
concept MapOfEntryStructs = Map<M> && requires { typename Shape<M>::Struct; };

// ---- the framework section
template <>
struct Shape<std::map<std::string, std::uint64_t>> {  // Framework.counters
  using Table = fb::Counter;
  static constexpr auto create = &fb::CreateCounter;
  static constexpr auto key = shape::key("name", &fb::Counter::name);
  static constexpr auto value = field("value", &std::pair<const std::string, std::uint64_t>::second, &fb::Counter::value);
};

template <>
struct Shape<AddressBookEntry> {
  using Table = fb::AddressBookEntry;
  static constexpr auto create = &fb::CreateAddressBookEntry;
  static constexpr auto fields = std::tuple{
      field("peer_id", &AddressBookEntry::peer_id, &Table::peer_id),
      field("addresses", &AddressBookEntry::addresses, &Table::addresses),
      field("ref_count", &AddressBookEntry::ref_count, &Table::ref_count),
  };
};

template <>
struct Shape<PeerHealth> {  // a tuple in the document: the names document its positions
  using Table = fb::PeerHealth;
  static constexpr auto create = &fb::CreatePeerHealth;
  static constexpr auto fields = std::tuple{
      field("peer", &PeerHealth::peer, &Table::peer),
      field("consecutive_failures", &PeerHealth::consecutive_failures, &Table::consecutive_failures),
      field("last_event_ns", &PeerHealth::last_event_ns, &Table::last_event_ns),
      field("down", &PeerHealth::down, &Table::down),
  };
};

template <>
struct Shape<PeerGovernor> {
  using Table = fb::PeerGovernor;
  static constexpr auto create = &fb::CreatePeerGovernor;
  static constexpr auto fields = std::tuple{
      field("blocklist", &PeerGovernor::blocklist, &Table::blocklist),
      field("allowlist", &PeerGovernor::allowlist, &Table::allowlist),  // absent: None
      field("health", &PeerGovernor::health, &Table::health),
      field("failure_threshold", &PeerGovernor::failure_threshold, &Table::failure_threshold),
  };
};

template <>
struct Shape<BackoffEntry> {
  using Table = fb::BackoffEntry;
  static constexpr auto create = &fb::CreateBackoffEntry;
  static constexpr auto fields = std::tuple{
      field("peer", &BackoffEntry::peer, &Table::peer),
      field("attempts", &BackoffEntry::attempts, &Table::attempts),
      field("last_attempt_ns", &BackoffEntry::last_attempt_ns, &Table::last_attempt_ns),
      field("next_retry_ns", &BackoffEntry::next_retry_ns, &Table::next_retry_ns),
  };
};

template <>
struct Shape<PendingOutbound> {
  using Table = fb::PendingOutbound;
  static constexpr auto create = &fb::CreatePendingOutbound;
  static constexpr auto fields = std::tuple{
      field("envelope_bytes", &PendingOutbound::envelope_bytes, &Table::envelope_bytes),
      field("redelivered", &PendingOutbound::redelivered, &Table::redelivered),
  };
};

template <>
struct Shape<Framework> {
  using Table = fb::Framework;
  static constexpr auto create = &fb::CreateFramework;
  static constexpr auto fields = std::tuple{
      field("spec_version", &Framework::spec_version, &Table::spec_version),
      field("counters", &Framework::counters, &Table::counters),
      field("fired_phases", &Framework::fired_phases, &Table::fired_phases),
      field("address_book", &Framework::address_book, &Table::address_book),
      field("peer_governor", &Framework::peer_governor, &Table::peer_governor),  // absent: the default
      field("backoff_table", &Framework::backoff_table, &Table::backoff_table),
      field("pending_outbound", &Framework::pending_outbound, &Table::pending_outbound),
      field("peer_id_bytes", &Framework::peer_id_bytes, &Table::peer_id_bytes),
      field("next_command_id", &Framework::next_command_id, &Table::next_command_id),
      field("next_exec_id", &Framework::next_exec_id, &Table::next_exec_id),
  };
};

// ---- the bus section
template <>
struct Shape<std::map<std::string, std::vector<std::uint64_t>>> {  // TypedBus.event_subscriptions
  using Table = fb::EventSubscription;
  static constexpr auto create = &fb::CreateEventSubscription;
  static constexpr auto key = shape::key("event_kind", &fb::EventSubscription::event_kind);
  static constexpr auto value = field("subscribers", &std::pair<const std::string, std::vector<std::uint64_t>>::second,
                                      &fb::EventSubscription::subscribers);
};

template <>
struct Shape<TypedBus> {
  using Table = fb::Bus;
  static constexpr auto create = &fb::CreateBus;
  static constexpr auto fields = std::tuple{
      field("event_subscriptions", &TypedBus::event_subscriptions, &Table::event_subscriptions),
  };
};

// ---- the ingress section: IngressEvent's alternatives, in the union's order
template <>
struct Shape<EnvelopeEvent> {
  using Table = fb::Envelope;
  static constexpr auto create = &fb::CreateEnvelope;
  static constexpr auto fields = std::tuple{field("bytes", &EnvelopeEvent::bytes, &Table::bytes)};
};

template <>
struct Shape<AppEvent> {
  using Table = fb::AppEvent;
  static constexpr auto create = &fb::CreateAppEvent;
  static constexpr auto fields = std::tuple{
      field("module_name", &AppEvent::module_name, &Table::module_name),
      field("input_name", &AppEvent::input_name, &Table::input_name),
      field("value_bytes", &AppEvent::value_bytes, &Table::value_bytes),
  };
};

template <>
struct Shape<NamedBytes> {  // a (name, bytes) tuple in the document
  using Table = fb::NamedBytes;
  static constexpr auto create = &fb::CreateNamedBytes;
  static constexpr auto fields = std::tuple{
      field("name", &NamedBytes::first, &Table::name),
      field("data", &NamedBytes::second, &Table::data),
  };
};

template <>
struct Shape<InvokeEvent> {
  using Table = fb::Invoke;
  static constexpr auto create = &fb::CreateInvoke;
  static constexpr auto fields = std::tuple{
      field("module_name", &InvokeEvent::module_name, &Table::module_name),
      field("inputs", &InvokeEvent::inputs, &Table::inputs),
  };
};

template <>
struct Shape<TimerMaturedEvent> {
  using Table = fb::TimerMatured;
  static constexpr auto create = &fb::CreateTimerMatured;
  static constexpr auto fields = std::tuple{field("at_ns", &TimerMaturedEvent::at_ns, &Table::at_ns)};
};

template <>
struct Shape<CompletionEvent> {
  using Table = fb::Completion;
  static constexpr auto create = &fb::CreateCompletion;
  static constexpr auto fields = std::tuple{
      field("cmd_id", &CompletionEvent::cmd_id, &Table::cmd_id),
      field("results", &CompletionEvent::results, &Table::results),
  };
};

// IngressEvent is a variant; its FlatBuffers form is an IngressItem whose
// union type is the alternative's index + 1 (0 is NONE, which no valid file
// holds). Its document names are those of STATE-JSON.md's externally tagged
// enum.
inline constexpr std::string_view kIngressVariantNames[] = {"Envelope", "AppEvent", "Invoke", "TimerMatured",
                                                            "Completion"};
static_assert(std::size(kIngressVariantNames) == std::variant_size_v<IngressEvent>);

// ---- pending completions
template <>
struct Shape<PendingCompletion> {
  using Table = fb::PendingCompletion;
  static constexpr auto create = &fb::CreatePendingCompletion;
  static constexpr auto fields = std::tuple{
      field("cmd_id", &PendingCompletion::cmd_id, &Table::cmd_id),
      field("results", &PendingCompletion::results, &Table::results),
  };
};

// ---- frontier: (u64, u64) pairs, a tuple in the document
template <>
struct Shape<std::pair<std::uint64_t, std::uint64_t>> {
  using Struct = fb::FrontierItem;
  static constexpr auto fields = std::tuple{
      field("first", &std::pair<std::uint64_t, std::uint64_t>::first, &Struct::first),
      field("second", &std::pair<std::uint64_t, std::uint64_t>::second, &Struct::second),
  };
};

// ---- pending_async: the entry holds the CommandId key and PendingAsync's fields
template <>
struct Shape<PendingAsync> {
  using Table = fb::PendingAsyncEntry;
  static constexpr auto fields = std::tuple{
      field("op_ref", &PendingAsync::op_ref, &Table::op_ref),
      field("exec_id", &PendingAsync::exec_id, &Table::exec_id),
      field("output_sites", &PendingAsync::output_sites, &Table::output_sites),
      field("deadline_ns", &PendingAsync::deadline_ns, &Table::deadline_ns),  // null: None
  };
};

template <>
struct Shape<std::map<std::uint64_t, PendingAsync>> {
  using Table = fb::PendingAsyncEntry;
  static constexpr auto create = &fb::CreatePendingAsyncEntry;
  static constexpr auto key = shape::key("command_id", &fb::PendingAsyncEntry::command_id);
};

// ---- execution_state: a struct per entry, the ExecId key first
template <>
struct Shape<ExecutionState> {
  using Struct = fb::ExecutionStateEntry;
  static constexpr auto fields = std::tuple{
      field("outputs_written", &ExecutionState::outputs_written, &Struct::outputs_written),
  };
};

template <>
struct Shape<std::map<std::uint64_t, ExecutionState>> {
  using Struct = fb::ExecutionStateEntry;
  static constexpr auto key = shape::key("exec_id", &fb::ExecutionStateEntry::exec_id);
};

// ---- wire_states
template <>
struct Shape<std::map<std::uint32_t, Bytes>> {
  using Table = fb::WireState;
  static constexpr auto create = &fb::CreateWireState;
  static constexpr auto key = shape::key("component", &fb::WireState::component);
  static constexpr auto value = field("bytes", &std::pair<const std::uint32_t, Bytes>::second, &fb::WireState::bytes);
};

// ---- sections: each of the state's sections holds one member of
// TransientSnapshot. `read` gives the FlatBuffers value that holds it from
// the section's root table, `root` builds the root table from the member's
// encoding.

// The member's own table is the root (Framework, TypedBus).
template <auto Member>
struct WholeSection;
template <class Member, Member TransientSnapshot::*M>
struct WholeSection<M> {
  using Model = Member;
  using Root = typename Shape<Member>::Table;
  static constexpr bool wrapped = false;
  static constexpr auto member = M;
  static const Root* read(const Root& root) { return &root; }
  static flatbuffers::Offset<Root> root(flatbuffers::FlatBufferBuilder&, flatbuffers::Offset<Root> encoded) {
    return encoded;
  }
};

// A root table of one field holds the member (fb::Frontier's items, ...).
template <auto Member, auto Read, auto Create>
struct WrappedSection;
template <class Member, Member TransientSnapshot::*M, class RootTable, class ReadResult,
          ReadResult (RootTable::*Read)() const, auto Create>
struct WrappedSection<M, Read, Create> {
  using Model = Member;
  using Root = RootTable;
  static constexpr bool wrapped = true;
  static constexpr auto member = M;
  static ReadResult read(const Root& root) { return (root.*Read)(); }
  template <class Encoded>
  static flatbuffers::Offset<Root> root(flatbuffers::FlatBufferBuilder& b, Encoded encoded) {
    return Create(b, encoded);
  }
};

// Calls `f(field)` for each field of `T`'s shape, in order.
template <class T, class F>
constexpr void for_each_field(F&& f) {
  std::apply([&](const auto&... fields) { (f(fields), ...); }, Shape<T>::fields);
}

}  // namespace bbsnap::shape
