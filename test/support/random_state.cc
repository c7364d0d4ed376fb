#include "random_state.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bbsnap::testing {
namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kU32Max = std::numeric_limits<std::uint32_t>::max();

// Pieces that stress JSON escaping and UTF-8 handling. Each is a whole UTF-8
// sequence, so any concatenation of them is valid UTF-8.
constexpr std::string_view kTrickyPieces[] = {
    "\"", "\\", "/", std::string_view("\0", 1), "\x01", "\x1f", "\x7f",
    "\b", "\f", "\n", "\r", "\t",
    "\xEF\xBB\xBF",                                        // U+FEFF
    "\xC2\x80", "\xC3\xA9", "\xDF\xBF",                    // 2 bytes: U+0080, é, U+07FF
    "\xE0\xA0\x80", "\xE2\x82\xAC", "\xE2\x80\xA8",        // 3 bytes: U+0800, €, U+2028
    "\xED\x9F\xBF", "\xEE\x80\x80", "\xEF\xBF\xBF",        // around the surrogates, U+FFFF
    "\xF0\x90\x80\x80", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",  // 4 bytes: U+10000, 😀, U+10FFFF
};

constexpr std::string_view kPhases[] = {"Start", "Resume", "Stop"};

// All draws go through here. Braced initialisers below are evaluated left to
// right, which keeps the draw order (and so the state) fixed; function
// arguments would not.
class Gen {
 public:
  Gen(std::uint64_t seed, const RandomShape& shape) : rng_(seed), shape_(shape) {}

  std::uint64_t word() { return rng_(); }
  // Modulo bias does not matter here; reproducibility does.
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  bool one_in(std::uint64_t n) { return below(n) == 0; }

  // Collection sizes: empty one time in eight, otherwise 0..max.
  std::size_t count(std::size_t max) { return one_in(8) ? 0 : below(max + 1); }
  std::size_t outer() { return count(shape_.max_entries); }
  std::size_t inner() { return count(shape_.max_entries / 8 + 1); }

  std::uint64_t u64() {
    switch (below(10)) {
      case 0: return 0;
      case 1: return 1;
      case 2: return kU64Max - 1;
      case 3: return kU64Max;
      case 4: return below(1000);
      default: return word();
    }
  }
  std::uint32_t u32() {
    switch (below(10)) {
      case 0: return 0;
      case 1: return 1;
      case 2: return kU32Max - 1;
      case 3: return kU32Max;
      case 4: return static_cast<std::uint32_t>(below(1000));
      default: return static_cast<std::uint32_t>(word());
    }
  }

  Bytes bytes() { return bytes_of(count(shape_.max_bytes)); }
  Bytes bytes_of(std::size_t n) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; i += 8) {  // 8 bytes per draw: large values stay cheap
      const std::uint64_t w = word();
      std::memcpy(b.data() + i, &w, std::min<std::size_t>(8, n - i));
    }
    return b;
  }

  std::string text() {
    std::string s;
    for (std::size_t n = count(12); n > 0; --n) {
      if (one_in(3)) {
        s += kTrickyPieces[below(std::size(kTrickyPieces))];
      } else {
        s += static_cast<char>(0x20 + below(95));  // printable ASCII, quote and backslash included
      }
    }
    return s;
  }

  // Names and peers repeat: a third of the draws reuse an earlier one.
  std::string name() { return pick(names_, [this] { return text(); }); }
  Bytes peer() { return pick(peers_, [this] { return bytes(); }); }

  std::vector<std::uint64_t> u64s(std::size_t n) {
    std::vector<std::uint64_t> v;
    for (; n > 0; --n) v.push_back(!v.empty() && one_in(4) ? v[below(v.size())] : u64());
    return v;
  }
  std::vector<Bytes> peers(std::size_t n) {
    std::vector<Bytes> v;
    for (; n > 0; --n) v.push_back(peer());
    return v;
  }
  std::vector<Bytes> byte_list(std::size_t n) {
    std::vector<Bytes> v;
    for (; n > 0; --n) v.push_back(bytes());
    return v;
  }
  std::vector<NamedBytes> named_bytes(std::size_t n) {
    std::vector<NamedBytes> v;
    for (; n > 0; --n) v.push_back(NamedBytes{name(), bytes()});
    return v;
  }

  const RandomShape& shape() const { return shape_; }

 private:
  template <typename T, typename Make>
  T pick(std::vector<T>& pool, Make make) {
    if (!pool.empty() && one_in(3)) return pool[below(pool.size())];
    pool.push_back(make());
    return pool.back();
  }

  std::mt19937_64 rng_;
  RandomShape shape_;
  std::vector<std::string> names_;
  std::vector<Bytes> peers_;
};

