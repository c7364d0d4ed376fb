// Crash-safe writes: with each file operation failing in turn (EIO, ENOSPC,
// short writes), the destination holds the previous snapshot or the new one,
// never a torn file, and no temporary file is left behind. And the streaming
// writer's contract: order, finish(), abandonment, identical bytes.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
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
using bbsnap::testing::full_example_state;
using bbsnap::testing::random_state;
using bbsnap::testing::TempDir;
using bbsnap::testing::add_slots;
using bbsnap::testing::read_back;
using bbsnap::testing::without_slots;

using bbsnap::testing::RecordingFileOps;

namespace {

// ---------------------------------------------------------------- fault injection

enum class Op {
  open,          // the named temporary file (O_CREAT)
  open_unnamed,  // the unnamed one (O_TMPFILE)
  open_dir,
  open_leftover,  // a leftover temporary file, to remove it
  write, pwrite, fsync, fsync_dir, close, linkat, flock, rename, unlink, count
};

const char* op_name(Op op) {
  switch (op) {
    case Op::open: return "open";
    case Op::open_unnamed: return "open(O_TMPFILE)";
    case Op::open_dir: return "open(directory)";
    case Op::open_leftover: return "open(leftover)";
    case Op::write: return "write";
    case Op::pwrite: return "pwrite";
    case Op::fsync: return "fsync";
    case Op::fsync_dir: return "fsync(directory)";
    case Op::close: return "close";
    case Op::linkat: return "linkat";
    case Op::flock: return "flock";
    case Op::rename: return "rename";
    case Op::unlink: return "unlink";
    case Op::count: break;
  }
  return "?";
}

// Which temporary file the writer writes: the unnamed one, where the file
// system has O_TMPFILE, or the named fallback (O_TMPFILE refused).
enum class Path { unnamed, named };

const char* path_name(Path path) { return path == Path::unnamed ? "unnamed temporary" : "named temporary"; }

// Both, or only the fallback where the test directory's file system has no O_TMPFILE.
std::vector<Path> temporary_paths() {
  TempDir probe;
  if (bbsnap::testing::supports_unnamed_files(probe.path())) return {Path::unnamed, Path::named};
  WARN("the file system of " << probe.path() << " refuses O_TMPFILE: only the named fallback is tested");
  return {Path::named};
}

// The file operations that make a write take `path`: the real ones, or
// those refusing O_TMPFILE, as a file system without it does.
const FileOps& file_ops_for(Path path) {
  static const bbsnap::testing::NamedTemporaryFileOps named;
  return path == Path::named ? static_cast<const FileOps&>(named) : posix_file_ops();
}

// Whether a write on `path` calls `op` at all.
bool used_on(Path path, Op op) {
  if (path == Path::unnamed) return op != Op::open;
  return op != Op::open_unnamed && op != Op::linkat;
}

struct Fault {
  enum Kind {
    fail,             // call `nth` of `op` fails with `err`, doing nothing (close: the fd is closed anyway, as on Linux)
    short_write,      // call `nth` of write/pwrite writes half of what it was asked and says so
    short_then_fail,  // ... and call nth + 1 fails with `err` (a disk filling up)
    zero_write,       // call `nth` of write/pwrite returns 0
    interrupted,      // call `nth` fails with EINTR: to be retried (close: the descriptor is released)
    retried,          // call `nth` fails with `err`, which the writer answers by trying again (EEXIST: a taken name)
  };
  Op op = Op::write;
  Kind kind = fail;
  int err = EIO;
  int nth = 0;
};

std::string describe(const Fault& f) {
  static const char* const kinds[] = {"fails",          "is short",       "is short, then fails",
                                      "returns 0",      "is interrupted", "is refused, to be retried"};
  return std::string(op_name(f.op)) + " #" + std::to_string(f.nth) + " " + kinds[f.kind] + " (" +
         std::strerror(f.kind == Fault::interrupted ? EINTR : f.err) + ")";
}

// The real calls, except for the one fault, and O_TMPFILE refused on the
// named path. Counts every call by operation and logs their order; the
// directory's descriptors are told apart for fsync, and so are the writer's
// duplicate descriptors (holding its lock), which it closes without
// checking: nothing is lost there.
class FaultyFileOps final : public FileOps {
 public:
  explicit FaultyFileOps(Fault fault, Path path = Path::unnamed) : fault_(fault), path_(path) {}

