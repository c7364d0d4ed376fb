// Snapshot -> owned model: the copying restore, for callers that want to own
// and mutate the state. Everything else reads the mapping in place.
#include "bbsnap/reader.h"
#include "common/boundary.h"

namespace bbsnap {
namespace {

Bytes copy(const flatbuffers::Vector<std::uint8_t>* v) {
  std::span<const std::uint8_t> s = as_span(v);
  return Bytes(s.begin(), s.end());
}

std::string copy(const flatbuffers::String* s) { return std::string(as_view(s)); }

template <typename T, typename Vec, typename Convert>
std::vector<T> copy_all(const Vec* v, Convert convert) {
  std::vector<T> out;
  if (!v) return out;
  out.reserve(v->size());
  for (auto element : *v) out.push_back(convert(element));
  return out;
}

std::vector<Bytes> copy_list(const flatbuffers::Vector<flatbuffers::Offset<fb::Bytes>>* v) {
  return copy_all<Bytes>(v, [](const fb::Bytes* b) { return copy(b->data()); });
}

std::vector<NamedBytes> copy_named(const flatbuffers::Vector<flatbuffers::Offset<fb::NamedBytes>>* v) {
  return copy_all<NamedBytes>(v, [](const fb::NamedBytes* b) { return NamedBytes{copy(b->name()), copy(b->data())}; });
}

PeerGovernor decode_governor(const fb::PeerGovernor* g) {
  PeerGovernor out;
  if (!g) return out;
  out.blocklist = copy_list(g->blocklist());
  if (g->allowlist()) out.allowlist = copy_list(g->allowlist());
  out.health = copy_all<PeerHealth>(g->health(), [](const fb::PeerHealth* h) {
    return PeerHealth{copy(h->peer()), h->consecutive_failures(), h->last_event_ns(), h->down()};
  });
  out.failure_threshold = g->failure_threshold();
  return out;
}

Framework decode_framework(const fb::Framework& f) {
  Framework out;
  if (f.counters()) {
    for (const fb::Counter* c : *f.counters()) out.counters.emplace_hint(out.counters.end(), copy(c->name()), c->value());
  }
  out.fired_phases = copy_all<std::string>(f.fired_phases(), [](const flatbuffers::String* s) { return copy(s); });
  out.address_book = copy_all<AddressBookEntry>(f.address_book(), [](const fb::AddressBookEntry* e) {
    return AddressBookEntry{copy(e->peer_id()), copy_list(e->addresses()), e->ref_count()};
  });
  out.peer_governor = decode_governor(f.peer_governor());
  out.backoff_table = copy_all<BackoffEntry>(f.backoff_table(), [](const fb::BackoffEntry* e) {
    return BackoffEntry{copy(e->peer()), e->attempts(), e->last_attempt_ns(), e->next_retry_ns()};
  });
  out.pending_outbound = copy_all<PendingOutbound>(f.pending_outbound(), [](const fb::PendingOutbound* e) {
    return PendingOutbound{copy(e->envelope_bytes()), e->redelivered()};
  });
  out.peer_id_bytes = copy(f.peer_id_bytes());
  out.next_command_id = f.next_command_id();
  out.next_exec_id = f.next_exec_id();
  out.spec_version = f.spec_version();
  return out;
}

IngressEvent decode_event(const fb::IngressItem& item) {
  switch (item.event_type()) {
    case fb::IngressEvent::Envelope: return EnvelopeEvent{copy(item.event_as_Envelope()->bytes())};
    case fb::IngressEvent::AppEvent: {
      const fb::AppEvent* e = item.event_as_AppEvent();
      return AppEvent{copy(e->module_name()), copy(e->input_name()), copy(e->value_bytes())};
    }
    case fb::IngressEvent::Invoke:
      return InvokeEvent{copy(item.event_as_Invoke()->module_name()), copy_named(item.event_as_Invoke()->inputs())};
    case fb::IngressEvent::TimerMatured: return TimerMaturedEvent{item.event_as_TimerMatured()->at_ns()};
    case fb::IngressEvent::Completion:
      return CompletionEvent{item.event_as_Completion()->cmd_id(), copy_list(item.event_as_Completion()->results())};
    case fb::IngressEvent::NONE: break;
  }
  return EnvelopeEvent{};  // unreachable: verification refuses unknown variants
}

// Moves the value out of `r` into `out`, or returns the error.
template <typename T, typename Out>
Status take(Result<T> r, Out& out) {
  if (!r) return std::move(r).error();
  out = *r;
  return {};
}

Status decode_slots(const Snapshot& snapshot, std::map<SlotKey, SlotValue>& out) {
  for (std::uint32_t c = 0; c < snapshot.slot_chunk_count(); ++c) {
    const fb::SlotChunk* chunk = nullptr;
    if (Status s = take(snapshot.slot_chunk(c), chunk); !s) return s;
    for (const fb::SlotEntry* e : *chunk->slots()) {
      Result<SlotLookup> value = snapshot.slot_value(c, *e);
      if (!value) return std::move(value).error();
      SlotValue v;
      if (value->state == SlotLookup::State::value) v = Bytes(value->value.begin(), value->value.end());
      out.emplace_hint(out.end(), SlotKey{e->site(), e->exec()}, std::move(v));
    }
  }
  return {};
}

Result<TransientSnapshot> copy_model(const Snapshot& snapshot);

}  // namespace

Result<TransientSnapshot> Snapshot::to_model() const {
  return guarded("copying the snapshot into a model", [&] { return copy_model(*this); });
}

namespace {

Result<TransientSnapshot> copy_model(const Snapshot& snapshot) {
  // Every known section first (a no-op after full verification): the
  // accessors below do not reach all of them, e.g. slot_index in a file
  // without slots, and a copy must not succeed from a file with a damaged
  // section. A section of an unknown kind adds nothing to the copy: skipped.
  const std::span<const format::SectionEntry> sections = snapshot.sections();
  for (std::uint32_t i = 0; i < sections.size(); ++i) {
    if (!format::is_known_kind(sections[i].kind)) continue;
    if (Status s = snapshot.check_section(i); !s) return std::move(s).error();
  }
  TransientSnapshot out;
  const fb::Frontier* frontier = nullptr;
  const fb::PendingAsyncTable* pending = nullptr;
  const fb::ExecutionStateTable* states = nullptr;
  const fb::Framework* framework_root = nullptr;
  const fb::Bus* bus_root = nullptr;
  const fb::Ingress* ingress_root = nullptr;
  const fb::WireStates* wire = nullptr;
  const fb::PendingCompletions* completions = nullptr;
  Status s = take(snapshot.frontier(), frontier);
  if (s) s = take(snapshot.pending_async_table(), pending);
  if (s) s = take(snapshot.execution_state_table(), states);
  if (s) s = take(snapshot.framework(), framework_root);
  if (s) s = take(snapshot.bus(), bus_root);
  if (s) s = take(snapshot.ingress(), ingress_root);
  if (s) s = take(snapshot.wire_states(), wire);
  if (s) s = take(snapshot.pending_completions(), completions);
  if (s) s = decode_slots(snapshot, out.slot_table);
  if (!s) return std::move(s).error();

  out.frontier = copy_all<std::pair<std::uint64_t, std::uint64_t>>(
      frontier->items(), [](const fb::FrontierItem* i) { return std::make_pair(i->first(), i->second()); });
  if (pending->entries()) {
    for (const fb::PendingAsyncEntry* e : *pending->entries()) {
      std::optional<std::uint64_t> deadline;
      if (e->deadline_ns()) deadline = *e->deadline_ns();
      const auto* sites = e->output_sites();
      out.pending_async.emplace_hint(
          out.pending_async.end(), e->command_id(),
          PendingAsync{e->op_ref(), e->exec_id(),
                       sites ? std::vector<std::uint64_t>(sites->begin(), sites->end()) : std::vector<std::uint64_t>{},
                       deadline});
    }
  }
  if (states->entries()) {
    for (const fb::ExecutionStateEntry* e : *states->entries()) {
      out.execution_state.emplace_hint(out.execution_state.end(), e->exec_id(), ExecutionState{e->outputs_written()});
    }
  }
  out.framework = decode_framework(*framework_root);
  if (bus_root->event_subscriptions()) {
    for (const fb::EventSubscription* e : *bus_root->event_subscriptions()) {
      const auto* subs = e->subscribers();
      out.bus.event_subscriptions.emplace_hint(
          out.bus.event_subscriptions.end(), copy(e->event_kind()),
          subs ? std::vector<std::uint64_t>(subs->begin(), subs->end()) : std::vector<std::uint64_t>{});
    }
  }
  out.ingress = copy_all<IngressEvent>(ingress_root->events(), [](const fb::IngressItem* i) { return decode_event(*i); });
  if (wire->entries()) {
    for (const fb::WireState* e : *wire->entries()) {
      out.wire_states.emplace_hint(out.wire_states.end(), e->component(), copy(e->bytes()));
    }
  }
  out.pending_completions = copy_all<PendingCompletion>(completions->entries(), [](const fb::PendingCompletion* c) {
    return PendingCompletion{c->cmd_id(), copy_named(c->results())};
  });
  return out;
}

}  // namespace

}  // namespace bbsnap
