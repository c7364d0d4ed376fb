// The kernel may refuse to start a thread (pthread_create fails with EAGAIN
// under a process, thread or memory limit). Full verification on several
// threads must then go on with the threads that did start, and give the
// result one thread gives: never hang, never fail a good file.
//
// This binary defines pthread_create itself. The executable comes first in
// the dynamic linker's search order, so every thread the library starts
// (std::jthread, in libstdc++) comes here, and is refused on demand or
// passed on to the next definition (libc's, or a sanitizer's).
#include <dlfcn.h>
#include <pthread.h>

#include <atomic>
#include <cerrno>
#include <catch2/catch.hpp>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

namespace {

std::atomic<int> g_allowed{-1};  // threads to start before refusing; -1: start all
std::atomic<int> g_started{0};
std::atomic<int> g_refused{0};

}  // namespace

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attributes, void* (*start)(void*),
                              void* argument) {
  using Create = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const auto next_create = reinterpret_cast<Create>(dlsym(RTLD_NEXT, "pthread_create"));
  const int allowed = g_allowed.load();
  if (allowed >= 0 && g_started.load() >= allowed) {
    g_refused.fetch_add(1);
    return EAGAIN;
  }
  g_started.fetch_add(1);
  return next_create(thread, attributes, start, argument);
}

using namespace bbsnap;
using bbsnap::testing::TempDir;

namespace {

// While alive, the first `allowed` threads asked for start and every later
// one is refused.
class RefuseThreadsAfter {
 public:
  explicit RefuseThreadsAfter(int allowed) {
    g_started = 0;
    g_refused = 0;
    g_allowed = allowed;
  }
  ~RefuseThreadsAfter() { g_allowed = -1; }
  RefuseThreadsAfter(const RefuseThreadsAfter&) = delete;
  RefuseThreadsAfter& operator=(const RefuseThreadsAfter&) = delete;
  int started() const { return g_started; }
  int refused() const { return g_refused; }
};

OpenOptions on_threads(unsigned threads) {
  OpenOptions options;
  options.threads = threads;
  options.bytes_per_thread = 0;
  return options;
}

// A 9 MiB file of ten slot chunks: several fault-in pieces and runs of
// values for the threads to share.
AlignedBuffer example_file() {
  TransientSnapshot state = bbsnap::testing::full_example_state();
  for (std::uint64_t i = 0; i < 30; ++i) state.slot_table[{1u << 20, i}] = Bytes((300 << 10) + i, std::uint8_t(i));
  Result<AlignedBuffer> bytes = encode_snapshot(state, {.slots_per_chunk = 3});
  REQUIRE_OK(bytes);
  return std::move(*bytes);
}

// The file with the last byte of its last slot value flipped.
AlignedBuffer with_damaged_value(const AlignedBuffer& file) {
  Result<Snapshot> snapshot = Snapshot::from_bytes(file.span());
  REQUIRE_OK(snapshot);
  Result<SlotLookup> slot = snapshot->slot({1u << 20, 29});
  REQUIRE_OK(slot);
  const auto last_byte = static_cast<std::size_t>(slot->value.data() + slot->value.size() - 1 - file.span().data());
  return bbsnap::testing::with_flipped_byte(file.span(), last_byte);
}

// The outcome of a full verification, as text: "ok" or the error's one line.
using Open = std::function<Result<Snapshot>(const OpenOptions&)>;
std::string outcome(const Open& open, const OpenOptions& options) {
  Result<Snapshot> snapshot = open(options);
  return snapshot.ok() ? std::string("ok") : snapshot.error().to_string();
}

}  // namespace

TEST_CASE("threads the kernel refuses are done without: full verification gives one thread's result", "[threads]") {
  const AlignedBuffer good = example_file();
  const AlignedBuffer damaged = with_damaged_value(good);
  TempDir dir;
  bbsnap::testing::write_file(dir.file("good.bbsnap"), {good.span().begin(), good.span().end()});
  bbsnap::testing::write_file(dir.file("damaged.bbsnap"), {damaged.span().begin(), damaged.span().end()});

  // In memory, verification runs in phases that all threads meet at the end
  // of; a mapped file runs as a pipeline (a faulting thread, a checking
  // thread, value checkers). Both, with every thread refused, or all but
  // the first one or two.
  const std::vector<std::pair<std::string, Open>> opens = {
      {"in memory, good", [&](const OpenOptions& o) { return Snapshot::from_bytes(good.span(), o); }},
      {"in memory, damaged", [&](const OpenOptions& o) { return Snapshot::from_bytes(damaged.span(), o); }},
      {"mapped, good", [&](const OpenOptions& o) { return Snapshot::open(dir.file("good.bbsnap"), o); }},
      {"mapped, damaged", [&](const OpenOptions& o) { return Snapshot::open(dir.file("damaged.bbsnap"), o); }},
  };
  for (const auto& [name, open] : opens) {
    const std::string expected = outcome(open, on_threads(1));
    CHECK((expected == "ok") == (name.ends_with("good")));
    for (unsigned threads : {2u, 3u, 8u}) {
      for (int allowed = 0; allowed < 3 && allowed < static_cast<int>(threads) - 1; ++allowed) {
        INFO(name << ", " << threads << " threads asked for, " << allowed << " started");
        for (int repeat = 0; repeat < 20; ++repeat) {
          RefuseThreadsAfter refuse(allowed);
          CHECK(outcome(open, on_threads(threads)) == expected);
          // Else this binary's pthread_create is not the one called, and
          // nothing above was refused.
          REQUIRE(refuse.started() == allowed);
          REQUIRE(refuse.refused() >= 1);
        }
      }
    }
  }
}
