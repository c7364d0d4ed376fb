// What tests of the writer share: reading back the state a file holds, and
// handing a state to the streaming writer (its slots one by one, the rest
// to finish()).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "require_ok.h"

namespace bbsnap::testing {

// The state in the file at `path`, opened with full verification.
inline TransientSnapshot read_back(const std::string& path) {
  Result<Snapshot> snapshot = Snapshot::open(path);
  if (!snapshot) FAIL(snapshot.error().to_string());
  Result<TransientSnapshot> model = snapshot->to_model();
  if (!model) FAIL(model.error().to_string());
  return std::move(model).value();
}

inline TransientSnapshot without_slots(TransientSnapshot state) {
  state.slot_table.clear();
  return state;
}

// Adds every slot of `state` to `writer`, in order.
inline Status add_slots(SnapshotWriter& writer, const TransientSnapshot& state) {
  for (const auto& [key, value] : state.slot_table) {
    std::optional<std::span<const std::uint8_t>> view;
    if (value) view = std::span<const std::uint8_t>(*value);
    if (Status s = writer.add_slot(key, view); !s) return s;
  }
  return {};
}

}  // namespace bbsnap::testing
