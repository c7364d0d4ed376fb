// A counting allocator for the benchmark binary: heap_count.cc replaces the
// global operator new/delete, and these counters say how many allocations
// (and bytes) the process made so far. Benchmarks report the difference
// across their timed loop per iteration ("heap_allocs", "heap_bytes").
#pragma once

#include <atomic>
#include <cstdint>

namespace bbsnap::bench {

struct HeapCounters {
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> bytes{0};
};

HeapCounters& heap_counters();

}  // namespace bbsnap::bench