  int open(const char* path, int flags, mode_t mode) const override {
    const Op op = open_op(flags);
    if (op == Op::open_unnamed && path_ == Path::named) {
      errno = EOPNOTSUPP;
      return -1;
    }
    if (should_fail(op)) return failure();
    int fd = FileOps::open(path, flags, mode);
    if (fd >= 0) opened_[fd] = op;
    if (fd >= 0 && op == Op::open) temp_paths_.push_back(path);
    return fd;
  }
  ssize_t write(int fd, const void* data, std::size_t size) const override {
    if (std::optional<ssize_t> r = write_fault(Op::write, size, [&](std::size_t n) { return FileOps::write(fd, data, n); })) {
      return *r;
    }
    return FileOps::write(fd, data, size);
  }
  ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) const override {
    if (std::optional<ssize_t> r =
            write_fault(Op::pwrite, size, [&](std::size_t n) { return FileOps::pwrite(fd, data, n, offset); })) {
      return *r;
    }
    return FileOps::pwrite(fd, data, size, offset);
  }
  int fsync(int fd) const override {
    if (should_fail(opened_as(fd) == Op::open_dir ? Op::fsync_dir : Op::fsync)) return failure();
    return FileOps::fsync(fd);
  }
  int close(int fd) const override {
    const std::optional<Op> opened = opened_as(fd);
    opened_.erase(fd);
    if (should_fail(Op::close)) {
      FileOps::close(fd);  // Linux releases the descriptor even when close reports an error
      failed_quiet_close_ = !opened || *opened == Op::open_dir;
      return failure();
    }
    return FileOps::close(fd);
  }
  int linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, int flags) const override {
    if (should_fail(Op::linkat)) return failure();
    int rc = FileOps::linkat(olddirfd, oldpath, newdirfd, newpath, flags);
    if (rc == 0) temp_paths_.push_back(newpath);
    return rc;
  }
  int flock(int fd, int operation) const override {
    if (should_fail(Op::flock)) return failure();
    return FileOps::flock(fd, operation);
  }
  int rename(const char* from, const char* to) const override {
    if (should_fail(Op::rename)) return failure();
    int rc = FileOps::rename(from, to);
    if (rc == 0) renamed_ = true;
    return rc;
  }
  int unlink(const char* path) const override {
    if (should_fail(Op::unlink)) return failure();
    return FileOps::unlink(path);
  }

  bool fired() const { return fired_; }      // the fault happened
  bool failed() const { return failed_; }    // ... and a call reported an error (or wrote nothing)
  bool renamed() const { return renamed_; }  // the new file was put in place
  // A close the writer does not check failed: of the directory after its
  // fsync, or of the descriptor holding the lock.
  bool failed_quiet_close() const { return failed_quiet_close_; }
  int calls(Op op) const { return calls_[static_cast<int>(op)]; }
  // Every call, in order, writes and pwrites once for each run of them.
  const std::vector<Op>& log() const { return log_; }
  // The temporary files that got a name (created, or the unnamed one linked).
  const std::vector<std::string>& temp_paths() const { return temp_paths_; }

 private:
  static Op open_op(int flags) {
    if ((flags & O_TMPFILE) == O_TMPFILE) return Op::open_unnamed;
    if ((flags & O_DIRECTORY) != 0) return Op::open_dir;
    return (flags & O_CREAT) != 0 ? Op::open : Op::open_leftover;
  }
  std::optional<Op> opened_as(int fd) const {
    auto it = opened_.find(fd);
    if (it == opened_.end()) return std::nullopt;
    return it->second;
  }
  void count(Op op) const {
    if (log_.empty() || log_.back() != op || (op != Op::write && op != Op::pwrite)) log_.push_back(op);
  }
  bool should_fail(Op op) const {
    count(op);
    int n = calls_[static_cast<int>(op)]++;
    if (op != fault_.op || n != fault_.nth) return false;
    if (fault_.kind == Fault::interrupted || fault_.kind == Fault::retried) return fired_ = true;  // not a failure
    if (fault_.kind != Fault::fail) return false;
    fired_ = failed_ = true;
    return true;
  }
  int failure() const {
    errno = fault_.kind == Fault::interrupted ? EINTR : fault_.err;
    return -1;
  }
  template <typename Write>
  std::optional<ssize_t> write_fault(Op op, std::size_t size, Write real) const {
    count(op);
    if (op != fault_.op) {
      ++calls_[static_cast<int>(op)];
      return std::nullopt;
    }
    int n = calls_[static_cast<int>(op)]++;
    switch (fault_.kind) {
      case Fault::fail:
        if (n != fault_.nth) return std::nullopt;
        fired_ = failed_ = true;
        return failure();
      case Fault::zero_write:
        if (n != fault_.nth) return std::nullopt;
        fired_ = failed_ = true;
        return 0;
      case Fault::interrupted:
      case Fault::retried:
        if (n != fault_.nth) return std::nullopt;
        fired_ = true;
        errno = fault_.kind == Fault::interrupted ? EINTR : fault_.err;
        return -1;
      case Fault::short_write:
      case Fault::short_then_fail:
        if (n == fault_.nth && size > 1) {
          fired_ = true;
          return real(size / 2);
        }
        if (fault_.kind == Fault::short_then_fail && fired_ && n == fault_.nth + 1) {
          failed_ = true;
          return failure();
        }
        return std::nullopt;
    }
    return std::nullopt;
  }

  Fault fault_;
  Path path_;
  mutable int calls_[static_cast<int>(Op::count)] = {};
  mutable std::vector<Op> log_;
  mutable std::map<int, Op> opened_;
  mutable std::vector<std::string> temp_paths_;
  mutable bool fired_ = false;
  mutable bool failed_ = false;
  mutable bool renamed_ = false;
  mutable bool failed_quiet_close_ = false;
};

// Every write call short: at most 4093 bytes at a time.
class DribblingFileOps final : public FileOps {
 public:
  ssize_t write(int fd, const void* data, std::size_t size) const override {
    ++writes;
    return FileOps::write(fd, data, std::min<std::size_t>(size, 4093));
  }
  ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) const override {
    ++writes;
    return FileOps::pwrite(fd, data, std::min<std::size_t>(size, 5), offset);
  }
  mutable int writes = 0;
};

// The temporary file's name is taken `times` times: open(O_EXCL) of the
// named one, or linkat of the unnamed one, says EEXIST.
class TakenNamesFileOps final : public FileOps {
 public:
  TakenNamesFileOps(int times, Path path) : times_(times), path_(path) {}
  int open(const char* path, int flags, mode_t mode) const override {
    if ((flags & O_TMPFILE) == O_TMPFILE && path_ == Path::named) {
      errno = EOPNOTSUPP;
      return -1;
    }
    if ((flags & O_CREAT) != 0 && takes++ < times_) {
      errno = EEXIST;
      return -1;
    }
    return FileOps::open(path, flags, mode);
  }
  int linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, int flags) const override {
    if (takes++ < times_) {
      errno = EEXIST;
      return -1;
    }
    return FileOps::linkat(olddirfd, oldpath, newdirfd, newpath, flags);
  }
  mutable int takes = 0;  // tries at a name

 private:
  int times_;
  Path path_;
};

// Open file descriptors of this process.
std::size_t open_fds() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

// ---------------------------------------------------------------- states and files

Bytes encoded(const TransientSnapshot& state, const WriteOptions& options = {}) {
  WriteOptions memory = options;
  memory.file_ops = nullptr;
  Result<AlignedBuffer> bytes = encode_snapshot(state, memory);
  REQUIRE_OK(bytes);
  return Bytes(bytes->span().begin(), bytes->span().end());
}

// Small: one write() call.
TransientSnapshot state_a() {
  TransientSnapshot state = random_state(11);
  state.framework.spec_version = kCurrentSpecVersion;
  state.slot_table[{0, 0}] = Bytes{'A'};
  return state;
}

