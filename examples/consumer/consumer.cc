// Writes a snapshot with a few slots and a counter, reads it back (fully
// verified, then lazily) and checks every value. Exits non-zero on any
// error or mismatch, saying which.
//
//   bbsnap-consumer [path]    (default: a file in a fresh temporary directory)
#include <bbsnap/reader.h>
#include <bbsnap/writer.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "MISMATCH: %s\n", what.c_str());
    ++failures;
  }
}

bool same(std::span<const std::uint8_t> a, const bbsnap::Bytes& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Checks every slot, the counters and the owned copy of `snapshot` against `state`.
void check_snapshot(const bbsnap::Snapshot& snapshot, const bbsnap::TransientSnapshot& state, const char* mode) {
  const std::string in = std::string(" (") + mode + ")";
  for (const auto& [key, value] : state.slot_table) {
    const std::string name = "slot (" + std::to_string(key.site) + ", " + std::to_string(key.exec) + ")" + in;
    bbsnap::Result<bbsnap::SlotLookup> slot = snapshot.slot(key);
    if (!slot) {
      check(false, name + ": " + slot.error().to_string());
      continue;
    }
    if (!value) {
      check(slot->state == bbsnap::SlotLookup::State::empty, name + " should be allocated but empty");
    } else {
      check(slot->state == bbsnap::SlotLookup::State::value && same(slot->value, *value),
            name + " should hold its " + std::to_string(value->size()) + " bytes");
      check(reinterpret_cast<std::uintptr_t>(slot->value.data()) % 64 == 0, name + " should be 64-byte aligned");
    }
  }
  bbsnap::Result<bbsnap::SlotLookup> missing = snapshot.slot({999, 999});
  check(missing && missing->state == bbsnap::SlotLookup::State::missing, "slot (999, 999) should be missing" + in);

  for (const auto& [name, value] : state.framework.counters) {
    bbsnap::Result<std::optional<std::uint64_t>> counter = snapshot.counter(name);
    check(counter && *counter == value, "counter " + name + in);
  }
  bbsnap::Result<std::optional<std::uint64_t>> absent = snapshot.counter("no.such.counter");
  check(absent && !absent->has_value(), "counter no.such.counter should be absent" + in);
  check(snapshot.spec_version() == bbsnap::kCurrentSpecVersion, "spec_version" + in);

  bbsnap::Result<bbsnap::TransientSnapshot> model = snapshot.to_model();
  check(model && *model == state, "to_model() should equal the state written" + in);
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir;
  std::string path;
  if (argc > 1) {
    path = argv[1];
  } else {
    std::string pattern = (std::filesystem::temp_directory_path() / "bbsnap-consumer-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = pattern;
    path = (dir / "consumer.bbsnap").string();
  }

  bbsnap::TransientSnapshot state;
  state.slot_table[{7, 1}] = bbsnap::Bytes{0xde, 0xad, 0xbe, 0xef};
  state.slot_table[{7, 2}] = std::nullopt;      // allocated but empty
  state.slot_table[{7, 3}] = bbsnap::Bytes{};   // Some(empty)
  state.slot_table[{8, 1}] = bbsnap::Bytes(1000, 0x42);
  state.framework.counters["peers.connected"] = 4;
  state.framework.counters["bytes.in"] = 123456789012345;
  state.frontier = {{1, 2}, {3, 4}};

  if (bbsnap::Status s = bbsnap::write_snapshot(path, state); !s) {
    std::fprintf(stderr, "write failed: %s\n", s.error().to_string().c_str());
    return 1;
  }
  for (bbsnap::Verification mode : {bbsnap::Verification::full, bbsnap::Verification::lazy}) {
    const char* name = mode == bbsnap::Verification::full ? "full" : "lazy";
    bbsnap::OpenOptions options;
    options.verification = mode;
    bbsnap::Result<bbsnap::Snapshot> snapshot = bbsnap::Snapshot::open(path, options);
    if (!snapshot) {
      std::fprintf(stderr, "open (%s) failed: %s\n", name, snapshot.error().to_string().c_str());
      return 1;
    }
    check_snapshot(*snapshot, state, name);
  }

  if (!dir.empty()) std::filesystem::remove_all(dir);
  if (failures != 0) {
    std::fprintf(stderr, "%d mismatches\n", failures);
    return 1;
  }
  std::printf("ok: wrote and read back %zu slots and %zu counters (%s)\n", state.slot_table.size(),
              state.framework.counters.size(), path.c_str());
  return 0;
}
