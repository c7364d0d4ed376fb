// Model -> one Protocol Buffers message, and its walk.
#include <variant>

#include "alt.h"

namespace bbsnap::alt {
namespace {

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }

void set_named(google::protobuf::RepeatedPtrField<pb::NamedBytes>* out, const std::vector<NamedBytes>& list) {
  out->Reserve(static_cast<int>(list.size()));
  for (const auto& [name, data] : list) {
    pb::NamedBytes* n = out->Add();
    n->set_name(name);
    n->set_data(data.data(), data.size());
  }
}

template <typename Field, typename List>
void add_bytes(Field* out, const List& list) {
  out->Reserve(static_cast<int>(list.size()));
  for (const Bytes& b : list) out->Add(str(b));
}

}  // namespace

void to_proto(const TransientSnapshot& s, pb::TransientSnapshot& out) {
  out.mutable_frontier()->Reserve(static_cast<int>(s.frontier.size()));
  for (const auto& [first, second] : s.frontier) {
    pb::FrontierItem* i = out.add_frontier();
    i->set_first(first);
    i->set_second(second);
  }
  out.mutable_slot_table()->Reserve(static_cast<int>(s.slot_table.size()));
  for (const auto& [key, value] : s.slot_table) {
    pb::Slot* slot = out.add_slot_table();
    slot->set_site(key.site);
    slot->set_exec(key.exec);
    if (value) slot->set_value(value->data(), value->size());
  }
  for (const auto& [id, p] : s.pending_async) {
    pb::PendingAsync* e = out.add_pending_async();
    e->set_command_id(id);
    e->set_op_ref(p.op_ref);
    e->set_exec_id(p.exec_id);
    for (std::uint64_t site : p.output_sites) e->add_output_sites(site);
    if (p.deadline_ns) e->set_deadline_ns(*p.deadline_ns);
  }
  for (const auto& [id, st] : s.execution_state) {
    pb::ExecutionState* e = out.add_execution_state();
    e->set_exec_id(id);
    e->set_outputs_written(st.outputs_written);
  }

  const Framework& f = s.framework;
  pb::Framework* pf = out.mutable_framework();
  for (const auto& [name, value] : f.counters) {
    pb::Counter* c = pf->add_counters();
    c->set_name(name);
    c->set_value(value);
  }
  for (const std::string& phase : f.fired_phases) pf->add_fired_phases(phase);
  for (const AddressBookEntry& e : f.address_book) {
    pb::AddressBookEntry* pe = pf->add_address_book();
    pe->set_peer_id(str(e.peer_id));
    add_bytes(pe->mutable_addresses(), e.addresses);
    pe->set_ref_count(e.ref_count);
  }
  pb::PeerGovernor* g = pf->mutable_peer_governor();
  add_bytes(g->mutable_blocklist(), f.peer_governor.blocklist);
  if (f.peer_governor.allowlist) add_bytes(g->mutable_allowlist()->mutable_peers(), *f.peer_governor.allowlist);
  for (const PeerHealth& h : f.peer_governor.health) {
    pb::PeerHealth* ph = g->add_health();
    ph->set_peer(str(h.peer));
    ph->set_consecutive_failures(h.consecutive_failures);
    ph->set_last_event_ns(h.last_event_ns);
    ph->set_down(h.down);
  }
  g->set_failure_threshold(f.peer_governor.failure_threshold);
  for (const BackoffEntry& b : f.backoff_table) {
    pb::BackoffEntry* pb_entry = pf->add_backoff_table();
    pb_entry->set_peer(str(b.peer));
    pb_entry->set_attempts(b.attempts);
    pb_entry->set_last_attempt_ns(b.last_attempt_ns);
    pb_entry->set_next_retry_ns(b.next_retry_ns);
  }
  for (const PendingOutbound& p : f.pending_outbound) {
    pb::PendingOutbound* po = pf->add_pending_outbound();
    po->set_envelope_bytes(str(p.envelope_bytes));
    po->set_redelivered(p.redelivered);
  }
  pf->set_peer_id_bytes(str(f.peer_id_bytes));
  pf->set_next_command_id(f.next_command_id);
  pf->set_next_exec_id(f.next_exec_id);
  pf->set_spec_version(f.spec_version);

  for (const auto& [kind, subscribers] : s.bus.event_subscriptions) {
    pb::EventSubscription* e = out.add_bus();
    e->set_event_kind(kind);
    for (std::uint64_t site : subscribers) e->add_subscribers(site);
  }
  for (const IngressEvent& event : s.ingress) {
    pb::IngressEvent* pe = out.add_ingress();
    if (const auto* e = std::get_if<EnvelopeEvent>(&event)) {
      pe->mutable_envelope()->set_bytes(str(e->bytes));
    } else if (const auto* a = std::get_if<AppEvent>(&event)) {
      pb::AppEvent* pa = pe->mutable_app();
      pa->set_module_name(a->module_name);
      pa->set_input_name(a->input_name);
      pa->set_value_bytes(str(a->value_bytes));
    } else if (const auto* i = std::get_if<InvokeEvent>(&event)) {
      pe->mutable_invoke()->set_module_name(i->module_name);
      set_named(pe->mutable_invoke()->mutable_inputs(), i->inputs);
    } else if (const auto* t = std::get_if<TimerMaturedEvent>(&event)) {
      pe->mutable_timer_matured()->set_at_ns(t->at_ns);
    } else if (const auto* c = std::get_if<CompletionEvent>(&event)) {
      pe->mutable_completion()->set_cmd_id(c->cmd_id);
      add_bytes(pe->mutable_completion()->mutable_results(), c->results);
    }
  }
  for (const auto& [component, bytes] : s.wire_states) {
    pb::WireState* w = out.add_wire_states();
    w->set_component(component);
    w->set_bytes(str(bytes));
  }
  for (const PendingCompletion& p : s.pending_completions) {
    pb::PendingCompletion* pc = out.add_pending_completions();
    pc->set_cmd_id(p.cmd_id);
    set_named(pc->mutable_results(), p.results);
  }
}

