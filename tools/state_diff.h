// What differs between two snapshots, for `bbsnap diff`: section by section,
// then in the terms of the state document (slots, counters, peers, lists by
// position, scalar fields).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bbsnap/reader.h"

namespace bbsnap::tool {

struct Difference {
  enum class Change { added, removed, changed };
  enum class Key {
    none,      // a scalar field: `area` names it
    position,  // an element of a list (`key` is its index)
    map_key,   // an entry of a map (`key` is the document's key: a name or a decimal number)
    peer,      // a peer in a registry (`key` is its id, hex)
    slot,      // a slot (`key` is {"site": .., "exec": ..})
  };

  std::string section;  // the section holding it: "framework", "slot_chunk[2]"
  std::string area;     // where it is in the document: "framework.counters", "slot_table"
  Key key_kind = Key::none;
  nlohmann::ordered_json key;
  Change change = Change::changed;
  // As in the document; absent for the side that does not have it. For a
  // slot: the value's size in bytes, or null (allocated, empty).
  std::optional<nlohmann::ordered_json> before, after;
  std::string note;  // e.g. "contents differ" when what is shown is equal
};

struct SectionComparison {
  enum class Status {
    equal,      // same table entry (so the same verified bytes): not compared further
    moved,      // checksum differs (another offset or encoding), nothing in it differs
    differs,    // holds at least one difference
    only_in_a,  // a slot chunk only one file has
    only_in_b,
  };
  std::string name;
  Status status = Status::equal;
};

struct StateDiff {
  std::vector<SectionComparison> sections;  // in the order of a's section table, then b's extra ones
  std::vector<Difference> differences;      // in document order
};

// One of the two snapshots was refused: nothing was compared.
struct DiffRefusal {
  int side = 0;  // 0: a, 1: b
  Error error;   // as Snapshot::open with full verification reports it
};

// The comparison, or why there is none.
struct DiffOutcome {
  std::optional<DiffRefusal> refusal;  // set: `diff` is empty
  StateDiff diff;
};

// Compares the snapshot files `a` (old) and `b` (new). Each is verified in
// full first (Verification::full, any spec_version), a before b, so a
// damaged file is refused with the error `bbsnap verify` gives it, and two
// files are never called equal unless both hold exactly what their
// checksums say. Then sections whose table entries are equal (same place,
// same checksum) are not compared further, and slot values with the same
// length and the same stored hash under the same seed (any offset in format
// version 2, the same offset in version 1) are not read.
DiffOutcome diff_files(const std::string& a, const std::string& b, Load load = Load::automatic);

// The same for snapshots in memory, as Snapshot::from_bytes takes them
// (64-byte aligned, alive for the call).
DiffOutcome diff_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

}  // namespace bbsnap::tool
