// Crash safety, with real crashes: a child process writes snapshots of
// changing states to one path in a loop and is killed with SIGKILL at seeded
// random moments. After every kill the file at the path must verify and equal
// a state the child had finished writing (renamed into place): the one it last
// reported, or the next one if the kill came between its rename and its
// report. Never a torn mix, never an older state.
//
// A kill during a write leaves its temporary file behind (nothing can remove
// it from inside a killed process); the test counts those, as evidence that
// kills did land in the middle of writes, and removes them.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <thread>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::TempDir;

namespace {

// Generation `g` of the child's states: a random state plus one slot value of
// 64 KiB to 2 MiB, so that writes take long enough to be interrupted.
TransientSnapshot state_of_generation(std::uint64_t g) {
  TransientSnapshot state = bbsnap::testing::random_state(g);
  state.framework.spec_version = kCurrentSpecVersion;  // random states vary it
  std::mt19937_64 words(g);
  const std::size_t size = (64 << 10) + words() % (2 << 20);
  std::vector<std::uint8_t> bytes(size);
  for (std::size_t i = 0; i < size; i += 8) bytes[i] = static_cast<std::uint8_t>(words());
  state.slot_table.insert_or_assign(SlotKey{0xfffffffe, g}, std::move(bytes));
  return state;
}

// The child: writes generations first, first + 1, ... to `path` and reports
// each one finished on `report_fd`, until it is killed. Never returns.
[[noreturn]] void write_forever(const std::string& path, std::uint64_t first, int report_fd) {
  for (std::uint64_t g = first;; ++g) {
    if (!write_snapshot(path, state_of_generation(g)).ok()) _exit(3);
    if (::write(report_fd, &g, sizeof g) != sizeof g) _exit(4);
  }
}

// Every generation the child reported finished, read until the pipe's end.
std::vector<std::uint64_t> read_reports(int fd) {
  std::vector<std::uint64_t> reports;
  std::uint64_t g;
  while (::read(fd, &g, sizeof g) == sizeof g) reports.push_back(g);
  return reports;
}

}  // namespace

TEST_CASE("a writer killed with SIGKILL at random moments leaves a complete snapshot it finished") {
  constexpr int kKills = 200;
  TempDir dir;
  const std::string path = dir.file("state.bbsnap");
  REQUIRE_OK(write_snapshot(path, state_of_generation(0)));
  std::uint64_t on_disk = 0;

  std::mt19937_64 random(20261126);
  int held_reported = 0, held_unreported = 0, interrupted_writes = 0;
  for (int kill_number = 0; kill_number < kKills; ++kill_number) {
    int report[2];
    REQUIRE(::pipe(report) == 0);
    const std::uint64_t first = on_disk + 1;
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(report[0]);
      write_forever(path, first, report[1]);
    }
    ::close(report[1]);
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 40000));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    INFO("kill " << kill_number << ", child started at generation " << first);
    REQUIRE(WIFSIGNALED(status));  // not an early exit: the child failed to write
    const std::vector<std::uint64_t> reports = read_reports(report[0]);
    ::close(report[0]);

    // What the file may hold: the last generation reported, or the one after
    // it (renamed into place, killed before reporting).
    const std::uint64_t reported = reports.empty() ? on_disk : reports.back();
    Result<Snapshot> snapshot = Snapshot::open(path);
    REQUIRE_OK(snapshot);
    Result<TransientSnapshot> held = snapshot->to_model();
    REQUIRE_OK(held);
    if (*held == state_of_generation(reported)) {
      ++held_reported;
      on_disk = reported;
    } else {
      REQUIRE(*held == state_of_generation(reported + 1));
      ++held_unreported;
      on_disk = reported + 1;
    }

    // Temporary files of interrupted writes: removed here, counted.
    for (const std::string& name : dir.entries()) {
      if (name == "state.bbsnap") continue;
      REQUIRE(name.rfind("state.bbsnap.tmp.", 0) == 0);
      ++interrupted_writes;
      std::filesystem::remove(dir.path() / name);
    }
  }
  std::printf("%d SIGKILLs: the file held the last state reported %d times, the next one (renamed, not reported) %d "
              "times; %d kills interrupted a write (temporary file left); last generation %llu\n",
              kKills, held_reported, held_unreported, interrupted_writes, static_cast<unsigned long long>(on_disk));
  std::fflush(stdout);
  // Most of the child's time is spent writing: if few kills land in a write,
  // the test is not testing what it says.
  CHECK(interrupted_writes >= kKills / 10);
  CHECK(on_disk > 0);
}
