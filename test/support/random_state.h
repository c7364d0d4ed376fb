// Seeded random `TransientSnapshot`s for property tests, and the C++ twin of
// shared/spec/examples/full.json.
//
// Every value is derived directly from std::mt19937_64 words (no
// std::*_distribution), so a seed gives the same state with every compiler and
// standard library.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bbsnap/model.h"

namespace bbsnap::testing {

// Size limits. The defaults keep a typical state to a few KiB so that a
// thousand seeds round-trip quickly.
struct RandomShape {
  std::size_t max_entries = 50;               // per collection; nested lists get max_entries / 8 + 1
  std::size_t max_bytes = 64;                 // per byte string
  std::size_t max_large_bytes = 200 * 1024;   // the occasional (1 seed in 16) large slot value; 0: never
};

// A state whose shape and contents depend only on `seed` and `shape`: empty and
// full collections, u64/u32 extremes in every integer field, None / Some(empty)
// / Some(bytes) options, strings with JSON escapes and 2-, 3- and 4-byte UTF-8
// (always valid UTF-8), repeated names and peers inside lists, every ingress
// variant. spec_version is 1 in 7 seeds out of 8. One seed in 32 is the empty
// state `{}`.
TransientSnapshot random_state(std::uint64_t seed, const RandomShape& shape = {});

// Exactly the state of shared/spec/examples/full.json.
TransientSnapshot full_example_state();

// full_example_state() plus 30 slot values of 300 KiB at site 2^20, execs
// 0..29: written with slots_per_chunk = 3, a 9 MiB file of ten chunks, so
// that threads share several fault-in pieces of 1 MiB and runs of values.
inline constexpr std::uint32_t kThreadedExampleSlotsPerChunk = 3;
TransientSnapshot threaded_example_state();

}  // namespace bbsnap::testing
