// Model -> one Cap'n Proto message, and its walk over a reader.
#include <variant>

#include "alt.h"

namespace bbsnap::alt {
namespace {

capnp::Data::Reader data(const Bytes& b) { return capnp::Data::Reader(b.data(), b.size()); }
capnp::Text::Reader text(const std::string& s) { return capnp::Text::Reader(s.data(), s.size()); }

template <typename List>
void set_bytes(capnp::List<capnp::Data>::Builder out, const List& list) {
  capnp::uint i = 0;
  for (const Bytes& b : list) out.set(i++, data(b));
}

void set_named(capnp::List<cp::NamedBytes>::Builder out, const std::vector<NamedBytes>& list) {
  capnp::uint i = 0;
  for (const auto& [name, bytes] : list) {
    out[i].setName(text(name));
    out[i++].setData(data(bytes));
  }
}

template <typename T>
capnp::uint n(const T& container) {
  return static_cast<capnp::uint>(container.size());
}

}  // namespace

void to_capnp(const TransientSnapshot& s, cp::TransientSnapshot::Builder out) {
  auto frontier = out.initFrontier(n(s.frontier));
  capnp::uint i = 0;
  for (const auto& [first, second] : s.frontier) {
    frontier[i].setFirst(first);
    frontier[i++].setSecond(second);
  }
  auto slots = out.initSlotTable(n(s.slot_table));
  i = 0;
  for (const auto& [key, value] : s.slot_table) {
    cp::Slot::Builder slot = slots[i++];
    slot.setSite(key.site);
    slot.setExec(key.exec);
    if (value) slot.setValue(data(*value));
  }
  auto pending = out.initPendingAsync(n(s.pending_async));
  i = 0;
  for (const auto& [id, p] : s.pending_async) {
    cp::PendingAsync::Builder e = pending[i++];
    e.setCommandId(id);
    e.setOpRef(p.op_ref);
    e.setExecId(p.exec_id);
    auto sites = e.initOutputSites(n(p.output_sites));
    for (capnp::uint k = 0; k < sites.size(); ++k) sites.set(k, p.output_sites[k]);
    if (p.deadline_ns) e.getDeadline().setNs(*p.deadline_ns); else e.getDeadline().setNone();
  }
  auto executions = out.initExecutionState(n(s.execution_state));
  i = 0;
  for (const auto& [id, st] : s.execution_state) {
    executions[i].setExecId(id);
    executions[i++].setOutputsWritten(st.outputs_written);
  }

  const Framework& f = s.framework;
  cp::Framework::Builder cf = out.initFramework();
  auto counters = cf.initCounters(n(f.counters));
  i = 0;
  for (const auto& [name, value] : f.counters) {
    counters[i].setName(text(name));
    counters[i++].setValue(value);
  }
  auto phases = cf.initFiredPhases(n(f.fired_phases));
  for (capnp::uint k = 0; k < phases.size(); ++k) phases.set(k, text(f.fired_phases[k]));
  auto book = cf.initAddressBook(n(f.address_book));
  for (capnp::uint k = 0; k < book.size(); ++k) {
    const AddressBookEntry& e = f.address_book[k];
    book[k].setPeerId(data(e.peer_id));
    set_bytes(book[k].initAddresses(n(e.addresses)), e.addresses);
    book[k].setRefCount(e.ref_count);
  }
  cp::PeerGovernor::Builder g = cf.initPeerGovernor();
  set_bytes(g.initBlocklist(n(f.peer_governor.blocklist)), f.peer_governor.blocklist);
  if (f.peer_governor.allowlist) set_bytes(g.initAllowlist(n(*f.peer_governor.allowlist)), *f.peer_governor.allowlist);
  auto health = g.initHealth(n(f.peer_governor.health));
  for (capnp::uint k = 0; k < health.size(); ++k) {
    const PeerHealth& h = f.peer_governor.health[k];
    health[k].setPeer(data(h.peer));
    health[k].setConsecutiveFailures(h.consecutive_failures);
    health[k].setLastEventNs(h.last_event_ns);
    health[k].setDown(h.down);
  }
  g.setFailureThreshold(f.peer_governor.failure_threshold);
  auto backoff = cf.initBackoffTable(n(f.backoff_table));
  for (capnp::uint k = 0; k < backoff.size(); ++k) {
    const BackoffEntry& b = f.backoff_table[k];
    backoff[k].setPeer(data(b.peer));
    backoff[k].setAttempts(b.attempts);
    backoff[k].setLastAttemptNs(b.last_attempt_ns);
    backoff[k].setNextRetryNs(b.next_retry_ns);
  }
  auto outbound = cf.initPendingOutbound(n(f.pending_outbound));
  for (capnp::uint k = 0; k < outbound.size(); ++k) {
    outbound[k].setEnvelopeBytes(data(f.pending_outbound[k].envelope_bytes));
    outbound[k].setRedelivered(f.pending_outbound[k].redelivered);
  }
  cf.setPeerIdBytes(data(f.peer_id_bytes));
  cf.setNextCommandId(f.next_command_id);
  cf.setNextExecId(f.next_exec_id);
  cf.setSpecVersion(f.spec_version);

  auto bus = out.initBus(n(s.bus.event_subscriptions));
  i = 0;
  for (const auto& [kind, subscribers] : s.bus.event_subscriptions) {
    bus[i].setEventKind(text(kind));
    auto sites = bus[i++].initSubscribers(n(subscribers));
    for (capnp::uint k = 0; k < sites.size(); ++k) sites.set(k, subscribers[k]);
  }
  auto ingress = out.initIngress(n(s.ingress));
  for (capnp::uint k = 0; k < ingress.size(); ++k) {
    const IngressEvent& event = s.ingress[k];
    cp::IngressEvent::Builder e = ingress[k];
    if (const auto* env = std::get_if<EnvelopeEvent>(&event)) {
      e.setEnvelope(data(env->bytes));
    } else if (const auto* a = std::get_if<AppEvent>(&event)) {
      auto app = e.initApp();
      app.setModuleName(text(a->module_name));
      app.setInputName(text(a->input_name));
      app.setValueBytes(data(a->value_bytes));
    } else if (const auto* inv = std::get_if<InvokeEvent>(&event)) {
      auto invoke = e.initInvoke();
      invoke.setModuleName(text(inv->module_name));
      set_named(invoke.initInputs(n(inv->inputs)), inv->inputs);
    } else if (const auto* t = std::get_if<TimerMaturedEvent>(&event)) {
      e.setTimerMatured(t->at_ns);
    } else if (const auto* c = std::get_if<CompletionEvent>(&event)) {
      auto completion = e.initCompletion();
      completion.setCmdId(c->cmd_id);
      set_bytes(completion.initResults(n(c->results)), c->results);
    }
  }
  auto wire = out.initWireStates(n(s.wire_states));
  i = 0;
  for (const auto& [component, bytes] : s.wire_states) {
    wire[i].setComponent(component);
    wire[i++].setBytes(data(bytes));
  }
  auto completions = out.initPendingCompletions(n(s.pending_completions));
  for (capnp::uint k = 0; k < completions.size(); ++k) {
    completions[k].setCmdId(s.pending_completions[k].cmd_id);
    set_named(completions[k].initResults(n(s.pending_completions[k].results)), s.pending_completions[k].results);
  }
}

namespace {

void cp_bytes(Digest& d, capnp::Data::Reader b) { d.bytes(b.begin(), b.size()); }
void cp_text(Digest& d, capnp::Text::Reader t) { d.bytes(t.begin(), t.size()); }

void cp_bytes_list(Digest& d, capnp::List<capnp::Data>::Reader list) {
  d.u(list.size());
  for (capnp::Data::Reader b : list) cp_bytes(d, b);
}

void cp_named(Digest& d, capnp::List<cp::NamedBytes>::Reader list) {
  d.u(list.size());
  for (cp::NamedBytes::Reader nb : list) cp_text(d, nb.getName()), cp_bytes(d, nb.getData());
}

}  // namespace

void walk(cp::TransientSnapshot::Reader s, Digest& d) {
  d.u(s.getFrontier().size());
  for (cp::FrontierItem::Reader i : s.getFrontier()) d.u(i.getFirst()), d.u(i.getSecond());
  d.u(s.getSlotTable().size());
  for (cp::Slot::Reader slot : s.getSlotTable()) {
    d.u(slot.getSite()), d.u(slot.getExec());
    if (slot.hasValue()) cp_bytes(d, slot.getValue()); else d.none();
  }
  d.u(s.getPendingAsync().size());
  for (cp::PendingAsync::Reader p : s.getPendingAsync()) {
    d.u(p.getCommandId()), d.u(p.getOpRef()), d.u(p.getExecId());
    d.u(p.getOutputSites().size());
    for (std::uint64_t site : p.getOutputSites()) d.u(site);
    if (p.getDeadline().isNs()) d.u(p.getDeadline().getNs()); else d.none();
  }
  d.u(s.getExecutionState().size());
  for (cp::ExecutionState::Reader e : s.getExecutionState()) d.u(e.getExecId()), d.u(e.getOutputsWritten());

  cp::Framework::Reader f = s.getFramework();
  d.u(f.getCounters().size());
  for (cp::Counter::Reader c : f.getCounters()) cp_text(d, c.getName()), d.u(c.getValue());
  d.u(f.getFiredPhases().size());
  for (capnp::Text::Reader p : f.getFiredPhases()) cp_text(d, p);
  d.u(f.getAddressBook().size());
  for (cp::AddressBookEntry::Reader e : f.getAddressBook()) {
    cp_bytes(d, e.getPeerId());
    cp_bytes_list(d, e.getAddresses());
    d.u(e.getRefCount());
  }
  cp::PeerGovernor::Reader g = f.getPeerGovernor();
  cp_bytes_list(d, g.getBlocklist());
  if (g.hasAllowlist()) cp_bytes_list(d, g.getAllowlist()); else d.none();
  d.u(g.getHealth().size());
  for (cp::PeerHealth::Reader h : g.getHealth()) {
    cp_bytes(d, h.getPeer()), d.u(h.getConsecutiveFailures()), d.u(h.getLastEventNs()), d.u(h.getDown());
  }
  d.u(g.getFailureThreshold());
  d.u(f.getBackoffTable().size());
  for (cp::BackoffEntry::Reader b : f.getBackoffTable()) {
    cp_bytes(d, b.getPeer()), d.u(b.getAttempts()), d.u(b.getLastAttemptNs()), d.u(b.getNextRetryNs());
  }
  d.u(f.getPendingOutbound().size());
  for (cp::PendingOutbound::Reader p : f.getPendingOutbound()) cp_bytes(d, p.getEnvelopeBytes()), d.u(p.getRedelivered());
  cp_bytes(d, f.getPeerIdBytes());
  d.u(f.getNextCommandId()), d.u(f.getNextExecId()), d.u(f.getSpecVersion());

  d.u(s.getBus().size());
  for (cp::EventSubscription::Reader e : s.getBus()) {
    cp_text(d, e.getEventKind());
    d.u(e.getSubscribers().size());
    for (std::uint64_t site : e.getSubscribers()) d.u(site);
  }
  d.u(s.getIngress().size());
  for (cp::IngressEvent::Reader e : s.getIngress()) {
    switch (e.which()) {
      case cp::IngressEvent::ENVELOPE: d.u(0), cp_bytes(d, e.getEnvelope()); break;
      case cp::IngressEvent::APP:
        d.u(1), cp_text(d, e.getApp().getModuleName()), cp_text(d, e.getApp().getInputName()),
            cp_bytes(d, e.getApp().getValueBytes());
        break;
      case cp::IngressEvent::INVOKE:
        d.u(2), cp_text(d, e.getInvoke().getModuleName());
        cp_named(d, e.getInvoke().getInputs());
        break;
      case cp::IngressEvent::TIMER_MATURED: d.u(3), d.u(e.getTimerMatured()); break;
      case cp::IngressEvent::COMPLETION:
        d.u(4), d.u(e.getCompletion().getCmdId());
        cp_bytes_list(d, e.getCompletion().getResults());
        break;
    }
  }
  d.u(s.getWireStates().size());
  for (cp::WireState::Reader w : s.getWireStates()) d.u(w.getComponent()), cp_bytes(d, w.getBytes());
  d.u(s.getPendingCompletions().size());
  for (cp::PendingCompletion::Reader p : s.getPendingCompletions()) {
    d.u(p.getCmdId());
    cp_named(d, p.getResults());
  }
}

}  // namespace bbsnap::alt