// Big enough for write() calls of each kind the writer makes (it writes
// whole 2 MiB blocks): small values gathered in its buffer, 300 KiB ones
// copied across block boundaries, and one of 4 MiB whose whole blocks go
// to the file straight from the caller's memory.
TransientSnapshot state_b() {
  TransientSnapshot state = random_state(12);
  state.framework.spec_version = kCurrentSpecVersion;
  for (std::uint64_t i = 0; i < 3; ++i) state.slot_table[{1000 + i, 0}] = Bytes(300 * 1024 + i, static_cast<std::uint8_t>(i + 1));
  state.slot_table[{1500, 0}] = Bytes((4u << 20) + 5, 0x5a);
  for (std::uint64_t i = 0; i < 40; ++i) state.slot_table[{2000 + i, i}] = Bytes(20 * 1024 + i, static_cast<std::uint8_t>(i));
  state.slot_table[{0, 0}] = Bytes{'B'};
  return state;
}

enum class Api { write_snapshot, streaming };

// Writes `state` with the whole-state call or the streaming writer (the
// writer is destroyed before this returns, as a failed caller would).
Status write_with(Api api, const std::string& path, const TransientSnapshot& state, const WriteOptions& options) {
  if (api == Api::write_snapshot) return write_snapshot(path, state, options);
  Result<SnapshotWriter> writer = SnapshotWriter::create(path, options);
  if (!writer) return std::move(writer).error();
  if (Status s = add_slots(*writer, state); !s) return s;
  return writer->finish(without_slots(state));
}

// The write() calls of a clean write of `state`, whose file must hold `bytes`.
std::vector<RecordingFileOps::Write> writes_of(Api api, const TransientSnapshot& state, const Bytes& bytes) {
  RecordingFileOps ops;
  TempDir dir;
  REQUIRE_OK(write_with(api, dir.file("s.bbsnap"), state, {.durable = false, .file_ops = &ops}));
  REQUIRE(bbsnap::testing::read_file(dir.file("s.bbsnap")) == bytes);
  return ops.writes;
}

struct Outcome {
  int attempts = 0;  // faults that fired
  int old_kept = 0;  // ... after which the destination held the previous content (or nothing)
  int new_written = 0;
};

// For N = 0, 1, ...: writes B over A (or over nothing) with call N of the
// fault's operation failing, and checks the destination and the directory.
// Stops at the first N that the write does not reach.
Outcome inject_until_success(Fault fault, Path temporary, Api api, bool existing, const TransientSnapshot& a,
                             const TransientSnapshot& b, const Bytes& b_bytes, bool durable = true) {
  Outcome outcome;
  for (fault.nth = 0;; ++fault.nth) {
    REQUIRE(fault.nth < 10000);
    INFO(describe(fault) << ", " << path_name(temporary) << (api == Api::streaming ? ", streaming" : ", write_snapshot")
                         << (existing ? ", over an existing file" : ", no existing file")
                         << (durable ? "" : ", not durable"));
    TempDir dir;
    const std::string path = dir.file("state.bbsnap");
    if (existing) REQUIRE_OK(write_snapshot(path, a, {.durable = false}));

    const std::size_t fds_before = open_fds();
    FaultyFileOps ops(fault, temporary);
    WriteOptions options;
    options.durable = durable;
    options.file_ops = &ops;
    Status status = write_with(api, path, b, options);
    INFO("status: " << (status.ok() ? std::string("ok") : status.error().to_string()));
    REQUIRE(open_fds() == fds_before);  // no descriptor leaked

    // No temporary file, whatever happened.
    const std::vector<std::string> expected_entries =
        existing || ops.renamed() ? std::vector<std::string>{"state.bbsnap"} : std::vector<std::string>{};
    REQUIRE(dir.entries() == expected_entries);
    REQUIRE(ops.temp_paths().size() <= 1);

    if (ops.renamed()) {
      // The new snapshot is in place, complete.
      REQUIRE(bbsnap::testing::read_file(path) == b_bytes);
      REQUIRE(read_back(path) == b);
    } else {
      // The previous content, untouched.
      REQUIRE_FALSE(status.ok());
      if (existing) REQUIRE(read_back(path) == a);
    }
    if (status.ok()) REQUIRE(ops.renamed());

    if (!ops.fired()) {
      // Past the last call of the operation: the write must have succeeded.
      REQUIRE(status.ok());
      return outcome;
    }
    ++outcome.attempts;
    if (ops.renamed()) {
      ++outcome.new_written;
    } else {
      ++outcome.old_kept;
    }
    if (ops.failed() && !ops.failed_quiet_close()) {
      // Every reported failure is passed on, even after the rename (the
      // directory fsync: the new name may not survive a power loss).
      // (A failed close() of the directory after its fsync, or of the
      // descriptor holding the lock after the rename, loses nothing.)
      REQUIRE_FALSE(status.ok());
      CHECK(status.error().code == ErrorCode::io);
      const std::string reason = fault.kind == Fault::zero_write ? std::strerror(EIO) : std::strerror(fault.err);
      CHECK(status.error().message.find(reason) != std::string::npos);
    }
    if (!ops.failed()) REQUIRE(status.ok());  // a short write alone is not an error
  }
}

}  // namespace

// ================================================================ faults

TEST_CASE("every failing file operation leaves the old snapshot or the new one, and no temporary file") {
  const TransientSnapshot a = state_a();
  const TransientSnapshot b = state_b();
  const Bytes b_bytes = encoded(b);

  for (Path temporary : temporary_paths()) {
    for (Api api : {Api::write_snapshot, Api::streaming}) {
      // A fault in each write() call of the clean write, in turn.
      const std::size_t clean_writes = writes_of(api, b, b_bytes).size();
      REQUIRE(clean_writes >= 3);
      for (bool existing : {true, false}) {
        for (int err : {EIO, ENOSPC}) {
          for (Op op : {Op::open, Op::open_unnamed, Op::flock, Op::open_dir, Op::write, Op::pwrite, Op::fsync,
                        Op::linkat, Op::fsync_dir, Op::close, Op::rename}) {
            Outcome outcome = inject_until_success({op, Fault::fail, err}, temporary, api, existing, a, b, b_bytes);
            INFO(op_name(op) << ", " << path_name(temporary));
            if (!used_on(temporary, op)) {
              CHECK(outcome.attempts == 0);
              continue;
            }
            CHECK(outcome.attempts >= 1);
            switch (op) {
              case Op::write:
                CHECK(outcome.attempts == static_cast<int>(clean_writes));
                CHECK(outcome.new_written == 0);
                break;
              case Op::open_dir:
              case Op::fsync_dir: CHECK(outcome.new_written == outcome.attempts); break;
              case Op::close:
                // The file's own descriptor, before the rename; the one
                // holding its lock and the directory's, after it.
                CHECK(outcome.attempts == 3);
                CHECK(outcome.new_written == 2);
                break;
              default: CHECK(outcome.new_written == 0); break;
            }
          }
        }
      }
    }
  }
}