namespace {

template <typename Field>
void pb_bytes_list(Digest& d, const Field& list) {
  d.u(static_cast<std::uint64_t>(list.size()));
  for (const std::string& b : list) d.text(b);
}

void pb_named(Digest& d, const google::protobuf::RepeatedPtrField<pb::NamedBytes>& list) {
  d.u(static_cast<std::uint64_t>(list.size()));
  for (const pb::NamedBytes& n : list) d.text(n.name()), d.text(n.data());
}

}  // namespace

void walk(const pb::TransientSnapshot& s, Digest& d) {
  d.u(static_cast<std::uint64_t>(s.frontier_size()));
  for (const pb::FrontierItem& i : s.frontier()) d.u(i.first()), d.u(i.second());
  d.u(static_cast<std::uint64_t>(s.slot_table_size()));
  for (const pb::Slot& slot : s.slot_table()) {
    d.u(slot.site()), d.u(slot.exec());
    if (slot.has_value()) d.text(slot.value()); else d.none();
  }
  d.u(static_cast<std::uint64_t>(s.pending_async_size()));
  for (const pb::PendingAsync& p : s.pending_async()) {
    d.u(p.command_id()), d.u(p.op_ref()), d.u(p.exec_id());
    d.u(static_cast<std::uint64_t>(p.output_sites_size()));
    for (std::uint64_t site : p.output_sites()) d.u(site);
    if (p.has_deadline_ns()) d.u(p.deadline_ns()); else d.none();
  }
  d.u(static_cast<std::uint64_t>(s.execution_state_size()));
  for (const pb::ExecutionState& e : s.execution_state()) d.u(e.exec_id()), d.u(e.outputs_written());

  const pb::Framework& f = s.framework();
  d.u(static_cast<std::uint64_t>(f.counters_size()));
  for (const pb::Counter& c : f.counters()) d.text(c.name()), d.u(c.value());
  d.u(static_cast<std::uint64_t>(f.fired_phases_size()));
  for (const std::string& p : f.fired_phases()) d.text(p);
  d.u(static_cast<std::uint64_t>(f.address_book_size()));
  for (const pb::AddressBookEntry& e : f.address_book()) {
    d.text(e.peer_id());
    pb_bytes_list(d, e.addresses());
    d.u(e.ref_count());
  }
  const pb::PeerGovernor& g = f.peer_governor();
  pb_bytes_list(d, g.blocklist());
  if (g.has_allowlist()) pb_bytes_list(d, g.allowlist().peers()); else d.none();
  d.u(static_cast<std::uint64_t>(g.health_size()));
  for (const pb::PeerHealth& h : g.health()) {
    d.text(h.peer()), d.u(h.consecutive_failures()), d.u(h.last_event_ns()), d.u(h.down());
  }
  d.u(g.failure_threshold());
  d.u(static_cast<std::uint64_t>(f.backoff_table_size()));
  for (const pb::BackoffEntry& b : f.backoff_table()) {
    d.text(b.peer()), d.u(b.attempts()), d.u(b.last_attempt_ns()), d.u(b.next_retry_ns());
  }
  d.u(static_cast<std::uint64_t>(f.pending_outbound_size()));
  for (const pb::PendingOutbound& p : f.pending_outbound()) d.text(p.envelope_bytes()), d.u(p.redelivered());
  d.text(f.peer_id_bytes());
  d.u(f.next_command_id()), d.u(f.next_exec_id()), d.u(f.spec_version());

  d.u(static_cast<std::uint64_t>(s.bus_size()));
  for (const pb::EventSubscription& e : s.bus()) {
    d.text(e.event_kind());
    d.u(static_cast<std::uint64_t>(e.subscribers_size()));
    for (std::uint64_t site : e.subscribers()) d.u(site);
  }
  d.u(static_cast<std::uint64_t>(s.ingress_size()));
  for (const pb::IngressEvent& e : s.ingress()) {
    switch (e.event_case()) {
      case pb::IngressEvent::kEnvelope: d.u(0), d.text(e.envelope().bytes()); break;
      case pb::IngressEvent::kApp:
        d.u(1), d.text(e.app().module_name()), d.text(e.app().input_name()), d.text(e.app().value_bytes());
        break;
      case pb::IngressEvent::kInvoke:
        d.u(2), d.text(e.invoke().module_name());
        pb_named(d, e.invoke().inputs());
        break;
      case pb::IngressEvent::kTimerMatured: d.u(3), d.u(e.timer_matured().at_ns()); break;
      case pb::IngressEvent::kCompletion:
        d.u(4), d.u(e.completion().cmd_id());
        pb_bytes_list(d, e.completion().results());
        break;
      case pb::IngressEvent::EVENT_NOT_SET: d.none(); break;
    }
  }
  d.u(static_cast<std::uint64_t>(s.wire_states_size()));
  for (const pb::WireState& w : s.wire_states()) d.u(w.component()), d.text(w.bytes());
  d.u(static_cast<std::uint64_t>(s.pending_completions_size()));
  for (const pb::PendingCompletion& p : s.pending_completions()) {
    d.u(p.cmd_id());
    pb_named(d, p.results());
  }
}

}  // namespace bbsnap::alt
