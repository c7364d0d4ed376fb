// bbsnap.h: the state's sections outside the framework, bus and ingress:
// frontier, pending_async, execution_state, wire_states and
// pending_completions, each by index and (maps) by key.
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

// The fields of one pending_async entry, as bbsnap_pending_async_get and
// bbsnap_pending_async hand them out.
struct PendingAsyncOut {
  uint64_t* op_ref;
  uint64_t* exec_id;
  const uint64_t** output_sites;
  size_t* output_site_count;
  bool* has_deadline;
  uint64_t* deadline_ns;

  Status check(const Call& call) const {
    return call.outs(op_ref, exec_id, output_sites, output_site_count, has_deadline, deadline_ns);
  }
  void put_entry(const fb::PendingAsyncEntry& entry) const {
    *op_ref = entry.op_ref();
    *exec_id = entry.exec_id();
    put(entry.output_sites(), output_sites, output_site_count);
    const flatbuffers::Optional<uint64_t> deadline = entry.deadline_ns();
    *has_deadline = deadline.has_value();
    *deadline_ns = deadline.value_or(0);
  }
};

}  // namespace

extern "C" {

// ---------------------------------------------------------------- frontier

bbsnap_status bbsnap_frontier_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::frontier>(__func__, snapshot, count, error,
                                           [](const fb::Frontier& root) { return root.items(); });
}

bbsnap_status bbsnap_frontier_get(const bbsnap_snapshot* snapshot, size_t index, uint64_t* first, uint64_t* second,
                                  bbsnap_error** error) {
  return read_section<&Snapshot::frontier>(__func__, snapshot, error,
                                           [&](const Call& call, const fb::Frontier& f) -> Status {
                                             BBSNAP_RETURN_IF_ERROR(call.outs(first, second));
                                             BBSNAP_ASSIGN_OR_RETURN(const auto* item,
                                                                     call.at(f.items(), index, "frontier item"));
                                             *first = item->first();
                                             *second = item->second();
                                             return {};
                                           });
}

// ---------------------------------------------------------------- pending_async

bbsnap_status bbsnap_pending_async_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::pending_async_table>(__func__, snapshot, count, error,
                                           [](const fb::PendingAsyncTable& root) { return root.entries(); });
}

bbsnap_status bbsnap_pending_async_get(const bbsnap_snapshot* snapshot, size_t index, uint64_t* command_id,
                                       uint64_t* op_ref, uint64_t* exec_id, const uint64_t** output_sites,
                                       size_t* output_site_count, bool* has_deadline, uint64_t* deadline_ns,
                                       bbsnap_error** error) {
  const PendingAsyncOut out{op_ref, exec_id, output_sites, output_site_count, has_deadline, deadline_ns};
  return read_section<&Snapshot::pending_async_table>(
      __func__, snapshot, error, [&](const Call& call, const fb::PendingAsyncTable& t) -> Status {
        BBSNAP_RETURN_IF_ERROR(call.outs(command_id));
        BBSNAP_RETURN_IF_ERROR(out.check(call));
        BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(t.entries(), index, "pending_async entry"));
        *command_id = entry->command_id();
        out.put_entry(*entry);
        return {};
      });
}

bbsnap_status bbsnap_pending_async(const bbsnap_snapshot* snapshot, uint64_t command_id, bool* found,
                                   uint64_t* op_ref, uint64_t* exec_id, const uint64_t** output_sites,
                                   size_t* output_site_count, bool* has_deadline, uint64_t* deadline_ns,
                                   bbsnap_error** error) {
  const PendingAsyncOut out{op_ref, exec_id, output_sites, output_site_count, has_deadline, deadline_ns};
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(found));
    BBSNAP_RETURN_IF_ERROR(out.check(call));
    BBSNAP_ASSIGN_OR_RETURN(const fb::PendingAsyncEntry* entry, s.pending_async(command_id));
    *found = entry != nullptr;
    if (entry) out.put_entry(*entry);
    return {};
  });
}

// ---------------------------------------------------------------- execution_state

