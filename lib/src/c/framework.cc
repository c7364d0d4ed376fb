// bbsnap.h: every field of the framework section, and the bus.
#include "bbsnap/bbsnap.h"
#include "c/call.h"

using bbsnap::Result;
using bbsnap::Snapshot;
using bbsnap::Status;
using bbsnap::c::Call;
using bbsnap::c::count_of;
using bbsnap::c::put;
using bbsnap::c::read;
using bbsnap::c::read_section;
namespace fb = bbsnap::fb;

namespace {

// read_section for the framework section.
template <typename Body>
bbsnap_status read_framework(const char* function, const bbsnap_snapshot* snapshot, bbsnap_error** error,
                             Body body) {
  return read_section<&Snapshot::framework>(function, snapshot, error, body);
}

// The peer governor's lists; an absent governor reads as the default one
// (FORMAT.md §5.1): empty lists, allowlist None.
const flatbuffers::Vector<flatbuffers::Offset<fb::Bytes>>* blocklist_of(const fb::Framework& f) {
  return f.peer_governor() ? f.peer_governor()->blocklist() : nullptr;
}
const flatbuffers::Vector<flatbuffers::Offset<fb::Bytes>>* allowlist_of(const fb::Framework& f) {
  return f.peer_governor() ? f.peer_governor()->allowlist() : nullptr;
}
const flatbuffers::Vector<flatbuffers::Offset<fb::PeerHealth>>* health_of(const fb::Framework& f) {
  return f.peer_governor() ? f.peer_governor()->health() : nullptr;
}

// Element `index` of a list of byte strings, as (bytes, length).
Status put_listed_bytes(const Call& call, const flatbuffers::Vector<flatbuffers::Offset<fb::Bytes>>* list,
                        size_t index, const char* what, const uint8_t** bytes, size_t* length) {
  BBSNAP_RETURN_IF_ERROR(call.outs(bytes, length));
  BBSNAP_ASSIGN_OR_RETURN(const auto* element, call.at(list, index, what));
  put(element->data(), bytes, length);
  return {};
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------- counters, fired_phases

bbsnap_status bbsnap_counters_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::framework>(__func__, snapshot, count, error,
                                           [](const fb::Framework& root) { return root.counters(); });
}

bbsnap_status bbsnap_counters_get(const bbsnap_snapshot* snapshot, size_t index, const char** name,
                                  size_t* name_length, uint64_t* value, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(name, name_length, value));
    BBSNAP_ASSIGN_OR_RETURN(const auto* counter, call.at(f.counters(), index, "counter"));
    put(counter->name(), name, name_length);
    *value = counter->value();
    return {};
  });
}

bbsnap_status bbsnap_counter(const bbsnap_snapshot* snapshot, const char* name, size_t name_length, bool* found,
                             uint64_t* value, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(found, value));
    BBSNAP_RETURN_IF_ERROR(call.input(name, name_length, "name"));
    BBSNAP_ASSIGN_OR_RETURN(const std::optional<std::uint64_t> counter, s.counter({name, name_length}));
    *found = counter.has_value();
    if (counter) *value = *counter;
    return {};
  });
}

bbsnap_status bbsnap_fired_phases_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::framework>(__func__, snapshot, count, error,
                                           [](const fb::Framework& root) { return root.fired_phases(); });
}

bbsnap_status bbsnap_fired_phases_get(const bbsnap_snapshot* snapshot, size_t index, const char** phase,
                                      size_t* length, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(phase, length));
    BBSNAP_ASSIGN_OR_RETURN(const auto* text, call.at(f.fired_phases(), index, "fired phase"));
    put(text, phase, length);
    return {};
  });
}

// ---------------------------------------------------------------- address_book

bbsnap_status bbsnap_address_book_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::framework>(__func__, snapshot, count, error,
                                           [](const fb::Framework& root) { return root.address_book(); });
}

bbsnap_status bbsnap_address_book_get(const bbsnap_snapshot* snapshot, size_t index, const uint8_t** peer_id,
                                      size_t* peer_id_length, uint64_t* ref_count, size_t* address_count,
                                      bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(peer_id, peer_id_length, ref_count, address_count));
    BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(f.address_book(), index, "address_book entry"));
    put(entry->peer_id(), peer_id, peer_id_length);
    *ref_count = entry->ref_count();
    *address_count = count_of(entry->addresses());
    return {};
  });
}

bbsnap_status bbsnap_address_book_address(const bbsnap_snapshot* snapshot, size_t index, size_t address,
                                          const uint8_t** bytes, size_t* length, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(bytes, length));
    BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(f.address_book(), index, "address_book entry"));
    return put_listed_bytes(call, entry->addresses(), address, "address", bytes, length);
  });
}

// ---------------------------------------------------------------- peer_governor

bbsnap_status bbsnap_blocklist_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::framework>(__func__, snapshot, count, error,
                                           [](const fb::Framework& root) { return blocklist_of(root); });
}

bbsnap_status bbsnap_blocklist_get(const bbsnap_snapshot* snapshot, size_t index, const uint8_t** peer,
                                   size_t* length, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    return put_listed_bytes(call, blocklist_of(f), index, "blocklist peer", peer, length);
  });
}

bbsnap_status bbsnap_allowlist_count(const bbsnap_snapshot* snapshot, bool* is_some, size_t* count,
                                     bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(is_some, count));
    *is_some = allowlist_of(f) != nullptr;  // absent: None; present, even empty: Some
    *count = count_of(allowlist_of(f));
    return {};
  });
}