SlotValue slot_value(Gen& g) {
  switch (g.below(4)) {
    case 0: return std::nullopt;
    case 1: return Bytes{};
    default: return g.bytes();
  }
}

std::optional<std::uint64_t> deadline(Gen& g) {
  switch (g.below(5)) {
    case 0: return std::nullopt;
    case 1: return 0;
    case 2: return kU64Max;
    default: return g.u64();
  }
}

IngressEvent ingress_event(Gen& g) {
  switch (g.below(5)) {
    case 0: return EnvelopeEvent{g.bytes()};
    case 1: return AppEvent{g.name(), g.name(), g.bytes()};
    case 2: return InvokeEvent{g.name(), g.named_bytes(g.inner())};
    case 3: return TimerMaturedEvent{g.u64()};
    default: return CompletionEvent{g.u64(), g.byte_list(g.inner())};
  }
}

void fill_engine(Gen& g, TransientSnapshot& s) {
  for (std::size_t n = g.outer(); n > 0; --n) {
    if (!s.frontier.empty() && g.one_in(4)) {
      s.frontier.push_back(s.frontier[g.below(s.frontier.size())]);  // a queue may repeat
    } else {
      s.frontier.push_back({g.u64(), g.u64()});
    }
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    const SlotKey key{g.u64(), g.u64()};
    s.slot_table[key] = slot_value(g);
  }
  if (g.shape().max_large_bytes > 0 && g.one_in(16)) {
    const SlotKey key{g.word(), g.word()};
    s.slot_table[key] = g.bytes_of(1 + g.below(g.shape().max_large_bytes));
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    const std::uint64_t cmd = g.u64();
    s.pending_async[cmd] = PendingAsync{g.u64(), g.u64(), g.u64s(g.inner()), deadline(g)};
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    const std::uint64_t exec = g.u64();
    s.execution_state[exec] = ExecutionState{g.u32()};
  }
}

void fill_framework(Gen& g, Framework& f) {
  for (std::size_t n = g.outer(); n > 0; --n) {
    std::string key = g.name();
    f.counters[std::move(key)] = g.u64();
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    f.fired_phases.push_back(g.one_in(2) ? std::string(kPhases[g.below(3)]) : g.name());
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    f.address_book.push_back(AddressBookEntry{g.peer(), g.byte_list(g.inner()), g.u64()});
  }
  PeerGovernor& gov = f.peer_governor;
  gov.blocklist = g.peers(g.outer());
  switch (g.below(3)) {
    case 0: gov.allowlist = std::nullopt; break;  // open policy
    case 1: gov.allowlist = std::vector<Bytes>{}; break;  // nobody allowed
    default: gov.allowlist = g.peers(g.outer()); break;
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    gov.health.push_back(PeerHealth{g.peer(), g.u32(), g.u64(), g.one_in(2)});
  }
  gov.failure_threshold = g.u32();
  for (std::size_t n = g.outer(); n > 0; --n) {
    f.backoff_table.push_back(BackoffEntry{g.peer(), g.u32(), g.u64(), g.u64()});
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    f.pending_outbound.push_back(PendingOutbound{g.bytes(), g.one_in(2)});
  }
  f.peer_id_bytes = g.bytes();
  f.next_command_id = g.u64();
  f.next_exec_id = g.u64();
  f.spec_version = g.one_in(8) ? g.u32() : kCurrentSpecVersion;
}

void fill_rest(Gen& g, TransientSnapshot& s) {
  for (std::size_t n = g.outer(); n > 0; --n) {
    std::string kind = g.name();
    s.bus.event_subscriptions[std::move(kind)] = g.u64s(g.inner());
  }
  for (std::size_t n = g.outer(); n > 0; --n) s.ingress.push_back(ingress_event(g));
  for (std::size_t n = g.outer(); n > 0; --n) {
    const std::uint32_t component = g.u32();
    s.wire_states[component] = g.bytes();
  }
  for (std::size_t n = g.outer(); n > 0; --n) {
    s.pending_completions.push_back(PendingCompletion{g.u64(), g.named_bytes(g.inner())});
  }
}

