// Realistic synthetic runtime states of a requested size, for the demo and the
// benchmarks. The same spec gives the same state everywhere: structure comes
// from std::mt19937_64 words, payload bytes from a splitmix64 stream (cheap
// enough to fill 1 GiB in well under a second).
#pragma once

#include <cstdint>

#include "bbsnap/model.h"

namespace bbsnap::testing {

struct WorkloadSpec {
  std::uint64_t slot_bytes = 0;        // total bytes of all slot values, hit exactly
  std::uint64_t slot_count = 0;        // ~2% None, ~1% empty, the rest 0.5x..1.5x of the mean
  std::uint32_t peers = 0;             // address book, health; backoff, blocklist, allowlist subsets
  std::uint32_t counters = 0;          // framework counters (and counters / 10 bus event kinds)
  std::uint32_t ingress_events = 0;    // all five variants
  std::uint32_t pending_async = 0;     // suspended ops (and pending_async / 8 pending completions)
  std::uint32_t executions = 0;        // execution_state entries; slots spread over them
  std::uint64_t seed = 1;
};

TransientSnapshot make_workload(const WorkloadSpec& spec);

// Presets. small, medium, large and many_small share one framework/bus/ingress
// part (~200 KB of it); only the slot table differs, so comparisons across them
// measure the slot table.
WorkloadSpec workload_demo();        // 40,000 slots, 256 MiB payload, 3,000 peers, 1,000 ingress events
WorkloadSpec workload_small();       // ~1 MiB: 208 slots x ~4 KiB
WorkloadSpec workload_medium();      // ~64 MiB: 16,384 slots x ~4 KiB
WorkloadSpec workload_large();       // ~1 GiB: 262,144 slots x ~4 KiB
WorkloadSpec workload_many_small();  // 1,000,000 slots x ~64 B

}  // namespace bbsnap::testing
