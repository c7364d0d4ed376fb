// The reference walk over the model and the walk over a bbsnap Snapshot's
// zero-copy views, in the same field order.
#include <xxhash.h>

#include <variant>

#include "alt.h"

namespace bbsnap::alt {

void Digest::bytes(const void* data, std::size_t size) {
  u(size);
  if (size == 0) return;
  u(deep_ ? XXH3_64bits(data, size) : *static_cast<const std::uint8_t*>(data));
}

namespace {

template <typename List>
void bytes_list(Digest& d, const List& list) {
  d.u(list.size());
  for (const Bytes& b : list) d.bytes(b);
}

void named(Digest& d, const std::vector<NamedBytes>& list) {
  d.u(list.size());
  for (const auto& [name, data] : list) {
    d.text(name);
    d.bytes(data);
  }
}

}  // namespace

void walk(const TransientSnapshot& s, Digest& d) {
  d.u(s.frontier.size());
  for (const auto& [first, second] : s.frontier) d.u(first), d.u(second);
  d.u(s.slot_table.size());
  for (const auto& [key, value] : s.slot_table) {
    d.u(key.site), d.u(key.exec);
    if (value) d.bytes(*value); else d.none();
  }
  d.u(s.pending_async.size());
  for (const auto& [id, p] : s.pending_async) {
    d.u(id), d.u(p.op_ref), d.u(p.exec_id);
    d.u(p.output_sites.size());
    for (std::uint64_t site : p.output_sites) d.u(site);
    if (p.deadline_ns) d.u(*p.deadline_ns); else d.none();
  }
  d.u(s.execution_state.size());
  for (const auto& [id, e] : s.execution_state) d.u(id), d.u(e.outputs_written);

  const Framework& f = s.framework;
  d.u(f.counters.size());
  for (const auto& [name, value] : f.counters) d.text(name), d.u(value);
  d.u(f.fired_phases.size());
  for (const std::string& phase : f.fired_phases) d.text(phase);
  d.u(f.address_book.size());
  for (const AddressBookEntry& e : f.address_book) {
    d.bytes(e.peer_id);
    bytes_list(d, e.addresses);
    d.u(e.ref_count);
  }
  bytes_list(d, f.peer_governor.blocklist);
  if (f.peer_governor.allowlist) bytes_list(d, *f.peer_governor.allowlist); else d.none();
  d.u(f.peer_governor.health.size());
  for (const PeerHealth& h : f.peer_governor.health) {
    d.bytes(h.peer), d.u(h.consecutive_failures), d.u(h.last_event_ns), d.u(h.down);
  }
  d.u(f.peer_governor.failure_threshold);
  d.u(f.backoff_table.size());
  for (const BackoffEntry& b : f.backoff_table) d.bytes(b.peer), d.u(b.attempts), d.u(b.last_attempt_ns), d.u(b.next_retry_ns);
  d.u(f.pending_outbound.size());
  for (const PendingOutbound& p : f.pending_outbound) d.bytes(p.envelope_bytes), d.u(p.redelivered);
  d.bytes(f.peer_id_bytes);
  d.u(f.next_command_id), d.u(f.next_exec_id), d.u(f.spec_version);

  d.u(s.bus.event_subscriptions.size());
  for (const auto& [kind, subscribers] : s.bus.event_subscriptions) {
    d.text(kind);
    d.u(subscribers.size());
    for (std::uint64_t site : subscribers) d.u(site);
  }
  d.u(s.ingress.size());
  for (const IngressEvent& event : s.ingress) {
    d.u(event.index());
    if (const auto* e = std::get_if<EnvelopeEvent>(&event)) {
      d.bytes(e->bytes);
    } else if (const auto* a = std::get_if<AppEvent>(&event)) {
      d.text(a->module_name), d.text(a->input_name), d.bytes(a->value_bytes);
    } else if (const auto* i = std::get_if<InvokeEvent>(&event)) {
      d.text(i->module_name);
      named(d, i->inputs);
    } else if (const auto* t = std::get_if<TimerMaturedEvent>(&event)) {
      d.u(t->at_ns);
    } else if (const auto* c = std::get_if<CompletionEvent>(&event)) {
      d.u(c->cmd_id);
      bytes_list(d, c->results);
    }
  }
  d.u(s.wire_states.size());
  for (const auto& [component, bytes] : s.wire_states) d.u(component), d.bytes(bytes);
  d.u(s.pending_completions.size());
  for (const PendingCompletion& p : s.pending_completions) {
    d.u(p.cmd_id);
    named(d, p.results);
  }
}

// ---- bbsnap views

namespace {

template <typename T>
std::uint32_t size_of(const flatbuffers::Vector<T>* v) {
  return v ? v->size() : 0;
}

void fb_bytes_list(Digest& d, const flatbuffers::Vector<flatbuffers::Offset<fb::Bytes>>* list) {
  d.u(size_of(list));
  if (!list) return;
  for (const fb::Bytes* b : *list) d.bytes(as_span(b->data()));
}

void fb_named(Digest& d, const flatbuffers::Vector<flatbuffers::Offset<fb::NamedBytes>>* list) {
  d.u(size_of(list));
  if (!list) return;
  for (const fb::NamedBytes* n : *list) d.text(as_view(n->name())), d.bytes(as_span(n->data()));
}

}  // namespace

bool walk(const Snapshot& snap, Digest& d) {
  auto frontier = snap.frontier();
  if (!frontier) return false;
  const auto* items = (*frontier)->items();
  d.u(size_of(items));
  if (items) for (const fb::FrontierItem* i : *items) d.u(i->first()), d.u(i->second());

  std::uint64_t slots = 0;
  for (std::uint32_t c = 0; c < snap.slot_chunk_count(); ++c) {
    auto chunk = snap.slot_chunk(c);
    if (!chunk) return false;
    slots += size_of((*chunk)->slots());
  }
  d.u(slots);
  for (std::uint32_t c = 0; c < snap.slot_chunk_count(); ++c) {
    const fb::SlotChunk* chunk = *snap.slot_chunk(c);
    for (const fb::SlotEntry* e : *chunk->slots()) {
      d.u(e->site()), d.u(e->exec());
      Result<SlotLookup> v = snap.slot_value(c, *e);
      if (!v) return false;
      if (v->state == SlotLookup::State::value) d.bytes(v->value); else d.none();
    }
  }

  auto pending = snap.pending_async_table();
  if (!pending) return false;
  d.u(size_of((*pending)->entries()));
  if (const auto* entries = (*pending)->entries()) {
    for (const fb::PendingAsyncEntry* p : *entries) {
      d.u(p->command_id()), d.u(p->op_ref()), d.u(p->exec_id());
      d.u(size_of(p->output_sites()));
      if (p->output_sites()) for (std::uint64_t site : *p->output_sites()) d.u(site);
      if (p->deadline_ns()) d.u(*p->deadline_ns()); else d.none();
    }
  }
  auto executions = snap.execution_state_table();
  if (!executions) return false;
  d.u(size_of((*executions)->entries()));
  if (const auto* entries = (*executions)->entries()) {
    for (const fb::ExecutionStateEntry* e : *entries) d.u(e->exec_id()), d.u(e->outputs_written());
  }

  auto framework = snap.framework();
  if (!framework) return false;
  const fb::Framework& f = **framework;
  d.u(size_of(f.counters()));
  if (f.counters()) for (const fb::Counter* c : *f.counters()) d.text(as_view(c->name())), d.u(c->value());
  d.u(size_of(f.fired_phases()));
  if (f.fired_phases()) for (const flatbuffers::String* p : *f.fired_phases()) d.text(as_view(p));
  d.u(size_of(f.address_book()));
  if (f.address_book()) {
    for (const fb::AddressBookEntry* e : *f.address_book()) {
      d.bytes(as_span(e->peer_id()));
      fb_bytes_list(d, e->addresses());
      d.u(e->ref_count());
    }
  }
  const fb::PeerGovernor* g = f.peer_governor();
  fb_bytes_list(d, g ? g->blocklist() : nullptr);
  if (g && g->allowlist()) fb_bytes_list(d, g->allowlist()); else d.none();
  d.u(g ? size_of(g->health()) : 0);
  if (g && g->health()) {
    for (const fb::PeerHealth* h : *g->health()) {
      d.bytes(as_span(h->peer())), d.u(h->consecutive_failures()), d.u(h->last_event_ns()), d.u(h->down());
    }
  }
  d.u(g ? g->failure_threshold() : 0);
  d.u(size_of(f.backoff_table()));
  if (f.backoff_table()) {
    for (const fb::BackoffEntry* b : *f.backoff_table()) {
      d.bytes(as_span(b->peer())), d.u(b->attempts()), d.u(b->last_attempt_ns()), d.u(b->next_retry_ns());
    }
  }
  d.u(size_of(f.pending_outbound()));
  if (f.pending_outbound()) {
    for (const fb::PendingOutbound* p : *f.pending_outbound()) d.bytes(as_span(p->envelope_bytes())), d.u(p->redelivered());
  }
  d.bytes(as_span(f.peer_id_bytes()));
  d.u(f.next_command_id()), d.u(f.next_exec_id()), d.u(f.spec_version());

  auto bus = snap.bus();
  if (!bus) return false;
  const auto* subscriptions = (*bus)->event_subscriptions();
  d.u(size_of(subscriptions));
  if (subscriptions) {
    for (const fb::EventSubscription* s : *subscriptions) {
      d.text(as_view(s->event_kind()));
      d.u(size_of(s->subscribers()));
      if (s->subscribers()) for (std::uint64_t site : *s->subscribers()) d.u(site);
    }
  }

  auto ingress = snap.ingress();
  if (!ingress) return false;
  const auto* events = (*ingress)->events();
  d.u(size_of(events));
  if (events) {
    for (const fb::IngressItem* item : *events) {
      switch (item->event_type()) {
        case fb::IngressEvent::Envelope:
          d.u(0), d.bytes(as_span(item->event_as_Envelope()->bytes()));
          break;
        case fb::IngressEvent::AppEvent: {
          const fb::AppEvent* a = item->event_as_AppEvent();
          d.u(1), d.text(as_view(a->module_name())), d.text(as_view(a->input_name())), d.bytes(as_span(a->value_bytes()));
          break;
        }
        case fb::IngressEvent::Invoke:
          d.u(2), d.text(as_view(item->event_as_Invoke()->module_name()));
          fb_named(d, item->event_as_Invoke()->inputs());
          break;
        case fb::IngressEvent::TimerMatured:
          d.u(3), d.u(item->event_as_TimerMatured()->at_ns());
          break;
        case fb::IngressEvent::Completion:
          d.u(4), d.u(item->event_as_Completion()->cmd_id());
          fb_bytes_list(d, item->event_as_Completion()->results());
          break;
        case fb::IngressEvent::NONE:
          return false;
      }
    }
  }

  auto wire = snap.wire_states();
  if (!wire) return false;
  d.u(size_of((*wire)->entries()));
  if ((*wire)->entries()) for (const fb::WireState* w : *(*wire)->entries()) d.u(w->component()), d.bytes(as_span(w->bytes()));

  auto completions = snap.pending_completions();
  if (!completions) return false;
  d.u(size_of((*completions)->entries()));
  if ((*completions)->entries()) {
    for (const fb::PendingCompletion* p : *(*completions)->entries()) {
      d.u(p->cmd_id());
      fb_named(d, p->results());
    }
  }
  return true;
}

}  // namespace bbsnap::alt
