#include "view_json.h"

#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace bbsnap::tool {
namespace {

using json::Emitter;

void hex(Emitter& out, const flatbuffers::Vector<std::uint8_t>* bytes) { out.value_hex(as_span(bytes)); }
void text(Emitter& out, const flatbuffers::String* s) { out.value_string(as_view(s)); }

// A FlatBuffers vector (absent reads as empty) as a JSON array.
template <class Vector, class Each>
void array(Emitter& out, const Vector* items, Each each) {
  out.begin_array();
  if (items) {
    for (auto item : *items) each(item);
  }
  out.end_array();
}

void hex_list(Emitter& out, const flatbuffers::Vector<flatbuffers::Offset<fb::Bytes>>* items) {
  array(out, items, [&](const fb::Bytes* b) { hex(out, b->data()); });
}

// [[name, hex], ...]: Invoke inputs and pending completion results.
void named_bytes(Emitter& out, const flatbuffers::Vector<flatbuffers::Offset<fb::NamedBytes>>* items) {
  array(out, items, [&](const fb::NamedBytes* nb) {
    out.begin_array();
    text(out, nb->name());
    hex(out, nb->data());
    out.end_array();
  });
}

void key_u64(Emitter& out, std::uint64_t key) { out.key(std::to_string(key)); }

void governor(Emitter& out, const fb::PeerGovernor* g) {  // absent: the default governor
  out.begin_object();
  out.key("blocklist");
  hex_list(out, g ? g->blocklist() : nullptr);
  out.key("allowlist");
  if (g && g->allowlist()) {
    hex_list(out, g->allowlist());
  } else {
    out.value_null();  // open policy
  }
  out.key("health");
  array(out, g ? g->health() : nullptr, [&](const fb::PeerHealth* h) { emit(out, *h); });
  out.key("failure_threshold");
  out.value_u32(g ? g->failure_threshold() : 0);
  out.end_object();
}

Status slot_table(const Snapshot& snapshot, Emitter& out, const std::function<bool()>& keep_going) {
  out.begin_array();
  for (std::uint32_t chunk = 0; chunk < snapshot.slot_chunk_count(); ++chunk) {
    BBSNAP_ASSIGN_OR_RETURN(const fb::SlotChunk* slots, snapshot.slot_chunk(chunk));
    if (!slots->slots()) continue;
    for (const fb::SlotEntry* entry : *slots->slots()) {
      if (!keep_going()) return {};
      BBSNAP_ASSIGN_OR_RETURN(const SlotLookup value, snapshot.slot_value(chunk, *entry));
      out.begin_object();
      out.key("site");
      out.value_u64(entry->site());
      out.key("exec");
      out.value_u64(entry->exec());
      out.key("value");
      if (value.state == SlotLookup::State::value) {
        out.value_hex(value.value);
      } else {
        out.value_null();
      }
      out.end_object();
    }
  }
  out.end_array();
  return {};
}

// Each section's part of the document, in document order.
template <class Root>
Status section(Emitter& out, const char* name, Result<const Root*> root, void (*write)(Emitter&, const Root*)) {
  if (!root) return std::move(root).error();
  out.key(name);
  write(out, *root);
  return {};
}

void frontier(Emitter& out, const fb::Frontier* f) {
  array(out, f->items(), [&](const fb::FrontierItem* item) {
    out.begin_array();
    out.value_u64(item->first());
    out.value_u64(item->second());
    out.end_array();
  });
}

void pending_async(Emitter& out, const fb::PendingAsyncTable* table) {
  out.begin_object();
  if (table->entries()) {
    for (const fb::PendingAsyncEntry* e : *table->entries()) {
      key_u64(out, e->command_id());
      emit(out, *e);
    }
  }
  out.end_object();
}

void execution_state(Emitter& out, const fb::ExecutionStateTable* table) {
  out.begin_object();
  if (table->entries()) {
    for (const fb::ExecutionStateEntry* e : *table->entries()) {
      key_u64(out, e->exec_id());
      out.begin_object();
      out.key("outputs_written");
      out.value_u32(e->outputs_written());
      out.end_object();
    }
  }
  out.end_object();
}

void bus(Emitter& out, const fb::Bus* b) {
  out.begin_object();
  out.key("event_subscriptions");
  out.begin_object();
  if (b->event_subscriptions()) {
    for (const fb::EventSubscription* s : *b->event_subscriptions()) {
      out.key(as_view(s->event_kind()));
      emit_u64s(out, s->subscribers());
    }
  }
  out.end_object();
  out.end_object();
}

void ingress(Emitter& out, const fb::Ingress* in) {
  array(out, in->events(), [&](const fb::IngressItem* item) { emit(out, *item); });
}

void wire_states(Emitter& out, const fb::WireStates* table) {
  out.begin_object();
  if (table->entries()) {
    for (const fb::WireState* e : *table->entries()) {
      key_u64(out, e->component());
      hex(out, e->bytes());
    }
  }
  out.end_object();
}

void pending_completions(Emitter& out, const fb::PendingCompletions* table) {
  array(out, table->entries(), [&](const fb::PendingCompletion* e) { emit(out, *e); });
}

void framework(Emitter& out, const fb::Framework* f) {
  out.begin_object();
  out.key("counters");
  out.begin_object();
  if (f->counters()) {
    for (const fb::Counter* c : *f->counters()) {
      out.key(as_view(c->name()));
      out.value_u64(c->value());
    }
  }
  out.end_object();
  out.key("fired_phases");
  array(out, f->fired_phases(), [&](const flatbuffers::String* s) { text(out, s); });
  out.key("address_book");
  array(out, f->address_book(), [&](const fb::AddressBookEntry* e) { emit(out, *e); });
  out.key("peer_governor");
  governor(out, f->peer_governor());
  out.key("backoff_table");
  array(out, f->backoff_table(), [&](const fb::BackoffEntry* e) { emit(out, *e); });
  out.key("pending_outbound");
  array(out, f->pending_outbound(), [&](const fb::PendingOutbound* e) { emit(out, *e); });
  out.key("peer_id_bytes");
  hex(out, f->peer_id_bytes());
  out.key("next_command_id");
  out.value_u64(f->next_command_id());
  out.key("next_exec_id");
  out.value_u64(f->next_exec_id());
  out.key("spec_version");
  out.value_u32(f->spec_version());
  out.end_object();
}

}  // namespace

