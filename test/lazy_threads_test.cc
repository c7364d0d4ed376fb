// Thread safety of lazy mode (reader.h: "a Snapshot's const methods may be
// called from any number of threads at once, in every verification mode").
//
// Many threads open nothing: they share one lazily opened Snapshot, released
// together so that their first accesses to each section race, and hammer it
// in different orders with slot lookups, counters, the ingress view,
// check_section() and to_model(). In an intact file every access returns the
// right data; in a file with one damaged section (ingress metadata, one slot
// chunk's metadata, or one slot value) every access that touches the damage
// fails with the very error a single thread gets, in every thread and on
// every retry, and every other access returns the right data.
//
// scripts/sanitize runs this test under ThreadSanitizer:
//   unit_tests "[lazy_threads]"
#include <catch2/catch.hpp>

#include <algorithm>
#include <latch>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;

namespace {

constexpr unsigned kThreads = 8;
constexpr std::uint32_t kSlotsPerChunk = 32;

TransientSnapshot make_state() {
  TransientSnapshot s;
  for (std::uint64_t site = 0; site < 24; ++site) {
    for (std::uint64_t exec = 0; exec < 16; ++exec) {
      std::uint64_t n = (site * 7 + exec * 13) % 300;
      if (n % 11 == 0) {
        s.slot_table[{site, exec}] = std::nullopt;  // allocated, empty
      } else {
        Bytes value(n % 5 == 0 ? 0 : n);
        for (std::size_t i = 0; i < value.size(); ++i) value[i] = static_cast<std::uint8_t>(site * 31 + exec + i);
        s.slot_table[{site, exec}] = value;
      }
    }
  }
  for (std::uint64_t i = 0; i < 64; ++i) s.framework.counters["counter." + std::to_string(i)] = i * i + 1;
  for (std::uint64_t i = 0; i < 40; ++i) {
    switch (i % 5) {
      case 0: s.ingress.push_back(EnvelopeEvent{Bytes(i, 0xe0)}); break;
      case 1: s.ingress.push_back(AppEvent{"module", "input." + std::to_string(i), Bytes{1, 2, 3}}); break;
      case 2: s.ingress.push_back(InvokeEvent{"invoked", {{"a", Bytes{4}}, {"b", Bytes(i)}}}); break;
      case 3: s.ingress.push_back(TimerMaturedEvent{i * 1000}); break;
      default: s.ingress.push_back(CompletionEvent{i, {Bytes{5, 6}, Bytes{}}}); break;
    }
  }
  s.frontier = {{1, 2}, {3, 4}};
  s.bus.event_subscriptions["peer.up"] = {1, 2, 3};
  s.wire_states[7] = Bytes{7, 7};
  s.execution_state[5] = {3};
  s.pending_async[9] = PendingAsync{.op_ref = 1, .exec_id = 2, .output_sites = {3}, .deadline_ns = 4};
  return s;
}

bool same_error(const Error& a, const Error& b) {
  return a.code == b.code && a.section == b.section && a.offset == b.offset && a.message == b.message &&
         a.stored == b.stored && a.computed == b.computed;
}

// The ingress view as text: what every thread must read from it.
std::string ingress_text(const fb::Ingress& ingress) {
  std::string out;
  if (!ingress.events()) return out;
  for (const fb::IngressItem* item : *ingress.events()) {
    out += std::to_string(static_cast<int>(item->event_type())) + ":";
    switch (item->event_type()) {
      case fb::IngressEvent::Envelope: out += std::to_string(as_span(item->event_as_Envelope()->bytes()).size()); break;
      case fb::IngressEvent::AppEvent: out += as_view(item->event_as_AppEvent()->input_name()); break;
      case fb::IngressEvent::Invoke: out += std::to_string(item->event_as_Invoke()->inputs()->size()); break;
      case fb::IngressEvent::TimerMatured: out += std::to_string(item->event_as_TimerMatured()->at_ns()); break;
      case fb::IngressEvent::Completion: out += std::to_string(item->event_as_Completion()->cmd_id()); break;
      default: out += "?"; break;
    }
    out += ";";
  }
  return out;
}

enum class Damage { none, ingress_metadata, chunk_metadata, slot_value };

std::string damage_name(Damage d) {
  switch (d) {
    case Damage::none: return "intact";
    case Damage::ingress_metadata: return "ingress metadata damaged";
    case Damage::chunk_metadata: return "slot chunk 3 metadata damaged";
    case Damage::slot_value: return "one slot value damaged";
  }
  return "?";
}

// A file and what a reader of it must see.
struct Case {
  Damage damage = Damage::none;
  AlignedBuffer bytes;
  std::string path;  // the same bytes in a file, for Snapshot::open
  std::optional<Error> error;  // the error of the damaged part, as one thread sees it
  std::uint32_t damaged_chunk = ~0u;
  SlotKey damaged_slot{~0ull, ~0ull};
};

// What one thread saw that it should not have.
using Problems = std::vector<std::string>;

class Hammer {
 public:
  Hammer(const TransientSnapshot& state, const Case& c, std::string expected_ingress)
      : state_(state), case_(c), expected_ingress_(std::move(expected_ingress)) {
    for (const auto& [key, value] : state.slot_table) keys_.push_back(key);
  }

