#include "state_diff.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include "common.h"
#include "view_json.h"

namespace bbsnap::tool {
namespace {

using Json = nlohmann::ordered_json;
using Change = Difference::Change;
using Key = Difference::Key;
using format::SectionEntry;
using format::SectionKind;

template <class T>
T take(int side, Result<T> result) {
  if (!result) throw DiffRefusal{side, std::move(result).error()};
  return std::move(result).value();
}

template <class V>
std::size_t size(const V* v) {
  return v ? v->size() : 0;
}

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

template <class T>
Json value_of(const T& element) {
  return to_value([&](json::Emitter& out) { emit(out, element); });
}

// Sections of the two files, paired by name: the kind for singletons,
// "slot_chunk[i]" for the i-th chunk, "kind_<n>[k]" for the k-th section of
// an unknown kind.
struct SectionPair {
  std::string name;
  std::uint32_t kind = 0;
  const SectionEntry* entry[2] = {nullptr, nullptr};
  // The checksum is seeded with the rest of the entry: equal entries mean the
  // same metadata at the same place.
  bool equal() const {
    return entry[0] && entry[1] && std::memcmp(entry[0], entry[1], sizeof(SectionEntry)) == 0;
  }
};

class Differ {
 public:
  Differ(const Snapshot& a, const Snapshot& b) : snap_{&a, &b} { pair_sections(); }

  StateDiff run() {
    if (!equal("frontier")) frontier();
    slots();
    slot_index();
    if (!equal("pending_async")) pending_async();
    if (!equal("execution_state")) execution_state();
    if (!equal("framework")) framework();
    if (!equal("bus")) bus();
    if (!equal("ingress")) ingress();
    if (!equal("wire_states")) wire_states();
    if (!equal("pending_completions")) pending_completions();
    unknown_sections();
    return {section_summary(), std::move(differences_)};
  }

 private:
  // ---- sections

  void pair_sections() {
    for (int side = 0; side < 2; ++side) {
      std::uint32_t chunk = 0;
      std::map<std::uint32_t, std::uint32_t> unknown_seen;
      std::span<const SectionEntry> entries = snap_[side]->sections();
      for (std::uint32_t i = 0; i < entries.size(); ++i) {
        std::uint32_t kind = entries[i].kind;
        std::string name = format::section_kind_name(kind);
        if (kind == static_cast<std::uint32_t>(SectionKind::slot_chunk)) {
          name += "[" + std::to_string(chunk++) + "]";
          chunk_entries_[side].push_back(&entries[i]);
        } else if (!format::is_known_kind(kind)) {
          name += "[" + std::to_string(unknown_seen[kind]++) + "]";
        }
        auto [it, added] = by_name_.try_emplace(name, pairs_.size());
        if (added) pairs_.push_back(SectionPair{name, kind, {nullptr, nullptr}});
        pairs_[it->second].entry[side] = &entries[i];
      }
    }
  }

  bool equal(const std::string& name) const {
    auto it = by_name_.find(name);
    return it != by_name_.end() && pairs_[it->second].equal();
  }

  std::vector<SectionComparison> section_summary() const {
    std::vector<SectionComparison> out;
    for (const SectionPair& p : pairs_) {
      using Status = SectionComparison::Status;
      Status status = Status::moved;
      if (p.equal()) {
        status = Status::equal;
      } else if (touched_.count(p.name)) {
        status = Status::differs;
      } else if (!p.entry[0]) {
        status = Status::only_in_b;
      } else if (!p.entry[1]) {
        status = Status::only_in_a;
      }
      out.push_back({p.name, status});
    }
    return out;
  }

  void add(const std::string& section, std::string area, Key key_kind, Json key, Change change,
           std::optional<Json> before, std::optional<Json> after, std::string note = {}) {
    touched_.insert(section);
    differences_.push_back(Difference{section, std::move(area), key_kind, std::move(key), change,
                                      std::move(before), std::move(after), std::move(note)});
  }

  // ---- generic comparisons

  void scalar(const std::string& section, std::string area, const Json& a, const Json& b) {
    if (a != b) add(section, std::move(area), Key::none, nullptr, Change::changed, a, b);
  }

