// Crash safety, with real crashes: a child process writes snapshots of
// changing states to one path in a loop and is killed with SIGKILL at seeded
// random moments. After every kill the file at the path must verify and equal
// a state the child had finished writing (renamed into place): the one it last
// reported, or the next one if the kill came between its rename and its
// report. Never a torn mix, never an older state.
//
// And what a killed writer leaves in the directory, which the test never
// cleans up itself: the next writer (the next child, or the parent's final
// write) removes the temporary files of dead writers before it writes.
// Writing into an unnamed file, a killed writer leaves a name only if it dies
// between naming the complete file and renaming it (microseconds): such a
// file must be complete. Writing into a named temporary file (the fallback,
// forced here through FileOps), every kill during a write leaves one. Either
// way, at most one is ever found, none of an earlier child once a child has
// begun a write, and none at all after the final successful write.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::TempDir;

namespace {

constexpr int kKills = 200;
const std::string kName = "state.bbsnap";

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
// each one finished on `report_fd`, until it is killed. Says on `ready_fd`
// when its first write begins (the parent times its kill from there: on a
// loaded machine, starting the child and making its first state can take
// longer than the whole random delay). Never returns.
[[noreturn]] void write_forever(const std::string& path, std::uint64_t first, const WriteOptions& options,
                                int ready_fd, int report_fd) {
  TransientSnapshot state = state_of_generation(first);
  const char ready = 1;
  if (::write(ready_fd, &ready, 1) != 1) _exit(5);
  for (std::uint64_t g = first;; ++g) {
    if (g != first) state = state_of_generation(g);
    if (!write_snapshot(path, state, options).ok()) _exit(3);
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

// The writer's process id in a temporary's name "<name>.tmp[.<host>].<pid>.<n>.<attempt>".
pid_t pid_in(const std::string& temp_name) {
  std::size_t end = temp_name.size();
  for (int field = 0; field < 2; ++field) end = temp_name.rfind('.', end - 1);
  const std::size_t start = temp_name.rfind('.', end - 1) + 1;
  return static_cast<pid_t>(std::stol(temp_name.substr(start, end - start)));
}

// Whether stopped process `pid` has its own temporary file in `dir` open:
// an unnamed one (shown as "<dir>/#<inode> (deleted)"), or one named with
// its pid. Not a leftover it opened to remove it.
bool writing_into(pid_t pid, const std::filesystem::path& dir) {
  const std::string unnamed = dir.string() + "/#", deleted = " (deleted)";
  const std::string named = (dir / kName).string() + ".tmp.";
  std::error_code error;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", error)) {
    const std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    if (error) continue;
    if (target.starts_with(unnamed) && target.ends_with(deleted)) return true;
    if (target.starts_with(named) && !target.ends_with(deleted) && pid_in(target) == pid) return true;
  }
  return false;
}

struct KillCounts {
  int held_reported = 0;    // kills after which the file held the last state reported
  int held_unreported = 0;  // ... the next one (renamed into place, not reported)
  int kills_in_a_write = 0;  // the child had its temporary file open when killed
  int left_after_kills = 0;  // temporaries found right after a kill, summed over the kills
  int most_left = 0;         // the most found after one kill
  int stale_left = 0;        // found, but of an earlier child, although this one had begun a write
  int incomplete_left = 0;   // unnamed path: found but not a complete snapshot
  int left_at_end = 0;       // after one more successful write
  std::uint64_t last_generation = 0;
};

KillCounts kill_writers(const WriteOptions& options, bool unnamed, std::uint64_t seed) {
  KillCounts counts;
  TempDir dir;
  const std::string path = dir.file(kName);
  REQUIRE_OK(write_snapshot(path, state_of_generation(0), options));
  std::uint64_t on_disk = 0;

  std::mt19937_64 random(seed);
  for (int kill_number = 0; kill_number < kKills; ++kill_number) {
    int report[2], ready[2];
    REQUIRE(::pipe(report) == 0);
    REQUIRE(::pipe(ready) == 0);
    const std::uint64_t first = on_disk + 1;
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(report[0]);
      ::close(ready[0]);
      write_forever(path, first, options, ready[1], report[1]);
    }
    ::close(report[1]);
    ::close(ready[1]);
    char started = 0;
    const bool child_started = ::read(ready[0], &started, 1) == 1;
    ::close(ready[0]);
    REQUIRE(child_started);
    std::this_thread::sleep_for(std::chrono::microseconds(random() % 40000));
    // Stopped first, so that what it has open is what it is killed with.
    REQUIRE(::kill(child, SIGSTOP) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, WUNTRACED) == child);
    INFO("kill " << kill_number << ", child started at generation " << first);
    REQUIRE(WIFSTOPPED(status));  // not an early exit: the child failed to write
    const bool in_a_write = writing_into(child, dir.path());
    if (in_a_write) ++counts.kills_in_a_write;
    REQUIRE(::kill(child, SIGKILL) == 0);
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
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
      ++counts.held_reported;
      on_disk = reported;
    } else {
      REQUIRE(*held == state_of_generation(reported + 1));
      ++counts.held_unreported;
      on_disk = reported + 1;
    }

