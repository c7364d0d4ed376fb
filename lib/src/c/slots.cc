// bbsnap.h: the slot table, by key and chunk by chunk.
#include "bbsnap/bbsnap.h"
#include "c/call.h"

using bbsnap::Result;
using bbsnap::Snapshot;
using bbsnap::SlotLookup;
using bbsnap::Status;
using bbsnap::c::Call;
using bbsnap::c::read;

namespace {

bbsnap_slot_state state_of(SlotLookup::State state) {
  switch (state) {
    case SlotLookup::State::missing: return BBSNAP_SLOT_MISSING;
    case SlotLookup::State::empty: return BBSNAP_SLOT_EMPTY;
    case SlotLookup::State::value: return BBSNAP_SLOT_VALUE;
  }
  return BBSNAP_SLOT_MISSING;
}

void put_slot(const SlotLookup& slot, bbsnap_slot_state* state, const uint8_t** value, size_t* length) {
  *state = state_of(slot.state);
  bbsnap::c::put(slot.value, value, length);
}

// Chunk `chunk`'s root, checked against the count first: a size_t cut to
// 32 bits could name another chunk.
Result<const bbsnap::fb::SlotChunk*> chunk_at(const Call& call, const Snapshot& s, size_t chunk) {
  if (chunk >= s.slot_chunk_count()) return call.out_of_range("slot chunk", chunk, s.slot_chunk_count());
  return s.slot_chunk(static_cast<std::uint32_t>(chunk));
}

}  // namespace

extern "C" {

bbsnap_status bbsnap_slot(const bbsnap_snapshot* snapshot, uint64_t site, uint64_t exec, bbsnap_slot_state* state,
                          const uint8_t** value, size_t* length, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(state, value, length));
    BBSNAP_ASSIGN_OR_RETURN(const SlotLookup slot, s.slot({site, exec}));
    put_slot(slot, state, value, length);
    return {};
  });
}

bbsnap_status bbsnap_slot_chunk_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(count));
    *count = s.slot_chunk_count();
    return {};
  });
}

bbsnap_status bbsnap_slot_chunk_slot_count(const bbsnap_snapshot* snapshot, size_t chunk, size_t* count,
                                           bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(count));
    BBSNAP_ASSIGN_OR_RETURN(const bbsnap::fb::SlotChunk* root, chunk_at(call, s, chunk));
    *count = bbsnap::c::count_of(root->slots());
    return {};
  });
}

bbsnap_status bbsnap_slot_chunk_slot(const bbsnap_snapshot* snapshot, size_t chunk, size_t index, uint64_t* site,
                                     uint64_t* exec, bbsnap_slot_state* state, const uint8_t** value,
                                     size_t* length, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(site, exec, state, value, length));
    BBSNAP_ASSIGN_OR_RETURN(const bbsnap::fb::SlotChunk* root, chunk_at(call, s, chunk));
    BBSNAP_ASSIGN_OR_RETURN(const auto* entry, call.at(root->slots(), index, "slot"));
    BBSNAP_ASSIGN_OR_RETURN(const SlotLookup slot, s.slot_value(static_cast<std::uint32_t>(chunk), *entry));
    *site = entry->site();
    *exec = entry->exec();
    put_slot(slot, state, value, length);
    return {};
  });
}

}  // extern "C"