bbsnap_status bbsnap_execution_state_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::execution_state_table>(__func__, snapshot, count, error,
                                           [](const fb::ExecutionStateTable& root) { return root.entries(); });
}

bbsnap_status bbsnap_execution_state_get(const bbsnap_snapshot* snapshot, size_t index, uint64_t* exec_id,
                                         uint32_t* outputs_written, bbsnap_error** error) {
  return read_section<&Snapshot::execution_state_table>(
      __func__, snapshot, error, [&](const Call& call, const fb::ExecutionStateTable& t) -> Status {
        BBSNAP_RETURN_IF_ERROR(call.outs(exec_id, outputs_written));
        BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(t.entries(), index, "execution_state entry"));
        *exec_id = entry->exec_id();
        *outputs_written = entry->outputs_written();
        return {};
      });
}

bbsnap_status bbsnap_execution_state(const bbsnap_snapshot* snapshot, uint64_t exec_id, bool* found,
                                     uint32_t* outputs_written, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(found, outputs_written));
    BBSNAP_ASSIGN_OR_RETURN(const std::optional<std::uint32_t> entry, s.execution_state(exec_id));
    *found = entry.has_value();
    if (entry) *outputs_written = *entry;
    return {};
  });
}

// ---------------------------------------------------------------- wire_states

bbsnap_status bbsnap_wire_states_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::wire_states>(__func__, snapshot, count, error,
                                           [](const fb::WireStates& root) { return root.entries(); });
}

bbsnap_status bbsnap_wire_states_get(const bbsnap_snapshot* snapshot, size_t index, uint32_t* component,
                                     const uint8_t** bytes, size_t* length, bbsnap_error** error) {
  return read_section<&Snapshot::wire_states>(
      __func__, snapshot, error, [&](const Call& call, const fb::WireStates& w) -> Status {
        BBSNAP_RETURN_IF_ERROR(call.outs(component, bytes, length));
        BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(w.entries(), index, "wire_states entry"));
        *component = entry->component();
        put(entry->bytes(), bytes, length);
        return {};
      });
}

bbsnap_status bbsnap_wire_state(const bbsnap_snapshot* snapshot, uint32_t component, bool* found,
                                const uint8_t** bytes, size_t* length, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(found, bytes, length));
    BBSNAP_ASSIGN_OR_RETURN(const std::optional<std::span<const std::uint8_t>> entry, s.wire_state(component));
    *found = entry.has_value();
    if (entry) put(*entry, bytes, length);
    return {};
  });
}

// ---------------------------------------------------------------- pending_completions

bbsnap_status bbsnap_pending_completions_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return bbsnap::c::count_in<&Snapshot::pending_completions>(__func__, snapshot, count, error,
                                           [](const fb::PendingCompletions& root) { return root.entries(); });
}

bbsnap_status bbsnap_pending_completions_get(const bbsnap_snapshot* snapshot, size_t index, uint64_t* cmd_id,
                                             size_t* result_count, bbsnap_error** error) {
  return read_section<&Snapshot::pending_completions>(
      __func__, snapshot, error, [&](const Call& call, const fb::PendingCompletions& p) -> Status {
        BBSNAP_RETURN_IF_ERROR(call.outs(cmd_id, result_count));
        BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(p.entries(), index, "pending completion"));
        *cmd_id = entry->cmd_id();
        *result_count = count_of(entry->results());
        return {};
      });
}

bbsnap_status bbsnap_pending_completions_result(const bbsnap_snapshot* snapshot, size_t index, size_t result,
                                                const char** name, size_t* name_length, const uint8_t** bytes,
                                                size_t* length, bbsnap_error** error) {
  return read_section<&Snapshot::pending_completions>(
      __func__, snapshot, error, [&](const Call& call, const fb::PendingCompletions& p) -> Status {
        BBSNAP_RETURN_IF_ERROR(call.outs(name, name_length, bytes, length));
        BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(p.entries(), index, "pending completion"));
        BBSNAP_ASSIGN_OR_RETURN(const auto* named, call.at(entry->results(), result, "result"));
        put(named->name(), name, name_length);
        put(named->data(), bytes, length);
        return {};
      });
}

}  // extern "C"
