// bbsnap.h: the streaming writer's fields other than the slots. Each is
// copied into the state that bbsnap_writer_finish hands to
// SnapshotWriter::finish; maps are std::maps, so the file does not depend
// on the order their entries were added in, and a second entry for a key
// is refused rather than silently replacing the first.
#include <string>
#include <variant>

#include "bbsnap/bbsnap.h"
#include "c/call.h"
#include "c/writer_state.h"

using bbsnap::Bytes;
using bbsnap::Status;
using bbsnap::TransientSnapshot;
using bbsnap::c::Call;

namespace {

// `write` for a field: `body(call, state)` on the writer's other fields.
template <typename Body>
bbsnap_status field(const char* function, bbsnap_writer* writer, bbsnap_error** error, Body body) {
  return bbsnap::c::write(function, writer, error,
                          [&](const Call& call, bbsnap_writer& w) -> Status { return body(call, w.rest); });
}

// Copies of the caller's (data, length), checked by Call::input first.
Bytes bytes_of(const void* data, size_t length) {
  const auto* begin = static_cast<const std::uint8_t*>(data);
  return length ? Bytes(begin, begin + length) : Bytes{};
}
std::string text_of(const char* data, size_t length) { return length ? std::string(data, length) : std::string{}; }

// Call::input for each of several (name, data, length).
struct Input {
  const char* name;
  const void* data;
  size_t length;
};
Status check_inputs(const Call& call, std::initializer_list<Input> inputs) {
  for (const Input& input : inputs) {
    BBSNAP_RETURN_IF_ERROR(call.input(input.data, input.length, input.name));
  }
  return {};
}

// Inserts (key, value) into `map`, refusing a key already there.
template <typename Map, typename Key, typename Value>
Status insert_new(const Call& call, Map& map, Key&& key, Value&& value, const std::string& what) {
  if (!map.try_emplace(std::forward<Key>(key), std::forward<Value>(value)).second) {
    return call.invalid(what + " was already added");
  }
  return {};
}

// The ingress event added last, if it is an Event.
template <typename Event>
Event* last_event(TransientSnapshot& state) {
  return state.ingress.empty() ? nullptr : std::get_if<Event>(&state.ingress.back());
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------- frontier, pending_async, execution_state

bbsnap_status bbsnap_writer_add_frontier(bbsnap_writer* writer, uint64_t first, uint64_t second,
                                         bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.frontier.emplace_back(first, second);
    return {};
  });
}

bbsnap_status bbsnap_writer_add_pending_async(bbsnap_writer* writer, uint64_t command_id, uint64_t op_ref,
                                              uint64_t exec_id, const uint64_t* output_sites,
                                              size_t output_site_count, bool has_deadline, uint64_t deadline_ns,
                                              bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(output_sites, output_site_count, "output_sites"));
    bbsnap::PendingAsync entry{op_ref, exec_id, {}, std::nullopt};
    if (output_site_count) entry.output_sites.assign(output_sites, output_sites + output_site_count);
    if (has_deadline) entry.deadline_ns = deadline_ns;
    return insert_new(call, state.pending_async, command_id, std::move(entry),
                      "pending_async entry " + std::to_string(command_id));
  });
}

bbsnap_status bbsnap_writer_add_execution_state(bbsnap_writer* writer, uint64_t exec_id, uint32_t outputs_written,
                                                bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    return insert_new(call, state.execution_state, exec_id, bbsnap::ExecutionState{outputs_written},
                      "execution_state entry " + std::to_string(exec_id));
  });
}

// ---------------------------------------------------------------- framework

bbsnap_status bbsnap_writer_add_counter(bbsnap_writer* writer, const char* name, size_t name_length,
                                        uint64_t value, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(name, name_length, "name"));
    return insert_new(call, state.framework.counters, text_of(name, name_length), value,
                      "a counter of this name");
  });
}

bbsnap_status bbsnap_writer_add_fired_phase(bbsnap_writer* writer, const char* phase, size_t length,
                                            bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(phase, length, "phase"));
    state.framework.fired_phases.push_back(text_of(phase, length));
    return {};
  });
}