  // Lists compared position by position.
  template <class Vec, class Value>
  void list(const std::string& section, const std::string& area, const Vec* a, const Vec* b, Value value) {
    const std::size_t na = size(a), nb = size(b);
    for (std::size_t i = 0; i < std::max(na, nb); ++i) {
      const auto index = static_cast<flatbuffers::uoffset_t>(i);
      if (i >= nb) {
        add(section, area, Key::position, i, Change::removed, value(a->Get(index)), std::nullopt);
      } else if (i >= na) {
        add(section, area, Key::position, i, Change::added, std::nullopt, value(b->Get(index)));
      } else if (Json x = value(a->Get(index)), y = value(b->Get(index)); x != y) {
        add(section, area, Key::position, i, Change::changed, std::move(x), std::move(y));
      }
    }
  }

  // Maps stored as vectors sorted by key (strictly increasing), walked together.
  template <class Vec, class KeyOf, class KeyJson, class Value>
  void map(const std::string& section, const std::string& area, const Vec* a, const Vec* b, KeyOf key_of,
           KeyJson key_json, Value value) {
    const std::size_t na = size(a), nb = size(b);
    std::size_t i = 0, j = 0;
    while (i < na || j < nb) {
      const auto* x = i < na ? a->Get(static_cast<flatbuffers::uoffset_t>(i)) : nullptr;
      const auto* y = j < nb ? b->Get(static_cast<flatbuffers::uoffset_t>(j)) : nullptr;
      if (!y || (x && key_of(x) < key_of(y))) {
        add(section, area, Key::map_key, key_json(x), Change::removed, value(x), std::nullopt);
        ++i;
      } else if (!x || key_of(y) < key_of(x)) {
        add(section, area, Key::map_key, key_json(y), Change::added, std::nullopt, value(y));
        ++j;
      } else {
        if (Json vx = value(x), vy = value(y); vx != vy) {
          add(section, area, Key::map_key, key_json(x), Change::changed, std::move(vx), std::move(vy));
        }
        ++i;
        ++j;
      }
    }
  }

  // Registries of peers (lists that may name a peer more than once): peers
  // added or removed, peers whose entries changed, else a change of order.
  // `with_data`: entries hold more than the peer, and are shown.
  template <class Vec, class PeerOf, class Value>
  void registry(const std::string& section, const std::string& area, const Vec* a, const Vec* b, PeerOf peer_of,
                Value value, bool with_data) {
    std::map<std::string, Json> by_peer[2];
    Json order[2] = {Json::array(), Json::array()};
    const Vec* lists[2] = {a, b};
    for (int side = 0; side < 2; ++side) {
      if (!lists[side]) continue;
      for (const auto* e : *lists[side]) {
        Json v = value(e);
        Json& entries = by_peer[side][hex(peer_of(e))];
        if (entries.is_null()) entries = Json::array();
        entries.push_back(v);
        order[side].push_back(std::move(v));
      }
    }
    // One entry shows as itself, several as a list; a bare peer list shows how often it names the peer.
    auto shown = [&](const Json& entries) -> std::optional<Json> {
      if (!with_data) return Json(entries.size());
      return entries.size() == 1 ? entries[0] : entries;
    };
    std::set<std::string> peers;
    for (const auto& side : by_peer) {
      for (const auto& [peer, entries] : side) peers.insert(peer);
    }
    bool any = false;
    for (const std::string& peer : peers) {
      auto x = by_peer[0].find(peer), y = by_peer[1].find(peer);
      if (y == by_peer[1].end()) {
        add(section, area, Key::peer, peer, Change::removed, with_data ? shown(x->second) : std::nullopt, std::nullopt);
      } else if (x == by_peer[0].end()) {
        add(section, area, Key::peer, peer, Change::added, std::nullopt, with_data ? shown(y->second) : std::nullopt);
      } else if (x->second != y->second) {
        add(section, area, Key::peer, peer, Change::changed, shown(x->second), shown(y->second),
            with_data ? "" : "times listed");
      } else {
        continue;
      }
      any = true;
    }
    if (!any && order[0] != order[1]) {
      add(section, area, Key::none, nullptr, Change::changed, std::nullopt, std::nullopt,
          "same entries, order changed");
    }
  }