    // What is left: at most one temporary. Once the child has begun a write
    // (it was writing when killed, or had finished one), only its own: its
    // first write removed what earlier children left.
    const bool began_a_write = in_a_write || !reports.empty();
    int left = 0;
    for (const std::string& name : dir.entries()) {
      if (name == kName) continue;
      INFO(name);
      REQUIRE(name.rfind(kName + ".tmp.", 0) == 0);
      ++left;
      if (began_a_write && pid_in(name) != child) ++counts.stale_left;
      if (unnamed && !Snapshot::open(dir.file(name)).ok()) ++counts.incomplete_left;
    }
    counts.left_after_kills += left;
    counts.most_left = std::max(counts.most_left, left);
  }
  REQUIRE_OK(write_snapshot(path, state_of_generation(on_disk + 1), options));
  counts.left_at_end = static_cast<int>(dir.entries().size()) - 1;
  counts.last_generation = on_disk;
  return counts;
}

void report(const char* name, const KillCounts& c) {
  std::printf("%s, %d SIGKILLs: the file held the last state reported %d times, the next one (renamed, not reported) "
              "%d times; %d kills landed in a write; temporaries found after the kills: %d in all, at most %d at "
              "once, %d stale, %d incomplete; after the next successful write: %d; last generation %llu\n",
              name, kKills, c.held_reported, c.held_unreported, c.kills_in_a_write, c.left_after_kills, c.most_left,
              c.stale_left, c.incomplete_left, c.left_at_end, static_cast<unsigned long long>(c.last_generation));
  std::fflush(stdout);
}

}  // namespace

TEST_CASE("a writer killed with SIGKILL at random moments leaves a complete snapshot it finished, and no garbage") {
  TempDir probe;
  const bool unnamed = bbsnap::testing::supports_unnamed_files(probe.path());
  if (!unnamed) WARN("the file system of " << probe.path() << " refuses O_TMPFILE: both runs take the fallback");
  const KillCounts counts = kill_writers({}, unnamed, 20261126);
  report(unnamed ? "unnamed temporary file (O_TMPFILE)" : "named temporary file (O_TMPFILE refused)", counts);

  // Most of the child's time is spent writing: if few kills land in a write,
  // the test is not testing what it says.
  CHECK(counts.kills_in_a_write >= kKills / 10);
  CHECK(counts.last_generation > 0);
  CHECK(counts.stale_left == 0);
  CHECK(counts.incomplete_left == 0);
  CHECK(counts.most_left <= 1);
  CHECK(counts.left_at_end == 0);
  if (unnamed) {
    // A name exists only between the link and the rename: a kill almost never lands there.
    CHECK(counts.left_after_kills <= kKills / 20);
  }
}

TEST_CASE("a writer killed with SIGKILL, writing a named temporary file, leaves no garbage behind the next write") {
  const bbsnap::testing::NamedTemporaryFileOps named;
  const KillCounts counts = kill_writers({.file_ops = &named}, false, 20261127);
  report("named temporary file (O_TMPFILE refused through FileOps)", counts);

  CHECK(counts.kills_in_a_write >= kKills / 10);
  // A killed write leaves its temporary: evidence that the fallback was taken.
  CHECK(counts.left_after_kills >= kKills / 10);
  CHECK(counts.last_generation > 0);
  CHECK(counts.stale_left == 0);
  CHECK(counts.most_left <= 1);
  CHECK(counts.left_at_end == 0);
}