bbsnap_status bbsnap_writer_add_address_book_entry(bbsnap_writer* writer, const void* peer_id,
                                                   size_t peer_id_length, uint64_t ref_count,
                                                   bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(peer_id, peer_id_length, "peer_id"));
    state.framework.address_book.push_back({bytes_of(peer_id, peer_id_length), {}, ref_count});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_address(bbsnap_writer* writer, const void* address, size_t length,
                                        bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(address, length, "address"));
    if (state.framework.address_book.empty()) return call.invalid("no address_book entry was added");
    state.framework.address_book.back().addresses.push_back(bytes_of(address, length));
    return {};
  });
}

bbsnap_status bbsnap_writer_add_blocklist_peer(bbsnap_writer* writer, const void* peer, size_t length,
                                               bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(peer, length, "peer"));
    state.framework.peer_governor.blocklist.push_back(bytes_of(peer, length));
    return {};
  });
}

bbsnap_status bbsnap_writer_enable_allowlist(bbsnap_writer* writer, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    auto& allowlist = state.framework.peer_governor.allowlist;
    if (!allowlist) allowlist.emplace();
    return {};
  });
}

bbsnap_status bbsnap_writer_add_allowlist_peer(bbsnap_writer* writer, const void* peer, size_t length,
                                               bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(peer, length, "peer"));
    auto& allowlist = state.framework.peer_governor.allowlist;
    Bytes copy = bytes_of(peer, length);
    if (!allowlist) allowlist.emplace();
    allowlist->push_back(std::move(copy));
    return {};
  });
}

bbsnap_status bbsnap_writer_add_health(bbsnap_writer* writer, const void* peer, size_t peer_length,
                                       uint32_t consecutive_failures, uint64_t last_event_ns, bool down,
                                       bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(peer, peer_length, "peer"));
    state.framework.peer_governor.health.push_back(
        {bytes_of(peer, peer_length), consecutive_failures, last_event_ns, down});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_backoff_entry(bbsnap_writer* writer, const void* peer, size_t peer_length,
                                              uint32_t attempts, uint64_t last_attempt_ns, uint64_t next_retry_ns,
                                              bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(peer, peer_length, "peer"));
    state.framework.backoff_table.push_back({bytes_of(peer, peer_length), attempts, last_attempt_ns, next_retry_ns});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_pending_outbound(bbsnap_writer* writer, const void* envelope_bytes, size_t length,
                                                 bool redelivered, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(envelope_bytes, length, "envelope_bytes"));
    state.framework.pending_outbound.push_back({bytes_of(envelope_bytes, length), redelivered});
    return {};
  });
}

bbsnap_status bbsnap_writer_set_failure_threshold(bbsnap_writer* writer, uint32_t failure_threshold,
                                                  bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.framework.peer_governor.failure_threshold = failure_threshold;
    return {};
  });
}

bbsnap_status bbsnap_writer_set_peer_id_bytes(bbsnap_writer* writer, const void* bytes, size_t length,
                                              bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(bytes, length, "bytes"));
    state.framework.peer_id_bytes = bytes_of(bytes, length);
    return {};
  });
}

bbsnap_status bbsnap_writer_set_next_command_id(bbsnap_writer* writer, uint64_t next_command_id,
                                                bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.framework.next_command_id = next_command_id;
    return {};
  });
}

bbsnap_status bbsnap_writer_set_next_exec_id(bbsnap_writer* writer, uint64_t next_exec_id, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.framework.next_exec_id = next_exec_id;
    return {};
  });
}

bbsnap_status bbsnap_writer_set_spec_version(bbsnap_writer* writer, uint32_t spec_version, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.framework.spec_version = spec_version;
    return {};
  });
}

// ---------------------------------------------------------------- bus

bbsnap_status bbsnap_writer_add_event_subscription(bbsnap_writer* writer, const char* event_kind,
                                                   size_t event_kind_length, const uint64_t* subscribers,
                                                   size_t subscriber_count, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(check_inputs(call, {{"event_kind", event_kind, event_kind_length},
                                               {"subscribers", subscribers, subscriber_count}}));
    std::vector<std::uint64_t> ids;
    if (subscriber_count) ids.assign(subscribers, subscribers + subscriber_count);
    return insert_new(call, state.bus.event_subscriptions, text_of(event_kind, event_kind_length), std::move(ids),
                      "an event subscription of this kind");
  });
}

