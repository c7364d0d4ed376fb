// A counting allocator for the benchmark binary and the allocation test:
// heap_count.cc replaces the global operator new/delete (every form, nothrow
// included), and these counters say how many allocations (and bytes) the
// process made so far. Callers report the difference across what they
// measure ("heap_allocs", "heap_bytes" in the benchmarks).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace bbsnap::bench {

struct HeapCounters {
  std::atomic<std::uint64_t> allocations{0};
  std::atomic<std::uint64_t> bytes{0};
  // Allocations of this many bytes or more fail (std::bad_alloc, or nullptr
  // for the nothrow forms): the out-of-memory test sets it.
  std::atomic<std::size_t> refuse_from{~std::size_t{0}};
};

HeapCounters& heap_counters();

// While true, every allocation made on the calling thread fails the same
// way: for tests of threads that must not let an exception escape.
bool& refuse_on_this_thread();

}  // namespace bbsnap::bench