  // The chunk a lookup of `key` reads, if any: the first chunk whose last
  // key is not below it, when the key is not before that chunk's first key.
  std::optional<std::uint32_t> chunk_of(SlotKey key) const {
    auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
    if (it == keys_.end()) return std::nullopt;
    auto index = static_cast<std::size_t>(it - keys_.begin());
    if (index % kSlotsPerChunk == 0 && *it != key) return std::nullopt;  // in the gap before a chunk
    return static_cast<std::uint32_t>(index / kSlotsPerChunk);
  }

  // One thread's work: every operation, in an order of its own.
  Problems run(const Snapshot& s, unsigned thread, unsigned round) const {
    enum Kind { slot, counter, ingress, to_model, check };
    std::vector<std::pair<Kind, std::size_t>> ops;
    for (std::size_t i = 0; i < keys_.size() + 24; ++i) ops.emplace_back(slot, i);
    for (std::size_t i = 0; i < 66; ++i) ops.emplace_back(counter, i);
    for (std::size_t i = 0; i < 4; ++i) ops.emplace_back(ingress, i);
    for (std::size_t i = 0; i < s.sections().size(); ++i) ops.emplace_back(check, i);
    ops.emplace_back(to_model, 0);
    std::mt19937 rng(thread * 7919 + round);
    std::shuffle(ops.begin(), ops.end(), rng);
    // Some threads go for the damage and the large sections first.
    if (thread % 2 == 0) {
      std::stable_partition(ops.begin(), ops.end(), [](const auto& op) { return op.first != slot; });
    }

    Problems problems;
    auto expect_error = [&](const Error& got, const std::string& what) {
      if (!case_.error) {
        problems.push_back(what + ": unexpected error " + got.to_string());
      } else if (!same_error(got, *case_.error)) {
        problems.push_back(what + ": error " + got.to_string() + ", a single thread got " + case_.error->to_string());
      }
    };
    for (const auto& [kind, i] : ops) {
      switch (kind) {
        case slot: {
          // Every key of the table, and keys it does not hold (in gaps and inside chunks).
          SlotKey key = i < keys_.size() ? keys_[i] : SlotKey{i - keys_.size(), 1000 + i};
          std::string what = "slot (" + std::to_string(key.site) + ", " + std::to_string(key.exec) + ")";
          Result<SlotLookup> r = s.slot(key);
          bool damaged = (case_.damage == Damage::chunk_metadata && chunk_of(key) == case_.damaged_chunk) ||
                         (case_.damage == Damage::slot_value && key == case_.damaged_slot);
          if (damaged) {
            if (r) {
              problems.push_back(what + ": read from a damaged part");
            } else {
              expect_error(r.error(), what);
            }
            break;
          }
          if (!r) {
            problems.push_back(what + ": " + r.error().to_string());
            break;
          }
          auto it = state_.slot_table.find(key);
          bool right = it == state_.slot_table.end()
                           ? r->state == SlotLookup::State::missing
                           : !it->second ? r->state == SlotLookup::State::empty
                                         : r->state == SlotLookup::State::value &&
                                               std::ranges::equal(r->value, *it->second);
          if (!right) problems.push_back(what + ": wrong value");
          break;
        }
        case counter: {
          std::string name = "counter." + std::to_string(i);
          Result<std::optional<std::uint64_t>> r = s.counter(name);
          auto it = state_.framework.counters.find(name);
          std::optional<std::uint64_t> expected;
          if (it != state_.framework.counters.end()) expected = it->second;
          if (!r) {
            problems.push_back(name + ": " + r.error().to_string());
          } else if (*r != expected) {
            problems.push_back(name + ": wrong value");
          }
          break;
        }
        case ingress: {
          Result<const fb::Ingress*> r = s.ingress();
          if (case_.damage == Damage::ingress_metadata) {
            if (r) {
              problems.push_back("ingress(): read a damaged section");
            } else {
              expect_error(r.error(), "ingress()");
            }
          } else if (!r) {
            problems.push_back("ingress(): " + r.error().to_string());
          } else if (ingress_text(**r) != expected_ingress_) {
            problems.push_back("ingress(): wrong events");
          }
          break;
        }
        case check: {
          Status st = s.check_section(static_cast<std::uint32_t>(i));
          const format::SectionEntry& e = s.sections()[i];
          bool damaged = (case_.damage == Damage::ingress_metadata &&
                          e.kind == static_cast<std::uint32_t>(format::SectionKind::ingress)) ||
                         (case_.damage == Damage::chunk_metadata && i == damaged_section(s));
          if (damaged) {
            if (st) {
              problems.push_back("check_section(" + std::to_string(i) + ") passed a damaged section");
            } else {
              expect_error(st.error(), "check_section(" + std::to_string(i) + ")");
            }
          } else if (!st) {
            problems.push_back("check_section(" + std::to_string(i) + "): " + st.error().to_string());
          }
          break;
        }
        case to_model: {
          Result<TransientSnapshot> m = s.to_model();
          if (case_.damage != Damage::none) {
            if (m) {
              problems.push_back("to_model() read a damaged file");
            } else {
              expect_error(m.error(), "to_model()");
            }
          } else if (!m) {
            problems.push_back("to_model(): " + m.error().to_string());
          } else if (*m != state_) {
            problems.push_back("to_model(): a different state");
          }
          break;
        }
      }
    }
    return problems;
  }