// ---------------------------------------------------------------- ingress

bbsnap_status bbsnap_writer_add_ingress_envelope(bbsnap_writer* writer, const void* bytes, size_t length,
                                                 bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(bytes, length, "bytes"));
    state.ingress.emplace_back(bbsnap::EnvelopeEvent{bytes_of(bytes, length)});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_ingress_app_event(bbsnap_writer* writer, const char* module_name,
                                                  size_t module_name_length, const char* input_name,
                                                  size_t input_name_length, const void* value_bytes,
                                                  size_t value_length, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(check_inputs(call, {{"module_name", module_name, module_name_length},
                                               {"input_name", input_name, input_name_length},
                                               {"value_bytes", value_bytes, value_length}}));
    state.ingress.emplace_back(bbsnap::AppEvent{text_of(module_name, module_name_length),
                                                text_of(input_name, input_name_length),
                                                bytes_of(value_bytes, value_length)});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_ingress_invoke(bbsnap_writer* writer, const char* module_name,
                                               size_t module_name_length, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(module_name, module_name_length, "module_name"));
    state.ingress.emplace_back(bbsnap::InvokeEvent{text_of(module_name, module_name_length), {}});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_ingress_invoke_input(bbsnap_writer* writer, const char* name, size_t name_length,
                                                     const void* bytes, size_t length, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(check_inputs(call, {{"name", name, name_length}, {"bytes", bytes, length}}));
    bbsnap::InvokeEvent* invoke = last_event<bbsnap::InvokeEvent>(state);
    if (!invoke) return call.invalid("the ingress event added last is not an Invoke");
    invoke->inputs.emplace_back(text_of(name, name_length), bytes_of(bytes, length));
    return {};
  });
}

bbsnap_status bbsnap_writer_add_ingress_timer_matured(bbsnap_writer* writer, uint64_t at_ns, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.ingress.emplace_back(bbsnap::TimerMaturedEvent{at_ns});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_ingress_completion(bbsnap_writer* writer, uint64_t cmd_id, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.ingress.emplace_back(bbsnap::CompletionEvent{cmd_id, {}});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_ingress_completion_result(bbsnap_writer* writer, const void* bytes, size_t length,
                                                          bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(bytes, length, "bytes"));
    bbsnap::CompletionEvent* completion = last_event<bbsnap::CompletionEvent>(state);
    if (!completion) return call.invalid("the ingress event added last is not a Completion");
    completion->results.push_back(bytes_of(bytes, length));
    return {};
  });
}

// ---------------------------------------------------------------- wire_states, pending_completions

bbsnap_status bbsnap_writer_add_wire_state(bbsnap_writer* writer, uint32_t component, const void* bytes,
                                           size_t length, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(bytes, length, "bytes"));
    return insert_new(call, state.wire_states, component, bytes_of(bytes, length),
                      "the wire state of component " + std::to_string(component));
  });
}

bbsnap_status bbsnap_writer_add_pending_completion(bbsnap_writer* writer, uint64_t cmd_id, bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call&, TransientSnapshot& state) -> Status {
    state.pending_completions.push_back({cmd_id, {}});
    return {};
  });
}

bbsnap_status bbsnap_writer_add_pending_completion_result(bbsnap_writer* writer, const char* name,
                                                          size_t name_length, const void* bytes, size_t length,
                                                          bbsnap_error** error) {
  return field(__func__, writer, error, [&](const Call& call, TransientSnapshot& state) -> Status {
    BBSNAP_RETURN_IF_ERROR(check_inputs(call, {{"name", name, name_length}, {"bytes", bytes, length}}));
    if (state.pending_completions.empty()) return call.invalid("no pending completion was added");
    state.pending_completions.back().results.emplace_back(text_of(name, name_length), bytes_of(bytes, length));
    return {};
  });
}

}  // extern "C"