TEST_CASE("a taken temporary name (EEXIST) is retried with another, up to a limit") {
  const TransientSnapshot a = state_a();
  const TransientSnapshot b = state_b();
  const Bytes b_bytes = encoded(b);
  const std::vector<Path> temporaries = temporary_paths();
  if (temporaries.front() == Path::unnamed) {
    for (bool existing : {true, false}) {
      Outcome taken = inject_until_success({Op::linkat, Fault::retried, EEXIST}, Path::unnamed, Api::write_snapshot,
                                           existing, a, b, b_bytes);
      CHECK(taken.attempts == 1);
      CHECK(taken.new_written == 1);
    }
  }
  // And the named temporary's name, taken when it is created (O_EXCL).
  for (Path temporary : temporaries) {
    INFO(path_name(temporary));
    for (int taken : {1, 15}) {
      TakenNamesFileOps ops(taken, temporary);
      TempDir dir;
      REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), a, {.durable = false, .file_ops = &ops}));
      CHECK(ops.takes == taken + 1);
      CHECK(read_back(dir.file("s.bbsnap")) == a);
      CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
    }
    TakenNamesFileOps always(1000, temporary);
    TempDir dir;
    REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), a, {.durable = false}));
    Status s = write_snapshot(dir.file("s.bbsnap"), b, {.durable = false, .file_ops = &always});
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::io);
    CHECK(s.error().message.find(std::strerror(EEXIST)) != std::string::npos);
    CHECK(always.takes == 16);
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
    CHECK(read_back(dir.file("s.bbsnap")) == a);
  }
}

TEST_CASE("where O_TMPFILE is refused as unsupported the write takes the named temporary; other errors fail it") {
  const TransientSnapshot a = state_a();
  const TransientSnapshot b = state_b();
  const Bytes b_bytes = encoded(b);
  // EOPNOTSUPP: the file system has no O_TMPFILE; EISDIR, EINVAL: the kernel has none.
  for (int refusal : {EOPNOTSUPP, EISDIR, EINVAL}) {
    INFO(std::strerror(refusal));
    FaultyFileOps ops({Op::open_unnamed, Fault::fail, refusal, 0});
    TempDir dir;
    REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), b, {.file_ops = &ops}));
    CHECK(ops.fired());
    CHECK(ops.calls(Op::open) == 1);
    CHECK(ops.calls(Op::linkat) == 0);
    CHECK(ops.temp_paths().size() == 1);
    CHECK(bbsnap::testing::read_file(dir.file("s.bbsnap")) == b_bytes);
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
  }
  for (int err : {EACCES, EROFS, ENOSPC}) {
    INFO(std::strerror(err));
    FaultyFileOps ops({Op::open_unnamed, Fault::fail, err, 0});
    TempDir dir;
    REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), a, {.durable = false}));
    Status s = write_snapshot(dir.file("s.bbsnap"), b, {.file_ops = &ops});
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find(std::strerror(err)) != std::string::npos);
    CHECK(ops.calls(Op::open) == 0);
    CHECK(read_back(dir.file("s.bbsnap")) == a);
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
  }
}

TEST_CASE("an interrupted open, flock, fsync, close, linkat or rename is retried (close: taken as done) and the write completes") {
  const TransientSnapshot a = state_a();
  const TransientSnapshot b = state_b();
  const Bytes b_bytes = encoded(b);
  for (Path temporary : temporary_paths()) {
    for (Api api : {Api::write_snapshot, Api::streaming}) {
      for (bool existing : {true, false}) {
        for (Op op : {Op::open, Op::open_unnamed, Op::flock, Op::open_dir, Op::fsync, Op::linkat, Op::fsync_dir,
                      Op::close, Op::rename}) {
          INFO(op_name(op) << ", " << path_name(temporary));
          Outcome interrupted =
              inject_until_success({op, Fault::interrupted, EINTR}, temporary, api, existing, a, b, b_bytes);
          if (used_on(temporary, op)) {
            CHECK(interrupted.attempts >= 1);
          } else {
            CHECK(interrupted.attempts == 0);
          }
          CHECK(interrupted.new_written == interrupted.attempts);  // every one completed
        }
      }
    }
  }
}

TEST_CASE("short and interrupted writes are resumed; a short write then a failure leaves the old snapshot") {
  const TransientSnapshot a = state_a();
  const TransientSnapshot b = state_b();
  const Bytes b_bytes = encoded(b);
  for (Api api : {Api::write_snapshot, Api::streaming}) {
    for (bool existing : {true, false}) {
      for (Op op : {Op::write, Op::pwrite}) {
        Outcome shorts = inject_until_success({op, Fault::short_write, EIO}, Path::unnamed, api, existing, a, b, b_bytes);
        CHECK(shorts.attempts >= 1);
        CHECK(shorts.new_written == shorts.attempts);  // every one completed
        Outcome disk_full = inject_until_success({op, Fault::short_then_fail, ENOSPC}, Path::unnamed, api, existing, a, b, b_bytes);
        CHECK(disk_full.attempts >= 1);
        Outcome zero = inject_until_success({op, Fault::zero_write, EIO}, Path::unnamed, api, existing, a, b, b_bytes);
        CHECK(zero.attempts >= 1);
        CHECK(zero.new_written == 0);
        Outcome interrupted = inject_until_success({op, Fault::interrupted, EIO}, Path::unnamed, api, existing, a, b, b_bytes);
        CHECK(interrupted.attempts >= 1);
        CHECK(interrupted.new_written == interrupted.attempts);
      }
    }
  }
}

