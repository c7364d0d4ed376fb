#include "workload.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bbsnap::testing {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000;
constexpr std::uint32_t kFailureThreshold = 5;

constexpr std::string_view kModules[] = {"router", "store", "gossip", "dht",
                                         "metrics", "sync", "auth", "ledger"};
constexpr std::string_view kInputs[] = {"in", "request", "tick", "config", "peer_event"};
constexpr std::string_view kSubsystems[] = {"engine", "bus", "transport", "peer",
                                            "scheduler", "dedup", "module.router", "module.store"};
constexpr std::string_view kMetrics[] = {"messages_in", "messages_out", "bytes_in", "bytes_out",
                                         "errors", "retries", "latency_ns_sum", "polls"};
constexpr std::string_view kEventKinds[] = {"peer.up", "peer.down", "tick", "lifecycle",
                                            "route.changed", "store.committed"};

// Stateless 64-bit mixer (the splitmix64 finaliser).
std::uint64_t mix64(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Braced initialisers below are evaluated left to right, which keeps the draw
// order (and so the state) fixed; function arguments would not.
class Gen {
 public:
  explicit Gen(std::uint64_t seed) : rng_(seed), fill_(mix64(seed)) {}

  std::uint64_t word() { return rng_(); }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : rng_() % n; }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  bool one_in(std::uint64_t n) { return below(n) == 0; }
  template <typename T, std::size_t N>
  std::string pick(const T (&names)[N]) { return std::string(names[below(N)]); }

  // Payload bytes: a splitmix64 stream, 8 bytes per step.
  Bytes payload(std::size_t n) {
    Bytes b(n);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      const std::uint64_t w = mix64(fill_ += 0x9E3779B97F4A7C15ULL);
      std::memcpy(b.data() + i, &w, 8);
    }
    if (i < n) {
      const std::uint64_t w = mix64(fill_ += 0x9E3779B97F4A7C15ULL);
      std::memcpy(b.data() + i, &w, n - i);
    }
    return b;
  }

  // A sha2-256 multihash, the usual PeerId::to_bytes() shape.
  Bytes peer_id() {
    Bytes b = payload(34);
    b[0] = 0x12;
    b[1] = 0x20;
    return b;
  }

  // A multiaddr: /ip4/../tcp/.., /ip4/../udp/../quic-v1 or /ip6/../tcp/...
  Bytes address() {
    Bytes ip;
    switch (below(3)) {
      case 0: ip = payload(4); return {0x04, ip[0], ip[1], ip[2], ip[3], 0x06, 0x0f, 0xa1};
      case 1: ip = payload(4); return {0x04, ip[0], ip[1], ip[2], ip[3], 0x91, 0x02, 0x11, 0x5c, 0xcc, 0x03};
      default:
        ip = payload(16);
        ip.insert(ip.begin(), 0x29);
        ip.insert(ip.end(), {0x06, 0x0f, 0xa1});
        return ip;
    }
  }

 private:
  std::mt19937_64 rng_;
  std::uint64_t fill_;
};

// Ids shared between the parts of the state, so they refer to each other.
struct Ids {
  std::uint64_t now_ns = 0;
  std::uint64_t first_exec = 0;  // executions are first_exec .. first_exec + executions - 1
  std::uint64_t executions = 1;
  std::uint64_t sites = 1;       // site ids are below 4 * sites + 1
  std::uint64_t first_cmd = 0;   // pending async commands are first_cmd ..
};

std::uint64_t site_of_group(std::uint64_t group) { return 1 + group * 4 + (mix64(group) & 3); }

std::uint64_t any_site(Gen& g, const Ids& ids) { return site_of_group(g.below(ids.sites)); }
std::uint64_t any_exec(Gen& g, const Ids& ids) { return ids.first_exec + g.below(ids.executions); }

std::vector<std::uint64_t> some_sites(Gen& g, const Ids& ids, std::uint64_t lo, std::uint64_t hi) {
  std::vector<std::uint64_t> v(g.between(lo, hi));
  for (auto& site : v) site = any_site(g, ids);
  return v;
}

