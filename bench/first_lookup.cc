// What a runtime's cold start does first, as a process of its own: open a
// checkpoint lazily and answer one slot lookup. BM_ProcessFirstLookupCold
// (bbsnap_bench.cc) spawns it on an evicted file and times process start to
// the answer; this program prints the CLOCK_MONOTONIC time at which the
// answer was in hand, in nanoseconds, so that the process's teardown is not
// counted.
//
//   bbsnap_first_lookup FILE SITE EXEC   exit 0 and the time when the slot
//                                        holds a value, 1 otherwise
//   bbsnap_first_lookup --start          the time, at once: the cost of
//                                        starting this process alone
#include <time.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bbsnap/reader.h"

namespace {

void print_now() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  std::printf("%" PRId64 "\n", static_cast<std::int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--start") == 0) {
    print_now();
    return 0;
  }
  if (argc != 4) {
    std::fputs("usage: bbsnap_first_lookup FILE SITE EXEC | --start\n", stderr);
    return 2;
  }
  const bbsnap::SlotKey key{std::strtoull(argv[2], nullptr, 10), std::strtoull(argv[3], nullptr, 10)};
  bbsnap::Result<bbsnap::Snapshot> snapshot =
      bbsnap::Snapshot::open(argv[1], {.verification = bbsnap::Verification::lazy});
  if (!snapshot) {
    std::fprintf(stderr, "bbsnap_first_lookup: %s\n", snapshot.error().to_string().c_str());
    return 1;
  }
  bbsnap::Result<bbsnap::SlotLookup> slot = snapshot->slot(key);
  if (!slot || slot->state != bbsnap::SlotLookup::State::value) return 1;
  print_now();
  return 0;
}