  // ---- the slot table

  // Walks one file's slots in key order across its chunks, skipping chunks
  // that are equal in both files (the same slots at the same place).
  class SlotCursor {
   public:
    SlotCursor(const Differ& d, int side) : d_(d), side_(side) { settle(); }
    bool done() const { return chunk_ >= count(); }
    const fb::SlotEntry& entry() const { return *slots_->Get(position_); }
    std::uint32_t chunk() const { return chunk_; }
    std::tuple<std::uint64_t, std::uint64_t> key() const { return {entry().site(), entry().exec()}; }
    void next() {
      ++position_;
      settle();
    }

   private:
    std::uint32_t count() const { return d_.snap_[side_]->slot_chunk_count(); }
    void settle() {
      while (chunk_ < count()) {
        if (!slots_) {
          if (d_.equal(chunk_name(chunk_))) {
            ++chunk_;
            continue;
          }
          slots_ = take(side_, d_.snap_[side_]->slot_chunk(chunk_))->slots();
          position_ = 0;
        }
        if (slots_ && position_ < slots_->size()) return;
        slots_ = nullptr;
        ++chunk_;
      }
    }
    const Differ& d_;
    int side_;
    std::uint32_t chunk_ = 0;
    const flatbuffers::Vector<const fb::SlotEntry*>* slots_ = nullptr;
    flatbuffers::uoffset_t position_ = 0;
  };

  static std::string chunk_name(std::uint32_t chunk) { return "slot_chunk[" + std::to_string(chunk) + "]"; }

  static Json slot_size(const fb::SlotEntry& e) { return e.has_value() ? Json(e.value_length()) : Json(nullptr); }
  static Json slot_key(const fb::SlotEntry& e) { return {{"site", e.site()}, {"exec", e.exec()}}; }

  bool same_value(const SlotCursor& x, const SlotCursor& y) const {
    const fb::SlotEntry& ex = x.entry();
    const fb::SlotEntry& ey = y.entry();
    if (ex.has_value() != ey.has_value() || ex.value_length() != ey.value_length()) return false;
    if (!ex.has_value()) return true;
    // Hashes with the same seed (format::value_hash_seed: the version and,
    // in version 1, the value's file offset) that are equal mean the same
    // bytes, which need not be read.
    const std::uint64_t seed_x = format::value_hash_seed(
        snap_[0]->header().format_version, chunk_entries_[0][x.chunk()]->offset + ex.value_offset());
    const std::uint64_t seed_y = format::value_hash_seed(
        snap_[1]->header().format_version, chunk_entries_[1][y.chunk()]->offset + ey.value_offset());
    if (snap_[0]->header().format_version == snap_[1]->header().format_version && seed_x == seed_y &&
        ex.value_hash() == ey.value_hash()) {
      return true;
    }
    SlotLookup vx = take(0, snap_[0]->slot_value(x.chunk(), ex));
    SlotLookup vy = take(1, snap_[1]->slot_value(y.chunk(), ey));
    return std::equal(vx.value.begin(), vx.value.end(), vy.value.begin(), vy.value.end());
  }

  void slots() {
    SlotCursor x(*this, 0), y(*this, 1);
    while (!x.done() || !y.done()) {
      if (y.done() || (!x.done() && x.key() < y.key())) {
        add(chunk_name(x.chunk()), "slot_table", Key::slot, slot_key(x.entry()), Change::removed,
            slot_size(x.entry()), std::nullopt);
        x.next();
      } else if (x.done() || y.key() < x.key()) {
        add(chunk_name(y.chunk()), "slot_table", Key::slot, slot_key(y.entry()), Change::added, std::nullopt,
            slot_size(y.entry()));
        y.next();
      } else {
        if (!same_value(x, y)) {
          Json before = slot_size(x.entry()), after = slot_size(y.entry());
          std::string note = before == after && !before.is_null() ? "contents differ" : "";
          touched_.insert(chunk_name(y.chunk()));
          add(chunk_name(x.chunk()), "slot_table", Key::slot, slot_key(x.entry()), Change::changed, std::move(before),
              std::move(after), std::move(note));
        }
        x.next();
        y.next();
      }
    }
  }