  // The section table index of the damaged chunk.
  std::size_t damaged_section(const Snapshot& s) const {
    std::size_t chunk = 0;
    for (std::size_t i = 0; i < s.sections().size(); ++i) {
      if (s.sections()[i].kind != static_cast<std::uint32_t>(format::SectionKind::slot_chunk)) continue;
      if (chunk++ == case_.damaged_chunk) return i;
    }
    return ~std::size_t{0};
  }

 private:
  const TransientSnapshot& state_;
  const Case& case_;
  std::string expected_ingress_;
  std::vector<SlotKey> keys_;  // sorted
};

// The section entry of the first section of `kind` (the `nth` slot chunk).
const format::SectionEntry& section_of(const Snapshot& s, format::SectionKind kind, std::uint32_t nth = 0) {
  for (const format::SectionEntry& e : s.sections()) {
    if (e.kind == static_cast<std::uint32_t>(kind) && nth-- == 0) return e;
  }
  FAIL("no such section");
  return s.sections()[0];
}

}  // namespace

TEST_CASE("many threads share one lazily opened snapshot, intact or with one damaged section", "[lazy_threads]") {
  const TransientSnapshot state = make_state();
  WriteOptions write_options;
  write_options.durable = false;
  write_options.slots_per_chunk = kSlotsPerChunk;
  Result<AlignedBuffer> encoded = encode_snapshot(state, write_options);
  REQUIRE_OK(encoded);
  Result<Snapshot> intact = Snapshot::from_bytes(encoded->span());  // fully verified
  REQUIRE_OK(intact);
  REQUIRE(intact->slot_chunk_count() == (state.slot_table.size() + kSlotsPerChunk - 1) / kSlotsPerChunk);
  const std::string expected_ingress = ingress_text(**intact->ingress());
  bbsnap::testing::TempDir dir;

  std::vector<Case> cases;
  for (Damage damage : {Damage::none, Damage::ingress_metadata, Damage::chunk_metadata, Damage::slot_value}) {
    Case c;
    c.damage = damage;
    std::size_t at = 0;
    switch (damage) {
      case Damage::none: break;
      case Damage::ingress_metadata: {
        const format::SectionEntry& e = section_of(*intact, format::SectionKind::ingress);
        at = e.offset + e.payload_length + (e.length - e.payload_length) / 2;
        break;
      }
      case Damage::chunk_metadata: {
        c.damaged_chunk = 3;
        const format::SectionEntry& e = section_of(*intact, format::SectionKind::slot_chunk, 3);
        at = e.offset + e.payload_length + (e.length - e.payload_length) / 2;
        break;
      }
      case Damage::slot_value: {
        c.damaged_slot = {10, 6};
        Result<SlotLookup> v = intact->slot(c.damaged_slot);
        REQUIRE_OK(v);
        REQUIRE(v->value.size() > 2);
        at = static_cast<std::size_t>(v->value.data() - intact->bytes().data()) + 1;
        break;
      }
    }
    c.bytes = damage == Damage::none ? AlignedBuffer::copy_of(encoded->span())
                                     : bbsnap::testing::with_flipped_byte(encoded->span(), at, 0x10);
    c.path = dir.file(damage_name(damage) + ".bbsnap");
    bbsnap::testing::write_file(c.path, Bytes(c.bytes.span().begin(), c.bytes.span().end()));
    // What one thread sees of the damage, on a snapshot of its own.
    Result<Snapshot> alone = Snapshot::from_bytes(c.bytes.span(), {.verification = Verification::lazy});
    REQUIRE_OK(alone);
    if (damage == Damage::ingress_metadata) {
      REQUIRE_FALSE(alone->ingress().ok());
      c.error = alone->ingress().error();
      CHECK(c.error->section == "ingress");
    } else if (damage == Damage::chunk_metadata) {
      REQUIRE_FALSE(alone->slot_chunk(3).ok());
      c.error = alone->slot_chunk(3).error();
      CHECK(c.error->section == "slot_chunk[3]");
    } else if (damage == Damage::slot_value) {
      REQUIRE_FALSE(alone->slot(c.damaged_slot).ok());
      c.error = alone->slot(c.damaged_slot).error();
      CHECK(c.error->section.starts_with("slot_chunk["));
    }
    if (c.error) CHECK(c.error->code == ErrorCode::checksum_mismatch);
    cases.push_back(std::move(c));
  }

  for (const Case& c : cases) {
    INFO(damage_name(c.damage));
    Hammer hammer(state, c, expected_ingress);
    // A fresh snapshot each round, so that the threads race for the first
    // check of every section; mapped from the file or read from memory.
    for (unsigned round = 0; round < 6; ++round) {
      INFO("round " << round);
      OpenOptions options;
      options.verification = Verification::lazy;
      Result<Snapshot> shared = round % 2 == 0 ? Snapshot::open(c.path, options)
                                               : Snapshot::from_bytes(c.bytes.span(), options);
      REQUIRE_OK(shared);
      std::vector<Problems> problems(kThreads);
      std::latch start(kThreads);
      {
        std::vector<std::jthread> threads;
        for (unsigned t = 0; t < kThreads; ++t) {
          threads.emplace_back([&, t] {
            start.arrive_and_wait();
            problems[t] = hammer.run(*shared, t, round);
          });
        }
      }  // joined
      for (unsigned t = 0; t < kThreads; ++t) {
        if (problems[t].empty()) continue;
        std::string some;
        for (std::size_t i = 0; i < std::min<std::size_t>(problems[t].size(), 5); ++i) some += "\n  " + problems[t][i];
        FAIL_CHECK("thread " << t << " saw " << problems[t].size() << " problems, e.g.:" << some);
      }
      // Afterwards, one more look from this thread: the damage is still reported alike.
      Result<TransientSnapshot> m = shared->to_model();
      if (c.error) {
        REQUIRE_FALSE(m.ok());
        CHECK(same_error(m.error(), *c.error));
      } else {
        REQUIRE_OK(m);
        CHECK(*m == state);
      }
    }
  }
}