TEST_CASE("faults in a write without fsync leave the old snapshot or the new one") {
  const TransientSnapshot a = state_a();
  const TransientSnapshot b = state_b();
  const Bytes b_bytes = encoded(b);
  for (Path temporary : temporary_paths()) {
    for (Op op : {Op::open, Op::open_unnamed, Op::flock, Op::write, Op::pwrite, Op::linkat, Op::close, Op::rename}) {
      if (!used_on(temporary, op)) continue;
      INFO(op_name(op) << ", " << path_name(temporary));
      Outcome outcome =
          inject_until_success({op, Fault::fail, EIO}, temporary, Api::write_snapshot, true, a, b, b_bytes, false);
      CHECK(outcome.attempts >= 1);
      CHECK(outcome.new_written == (op == Op::close ? 1 : 0));  // the lock's descriptor, after the rename
    }
  }
  // No fsync at all, of the file or the directory.
  FaultyFileOps counting({Op::count, Fault::fail, EIO, 0});
  TempDir dir;
  REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), b, {.durable = false, .file_ops = &counting}));
  CHECK(counting.calls(Op::fsync) + counting.calls(Op::fsync_dir) + counting.calls(Op::open_dir) == 0);
}

// The order is the crash reasoning: the file is locked before it has a name
// (removers of stale temporaries leave it alone), complete and on disk
// before it has one (an unnamed file) and before the rename, closed before
// it is named and renamed (a failing close leaves the old file and nothing
// else), and its lock released only once its temporary name is gone.
TEST_CASE("a durable write locks, writes, fsyncs, closes, names, renames, unlocks and fsyncs the directory, in order") {
  for (Path temporary : temporary_paths()) {
    INFO(path_name(temporary));
    FaultyFileOps counting({Op::count, Fault::fail, EIO, 0}, temporary);
    TempDir dir;
    REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), state_a(), {.file_ops = &counting}));
    const std::vector<Op> expected =
        temporary == Path::unnamed
            ? std::vector<Op>{Op::open_unnamed, Op::flock, Op::write, Op::pwrite, Op::fsync, Op::close, Op::linkat,
                              Op::rename, Op::close, Op::open_dir, Op::fsync_dir, Op::close}
            : std::vector<Op>{Op::open, Op::flock, Op::write, Op::pwrite, Op::fsync, Op::close,
                              Op::rename, Op::close, Op::open_dir, Op::fsync_dir, Op::close};
    std::string log;
    for (Op op : counting.log()) log += std::string(op_name(op)) + " ";
    INFO(log);
    CHECK(counting.log() == expected);
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
  }
}

TEST_CASE("writes of a few bytes at a time still write the whole file") {
  const TransientSnapshot b = state_b();
  for (Api api : {Api::write_snapshot, Api::streaming}) {
    DribblingFileOps ops;
    TempDir dir;
    REQUIRE_OK(write_with(api, dir.file("s.bbsnap"), b, {.durable = false, .file_ops = &ops}));
    CHECK(ops.writes > 400);
    CHECK(bbsnap::testing::read_file(dir.file("s.bbsnap")) == encoded(b));
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
  }
}

// Where the file system caches files in large folios, the page cache sizes a
// folio by the write that fills it, and a fresh mapping of a file in 2 MiB
// folios takes a tenth of the page faults (sink.cc).
TEST_CASE("appends reach the file as whole 2 MiB blocks at 2 MiB boundaries, the last one excepted") {
  constexpr std::uint64_t kBlock = 2u << 20;
  const TransientSnapshot b = state_b();
  const Bytes b_bytes = encoded(b);
  for (Api api : {Api::write_snapshot, Api::streaming}) {
    const std::vector<RecordingFileOps::Write> writes = writes_of(api, b, b_bytes);
    // No more calls than blocks: whole blocks of the 4 MiB value may go in one.
    REQUIRE(writes.size() >= 2);
    CHECK(writes.size() <= (b_bytes.size() + kBlock - 1) / kBlock);
    for (std::size_t i = 0; i < writes.size(); ++i) {
      INFO("write " << i << " of " << writes.size());
      CHECK(writes[i].offset % kBlock == 0);
      if (i + 1 < writes.size()) CHECK(writes[i].size % kBlock == 0);
    }
    CHECK(writes.back().offset + writes.back().size == b_bytes.size());
  }
}

// ================================================================ the streaming writer

TEST_CASE("SnapshotWriter writes to an unnamed file, or a named temporary beside the destination, until finish()") {
  for (Path temporary : temporary_paths()) {
    INFO(path_name(temporary));
    TempDir dir;
    const std::string path = dir.file("s.bbsnap");
    {
      const WriteOptions options{.durable = false, .file_ops = &file_ops_for(temporary)};
      Result<SnapshotWriter> writer = SnapshotWriter::create(path, options);
      REQUIRE_OK(writer);
      REQUIRE_OK(writer->add_slot({1, 1}, Bytes(4u << 20, 7)));  // large: its whole 2 MiB blocks written through at once
      std::vector<std::string> entries = dir.entries();
      if (temporary == Path::unnamed) {
        CHECK(entries.empty());  // nothing to leave behind
      } else {
        REQUIRE(entries.size() == 1);
        CHECK(entries[0].rfind("s.bbsnap.tmp.", 0) == 0);
        CHECK(std::filesystem::file_size(dir.path() / entries[0]) >= (2u << 20));
      }
      REQUIRE_OK(writer->finish({}));
      CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
    }
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
  }
}