  // The index only summarises the chunks (key range and count of each): it
  // differs when its bytes do, which the slot differences above explain.
  void slot_index() {
    if (equal("slot_index")) return;
    std::span<const std::uint8_t> metadata[2];
    for (int side = 0; side < 2; ++side) {
      const SectionEntry* e = pairs_[by_name_.at("slot_index")].entry[side];
      const auto index = static_cast<std::uint32_t>(e - snap_[side]->sections().data());
      if (Status s = snap_[side]->check_section(index); !s) throw DiffRefusal{side, std::move(s).error()};
      metadata[side] = snap_[side]->bytes().subspan(e->offset + e->payload_length, e->length - e->payload_length);
    }
    if (!std::equal(metadata[0].begin(), metadata[0].end(), metadata[1].begin(), metadata[1].end())) {
      touched_.insert("slot_index");
    }
  }

  // ---- the other sections, in document order

  void frontier() {
    list("frontier", "frontier", take(0, snap_[0]->frontier())->items(), take(1, snap_[1]->frontier())->items(),
         [](const fb::FrontierItem* item) { return Json::array({item->first(), item->second()}); });
  }

  void pending_async() {
    map("pending_async", "pending_async", take(0, snap_[0]->pending_async_table())->entries(),
        take(1, snap_[1]->pending_async_table())->entries(), [](const auto* e) { return e->command_id(); },
        [](const auto* e) { return Json(std::to_string(e->command_id())); },
        [](const auto* e) { return value_of(*e); });
  }

  void execution_state() {
    map("execution_state", "execution_state", take(0, snap_[0]->execution_state_table())->entries(),
        take(1, snap_[1]->execution_state_table())->entries(), [](const auto* e) { return e->exec_id(); },
        [](const auto* e) { return Json(std::to_string(e->exec_id())); },
        [](const auto* e) { return Json{{"outputs_written", e->outputs_written()}}; });
  }

  void framework() {
    const fb::Framework* fa = take(0, snap_[0]->framework());
    const fb::Framework* fb_ = take(1, snap_[1]->framework());
    const std::string s = "framework";
    map(s, "framework.counters", fa->counters(), fb_->counters(), [](const auto* c) { return as_view(c->name()); },
        [](const auto* c) { return Json(std::string(as_view(c->name()))); },
        [](const auto* c) { return Json(c->value()); });
    list(s, "framework.fired_phases", fa->fired_phases(), fb_->fired_phases(),
         [](const flatbuffers::String* p) { return Json(std::string(as_view(p))); });
    registry(s, "framework.address_book", fa->address_book(), fb_->address_book(),
             [](const auto* e) { return as_span(e->peer_id()); }, [](const auto* e) { return value_of(*e); }, true);

    const fb::PeerGovernor* ga = fa->peer_governor();
    const fb::PeerGovernor* gb = fb_->peer_governor();
    auto peer_list = [](const fb::Bytes* b) { return Json(hex(as_span(b->data()))); };
    auto peer_of = [](const fb::Bytes* b) { return as_span(b->data()); };
    registry(s, "framework.peer_governor.blocklist", ga ? ga->blocklist() : nullptr, gb ? gb->blocklist() : nullptr,
             peer_of, peer_list, false);
    const auto* allow_a = ga ? ga->allowlist() : nullptr;
    const auto* allow_b = gb ? gb->allowlist() : nullptr;
    if (!allow_a != !allow_b) {  // null (open policy) versus a list
      auto shown = [&](const auto* list) {
        Json v = Json::array();
        if (!list) return Json(nullptr);
        for (const fb::Bytes* b : *list) v.push_back(peer_list(b));
        return v;
      };
      scalar(s, "framework.peer_governor.allowlist", shown(allow_a), shown(allow_b));
    }
    registry(s, "framework.peer_governor.allowlist", allow_a, allow_b, peer_of, peer_list, false);
    registry(s, "framework.peer_governor.health", ga ? ga->health() : nullptr, gb ? gb->health() : nullptr,
             [](const auto* h) { return as_span(h->peer()); }, [](const auto* h) { return value_of(*h); }, true);
    scalar(s, "framework.peer_governor.failure_threshold", ga ? ga->failure_threshold() : 0,
           gb ? gb->failure_threshold() : 0);
    registry(s, "framework.backoff_table", fa->backoff_table(), fb_->backoff_table(),
             [](const auto* e) { return as_span(e->peer()); }, [](const auto* e) { return value_of(*e); }, true);
    list(s, "framework.pending_outbound", fa->pending_outbound(), fb_->pending_outbound(),
         [](const auto* e) { return value_of(*e); });
    scalar(s, "framework.peer_id_bytes", hex(as_span(fa->peer_id_bytes())), hex(as_span(fb_->peer_id_bytes())));
    scalar(s, "framework.next_command_id", fa->next_command_id(), fb_->next_command_id());
    scalar(s, "framework.next_exec_id", fa->next_exec_id(), fb_->next_exec_id());
    scalar(s, "framework.spec_version", fa->spec_version(), fb_->spec_version());
  }

