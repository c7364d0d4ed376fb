// Model -> one plain FlatBuffer (whole.fbs), and its walk.
#include <variant>

#include "alt.h"

namespace bbsnap::alt {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

Offset<flatbuffers::Vector<std::uint8_t>> vec(FlatBufferBuilder& b, const Bytes& bytes) {
  return b.CreateVector(bytes.data(), bytes.size());
}
Offset<flatbuffers::String> str(FlatBufferBuilder& b, const std::string& s) { return b.CreateString(s); }

template <typename List>
Offset<flatbuffers::Vector<Offset<fbw::Bytes>>> bytes_list(FlatBufferBuilder& b, const List& list) {
  std::vector<Offset<fbw::Bytes>> items;
  items.reserve(list.size());
  for (const Bytes& x : list) items.push_back(fbw::CreateBytes(b, vec(b, x)));
  return b.CreateVector(items);
}

Offset<flatbuffers::Vector<Offset<fbw::NamedBytes>>> named(FlatBufferBuilder& b, const std::vector<NamedBytes>& list) {
  std::vector<Offset<fbw::NamedBytes>> items;
  items.reserve(list.size());
  for (const auto& [name, data] : list) {
    auto n = str(b, name);
    auto d = vec(b, data);
    items.push_back(fbw::CreateNamedBytes(b, n, d));
  }
  return b.CreateVector(items);
}

Offset<fbw::Framework> framework(FlatBufferBuilder& b, const Framework& f) {
  std::vector<Offset<fbw::Counter>> counters;
  for (const auto& [name, value] : f.counters) counters.push_back(fbw::CreateCounter(b, str(b, name), value));
  auto counters_v = b.CreateVector(counters);
  std::vector<Offset<flatbuffers::String>> phases;
  for (const std::string& p : f.fired_phases) phases.push_back(str(b, p));
  auto phases_v = b.CreateVector(phases);
  std::vector<Offset<fbw::AddressBookEntry>> book;
  for (const AddressBookEntry& e : f.address_book) {
    auto id = vec(b, e.peer_id);
    auto addresses = bytes_list(b, e.addresses);
    book.push_back(fbw::CreateAddressBookEntry(b, id, addresses, e.ref_count));
  }
  auto book_v = b.CreateVector(book);
  const PeerGovernor& g = f.peer_governor;
  auto blocklist = bytes_list(b, g.blocklist);
  Offset<flatbuffers::Vector<Offset<fbw::Bytes>>> allowlist;
  if (g.allowlist) allowlist = bytes_list(b, *g.allowlist);
  std::vector<Offset<fbw::PeerHealth>> health;
  for (const PeerHealth& h : g.health) {
    health.push_back(fbw::CreatePeerHealth(b, vec(b, h.peer), h.consecutive_failures, h.last_event_ns, h.down));
  }
  auto health_v = b.CreateVector(health);
  auto governor = fbw::CreatePeerGovernor(b, blocklist, allowlist, health_v, g.failure_threshold);
  std::vector<Offset<fbw::BackoffEntry>> backoff;
  for (const BackoffEntry& e : f.backoff_table) {
    backoff.push_back(fbw::CreateBackoffEntry(b, vec(b, e.peer), e.attempts, e.last_attempt_ns, e.next_retry_ns));
  }
  auto backoff_v = b.CreateVector(backoff);
  std::vector<Offset<fbw::PendingOutbound>> outbound;
  for (const PendingOutbound& p : f.pending_outbound) {
    outbound.push_back(fbw::CreatePendingOutbound(b, vec(b, p.envelope_bytes), p.redelivered));
  }
  auto outbound_v = b.CreateVector(outbound);
  auto peer_id = vec(b, f.peer_id_bytes);
  return fbw::CreateFramework(b, f.spec_version, counters_v, phases_v, book_v, governor, backoff_v, outbound_v, peer_id,
                              f.next_command_id, f.next_exec_id);
}

Offset<fbw::IngressItem> ingress_item(FlatBufferBuilder& b, const IngressEvent& event) {
  if (const auto* e = std::get_if<EnvelopeEvent>(&event)) {
    return fbw::CreateIngressItem(b, fbw::IngressEvent::Envelope, fbw::CreateEnvelope(b, vec(b, e->bytes)).Union());
  }
  if (const auto* a = std::get_if<AppEvent>(&event)) {
    auto module = str(b, a->module_name);
    auto input = str(b, a->input_name);
    auto value = vec(b, a->value_bytes);
    return fbw::CreateIngressItem(b, fbw::IngressEvent::AppEvent, fbw::CreateAppEvent(b, module, input, value).Union());
  }
  if (const auto* i = std::get_if<InvokeEvent>(&event)) {
    auto module = str(b, i->module_name);
    auto inputs = named(b, i->inputs);
    return fbw::CreateIngressItem(b, fbw::IngressEvent::Invoke, fbw::CreateInvoke(b, module, inputs).Union());
  }
  if (const auto* t = std::get_if<TimerMaturedEvent>(&event)) {
    return fbw::CreateIngressItem(b, fbw::IngressEvent::TimerMatured, fbw::CreateTimerMatured(b, t->at_ns).Union());
  }
  const auto& c = std::get<CompletionEvent>(event);
  auto results = bytes_list(b, c.results);
  return fbw::CreateIngressItem(b, fbw::IngressEvent::Completion, fbw::CreateCompletion(b, c.cmd_id, results).Union());
}

}  // namespace

