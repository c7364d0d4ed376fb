// What writers leave beside a destination, and what the next writer removes
// before it writes: the temporary files of dead writers on this kernel
// (writer.h), proven dead by the lock they held being free. Never a live
// writer's temporary, in this process or another; never a name that is not
// one of this destination's temporaries; never something that is not a
// regular file.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "bbsnap/file_ops.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"
#include "written_state.h"

using namespace bbsnap;
using bbsnap::testing::NamedTemporaryFileOps;
using bbsnap::testing::TempDir;
using bbsnap::testing::add_slots;
using bbsnap::testing::read_back;
using bbsnap::testing::without_slots;

namespace {

const std::string kName = "state.bbsnap";

TransientSnapshot state_of(std::uint64_t seed) {
  TransientSnapshot state = bbsnap::testing::random_state(seed);
  state.framework.spec_version = kCurrentSpecVersion;
  state.slot_table[{0, 0}] = Bytes(64 * 1024, static_cast<std::uint8_t>(seed));
  return state;
}

// The entries of `dir` other than the destination.
std::vector<std::string> temporaries(const TempDir& dir) {
  std::vector<std::string> names = dir.entries();
  names.erase(std::remove(names.begin(), names.end(), kName), names.end());
  return names;
}

// Runs `body` in a child process and waits for it; returns its exit status
// (as waitpid reports it).
int in_child(const std::function<void()>& body) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    body();
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return status;
}

// A writer in a child process killed with SIGKILL in the middle of a write
// to the named temporary file: it leaves that file, incomplete.
void leave_incomplete_temporary(const std::string& path) {
  const int status = in_child([&] {
    const NamedTemporaryFileOps named;
    Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.file_ops = &named});
    if (!writer || !writer->add_slot({1, 1}, Bytes(3u << 20, 1)).ok()) ::_exit(1);
    ::raise(SIGKILL);
  });
  REQUIRE(WIFSIGNALED(status));
}

// The real calls, but the rename kills the process: a writer that dies
// between naming its complete file and renaming it over the destination.
class DyingAtRenameFileOps final : public FileOps {
 public:
  int rename(const char*, const char*) const override {
    ::raise(SIGKILL);
    return -1;
  }
};

// A writer in a child process killed just before its rename: it leaves a
// complete file under a temporary name, whichever path it took.
void leave_complete_temporary(const std::string& path, const TransientSnapshot& state) {
  const int status = in_child([&] {
    const DyingAtRenameFileOps dying;
    if (!write_snapshot(path, state, {.file_ops = &dying}).ok()) ::_exit(1);
  });
  REQUIRE(WIFSIGNALED(status));
}

// A writer in a child process that holds its named temporary file open,
// alive, until told to finish; then it finishes and exits 0.
class LiveWriterInChild {
 public:
  LiveWriterInChild(const std::string& path, const TransientSnapshot& state) {
    int ready[2], go[2];
    REQUIRE(::pipe(ready) == 0);
    REQUIRE(::pipe(go) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(go[1]);
      ::_exit(write_when_told(path, state, ready[1], go[0]));
    }
    ::close(ready[1]);
    ::close(go[0]);
    go_ = go[1];
    char byte;
    const bool is_ready = ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    REQUIRE(is_ready);
  }
  ~LiveWriterInChild() {
    if (pid_ > 0) finish();  // a failed test: the child exits at the pipe's end
  }
  pid_t pid() const { return pid_; }
  // Lets the child finish; its exit status.
  int finish() {
    ::close(go_);  // the end of the pipe: go on
    int status = 0;
    const pid_t reaped = ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return reaped > 0 ? status : -1;
  }

