// What differs between two snapshots, for `bbsnap diff`: section by section,
// then in the terms of the state document (slots, counters, peers, lists by
// position, scalar fields).
#pragma once

#include <optional>
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
    equal,      // same table entry and checksum: not opened
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

// A snapshot's accessor refused a section (lazy verification) during the diff.
struct DiffRefusal {
  int side = 0;  // 0: a, 1: b
  Error error;
};

// Compares `a` (old) with `b` (new). Sections whose table entries are equal
// (same place, same metadata checksum) are not opened; slot values with the
// same length and the same stored hash under the same seed (any offset in
// format version 2, the same offset in version 1) are not read. Throws
// DiffRefusal if a section or value that must be read is refused.
StateDiff diff_snapshots(const Snapshot& a, const Snapshot& b);

}  // namespace bbsnap::tool
