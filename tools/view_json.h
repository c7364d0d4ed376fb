// The canonical state document (shared/spec/STATE-JSON.md), written straight
// from a snapshot's zero-copy views through json::Emitter: nothing of the
// document is held in memory, and slot values go from the mapping to the
// output in chunks. `dump` writes the whole document; `diff` writes single
// elements to compare and show them.
//
// The member order is the one of json::write_state (the spec's "Shape"); the
// tests check that both give the same bytes for the same state.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "bbsnap/json.h"
#include "bbsnap/reader.h"

namespace bbsnap::tool {

// Writes the whole state. `keep_going` is asked between slots and sections;
// returning false stops early (the output failed). Errors: those of the
// snapshot's accessors (none after full verification).
Status emit_state(const Snapshot& snapshot, json::Emitter& out, const std::function<bool()>& keep_going);

// Single elements, as they appear in the document.
void emit(json::Emitter& out, const fb::AddressBookEntry& entry);
void emit(json::Emitter& out, const fb::PeerHealth& health);
void emit(json::Emitter& out, const fb::BackoffEntry& entry);
void emit(json::Emitter& out, const fb::PendingOutbound& entry);
void emit(json::Emitter& out, const fb::PendingAsyncEntry& entry);  // the value, without its key
void emit(json::Emitter& out, const fb::IngressItem& item);
void emit(json::Emitter& out, const fb::PendingCompletion& entry);
void emit_u64s(json::Emitter& out, const flatbuffers::Vector<std::uint64_t>* values);

// One element as a JSON value (for diff to compare and show), e.g.
// {"TimerMatured":{"at_ns":5}}.
nlohmann::ordered_json to_value(const std::function<void(json::Emitter&)>& emit_element);

}  // namespace bbsnap::tool
