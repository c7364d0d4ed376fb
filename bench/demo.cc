// The main job, end to end: checkpoint a realistic runtime state (tens of
// thousands of slots, 256 MiB of payload, thousands of peers), cold-start
// from it in each verification mode, and show what a damaged file looks like.
//
// Usage: bbsnap_demo [DIRECTORY]   (default: a fresh directory under /tmp)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "workload.h"

using namespace bbsnap;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[noreturn]] void die(const std::string& what, const Error& error) {
  std::fprintf(stderr, "demo: %s: %s\n", what.c_str(), error.to_string().c_str());
  std::exit(1);
}

constexpr const char* kUsage =
    "usage: bbsnap_demo [DIRECTORY]\n"
    "Writes a checkpoint of a generated runtime state to DIRECTORY (default: a fresh\n"
    "directory under the temporary directory, removed afterwards) and cold-starts from it.\n";

std::string scratch_directory(int argc, char** argv) {
  const bool help = argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0);
  if (help || argc > 2 || (argc == 2 && argv[1][0] == '-')) {
    std::fputs(kUsage, help ? stdout : stderr);
    std::exit(help ? 0 : 2);
  }
  if (argc == 2) return argv[1];
  std::string pattern = (std::filesystem::temp_directory_path() / "bbsnap-demo-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    std::perror("mkdtemp");
    std::exit(2);
  }
  return pattern;
}

// The entry of the first section of `kind`.
const format::SectionEntry& find_section(const Snapshot& snapshot, format::SectionKind kind) {
  for (const format::SectionEntry& e : snapshot.sections()) {
    if (e.kind == static_cast<std::uint32_t>(kind)) return e;
  }
  std::fprintf(stderr, "demo: no %s section\n", format::section_kind_name(static_cast<std::uint32_t>(kind)).c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string dir = scratch_directory(argc, argv);
  const std::string path = dir + "/checkpoint.bbsnap";

  auto start = Clock::now();
  const TransientSnapshot state = testing::make_workload(testing::workload_demo());
  double generate_s = seconds_since(start);
  std::uint64_t payload = 0;
  for (const auto& [key, value] : state.slot_table) payload += value ? value->size() : 0;
  std::printf("state      %zu slots (%.1f MiB of values), %zu peers, %zu counters, %zu ingress events"
              " (generated in %.2f s)\n",
              state.slot_table.size(), payload / 1048576.0, state.framework.address_book.size(),
              state.framework.counters.size(), state.ingress.size(), generate_s);

  start = Clock::now();
  if (Status s = write_snapshot(path, state); !s) die("write", s.error());
  double write_s = seconds_since(start);
  std::uint64_t file_size = std::filesystem::file_size(path);
  std::printf("write      %s: %.1f MiB in %.3f s (%.2f GB/s, atomic: temp file, fsync, rename, fsync dir)\n",
              path.c_str(), file_size / 1048576.0, write_s, file_size / write_s / 1e9);

  start = Clock::now();
  Result<Snapshot> full = Snapshot::open(path);
  double full_s = seconds_since(start);
  if (!full) die("open", full.error());
  std::printf("open full  every checksum, FlatBuffer and value hash verified in %.3f ms (%.2f GB/s)\n",
              full_s * 1e3, file_size / full_s / 1e9);

  start = Clock::now();
  Result<Snapshot> parallel = Snapshot::open(path, {.threads = 2});
  double parallel_s = seconds_since(start);
  if (!parallel) die("open with 2 threads", parallel.error());
  std::printf("open full  the same on 2 threads: %.3f ms (%.2f GB/s)\n", parallel_s * 1e3, file_size / parallel_s / 1e9);

  const SlotKey probe = std::next(state.slot_table.begin(), static_cast<long>(state.slot_table.size() / 2))->first;
  start = Clock::now();
  Result<Snapshot> lazy = Snapshot::open(path, {.verification = Verification::lazy});
  if (!lazy) die("open lazy", lazy.error());
  Result<SlotLookup> slot = lazy->slot(probe);
  double lazy_s = seconds_since(start);
  if (!slot) die("lookup", slot.error());
  std::printf("open lazy  + first slot lookup (%llu, %llu) -> %zu bytes in place: %.3f ms\n",
              static_cast<unsigned long long>(probe.site), static_cast<unsigned long long>(probe.exec),
              slot->value.size(), lazy_s * 1e3);

  start = Clock::now();
  Result<TransientSnapshot> owned = full->to_model();
  double model_s = seconds_since(start);
  if (!owned) die("to_model", owned.error());
  std::printf("to_model   an owned copy of everything, for contrast: %.3f ms (%.0fx the full-verification open)%s\n",
              model_s * 1e3, model_s / full_s, *owned == state ? "; equal to the original" : "; DIFFERS");
  if (!(*owned == state)) return 1;

  // Damage one byte of the ingress section in a copy and open it.
  const format::SectionEntry& ingress = find_section(*full, format::SectionKind::ingress);
  const std::string damaged = dir + "/damaged.bbsnap";
  std::filesystem::copy_file(path, damaged, std::filesystem::copy_options::overwrite_existing);
  const std::uint64_t flip_at = ingress.offset + ingress.length / 2;
  {
    std::fstream file(damaged, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(flip_at));
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x01);
    file.seekp(static_cast<std::streamoff>(flip_at));
    file.write(&byte, 1);
  }
  std::printf("damage     flipped one bit at offset %llu of a copy\n", static_cast<unsigned long long>(flip_at));
  Result<Snapshot> refused = Snapshot::open(damaged);
  if (refused) {
    std::fprintf(stderr, "demo: the damaged copy was accepted\n");
    return 1;
  }
  std::printf("open full  refused: %s\n", refused.error().to_string().c_str());
  Result<Snapshot> partial = Snapshot::open(damaged, {.verification = Verification::lazy});
  if (!partial) die("lazy open of the damaged copy", partial.error());
  Result<std::optional<std::uint64_t>> counter = partial->counter(state.framework.counters.begin()->first);
  Result<const fb::Ingress*> events = partial->ingress();
  std::printf("open lazy  framework still readable (counter %s = %llu); ingress: %s\n",
              state.framework.counters.begin()->first.c_str(),
              counter && *counter ? static_cast<unsigned long long>(**counter) : 0ull,
              events ? "accepted?!" : events.error().to_string().c_str());
  if (argc <= 1) std::filesystem::remove_all(dir);
  return events ? 1 : 0;
}