// Slots are laid out as `executions` execs per site, in key order so every
// insertion is at the end of the map. Sizes come in pairs mean - d, mean + d
// (d <= mean / 2), so the total is exact and every size is 0.5x..1.5x the mean.
void fill_slots(Gen& g, const WorkloadSpec& spec, const Ids& ids, TransientSnapshot& s) {
  enum : std::uint8_t { kSized, kNone, kEmpty };
  std::vector<std::uint8_t> kind(spec.slot_count);
  std::uint64_t sized = 0;
  for (auto& k : kind) {
    const std::uint64_t r = g.below(100);
    k = r < 2 ? kNone : r < 3 ? kEmpty : kSized;
    sized += k == kSized;
  }
  const std::uint64_t mean = sized ? spec.slot_bytes / sized : 0;
  const std::uint64_t half = mean / 2;
  std::uint64_t extra = sized ? spec.slot_bytes % sized : 0;  // +1 byte for the first `extra` values
  std::uint64_t partner = 0;
  bool have_partner = false;
  for (std::uint64_t i = 0; i < spec.slot_count; ++i) {
    const std::uint64_t group = i / ids.executions;
    const SlotKey key{site_of_group(group), ids.first_exec + i % ids.executions};
    SlotValue value;
    if (kind[i] == kEmpty) {
      value = Bytes{};
    } else if (kind[i] == kSized) {
      std::uint64_t size = mean;
      if (have_partner) {
        size = partner;
        have_partner = false;
      } else if (sized > 1) {  // the last unpaired value keeps the mean
        const std::uint64_t d = g.below(2 * half + 1);
        size = mean - half + d;
        partner = mean + half - d;
        have_partner = true;
      }
      --sized;
      if (extra > 0) --extra, ++size;
      value = g.payload(size);
    }
    s.slot_table.emplace_hint(s.slot_table.end(), key, std::move(value));
  }
}

void fill_engine(Gen& g, const WorkloadSpec& spec, const Ids& ids, TransientSnapshot& s) {
  for (std::uint64_t n = ids.executions * 4; n > 0; --n) {
    s.frontier.push_back({any_site(g, ids), any_exec(g, ids)});
  }
  for (std::uint64_t k = 0; k < spec.pending_async; ++k) {
    const bool no_deadline = g.one_in(4);
    s.pending_async[ids.first_cmd + k] = PendingAsync{
        g.below(4096), any_exec(g, ids), some_sites(g, ids, 1, 4),
        no_deadline ? std::nullopt
                    : std::optional<std::uint64_t>(ids.now_ns + g.between(kSecond / 1000, 30 * kSecond))};
  }
  for (std::uint64_t k = 0; k < ids.executions; ++k) {
    s.execution_state.emplace_hint(s.execution_state.end(), ids.first_exec + k,
                                   ExecutionState{static_cast<std::uint32_t>(g.below(64))});
  }
  for (std::uint64_t k = 0; k < spec.pending_async / 8; ++k) {
    PendingCompletion c{ids.first_cmd + g.below(spec.pending_async), {}};
    for (std::uint64_t r = g.between(1, 3); r > 0; --r) {
      c.results.push_back(NamedBytes{g.one_in(4) ? "err" : "out", g.payload(g.between(8, 256))});
    }
    s.pending_completions.push_back(std::move(c));
  }
}

void fill_peers(Gen& g, const WorkloadSpec& spec, const Ids& ids, Framework& f) {
  PeerGovernor& gov = f.peer_governor;
  gov.failure_threshold = kFailureThreshold;
  gov.allowlist.emplace();
  for (std::uint32_t p = 0; p < spec.peers; ++p) {
    const Bytes id = g.peer_id();
    AddressBookEntry entry{id, {}, g.between(1, 4)};
    for (std::uint64_t a = g.between(1, 3); a > 0; --a) entry.addresses.push_back(g.address());
    f.address_book.push_back(std::move(entry));

    const auto failures = static_cast<std::uint32_t>(g.one_in(8) ? g.between(1, kFailureThreshold + 2) : 0);
    const std::uint64_t last_event = ids.now_ns - g.below(600 * kSecond);
    gov.health.push_back(PeerHealth{id, failures, last_event, failures >= kFailureThreshold});
    if (failures > 0) {  // exponential backoff from the last failure
      f.backoff_table.push_back(BackoffEntry{id, failures, last_event, last_event + (kSecond << failures)});
    }
    if (g.one_in(100)) gov.blocklist.push_back(id);
    if (g.one_in(4)) gov.allowlist->push_back(id);
  }
  for (std::uint32_t k = 0; k < spec.peers / 16; ++k) {
    f.pending_outbound.push_back(PendingOutbound{g.payload(g.between(64, 1024)), g.one_in(4)});
  }
}

void fill_framework(Gen& g, const WorkloadSpec& spec, const Ids& ids, Framework& f) {
  for (std::uint32_t k = 0; k < spec.counters; ++k) {
    std::string name = std::string(kSubsystems[k % 8]) + "." + std::string(kMetrics[k / 8 % 8]);
    if (k >= 64) name += ".shard" + std::to_string(k / 64);  // keeps names unique past 64
    f.counters[std::move(name)] = g.below(std::uint64_t{1} << g.below(48));
  }
  f.fired_phases = {"Start", "Resume"};
  fill_peers(g, spec, ids, f);
  f.peer_id_bytes = g.peer_id();
  f.next_command_id = ids.first_cmd + spec.pending_async;
  f.next_exec_id = ids.first_exec + ids.executions;
}