TEST_CASE("SnapshotWriter refuses slots out of order") {
  TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.durable = false, .slots_per_chunk = 2});
  REQUIRE_OK(writer);
  REQUIRE_OK(writer->add_slot({2, 2}, Bytes{1}));
  for (SlotKey key : {SlotKey{1, 9}, SlotKey{2, 1}, SlotKey{2, 2}, SlotKey{0, 0}}) {
    INFO("slot (" << key.site << ", " << key.exec << ")");
    Status s = writer->add_slot(key, Bytes{2});
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::invalid_argument);
    CHECK_FALSE(writer->add_slot(key, std::nullopt).ok());
  }
  // A refused slot is not written, and the writer goes on.
  REQUIRE_OK(writer->add_slot({2, 3}, std::nullopt));
  REQUIRE_OK(writer->add_slot({3, 0}, Bytes{3}));
  REQUIRE_OK(writer->finish({}));

  TransientSnapshot expected;
  expected.slot_table = {{{2, 2}, Bytes{1}}, {{2, 3}, std::nullopt}, {{3, 0}, Bytes{3}}};
  CHECK(read_back(path) == expected);
}

TEST_CASE("SnapshotWriter::finish() refuses a state with a slot table") {
  TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  {
    Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.durable = false});
    REQUIRE_OK(writer);
    REQUIRE_OK(writer->add_slot({1, 1}, Bytes{1}));
    TransientSnapshot rest = full_example_state();
    Status s = writer->finish(rest);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::invalid_argument);
    CHECK_FALSE(std::filesystem::exists(path));
    // "After finish(), successful or not, the writer is spent" (writer.h).
    CHECK_FALSE(writer->finish(without_slots(rest)).ok());
    CHECK_FALSE(writer->add_slot({2, 2}, Bytes{2}).ok());
  }
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(dir.entries().empty());
}

TEST_CASE("SnapshotWriter is spent after finish()") {
  TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.durable = false});
  REQUIRE_OK(writer);
  REQUIRE_OK(writer->add_slot({1, 1}, Bytes{1}));
  REQUIRE_OK(writer->finish({}));
  const Bytes written = bbsnap::testing::read_file(path);
  Status again = writer->finish({});
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::invalid_argument);
  Status more = writer->add_slot({2, 2}, Bytes{2});
  REQUIRE_FALSE(more.ok());
  CHECK(more.error().code == ErrorCode::invalid_argument);
  CHECK(bbsnap::testing::read_file(path) == written);
  CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
}

TEST_CASE("a moved-from SnapshotWriter refuses add_slot and finish instead of crashing") {
  TempDir dir;
  Result<SnapshotWriter> writer = SnapshotWriter::create(dir.file("s.bbsnap"), {.durable = false});
  REQUIRE_OK(writer);
  SnapshotWriter moved = std::move(*writer);
  for (const Status& refused : {writer->add_slot({1, 1}, Bytes{1}), writer->finish({})}) {
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::invalid_argument);
    CHECK(refused.error().message.find("moved from") != std::string::npos);
  }
  REQUIRE_OK(moved.add_slot({1, 1}, Bytes{1}));
  REQUIRE_OK(moved.finish({}));
  CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
}

TEST_CASE("a rewritten snapshot keeps the permission bits of the one it replaces; a new one follows the umask") {
  for (Path temporary : temporary_paths()) {
    INFO(path_name(temporary));
    const FileOps* ops = &file_ops_for(temporary);
    TempDir dir;
    const std::string path = dir.file("s.bbsnap");
    const auto mode_of = [&] { return std::filesystem::status(path).permissions(); };
    using std::filesystem::perms;
    const mode_t previous_umask = ::umask(022);
    REQUIRE_OK(write_snapshot(path, state_a(), {.durable = false, .file_ops = ops}));
    CHECK(mode_of() == (perms::owner_read | perms::owner_write | perms::group_read | perms::others_read));
    ::umask(027);
    REQUIRE_OK(write_snapshot(dir.file("t.bbsnap"), state_a(), {.durable = false, .file_ops = ops}));
    CHECK(std::filesystem::status(dir.file("t.bbsnap")).permissions() ==
          (perms::owner_read | perms::owner_write | perms::group_read));
    ::umask(previous_umask);
    for (perms kept : {perms::owner_read | perms::owner_write, perms::owner_read, perms::owner_all | perms::group_read}) {
      std::filesystem::permissions(path, kept);
      for (Api api : {Api::write_snapshot, Api::streaming}) {
        REQUIRE_OK(write_with(api, path, state_b(), {.durable = false, .file_ops = ops}));
        CHECK(mode_of() == kept);
      }
    }
    CHECK(read_back(path) == state_b());
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap", "t.bbsnap"});
  }
}

// Records the mode each temporary file is created with (O_TMPFILE or
// O_CREAT), passing every call on to `inner`.
class CreationModeFileOps final : public FileOps {
 public:
  explicit CreationModeFileOps(const FileOps& inner) : inner_(inner) {}
  int open(const char* path, int flags, mode_t mode) const override {
    const int fd = inner_.open(path, flags, mode);
    if (fd >= 0 && ((flags & O_TMPFILE) == O_TMPFILE || (flags & O_CREAT) != 0)) modes.push_back(mode);
    return fd;
  }
  mutable std::vector<mode_t> modes;

 private:
  const FileOps& inner_;
};

TEST_CASE("file_mode gives the new file exactly those bits, whatever the umask and the file it replaces") {
  for (Path temporary : temporary_paths()) {
    INFO(path_name(temporary));
    const FileOps* ops = &file_ops_for(temporary);
    TempDir dir;
    const std::string path = dir.file("s.bbsnap");
    const auto mode_of = [&] { return static_cast<mode_t>(std::filesystem::status(path).permissions()); };
    const mode_t previous_umask = ::umask(077);
    for (mode_t mode : {mode_t{0600}, mode_t{0644}, mode_t{0440}, mode_t{0}, mode_t{0777}}) {
      INFO("file_mode 0" << std::oct << mode);
      for (Api api : {Api::write_snapshot, Api::streaming}) {
        REQUIRE_OK(write_with(api, path, state_a(), {.durable = false, .file_ops = ops, .file_mode = mode}));
        CHECK(mode_of() == mode);
      }
    }
    ::umask(previous_umask);
    CHECK(read_back(path) == state_a());
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
  }
}