Status emit_state(const Snapshot& snapshot, Emitter& out, const std::function<bool()>& keep_going) {
  out.begin_object();
  BBSNAP_RETURN_IF_ERROR(section(out, "frontier", snapshot.frontier(), frontier));
  out.key("slot_table");
  if (Status s = slot_table(snapshot, out, keep_going); !s || !keep_going()) return s;
  BBSNAP_RETURN_IF_ERROR(section(out, "pending_async", snapshot.pending_async_table(), pending_async));
  BBSNAP_RETURN_IF_ERROR(section(out, "execution_state", snapshot.execution_state_table(), execution_state));
  BBSNAP_RETURN_IF_ERROR(section(out, "framework", snapshot.framework(), framework));
  BBSNAP_RETURN_IF_ERROR(section(out, "bus", snapshot.bus(), bus));
  BBSNAP_RETURN_IF_ERROR(section(out, "ingress", snapshot.ingress(), ingress));
  BBSNAP_RETURN_IF_ERROR(section(out, "wire_states", snapshot.wire_states(), wire_states));
  BBSNAP_RETURN_IF_ERROR(section(out, "pending_completions", snapshot.pending_completions(), pending_completions));
  out.end_object();
  return {};
}

void emit(Emitter& out, const fb::AddressBookEntry& e) {
  out.begin_object();
  out.key("peer_id");
  hex(out, e.peer_id());
  out.key("addresses");
  hex_list(out, e.addresses());
  out.key("ref_count");
  out.value_u64(e.ref_count());
  out.end_object();
}