bbsnap_status bbsnap_allowlist_get(const bbsnap_snapshot* snapshot, size_t index, const uint8_t** peer,
                                   size_t* length, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    return put_listed_bytes(call, allowlist_of(f), index, "allowlist peer", peer, length);
  });
}

bbsnap_status bbsnap_health_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::framework>(__func__, snapshot, count, error,
                                           [](const fb::Framework& root) { return health_of(root); });
}

bbsnap_status bbsnap_health_get(const bbsnap_snapshot* snapshot, size_t index, const uint8_t** peer,
                                size_t* peer_length, uint32_t* consecutive_failures, uint64_t* last_event_ns,
                                bool* down, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(peer, peer_length, consecutive_failures, last_event_ns, down));
    BBSNAP_ASSIGN_OR_RETURN(const auto* health, call.at(health_of(f), index, "health entry"));
    put(health->peer(), peer, peer_length);
    *consecutive_failures = health->consecutive_failures();
    *last_event_ns = health->last_event_ns();
    *down = health->down();
    return {};
  });
}

bbsnap_status bbsnap_failure_threshold(const bbsnap_snapshot* snapshot, uint32_t* failure_threshold,
                                       bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(failure_threshold));
    *failure_threshold = f.peer_governor() ? f.peer_governor()->failure_threshold() : 0;
    return {};
  });
}

// ---------------------------------------------------------------- backoff_table, pending_outbound

bbsnap_status bbsnap_backoff_table_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::framework>(__func__, snapshot, count, error,
                                           [](const fb::Framework& root) { return root.backoff_table(); });
}

bbsnap_status bbsnap_backoff_table_get(const bbsnap_snapshot* snapshot, size_t index, const uint8_t** peer,
                                       size_t* peer_length, uint32_t* attempts, uint64_t* last_attempt_ns,
                                       uint64_t* next_retry_ns, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(peer, peer_length, attempts, last_attempt_ns, next_retry_ns));
    BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(f.backoff_table(), index, "backoff_table entry"));
    put(entry->peer(), peer, peer_length);
    *attempts = entry->attempts();
    *last_attempt_ns = entry->last_attempt_ns();
    *next_retry_ns = entry->next_retry_ns();
    return {};
  });
}

bbsnap_status bbsnap_pending_outbound_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::framework>(__func__, snapshot, count, error,
                                           [](const fb::Framework& root) { return root.pending_outbound(); });
}

bbsnap_status bbsnap_pending_outbound_get(const bbsnap_snapshot* snapshot, size_t index,
                                          const uint8_t** envelope_bytes, size_t* length, bool* redelivered,
                                          bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(envelope_bytes, length, redelivered));
    BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(f.pending_outbound(), index, "pending_outbound entry"));
    put(entry->envelope_bytes(), envelope_bytes, length);
    *redelivered = entry->redelivered();
    return {};
  });
}

// ---------------------------------------------------------------- peer_id_bytes, ids

bbsnap_status bbsnap_peer_id_bytes(const bbsnap_snapshot* snapshot, const uint8_t** bytes, size_t* length,
                                   bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(bytes, length));
    put(f.peer_id_bytes(), bytes, length);
    return {};
  });
}

bbsnap_status bbsnap_next_command_id(const bbsnap_snapshot* snapshot, uint64_t* next_command_id,
                                     bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(next_command_id));
    *next_command_id = f.next_command_id();
    return {};
  });
}

bbsnap_status bbsnap_next_exec_id(const bbsnap_snapshot* snapshot, uint64_t* next_exec_id, bbsnap_error** error) {
  return read_framework(__func__, snapshot, error, [&](const Call& call, const fb::Framework& f) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(next_exec_id));
    *next_exec_id = f.next_exec_id();
    return {};
  });
}

// ---------------------------------------------------------------- bus

bbsnap_status bbsnap_event_subscriptions_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::bus>(__func__, snapshot, count, error,
                                           [](const fb::Bus& root) { return root.event_subscriptions(); });
}

bbsnap_status bbsnap_event_subscriptions_get(const bbsnap_snapshot* snapshot, size_t index, const char** event_kind,
                                             size_t* event_kind_length, const uint64_t** subscribers,
                                             size_t* subscriber_count, bbsnap_error** error) {
  return read_section<&Snapshot::bus>(__func__, snapshot, error, [&](const Call& call, const fb::Bus& b) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(event_kind, event_kind_length, subscribers, subscriber_count));
    BBSNAP_ASSIGN_OR_RETURN(const auto* subscription, call.at(b.event_subscriptions(), index, "event subscription"));
    put(subscription->event_kind(), event_kind, event_kind_length);
    put(subscription->subscribers(), subscribers, subscriber_count);
    return {};
  });
}

bbsnap_status bbsnap_subscribers(const bbsnap_snapshot* snapshot, const char* event_kind, size_t event_kind_length,
                                 bool* found, const uint64_t** subscribers, size_t* subscriber_count,
                                 bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(found, subscribers, subscriber_count));
    BBSNAP_RETURN_IF_ERROR(call.input(event_kind, event_kind_length, "event_kind"));
    BBSNAP_ASSIGN_OR_RETURN(const std::optional<std::span<const std::uint64_t>> ids,
                            s.subscribers({event_kind, event_kind_length}));
    *found = ids.has_value();
    if (ids) put(*ids, subscribers, subscriber_count);
    return {};
  });
}

}  // extern "C"