TEST_CASE("the temporary file is created with the finished file's mode, never more open than it") {
  for (Path temporary : temporary_paths()) {
    INFO(path_name(temporary));
    TempDir dir;
    const std::string path = dir.file("s.bbsnap");
    REQUIRE_OK(write_snapshot(path, state_a(), {.durable = false}));
    std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    CreationModeFileOps ops(file_ops_for(temporary));
    REQUIRE_OK(write_snapshot(path, state_a(), {.durable = false, .file_ops = &ops}));  // keeps 0600
    REQUIRE_OK(write_snapshot(path, state_a(), {.durable = false, .file_ops = &ops, .file_mode = 0640}));
    REQUIRE_OK(write_snapshot(dir.file("new.bbsnap"), state_a(), {.durable = false, .file_ops = &ops}));
    CHECK(ops.modes == std::vector<mode_t>{0600, 0640, 0666});
  }
}

TEST_CASE("a file_mode beyond the permission bits is refused before the file system is touched") {
  TempDir dir;
  for (mode_t mode : {mode_t{01000}, mode_t{04755}, mode_t{0100644}}) {
    INFO("file_mode 0" << std::oct << mode);
    const WriteOptions options{.file_mode = mode};
    Status written = write_snapshot(dir.file("s.bbsnap"), {}, options);
    Result<SnapshotWriter> writer = SnapshotWriter::create(dir.file("s.bbsnap"), options);
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().code == ErrorCode::invalid_argument);
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.error().code == ErrorCode::invalid_argument);
  }
  CHECK(dir.entries().empty());
}

TEST_CASE("a destination name of up to 255 bytes can be written: the temporary's name is cut to fit") {
  for (Path temporary : temporary_paths()) {
    INFO(path_name(temporary));
    TempDir dir;
    for (std::size_t length : {192u, 193u, 200u, 240u, 255u}) {
      INFO(length << "-byte name");
      const std::string path = dir.file(std::string(length - 7, 'n') + ".bbsnap");
      const WriteOptions options{.durable = false, .file_ops = &file_ops_for(temporary)};
      for (int i = 0; i < 3; ++i) REQUIRE_OK(write_snapshot(path, state_a(), options));
      CHECK(read_back(path) == state_a());
      std::filesystem::remove(path);
    }
    CHECK(dir.entries().empty());
  }
}

TEST_CASE("options are refused before the file system is touched") {
  TempDir dir;
  const std::string path = dir.file("missing-directory/s.bbsnap");
  for (std::uint32_t slots_per_chunk : {0u, 0xFFFFFFFFu}) {
    const WriteOptions options{.slots_per_chunk = slots_per_chunk};
    Status written = write_snapshot(path, {}, options);
    Result<SnapshotWriter> writer = SnapshotWriter::create(path, options);
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().code == ErrorCode::invalid_argument);
    REQUIRE_FALSE(writer.ok());
    CHECK(writer.error().code == ErrorCode::invalid_argument);
  }
}

TEST_CASE("a SnapshotWriter destroyed without finish() leaves no file, no temporary and no descriptor open") {
  const TransientSnapshot a = state_a();
  for (Path temporary : temporary_paths()) {
    // What `writers` writers in progress show in the directory.
    const auto visible = [&](std::size_t writers) { return temporary == Path::named ? writers : 0; };
    const FileOps* ops = &file_ops_for(temporary);
    for (bool existing : {false, true}) {
      INFO(path_name(temporary) << (existing ? ", over an existing file" : ", no existing file"));
      TempDir dir;
      const std::string path = dir.file("s.bbsnap");
      if (existing) REQUIRE_OK(write_snapshot(path, a, {.durable = false}));
      const std::vector<std::string> before = dir.entries();
      const std::size_t fds_before = open_fds();
      {
        Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.durable = false, .file_ops = ops});
        REQUIRE_OK(writer);
      }
      CHECK(dir.entries() == before);
      {
        Result<SnapshotWriter> writer =
            SnapshotWriter::create(path, {.durable = false, .slots_per_chunk = 2, .file_ops = ops});
        REQUIRE_OK(writer);
        for (std::uint64_t i = 0; i < 10; ++i) REQUIRE_OK(writer->add_slot({i, i}, Bytes(100 * 1024, 1)));
        CHECK(dir.entries().size() == before.size() + visible(1));
      }
      CHECK(dir.entries() == before);
      {
        // Moved, then both destroyed; and assigned over. The second writer,
        // created while the first one is alive, leaves its temporary alone.
        Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.durable = false, .file_ops = ops});
        REQUIRE_OK(writer);
        SnapshotWriter moved = std::move(*writer);
        REQUIRE_OK(moved.add_slot({1, 1}, Bytes{1}));
        Result<SnapshotWriter> other = SnapshotWriter::create(path, {.durable = false, .file_ops = ops});
        REQUIRE_OK(other);
        CHECK(dir.entries().size() == before.size() + visible(2));
        moved = std::move(*other);  // abandons the first write
        CHECK(dir.entries().size() == before.size() + visible(1));
      }
      CHECK(dir.entries() == before);
      CHECK(open_fds() == fds_before);
      if (existing) CHECK(read_back(path) == a);
    }
  }
}

TEST_CASE("SnapshotWriter refuses slots_per_chunk = 0 and leaves nothing") {
  TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  Result<SnapshotWriter> writer = SnapshotWriter::create(path, {.durable = false, .slots_per_chunk = 0});
  REQUIRE_FALSE(writer.ok());
  CHECK(writer.error().code == ErrorCode::invalid_argument);
  Status s = write_snapshot(path, state_a(), {.slots_per_chunk = 0});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code == ErrorCode::invalid_argument);
  CHECK(dir.entries().empty());
}

TEST_CASE("the streaming writer writes the same bytes as write_snapshot and encode_snapshot") {
  std::vector<TransientSnapshot> states = {full_example_state(), TransientSnapshot{}, state_b()};
  for (std::uint64_t seed = 0; seed < 40; ++seed) states.push_back(random_state(seed));
  TempDir dir;
  for (std::size_t i = 0; i < states.size(); ++i) {
    for (std::uint32_t slots_per_chunk : {1u, 3u, format::kDefaultSlotsPerChunk}) {
      INFO("state " << i << ", " << slots_per_chunk << " slots per chunk");
      const TransientSnapshot& state = states[i];
      WriteOptions options{.durable = false, .slots_per_chunk = slots_per_chunk};
      REQUIRE_OK(write_snapshot(dir.file("whole.bbsnap"), state, options));
      REQUIRE_OK(write_with(Api::streaming, dir.file("streamed.bbsnap"), state, options));
      const Bytes whole = bbsnap::testing::read_file(dir.file("whole.bbsnap"));
      REQUIRE(bbsnap::testing::read_file(dir.file("streamed.bbsnap")) == whole);
      REQUIRE(encoded(state, options) == whole);
    }
  }
  CHECK(dir.entries() == std::vector<std::string>{"streamed.bbsnap", "whole.bbsnap"});
}

