// The README's usage example, compiled and run by the test suite.
#include <cstdio>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "/tmp/example.bbsnap";

  // Build a state and write it: atomically, durably, deterministically.
  bbsnap::TransientSnapshot state;
  state.slot_table[{7, 1}] = bbsnap::Bytes{0xde, 0xad, 0xbe, 0xef};
  state.slot_table[{7, 2}] = std::nullopt;  // allocated but empty
  state.framework.counters["peers.connected"] = 4;
  if (bbsnap::Status s = bbsnap::write_snapshot(path, state); !s) {
    std::fprintf(stderr, "write failed: %s\n", s.error().to_string().c_str());
    return 1;
  }

  // Map it and verify everything (header, table, checksums, FlatBuffers).
  bbsnap::Result<bbsnap::Snapshot> snapshot = bbsnap::Snapshot::open(path);
  if (!snapshot) {  // e.g. "checksum_mismatch in section ingress at offset 4096: ..."
    std::fprintf(stderr, "restore refused: %s\n", snapshot.error().to_string().c_str());
    return 1;
  }

  // Look up a slot: a span into the mapping, 64-byte aligned, no copy.
  bbsnap::Result<bbsnap::SlotLookup> slot = snapshot->slot({7, 1});
  if (slot && slot->state == bbsnap::SlotLookup::State::value) {
    std::printf("slot (7, 1): %zu bytes at %p\n", slot->value.size(), static_cast<const void*>(slot->value.data()));
  }
  std::printf("slot (7, 2) is %s\n", snapshot->slot({7, 2})->state == bbsnap::SlotLookup::State::empty ? "empty" : "?");
  std::printf("peers.connected = %llu\n",
              static_cast<unsigned long long>(snapshot->counter("peers.connected")->value_or(0)));
  return 0;
}