void fill_bus(Gen& g, const WorkloadSpec& spec, const Ids& ids, TransientSnapshot& s) {
  for (std::uint32_t k = 0; k < spec.counters / 10; ++k) {
    std::string kind = k < std::size(kEventKinds)
                           ? std::string(kEventKinds[k])
                           : "module." + std::string(kModules[k % 8]) + ".out" + std::to_string(k);
    s.bus.event_subscriptions[std::move(kind)] = some_sites(g, ids, 0, 16);
  }
  for (std::uint32_t c = 0; c < std::size(kModules); ++c) {
    s.wire_states[c + 1] = g.payload(g.between(32, 256));
  }
}

IngressEvent ingress_event(Gen& g, const Ids& ids, std::uint64_t variant) {
  switch (variant) {
    case 0: return EnvelopeEvent{g.payload(g.between(64, 1024))};
    case 1: return AppEvent{g.pick(kModules), g.pick(kInputs), g.payload(g.between(16, 512))};
    case 2: {
      InvokeEvent e{g.pick(kModules), {}};
      for (std::uint64_t n = g.between(1, 4); n > 0; --n) {
        e.inputs.push_back(NamedBytes{g.pick(kInputs), g.payload(g.between(8, 256))});
      }
      return e;
    }
    case 3: return TimerMaturedEvent{ids.now_ns + g.below(10 * kSecond)};
    default: {
      CompletionEvent e{g.word() % ids.first_cmd, {}};  // commands finished before the snapshot
      for (std::uint64_t n = g.between(1, 3); n > 0; --n) e.results.push_back(g.payload(g.between(8, 256)));
      return e;
    }
  }
}

void fill_ingress(Gen& g, const WorkloadSpec& spec, const Ids& ids, TransientSnapshot& s) {
  // Envelopes 40%, app events 20%, invokes 15%, timers 15%, completions 10%.
  constexpr std::uint64_t kVariantOf[20] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4};
  for (std::uint32_t k = 0; k < spec.ingress_events; ++k) {
    const std::uint64_t variant = k < 5 ? k : kVariantOf[g.below(20)];  // the first five: one of each
    s.ingress.push_back(ingress_event(g, ids, variant));
  }
}

// The framework/bus/ingress part shared by small, medium, large and many_small.
WorkloadSpec shared_part() {
  WorkloadSpec w;
  w.peers = 500;
  w.counters = 200;
  w.ingress_events = 256;
  w.pending_async = 128;
  w.executions = 64;
  w.seed = 1;
  return w;
}

}  // namespace

TransientSnapshot make_workload(const WorkloadSpec& spec) {
  Gen g(spec.seed);
  Ids ids;
  ids.now_ns = 1'700'000'000 * kSecond + g.below(100'000'000 * kSecond);
  ids.executions = std::max<std::uint64_t>(spec.executions, 1);
  ids.first_exec = 1'000 + g.below(1'000'000);
  ids.sites = std::max<std::uint64_t>((spec.slot_count + ids.executions - 1) / ids.executions, 1);
  ids.first_cmd = 1'000 + g.below(1'000'000);

  TransientSnapshot s;
  Gen slot_gen(mix64(spec.seed + 1));  // its own stream: the rest is identical whatever the slot count
  fill_slots(slot_gen, spec, ids, s);
  fill_engine(g, spec, ids, s);
  fill_framework(g, spec, ids, s.framework);
  fill_bus(g, spec, ids, s);
  fill_ingress(g, spec, ids, s);
  return s;
}

WorkloadSpec workload_demo() {
  WorkloadSpec w;
  w.slot_bytes = 256ULL << 20;
  w.slot_count = 40'000;
  w.peers = 3'000;
  w.counters = 200;
  w.ingress_events = 1'000;
  w.pending_async = 512;
  w.executions = 256;
  w.seed = 1;
  return w;
}

WorkloadSpec workload_small() {
  WorkloadSpec w = shared_part();
  w.slot_bytes = 832ULL << 10;
  w.slot_count = 208;
  return w;
}

WorkloadSpec workload_medium() {
  WorkloadSpec w = shared_part();
  w.slot_bytes = 64ULL << 20;
  w.slot_count = 16'384;
  return w;
}

WorkloadSpec workload_large() {
  WorkloadSpec w = shared_part();
  w.slot_bytes = 1ULL << 30;
  w.slot_count = 262'144;
  return w;
}

WorkloadSpec workload_many_small() {
  WorkloadSpec w = shared_part();
  w.slot_bytes = 64'000'000;
  w.slot_count = 1'000'000;
  return w;
}

}  // namespace bbsnap::testing