Offset<fbw::Whole> to_flatbuffer(const TransientSnapshot& s, FlatBufferBuilder& b) {
  std::vector<fbw::FrontierItem> frontier;
  frontier.reserve(s.frontier.size());
  for (const auto& [first, second] : s.frontier) frontier.emplace_back(first, second);
  auto frontier_v = b.CreateVectorOfStructs(frontier);

  std::vector<Offset<fbw::Slot>> slots;
  slots.reserve(s.slot_table.size());
  for (const auto& [key, value] : s.slot_table) {
    Offset<flatbuffers::Vector<std::uint8_t>> v;
    if (value) v = vec(b, *value);
    slots.push_back(fbw::CreateSlot(b, key.site, key.exec, v));
  }
  auto slots_v = b.CreateVector(slots);

  std::vector<Offset<fbw::PendingAsync>> pending;
  for (const auto& [id, p] : s.pending_async) {
    auto sites = b.CreateVector(p.output_sites);
    flatbuffers::Optional<std::uint64_t> deadline = flatbuffers::nullopt;
    if (p.deadline_ns) deadline = *p.deadline_ns;
    pending.push_back(fbw::CreatePendingAsync(b, id, p.op_ref, p.exec_id, sites, deadline));
  }
  auto pending_v = b.CreateVector(pending);
  std::vector<fbw::ExecutionState> executions;
  for (const auto& [id, e] : s.execution_state) executions.emplace_back(id, e.outputs_written);
  auto executions_v = b.CreateVectorOfStructs(executions);

  auto framework_t = framework(b, s.framework);
  std::vector<Offset<fbw::EventSubscription>> bus;
  for (const auto& [kind, subscribers] : s.bus.event_subscriptions) {
    auto k = str(b, kind);
    auto subs = b.CreateVector(subscribers);
    bus.push_back(fbw::CreateEventSubscription(b, k, subs));
  }
  auto bus_v = b.CreateVector(bus);
  std::vector<Offset<fbw::IngressItem>> ingress;
  for (const IngressEvent& e : s.ingress) ingress.push_back(ingress_item(b, e));
  auto ingress_v = b.CreateVector(ingress);
  std::vector<Offset<fbw::WireState>> wire;
  for (const auto& [component, bytes] : s.wire_states) wire.push_back(fbw::CreateWireState(b, component, vec(b, bytes)));
  auto wire_v = b.CreateVector(wire);
  std::vector<Offset<fbw::PendingCompletion>> completions;
  for (const PendingCompletion& p : s.pending_completions) {
    auto results = named(b, p.results);
    completions.push_back(fbw::CreatePendingCompletion(b, p.cmd_id, results));
  }
  auto completions_v = b.CreateVector(completions);
  return fbw::CreateWhole(b, frontier_v, slots_v, pending_v, executions_v, framework_t, bus_v, ingress_v, wire_v,
                          completions_v);
}

namespace {

template <typename T>
std::uint32_t size_of(const flatbuffers::Vector<T>* v) {
  return v ? v->size() : 0;
}
std::span<const std::uint8_t> span_of(const flatbuffers::Vector<std::uint8_t>* v) {
  return v ? std::span<const std::uint8_t>(v->data(), v->size()) : std::span<const std::uint8_t>{};
}
std::string_view view_of(const flatbuffers::String* s) { return s ? std::string_view(s->c_str(), s->size()) : std::string_view{}; }

void fbw_bytes_list(Digest& d, const flatbuffers::Vector<Offset<fbw::Bytes>>* list) {
  d.u(size_of(list));
  if (list) for (const fbw::Bytes* x : *list) d.bytes(span_of(x->data()));
}
void fbw_named(Digest& d, const flatbuffers::Vector<Offset<fbw::NamedBytes>>* list) {
  d.u(size_of(list));
  if (list) for (const fbw::NamedBytes* x : *list) d.text(view_of(x->name())), d.bytes(span_of(x->data()));
}

}  // namespace