TEST_CASE("strings that are not valid UTF-8 are refused, naming where they are, and nothing is written") {
  struct Case {
    const char* where;
    void (*damage)(TransientSnapshot&);
  };
  const std::string bad = "ok\xff";  // 0xff never occurs in UTF-8
  static std::string text;
  text = bad;
  const Case cases[] = {
      {"framework.counters key", [](TransientSnapshot& s) { s.framework.counters[text] = 1; }},
      {"framework.fired_phases[1]", [](TransientSnapshot& s) { s.framework.fired_phases = {"a", text}; }},
      {"bus.event_subscriptions key", [](TransientSnapshot& s) { s.bus.event_subscriptions[text] = {1}; }},
      {"ingress[1].module_name",
       [](TransientSnapshot& s) { s.ingress = {TimerMaturedEvent{1}, AppEvent{text, "in", {}}}; }},
      {"ingress[0].input_name", [](TransientSnapshot& s) { s.ingress = {AppEvent{"m", "\xc3(", {}}}; }},
      {"ingress[0].inputs[1].name",
       [](TransientSnapshot& s) { s.ingress = {InvokeEvent{"m", {{"a", {}}, {text, {1}}}}}; }},
      {"pending_completions[0].results[0].name",
       [](TransientSnapshot& s) { s.pending_completions = {{7, {{"\xed\xa0\x80", {}}}}}; }},  // a surrogate
  };
  TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  REQUIRE_OK(write_snapshot(path, full_example_state(), {.durable = false}));
  const std::vector<std::uint8_t> before = bbsnap::testing::read_file(path);
  for (const Case& c : cases) {
    INFO(c.where);
    TransientSnapshot state = full_example_state();
    c.damage(state);
    Status written = write_snapshot(path, state, {.durable = false});
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().code == ErrorCode::invalid_argument);
    CHECK(written.error().message.find(std::string(c.where) + " is not valid UTF-8") != std::string::npos);
    CHECK(bbsnap::testing::read_file(path) == before);
    CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});

    Result<AlignedBuffer> encoded = encode_snapshot(state);
    REQUIRE_FALSE(encoded.ok());
    CHECK(encoded.error().code == ErrorCode::invalid_argument);

    Result<SnapshotWriter> writer = SnapshotWriter::create(dir.file("streamed.bbsnap"), {.durable = false});
    REQUIRE_OK(writer);
    REQUIRE_OK(writer->add_slot({1, 1}, Bytes{1}));
    Status finished = writer->finish(without_slots(state));
    REQUIRE_FALSE(finished.ok());
    CHECK(finished.error().code == ErrorCode::invalid_argument);
  }
  CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
}

TEST_CASE("a slot table fills at most 2^20 - 64 chunks: that many are written and read back, one more is refused") {
  // Every chunk is a section and a reader accepts at most 2^20 sections
  // (format::kMaxSections); the writer keeps 64 of them for the others.
  // Empty slots, one per chunk, reach the limit in ~200 MiB.
  const std::uint64_t max_chunks = format::kMaxSections - 64;
  TransientSnapshot state;
  for (std::uint64_t i = 0; i < max_chunks; ++i) state.slot_table.emplace_hint(state.slot_table.end(), SlotKey{i, i}, std::nullopt);
  {
    Result<AlignedBuffer> bytes = encode_snapshot(state, {.slots_per_chunk = 1});
    REQUIRE_OK(bytes);
    Result<Snapshot> snapshot = Snapshot::from_bytes(bytes->span());
    REQUIRE_OK(snapshot);
    CHECK(snapshot->sections().size() > max_chunks);
    CHECK(snapshot->sections().size() <= format::kMaxSections);
    for (std::uint64_t i : {std::uint64_t{0}, max_chunks / 2, max_chunks - 1}) {
      Result<SlotLookup> slot = snapshot->slot({i, i});
      REQUIRE_OK(slot);
      CHECK(slot->state == SlotLookup::State::empty);
    }
  }
  state.slot_table.emplace_hint(state.slot_table.end(), SlotKey{max_chunks, max_chunks}, std::nullopt);
  Result<AlignedBuffer> refused = encode_snapshot(state, {.slots_per_chunk = 1});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::limit_exceeded);
  CHECK_THAT(refused.error().message, Catch::Contains("raise WriteOptions::slots_per_chunk"));
}

TEST_CASE("FORMAT.md §6.4's sizes: chunks of 1024 slots, 48 B of slot metadata per slot and 24 B per chunk") {
  // The table in §6.4 (1,000,000 slots: 977 chunks, 48,023,448 bytes of slot
  // metadata) follows from these; when the default or the encoding changes,
  // so must the table.
  constexpr std::uint64_t kSlots = 3 * 1024 + 1;
  TransientSnapshot state;
  for (std::uint64_t i = 0; i < kSlots; ++i) {
    state.slot_table.emplace_hint(state.slot_table.end(), SlotKey{i, 0}, std::nullopt);
  }
  Result<AlignedBuffer> bytes = encode_snapshot(state);
  REQUIRE_OK(bytes);
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes->span());
  REQUIRE_OK(snapshot);
  CHECK(snapshot->slot_chunk_count() == 4);
  std::uint64_t metadata = 0;
  for (const format::SectionEntry& e : snapshot->sections()) {
    if (e.kind != static_cast<std::uint32_t>(format::SectionKind::slot_chunk)) continue;
    CHECK(e.payload_length == 0);
    metadata += e.length - e.payload_length;
  }
  CHECK(metadata == 48 * kSlots + 24 * 4);
}