Bytes hex(std::string_view h) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  Bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    b.push_back(static_cast<std::uint8_t>(nibble(h[i]) << 4 | nibble(h[i + 1])));
  }
  return b;
}

}  // namespace

TransientSnapshot random_state(std::uint64_t seed, const RandomShape& shape) {
  Gen g(seed, shape);
  TransientSnapshot s;
  if (g.one_in(32)) return s;  // the empty document `{}`
  fill_engine(g, s);
  fill_framework(g, s.framework);
  fill_rest(g, s);
  return s;
}

TransientSnapshot full_example_state() {
  const Bytes peer_ab = hex("1220abababababababababababababababababababababababababababababababab");
  const Bytes peer_dead = hex("0004deadbeef");
  TransientSnapshot s;
  s.frontier = {{1, 2}, {0, 0}, {kU64Max, kU64Max}, {1, 2}};
  s.slot_table = {
      {{1, 1}, hex("00ff10")},
      {{1, 2}, std::nullopt},
      {{2, 0}, Bytes{}},
      {{kU64Max, kU64Max}, hex("deadbeef")},
  };
  s.pending_async = {
      {7, {3, 1, {1, 2, 3}, std::nullopt}},
      {8, {4, 2, {}, 0}},
      {kU64Max, {kU64Max, kU64Max, {kU64Max}, kU64Max}},
  };
  s.execution_state = {{0, {0}}, {1, {kU32Max}}};

  Framework& f = s.framework;
  f.counters = {
      {"", 0},
      {"bytes_in", 123456789},
      {"peers.connected", 4},
      {"\xC3\xA9v\xC3\xA9nements", kU64Max},  // "événements"
  };
  f.fired_phases = {"Start", "Resume", "Start"};
  f.address_book = {
      {peer_ab, {hex("0401020304060fa1"), hex("047f000001060fa2")}, 2},
      {peer_dead, {}, 0},
  };
  f.peer_governor.blocklist = {
      hex("1220cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd")};
  f.peer_governor.allowlist = std::vector<Bytes>{};  // [] (nobody allowed), not null
  f.peer_governor.health = {
      {peer_ab, 3, 1700000000000000000, true},
      {peer_dead, 0, 0, false},
  };
  f.peer_governor.failure_threshold = 5;
  f.backoff_table = {{peer_ab, 3, 1700000000000000000, 1700000001000000000}};
  f.pending_outbound = {{hex("0a0568656c6c6f"), false}, {Bytes{}, true}};
  f.peer_id_bytes = hex("1220efefefefefefefefefefefefefefefefefefefefefefefefefefefefefefefef");
  f.next_command_id = 42;
  f.next_exec_id = kU64Max;
  f.spec_version = 1;

  s.bus.event_subscriptions = {{"peer.down", {1, 2}}, {"peer.up", {}}, {"tick", {kU64Max}}};
  s.ingress = {
      EnvelopeEvent{hex("0a0568656c6c6f")},
      AppEvent{"router", "in", Bytes{}},
      InvokeEvent{"m\xC3\xBCnchen",  // "münchen"
                  {{"a", hex("01")}, {"a", Bytes{}}, {"b\"q", hex("ff")}}},
      TimerMaturedEvent{0},
      CompletionEvent{9, {Bytes{}, hex("00"), hex("0102")}},
  };
  s.wire_states = {{0, Bytes{}}, {3, hex("0102")}, {kU32Max, hex("ff")}};
  s.pending_completions = {
      {9, {{"out", hex("2a")}, {"err", Bytes{}}}},
      {10, {}},
  };
  return s;
}

TransientSnapshot threaded_example_state() {
  TransientSnapshot state = full_example_state();
  for (std::uint64_t i = 0; i < 30; ++i) state.slot_table[{1u << 20, i}] = Bytes((300 << 10) + i, static_cast<std::uint8_t>(i));
  return state;
}

}  // namespace bbsnap::testing