void emit(Emitter& out, const fb::PeerHealth& h) {  // the tuple (peer, consecutive_failures, last_event_ns, down)
  out.begin_array();
  hex(out, h.peer());
  out.value_u32(h.consecutive_failures());
  out.value_u64(h.last_event_ns());
  out.value_bool(h.down());
  out.end_array();
}

void emit(Emitter& out, const fb::BackoffEntry& e) {
  out.begin_object();
  out.key("peer");
  hex(out, e.peer());
  out.key("attempts");
  out.value_u32(e.attempts());
  out.key("last_attempt_ns");
  out.value_u64(e.last_attempt_ns());
  out.key("next_retry_ns");
  out.value_u64(e.next_retry_ns());
  out.end_object();
}

void emit(Emitter& out, const fb::PendingOutbound& e) {
  out.begin_object();
  out.key("envelope_bytes");
  hex(out, e.envelope_bytes());
  out.key("redelivered");
  out.value_bool(e.redelivered());
  out.end_object();
}

void emit(Emitter& out, const fb::PendingAsyncEntry& e) {
  out.begin_object();
  out.key("op_ref");
  out.value_u64(e.op_ref());
  out.key("exec_id");
  out.value_u64(e.exec_id());
  out.key("output_sites");
  emit_u64s(out, e.output_sites());
  out.key("deadline_ns");
  if (flatbuffers::Optional<std::uint64_t> deadline = e.deadline_ns(); deadline.has_value()) {
    out.value_u64(deadline.value());
  } else {
    out.value_null();  // no engine deadline
  }
  out.end_object();
}

// {"Variant": payload}, as serde writes an externally tagged enum. Full or
// lazy verification has refused an unknown variant or a missing payload.
void emit(Emitter& out, const fb::IngressItem& item) {
  out.begin_object();
  switch (item.event_type()) {
    case fb::IngressEvent::Envelope:
      out.key("Envelope");
      hex(out, item.event_as_Envelope()->bytes());
      break;
    case fb::IngressEvent::AppEvent: {
      const fb::AppEvent* e = item.event_as_AppEvent();
      out.key("AppEvent");
      out.begin_object();
      out.key("module_name");
      text(out, e->module_name());
      out.key("input_name");
      text(out, e->input_name());
      out.key("value_bytes");
      hex(out, e->value_bytes());
      out.end_object();
      break;
    }
    case fb::IngressEvent::Invoke: {
      const fb::Invoke* e = item.event_as_Invoke();
      out.key("Invoke");
      out.begin_object();
      out.key("module_name");
      text(out, e->module_name());
      out.key("inputs");
      named_bytes(out, e->inputs());
      out.end_object();
      break;
    }
    case fb::IngressEvent::TimerMatured:
      out.key("TimerMatured");
      out.begin_object();
      out.key("at_ns");
      out.value_u64(item.event_as_TimerMatured()->at_ns());
      out.end_object();
      break;
    case fb::IngressEvent::Completion: {
      const fb::Completion* e = item.event_as_Completion();
      out.key("Completion");
      out.begin_object();
      out.key("cmd_id");
      out.value_u64(e->cmd_id());
      out.key("results");
      hex_list(out, e->results());
      out.end_object();
      break;
    }
    case fb::IngressEvent::NONE:
      break;  // unreachable after verification
  }
  out.end_object();
}

void emit(Emitter& out, const fb::PendingCompletion& e) {
  out.begin_object();
  out.key("cmd_id");
  out.value_u64(e.cmd_id());
  out.key("results");
  named_bytes(out, e.results());
  out.end_object();
}

void emit_u64s(Emitter& out, const flatbuffers::Vector<std::uint64_t>* values) {
  array(out, values, [&](std::uint64_t v) { out.value_u64(v); });
}

nlohmann::ordered_json to_value(const std::function<void(Emitter&)>& emit_element) {
  std::ostringstream text;
  Emitter out(text);
  emit_element(out);
  return nlohmann::ordered_json::parse(text.str());
}

}  // namespace bbsnap::tool
