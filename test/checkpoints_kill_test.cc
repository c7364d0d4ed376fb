// Crash safety of a checkpoint directory, with real crashes: a child process
// commits generations with keep = 2 in a loop, reporting each commit that
// returned, and is killed with SIGKILL at seeded random moments (in its
// write, its retention, or between them). After every kill, restore_newest
// must return the last generation reported or the one after it (committed,
// killed before reporting), holding the state committed under that number,
// and the newest two generations must both be there and intact: retention
// never removed what it keeps. Every other child is killed only after its
// first commit, so that the generations advance. A new child then takes the lock the killed
// one held (the kernel released it) and goes on from there.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "bbsnap/checkpoints.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::TempDir;

namespace {

constexpr int kCheckpointKills = 200;
constexpr std::uint32_t kKeep = 2;

// Generation `g`: a random state plus one slot value of 64 KiB to 1 MiB, so
// that a commit takes long enough to be interrupted in its write.
TransientSnapshot state_of(std::uint64_t g) {
  TransientSnapshot state = bbsnap::testing::random_state(g);
  state.framework.spec_version = kCurrentSpecVersion;
  std::mt19937_64 words(g);
  std::vector<std::uint8_t> bytes((64 << 10) + words() % (1 << 20));
  for (std::size_t i = 0; i < bytes.size(); i += 8) bytes[i] = static_cast<std::uint8_t>(words());
  state.slot_table.insert_or_assign(SlotKey{0xfffffffe, g}, std::move(bytes));
  return state;
}

// The child: commits generation after generation, reporting each number on
// `report_fd`, until it is killed. Says on `ready_fd` when it holds the lock.
[[noreturn]] void commit_forever(const std::string& dir, int ready_fd, int report_fd) {
  // Not durable: a SIGKILL loses nothing of the page cache, and commits
  // without fsync make many generations (and retentions) per child.
  Result<CheckpointWriter> writer = CheckpointWriter::open(dir, {.keep = kKeep, .write = {.durable = false}});
  if (!writer) _exit(2);
  const char ready = 1;
  if (::write(ready_fd, &ready, 1) != 1) _exit(5);
  for (;;) {
    Result<std::vector<Generation>> listed = list_generations(dir);
    if (!listed) _exit(3);
    const std::uint64_t next = listed->empty() ? 1 : listed->front().number + 1;
    Result<CommitReport> report = writer->commit(state_of(next));
    if (!report || report->committed.number != next || report->prune_error) _exit(3);
    if (::write(report_fd, &next, sizeof next) != sizeof next) _exit(4);
  }
}

std::uint64_t last_report(int fd, std::uint64_t before) {
  std::uint64_t g, last = before;
  while (::read(fd, &g, sizeof g) == sizeof g) last = g;
  return last;
}

}  // namespace

TEST_CASE("a checkpoint writer killed with SIGKILL at random moments leaves its last commit restorable and every kept "
          "generation in place") {
  TempDir dir;
  std::mt19937_64 random(20261207);
  std::uint64_t on_disk = 0;
  int held_reported = 0, held_unreported = 0;
  for (int kill_number = 0; kill_number < kCheckpointKills; ++kill_number) {
    int report[2], ready[2];
    REQUIRE(::pipe(report) == 0);
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(report[0]);
      ::close(ready[0]);
      commit_forever(dir.path(), ready[1], report[1]);
    }
    ::close(report[1]);
    ::close(ready[1]);
    char started = 0;
    const bool child_started = ::read(ready[0], &started, 1) == 1;
    ::close(ready[0]);
    REQUIRE(child_started);
    // Every other child is killed only after a commit of its own: on a
    // loaded machine, starting a child can take longer than the whole delay,
    // and the generations (and retentions) must advance.
    std::uint64_t first_report = on_disk;
    if (kill_number % 2 == 1) REQUIRE(::read(report[0], &first_report, sizeof first_report) == sizeof first_report);
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 30000));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    INFO("kill " << kill_number);
    REQUIRE(WIFSIGNALED(status));  // not an early exit: the child failed to commit
    const std::uint64_t reported = last_report(report[0], first_report);
    ::close(report[0]);

    Result<std::optional<RestoredGeneration>> restored = restore_newest(dir.path());
    REQUIRE_OK(restored);
    if (reported == 0 && !restored->has_value()) continue;  // killed before its first commit
    REQUIRE(restored->has_value());
    const RestoredGeneration& r = **restored;
    CHECK(r.skipped.empty());
    const std::uint64_t g = r.generation.number;
    REQUIRE((g == reported || g == reported + 1));
    (g == reported ? held_reported : held_unreported) += 1;
    Result<TransientSnapshot> state = r.snapshot.to_model();
    REQUIRE_OK(state);
    REQUIRE(*state == state_of(g));
    on_disk = g;

    // The newest kKeep generations are there and verify in full.
    Result<std::vector<Generation>> listed = list_generations(dir.path());
    REQUIRE_OK(listed);
    const std::size_t expected = std::min<std::uint64_t>(g, kKeep);
    REQUIRE(listed->size() >= expected);
    for (std::size_t i = 0; i < expected; ++i) {
      CHECK((*listed)[i].number == g - i);
      CHECK(Snapshot::open((*listed)[i].path).ok());
    }
  }
  // What killed retentions left, the next commit removes.
  {
    Result<CheckpointWriter> writer = CheckpointWriter::open(dir.path(), {.keep = kKeep, .write = {}});
    REQUIRE_OK(writer);
    Result<CommitReport> last = writer->commit(state_of(on_disk + 1));
    REQUIRE_OK(last);
    CHECK_FALSE(last->prune_error.has_value());
    Result<std::vector<Generation>> listed = list_generations(dir.path());
    REQUIRE_OK(listed);
    CHECK(listed->size() == kKeep);
    CHECK(dir.entries().size() == kKeep + 1);  // and the lock file: no temporary left
  }
  std::printf("checkpoint writer, %d SIGKILLs: the newest generation was the last one reported %d times, the next "
              "one (committed, not reported) %d times; last generation %llu\n",
              kCheckpointKills, held_reported, held_unreported, static_cast<unsigned long long>(on_disk));
  std::fflush(stdout);
  CHECK(on_disk >= kCheckpointKills / 2);
}