  void bus() {
    map("bus", "bus.event_subscriptions", take(0, snap_[0]->bus())->event_subscriptions(),
        take(1, snap_[1]->bus())->event_subscriptions(), [](const auto* e) { return as_view(e->event_kind()); },
        [](const auto* e) { return Json(std::string(as_view(e->event_kind()))); },
        [](const auto* e) { return to_value([&](json::Emitter& out) { emit_u64s(out, e->subscribers()); }); });
  }

  void ingress() {
    list("ingress", "ingress", take(0, snap_[0]->ingress())->events(), take(1, snap_[1]->ingress())->events(),
         [](const auto* e) { return value_of(*e); });
  }

  void wire_states() {
    map("wire_states", "wire_states", take(0, snap_[0]->wire_states())->entries(),
        take(1, snap_[1]->wire_states())->entries(), [](const auto* e) { return e->component(); },
        [](const auto* e) { return Json(std::to_string(e->component())); },
        [](const auto* e) { return Json(hex(as_span(e->bytes()))); });
  }

  void pending_completions() {
    list("pending_completions", "pending_completions", take(0, snap_[0]->pending_completions())->entries(),
         take(1, snap_[1]->pending_completions())->entries(), [](const auto* e) { return value_of(*e); });
  }

  // Not part of the state: compared by checksum only.
  void unknown_sections() {
    for (const SectionPair& p : pairs_) {
      if (format::is_known_kind(p.kind) || p.equal()) continue;
      const Change change = !p.entry[0] ? Change::added : !p.entry[1] ? Change::removed : Change::changed;
      add(p.name, p.name, Key::none, nullptr, change, std::nullopt, std::nullopt,
          "a section of a kind this build does not know: not compared further");
    }
  }

  const Snapshot* snap_[2];
  std::vector<SectionPair> pairs_;
  std::map<std::string, std::size_t> by_name_;
  std::vector<const SectionEntry*> chunk_entries_[2];
  std::set<std::string> touched_;
  std::vector<Difference> differences_;
};

// Opens side 0 (a), then side 1 (b), with `open(side)`, and compares them.
template <class Open>
DiffOutcome open_and_diff(const Open& open) {
  Result<Snapshot> a = open(0);
  if (!a) return {DiffRefusal{0, std::move(a).error()}, {}};
  Result<Snapshot> b = open(1);
  if (!b) return {DiffRefusal{1, std::move(b).error()}, {}};
  try {
    return {std::nullopt, Differ(*a, *b).run()};
  } catch (DiffRefusal& refusal) {
    // An accessor's error: after full verification only invalid_argument,
    // a bug here; reported rather than thrown past the command.
    return {std::move(refusal), {}};
  }
}

}  // namespace

DiffOutcome diff_files(const std::string& a, const std::string& b, Load load) {
  return open_and_diff(
      [&](int side) { return open_snapshot(side == 0 ? a : b, Verification::full, std::nullopt, load); });
}

DiffOutcome diff_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return open_and_diff(
      [&](int side) { return Snapshot::from_bytes(side == 0 ? a : b, open_options(Verification::full)); });
}

}  // namespace bbsnap::tool