 private:
  static int write_when_told(const std::string& path, const TransientSnapshot& state, int ready, int go) {
    const NamedTemporaryFileOps named;
    Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.file_ops = &named});
    if (!writer) return 1;
    if (!add_slots(*writer, state).ok()) return 2;
    char byte = 'r';
    if (::write(ready, &byte, 1) != 1) return 3;
    while (::read(go, &byte, 1) > 0) {
    }
    return writer->finish(without_slots(state)).ok() ? 0 : 4;
  }

  int go_ = -1;
  pid_t pid_ = -1;
};

void create_file(const std::string& path, const std::string& content = "leftover") {
  bbsnap::testing::write_file(path, std::vector<std::uint8_t>(content.begin(), content.end()));
}

std::string content_of(const std::string& path) {
  const std::vector<std::uint8_t> bytes = bbsnap::testing::read_file(path);
  return std::string(bytes.begin(), bytes.end());
}

}  // namespace

TEST_CASE("the temporaries dead writers left are removed by the next writer before it writes", "[stale]") {
  const NamedTemporaryFileOps named;
  for (const FileOps* ops : {static_cast<const FileOps*>(nullptr), static_cast<const FileOps*>(&named)}) {
    for (bool streaming : {false, true}) {
      INFO((ops ? "named temporary" : "unnamed temporary") << (streaming ? ", streaming" : ", write_snapshot"));
      TempDir dir;
      const std::string path = dir.file(kName);
      REQUIRE_OK(write_snapshot(path, state_of(1)));
      leave_incomplete_temporary(path);
      const std::vector<std::string> incomplete = temporaries(dir);
      REQUIRE(incomplete.size() == 1);
      // The next writer removes it before it writes, then dies before its rename.
      leave_complete_temporary(path, state_of(2));
      const std::vector<std::string> complete = temporaries(dir);
      REQUIRE(complete.size() == 1);
      CHECK(complete != incomplete);
      CHECK(read_back(dir.file(complete[0])) == state_of(2));
      CHECK(read_back(path) == state_of(1));

      if (streaming) {
        Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.file_ops = ops});
        REQUIRE_OK(writer);
        // Removed when the writer is created, before it writes anything.
        const std::vector<std::string> left = temporaries(dir);
        CHECK(std::find(left.begin(), left.end(), complete[0]) == left.end());
        CHECK(left.size() == (ops ? 1u : 0u));
        REQUIRE_OK(add_slots(*writer, state_of(3)));
        REQUIRE_OK(writer->finish(without_slots(state_of(3))));
      } else {
        REQUIRE_OK(write_snapshot(path, state_of(3), {.file_ops = ops}));
      }
      CHECK(dir.entries() == std::vector<std::string>{kName});
      CHECK(read_back(path) == state_of(3));
    }
  }
}

TEST_CASE("two live writers to the same destination, in one process, leave each other's temporaries alone", "[stale]") {
  const NamedTemporaryFileOps named;
  for (const FileOps* second : {static_cast<const FileOps*>(nullptr), static_cast<const FileOps*>(&named)}) {
    INFO("the second writer writes a " << (second ? "named" : "unnamed") << " temporary");
    TempDir dir;
    const std::string path = dir.file(kName);
    Result<SnapshotWriter> first = SnapshotWriter::create(path, {.file_ops = &named});
    REQUIRE_OK(first);
    REQUIRE_OK(first->add_slot({1, 1}, Bytes(3u << 20, 1)));
    const std::vector<std::string> first_temporary = temporaries(dir);
    REQUIRE(first_temporary.size() == 1);
    for (std::uint64_t i = 0; i < 3; ++i) {
      REQUIRE_OK(write_snapshot(path, state_of(10 + i), {.file_ops = second}));
      CHECK(temporaries(dir) == first_temporary);
    }
    CHECK(read_back(path) == state_of(12));
    TransientSnapshot expected = state_of(20);
    expected.slot_table = {{{1, 1}, Bytes(3u << 20, 1)}};
    REQUIRE_OK(first->finish(without_slots(expected)));
    CHECK(read_back(path) == expected);
    CHECK(dir.entries() == std::vector<std::string>{kName});
  }
}