void walk(const fbw::Whole& s, Digest& d) {
  d.u(size_of(s.frontier()));
  if (s.frontier()) for (const fbw::FrontierItem* i : *s.frontier()) d.u(i->first()), d.u(i->second());
  d.u(size_of(s.slot_table()));
  if (s.slot_table()) {
    for (const fbw::Slot* slot : *s.slot_table()) {
      d.u(slot->site()), d.u(slot->exec());
      if (slot->value()) d.bytes(span_of(slot->value())); else d.none();
    }
  }
  d.u(size_of(s.pending_async()));
  if (s.pending_async()) {
    for (const fbw::PendingAsync* p : *s.pending_async()) {
      d.u(p->command_id()), d.u(p->op_ref()), d.u(p->exec_id());
      d.u(size_of(p->output_sites()));
      if (p->output_sites()) for (std::uint64_t site : *p->output_sites()) d.u(site);
      if (p->deadline_ns()) d.u(*p->deadline_ns()); else d.none();
    }
  }
  d.u(size_of(s.execution_state()));
  if (s.execution_state()) for (const fbw::ExecutionState* e : *s.execution_state()) d.u(e->exec_id()), d.u(e->outputs_written());

  const fbw::Framework* f = s.framework();
  d.u(size_of(f->counters()));
  if (f->counters()) for (const fbw::Counter* c : *f->counters()) d.text(view_of(c->name())), d.u(c->value());
  d.u(size_of(f->fired_phases()));
  if (f->fired_phases()) for (const flatbuffers::String* p : *f->fired_phases()) d.text(view_of(p));
  d.u(size_of(f->address_book()));
  if (f->address_book()) {
    for (const fbw::AddressBookEntry* e : *f->address_book()) {
      d.bytes(span_of(e->peer_id()));
      fbw_bytes_list(d, e->addresses());
      d.u(e->ref_count());
    }
  }
  const fbw::PeerGovernor* g = f->peer_governor();
  fbw_bytes_list(d, g->blocklist());
  if (g->allowlist()) fbw_bytes_list(d, g->allowlist()); else d.none();
  d.u(size_of(g->health()));
  if (g->health()) {
    for (const fbw::PeerHealth* h : *g->health()) {
      d.bytes(span_of(h->peer())), d.u(h->consecutive_failures()), d.u(h->last_event_ns()), d.u(h->down());
    }
  }
  d.u(g->failure_threshold());
  d.u(size_of(f->backoff_table()));
  if (f->backoff_table()) {
    for (const fbw::BackoffEntry* b : *f->backoff_table()) {
      d.bytes(span_of(b->peer())), d.u(b->attempts()), d.u(b->last_attempt_ns()), d.u(b->next_retry_ns());
    }
  }
  d.u(size_of(f->pending_outbound()));
  if (f->pending_outbound()) {
    for (const fbw::PendingOutbound* p : *f->pending_outbound()) d.bytes(span_of(p->envelope_bytes())), d.u(p->redelivered());
  }
  d.bytes(span_of(f->peer_id_bytes()));
  d.u(f->next_command_id()), d.u(f->next_exec_id()), d.u(f->spec_version());

  d.u(size_of(s.bus()));
  if (s.bus()) {
    for (const fbw::EventSubscription* e : *s.bus()) {
      d.text(view_of(e->event_kind()));
      d.u(size_of(e->subscribers()));
      if (e->subscribers()) for (std::uint64_t site : *e->subscribers()) d.u(site);
    }
  }
  d.u(size_of(s.ingress()));
  if (s.ingress()) {
    for (const fbw::IngressItem* item : *s.ingress()) {
      switch (item->event_type()) {
        case fbw::IngressEvent::Envelope: d.u(0), d.bytes(span_of(item->event_as_Envelope()->bytes())); break;
        case fbw::IngressEvent::AppEvent: {
          const fbw::AppEvent* a = item->event_as_AppEvent();
          d.u(1), d.text(view_of(a->module_name())), d.text(view_of(a->input_name())), d.bytes(span_of(a->value_bytes()));
          break;
        }
        case fbw::IngressEvent::Invoke:
          d.u(2), d.text(view_of(item->event_as_Invoke()->module_name()));
          fbw_named(d, item->event_as_Invoke()->inputs());
          break;
        case fbw::IngressEvent::TimerMatured: d.u(3), d.u(item->event_as_TimerMatured()->at_ns()); break;
        case fbw::IngressEvent::Completion:
          d.u(4), d.u(item->event_as_Completion()->cmd_id());
          fbw_bytes_list(d, item->event_as_Completion()->results());
          break;
        case fbw::IngressEvent::NONE: d.none(); break;
      }
    }
  }
  d.u(size_of(s.wire_states()));
  if (s.wire_states()) for (const fbw::WireState* w : *s.wire_states()) d.u(w->component()), d.bytes(span_of(w->bytes()));
  d.u(size_of(s.pending_completions()));
  if (s.pending_completions()) {
    for (const fbw::PendingCompletion* p : *s.pending_completions()) {
      d.u(p->cmd_id());
      fbw_named(d, p->results());
    }
  }
}

}  // namespace bbsnap::alt