TEST_CASE("a live writer in another process keeps its temporary while others write to the same destination", "[stale]") {
  TempDir dir;
  const std::string path = dir.file(kName);
  const TransientSnapshot childs = state_of(30);
  LiveWriterInChild child(path, childs);
  const std::vector<std::string> child_temporary = temporaries(dir);
  REQUIRE(child_temporary.size() == 1);
  CHECK(child_temporary[0].find("." + std::to_string(child.pid()) + ".") != std::string::npos);
  const NamedTemporaryFileOps named;
  for (const FileOps* ops : {static_cast<const FileOps*>(nullptr), static_cast<const FileOps*>(&named)}) {
    REQUIRE_OK(write_snapshot(path, state_of(31), {.file_ops = ops}));
    CHECK(temporaries(dir) == child_temporary);
  }
  const int status = child.finish();
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(read_back(path) == childs);
  CHECK(dir.entries() == std::vector<std::string>{kName});
}

TEST_CASE("only regular files named as this destination's temporaries, on this kernel, and unlocked are removed", "[stale]") {
  TempDir dir;
  const std::string path = dir.file(kName);
  const std::string host = bbsnap::testing::boot_id_hex();
  REQUIRE(host.size() == 32);
  std::string other_host = host;
  other_host[0] = other_host[0] == '0' ? '1' : '0';
  using bbsnap::testing::temp_name_of;

  const std::vector<std::string> removed = {temp_name_of(kName, host, 1), temp_name_of(kName, host, 4194304, 4294967295u)};
  const std::vector<std::string> kept_regular = {
      kName + ".tmp.123.0.0",                      // a name without a host
      temp_name_of(kName, other_host, 1),          // another kernel's
      kName + ".tmp." + host + ".1.0",             // a field short
      kName + ".tmp." + host + ".1.0.0.0",         // a field long
      kName + ".tmp." + host + ".1.0.0x",          // not a number
      kName + ".tmp." + host + ".1..0",            // an empty field
      kName + ".tmp." + host + ".12345678901.0.0",  // a number too long
      temp_name_of(kName + "x", host, 1),          // another destination's
      temp_name_of("other.bbsnap", host, 1),
      kName + ".tmp",
      "locked",  // renamed below into a temporary's name, locked as a live writer's
  };
  for (const std::string& name : removed) create_file(dir.file(name));
  for (const std::string& name : kept_regular) create_file(dir.file(name), name);
  // A live writer's temporary, as far as the lock tells: kept while locked.
  const std::string locked = temp_name_of(kName, host, 2);
  std::filesystem::rename(dir.file("locked"), dir.file(locked));
  const int lock_fd = ::open(dir.file(locked).c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(lock_fd >= 0);
  REQUIRE(::flock(lock_fd, LOCK_EX | LOCK_NB) == 0);
  // Not regular files: never opened, never removed, nothing followed.
  const std::string directory = temp_name_of(kName, host, 3), fifo = temp_name_of(kName, host, 4);
  const std::string symlink = temp_name_of(kName, host, 5);
  std::filesystem::create_directory(dir.file(directory));
  REQUIRE(::mkfifo(dir.file(fifo).c_str(), 0600) == 0);
  create_file(dir.file("target"), "target");
  std::filesystem::create_symlink("target", dir.file(symlink));

  const NamedTemporaryFileOps named;
  for (const FileOps* ops : {static_cast<const FileOps*>(nullptr), static_cast<const FileOps*>(&named)}) {
    REQUIRE_OK(write_snapshot(path, state_of(40), {.file_ops = ops}));
  }
  std::set<std::string> expected(kept_regular.begin(), kept_regular.end());
  expected.erase("locked");
  expected.insert({kName, locked, directory, fifo, symlink, "target"});
  const std::vector<std::string> entries = dir.entries();
  CHECK(std::set<std::string>(entries.begin(), entries.end()) == expected);
  for (const std::string& name : kept_regular) {
    if (name != "locked") CHECK(content_of(dir.file(name)) == name);
  }
  CHECK(content_of(dir.file("target")) == "target");

  // Its writer gone (the lock released), the next write removes it.
  ::close(lock_fd);
  REQUIRE_OK(write_snapshot(path, state_of(41)));
  CHECK_FALSE(std::filesystem::exists(dir.file(locked)));
  CHECK(read_back(path) == state_of(41));
}

namespace {

// On the named path: the writer's first flock of the file it just created
// runs between before(name) and after(name).
class RacedLockFileOps final : public FileOps {
 public:
  using Step = std::function<void(const std::string& temp)>;
  RacedLockFileOps(Step before, Step after) : before_(std::move(before)), after_(std::move(after)) {}
  int open(const char* path, int flags, mode_t mode) const override {
    if ((flags & O_TMPFILE) == O_TMPFILE) {
      errno = EOPNOTSUPP;
      return -1;
    }
    const int fd = FileOps::open(path, flags, mode);
    if (fd >= 0 && (flags & O_CREAT) != 0) {
      created.push_back(path);
      created_fd_ = fd;
    }
    return fd;
  }
  int flock(int fd, int operation) const override {
    if (fd != created_fd_ || raced) return FileOps::flock(fd, operation);
    raced = true;
    before_(created.back());
    const int rc = FileOps::flock(fd, operation);
    const int err = errno;
    after_(created.back());
    errno = err;
    return rc;
  }
  mutable std::vector<std::string> created;
  mutable bool raced = false;

 private:
  Step before_, after_;
  mutable int created_fd_ = -1;
};

}  // namespace

TEST_CASE("a named temporary taken by another writer's removal between its creation and its lock is given up for a new one", "[stale]") {
  TempDir dir;
  const std::string path = dir.file(kName);
  SECTION("removed: the other writer's whole write runs in between") {
    // Its lock still free, the fresh temporary looks like a dead writer's.
    RacedLockFileOps ops(
        [&](const std::string& temp) {
          REQUIRE(std::filesystem::exists(temp));
          REQUIRE_OK(write_snapshot(path, state_of(50)));
          CHECK_FALSE(std::filesystem::exists(temp));
        },
        [](const std::string&) {});
    REQUIRE_OK(write_snapshot(path, state_of(51), {.file_ops = &ops}));
    CHECK(ops.raced);
    CHECK(ops.created.size() == 2);
    CHECK(read_back(path) == state_of(51));
    CHECK(dir.entries() == std::vector<std::string>{kName});
  }
  SECTION("locked by a remover when the writer tries (EWOULDBLOCK), then removed by it") {
    int remover = -1;
    RacedLockFileOps ops(
        [&](const std::string& temp) {
          remover = ::open(temp.c_str(), O_RDWR | O_CLOEXEC);
          REQUIRE(remover >= 0);
          REQUIRE(::flock(remover, LOCK_EX | LOCK_NB) == 0);
        },
        [&](const std::string& temp) {
          ::unlink(temp.c_str());
          ::close(remover);
        });
    REQUIRE_OK(write_snapshot(path, state_of(52), {.file_ops = &ops}));
    CHECK(ops.raced);
    CHECK(ops.created.size() == 2);
    CHECK(read_back(path) == state_of(52));
    CHECK(dir.entries() == std::vector<std::string>{kName});
  }
}

namespace {

// The first flock of a leftover (opened without O_CREAT, to remove it) is
// preceded by `before`.
class LeftoverLockFileOps final : public FileOps {
 public:
  explicit LeftoverLockFileOps(std::function<void()> before) : before_(std::move(before)) {}
  int open(const char* path, int flags, mode_t mode) const override {
    const int fd = FileOps::open(path, flags, mode);
    if (fd >= 0 && (flags & (O_CREAT | O_DIRECTORY)) == 0) leftover_fd_ = fd;
    return fd;
  }
  int flock(int fd, int operation) const override {
    if (fd == leftover_fd_ && !raced) {
      raced = true;
      before_();
    }
    return FileOps::flock(fd, operation);
  }
  mutable bool raced = false;

 private:
  std::function<void()> before_;
  mutable int leftover_fd_ = -1;
};

}  // namespace

TEST_CASE("a leftover's name that names another file once it is locked is not removed", "[stale]") {
  TempDir dir;
  const std::string path = dir.file(kName);
  leave_incomplete_temporary(path);
  const std::vector<std::string> left = temporaries(dir);
  REQUIRE(left.size() == 1);
  const std::string leftover = dir.file(left[0]);
  // Between the remover's open and its lock, the name comes to name another
  // file: a live writer's, locked.
  int live = -1;
  LeftoverLockFileOps ops([&] {
    create_file(dir.file("replacement"), "replacement");
    live = ::open(dir.file("replacement").c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(live >= 0);
    REQUIRE(::flock(live, LOCK_EX | LOCK_NB) == 0);
    std::filesystem::rename(dir.file("replacement"), leftover);
  });
  REQUIRE_OK(write_snapshot(path, state_of(60), {.file_ops = &ops}));
  CHECK(ops.raced);
  REQUIRE(std::filesystem::exists(leftover));
  CHECK(content_of(leftover) == "replacement");
  ::close(live);
}

namespace {

// One call of the removal of leftovers fails: open, flock or unlink.
class FailingRemovalFileOps final : public FileOps {
 public:
  enum Step { open_leftover, flock_leftover, unlink_leftover };
  FailingRemovalFileOps(Step step, int err) : step_(step), err_(err) {}
  int open(const char* path, int flags, mode_t mode) const override {
    const bool leftover = (flags & (O_CREAT | O_DIRECTORY)) == 0;
    if (leftover && step_ == open_leftover) return failure();
    const int fd = FileOps::open(path, flags, mode);
    if (leftover) leftover_fd_ = fd;
    return fd;
  }
  int flock(int fd, int operation) const override {
    if (fd == leftover_fd_ && step_ == flock_leftover) return failure();
    return FileOps::flock(fd, operation);
  }
  int unlink(const char* path) const override {
    if (step_ == unlink_leftover) return failure();
    return FileOps::unlink(path);
  }
  mutable int failures = 0;

 private:
  int failure() const {
    ++failures;
    errno = err_;
    return -1;
  }
  Step step_;
  int err_;
  mutable int leftover_fd_ = -1;
};

}  // namespace

TEST_CASE("a leftover that cannot be opened, locked or removed stays, and the write goes on", "[stale]") {
  using Step = FailingRemovalFileOps::Step;
  for (auto [step, err] : {std::pair{Step::open_leftover, EACCES}, std::pair{Step::open_leftover, EIO},
                           std::pair{Step::flock_leftover, EWOULDBLOCK}, std::pair{Step::flock_leftover, ENOLCK},
                           std::pair{Step::unlink_leftover, EPERM}, std::pair{Step::unlink_leftover, EIO}}) {
    INFO("step " << step << ": " << std::strerror(err));
    TempDir dir;
    const std::string path = dir.file(kName);
    leave_incomplete_temporary(path);
    const std::vector<std::string> left = temporaries(dir);
    REQUIRE(left.size() == 1);
    FailingRemovalFileOps ops(step, err);
    REQUIRE_OK(write_snapshot(path, state_of(70), {.file_ops = &ops}));
    CHECK(ops.failures >= 1);
    CHECK(temporaries(dir) == left);
    CHECK(read_back(path) == state_of(70));
    REQUIRE_OK(write_snapshot(path, state_of(71)));
    CHECK(dir.entries() == std::vector<std::string>{kName});
  }
}
