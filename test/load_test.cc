// OpenOptions::load: the read path gives the same state as the mapping in
// every verification mode, and every failing or short read (through the
// FileOps seam, or a truncation by another process) is an error value
// naming the offset, at open or from the access that needed the bytes.
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::TempDir;

namespace {

constexpr Verification kVerifications[] = {Verification::full, Verification::lazy, Verification::trusted};

const char* name(Verification v) {
  switch (v) {
    case Verification::full: return "full";
    case Verification::lazy: return "lazy";
    case Verification::trusted: return "trusted";
  }
  return "?";
}

// Writes `state` in small chunks, so that lazy reads touch many sections.
std::string write_state(const TempDir& dir, const TransientSnapshot& state) {
  const std::string path = dir.file("s.bbsnap");
  WriteOptions options;
  options.durable = false;
  options.slots_per_chunk = 4;
  REQUIRE_OK(write_snapshot(path, state, options));
  return path;
}

Result<Snapshot> open_with(const std::string& path, Verification verification, Load load, const FileOps* ops = nullptr) {
  OpenOptions options;
  options.verification = verification;
  options.load = load;
  options.file_ops = ops;
  options.expected_spec_version = std::nullopt;  // random states have other versions too
  return Snapshot::open(path, options);
}

// What one pread call of the read path is made to do.
enum class ReadFault { none, eio, eintr, short_read, end_of_file };

// The real calls; pread call number `at` (counting from 0) gets `fault`.
// Records each pread's offset, and can report a chosen file system type.
class FaultyReadOps final : public FileOps {
 public:
  FaultyReadOps(ReadFault fault, std::size_t at) : fault_(fault), at_(at) {}
  std::optional<long> fake_f_type;

  int fstatfs(int fd, struct statfs* out) const override {
    int r = FileOps::fstatfs(fd, out);
    if (r == 0 && fake_f_type) out->f_type = *fake_f_type;
    return r;
  }
  ssize_t pread(int fd, void* data, std::size_t size, off_t offset) const override {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::size_t call = offsets_.size();
    offsets_.push_back(static_cast<std::uint64_t>(offset));
    if (call != at_) return FileOps::pread(fd, data, size, offset);
    switch (fault_) {
      case ReadFault::none: break;
      case ReadFault::eio: errno = EIO; return -1;
      case ReadFault::eintr: errno = EINTR; return -1;
      case ReadFault::short_read: return FileOps::pread(fd, data, size > 1 ? size / 2 : size, offset);
      case ReadFault::end_of_file: return 0;
    }
    return FileOps::pread(fd, data, size, offset);
  }
  std::vector<std::uint64_t> offsets() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return offsets_;
  }

 private:
  ReadFault fault_;
  std::size_t at_;
  mutable std::mutex mutex_;
  mutable std::vector<std::uint64_t> offsets_;
};

// Opens `path` in read mode and copies it into a model, as a caller
// restoring it would: open, then every section.
Result<TransientSnapshot> open_and_copy(const std::string& path, Verification verification, const FileOps& ops) {
  Result<Snapshot> s = open_with(path, verification, Load::read, &ops);
  if (!s) return std::move(s).error();
  return s->to_model();
}

}  // namespace

TEST_CASE("every load mode reads the same state as the mapping, in every verification mode") {
  TempDir dir;
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    const TransientSnapshot state = bbsnap::testing::random_state(seed);
    const std::string path = write_state(dir, state);
    for (Verification v : kVerifications) {
      INFO("seed " << seed << ", " << name(v));
      Result<Snapshot> mapped = open_with(path, v, Load::map);
      REQUIRE_OK(mapped);
      CHECK(mapped->load() == Load::map);
      Result<Snapshot> read = open_with(path, v, Load::read);
      REQUIRE_OK(read);
      CHECK(read->load() == Load::read);
      Result<TransientSnapshot> from_map = mapped->to_model();
      Result<TransientSnapshot> from_read = read->to_model();
      REQUIRE_OK(from_map);
      REQUIRE_OK(from_read);
      CHECK(*from_map == state);
      CHECK(*from_read == state);
      for (std::uint32_t i = 0; i < read->sections().size(); ++i) REQUIRE_OK(read->check_section_fully(i));
      // Once every section has been read, the buffer is the file.
      CHECK(std::equal(read->bytes().begin(), read->bytes().end(), mapped->bytes().begin(), mapped->bytes().end()));
    }
  }
}

TEST_CASE("a lazy read snapshot reads only the sections it is asked for") {
  TempDir dir;
  const std::string path = write_state(dir, bbsnap::testing::threaded_example_state());
  FaultyReadOps ops(ReadFault::none, 0);
  Result<Snapshot> s = open_with(path, Verification::lazy, Load::read, &ops);
  REQUIRE_OK(s);
  // The header, the table, the framework section.
  CHECK(ops.offsets().size() == 3);
  Result<SlotLookup> v = s->slot(SlotKey{std::uint64_t{1} << 20, 29});
  REQUIRE_OK(v);
  REQUIRE(v->state == SlotLookup::State::value);
  const std::size_t after_one = ops.offsets().size();
  CHECK(after_one == 5);  // the slot index, then one chunk
  REQUIRE_OK(s->slot(SlotKey{std::uint64_t{1} << 20, 29}));
  CHECK(ops.offsets().size() == after_one);  // once only
}

TEST_CASE("an EIO, an interrupted, a short or a truncated pread on the read path, at each call") {
  TempDir dir;
  const TransientSnapshot state = bbsnap::testing::threaded_example_state();
  const std::string path = write_state(dir, state);
  for (Verification v : {Verification::full, Verification::lazy}) {
    FaultyReadOps clean(ReadFault::none, 0);
    REQUIRE_OK(open_and_copy(path, v, clean));
    const std::vector<std::uint64_t> offsets = clean.offsets();
    REQUIRE(!offsets.empty());
    for (std::size_t at = 0; at < offsets.size(); ++at) {
      INFO(name(v) << " verification, pread call " << at << " of " << offsets.size() << ", at byte " << offsets[at]);
      for (ReadFault fault : {ReadFault::eintr, ReadFault::short_read}) {
        FaultyReadOps ops(fault, at);
        Result<TransientSnapshot> copy = open_and_copy(path, v, ops);
        REQUIRE_OK(copy);
        CHECK(*copy == state);
      }
      for (ReadFault fault : {ReadFault::eio, ReadFault::end_of_file}) {
        FaultyReadOps ops(fault, at);
        Result<Snapshot> s = open_with(path, v, Load::read, &ops);
        // Full mode reads everything at open; lazy mode reads the header,
        // the table and the framework section at open, the rest when
        // to_model() touches it.
        std::optional<Error> error;
        if (!s) {
          error = s.error();
        } else {
          CHECK(v == Verification::lazy);
          Result<TransientSnapshot> copy = s->to_model();
          REQUIRE(!copy.ok());
          error = copy.error();
        }
        INFO(error->to_string());
        CHECK(error->code == (fault == ReadFault::eio ? ErrorCode::io : ErrorCode::truncated));
        CHECK(error->offset == offsets[at]);
        CHECK(!error->section.empty());
        if (s && fault == ReadFault::eio) {
          // A failed read is not remembered: the next access reads again.
          REQUIRE_OK(s->to_model());
        }
      }
    }
  }
}

TEST_CASE("a file truncated by another process under a lazy read snapshot is an error on the next access") {
  TempDir dir;
  const TransientSnapshot state = bbsnap::testing::threaded_example_state();
  const std::string path = write_state(dir, state);
  for (Verification v : {Verification::lazy, Verification::trusted}) {
    INFO(name(v));
    Result<Snapshot> s = open_with(path, v, Load::read);
    REQUIRE_OK(s);
    {
      int fd = ::open(path.c_str(), O_WRONLY);
      REQUIRE(fd >= 0);
      REQUIRE(::ftruncate(fd, 4096) == 0);
      ::close(fd);
    }
    Result<TransientSnapshot> copy = s->to_model();
    REQUIRE(!copy.ok());
    CHECK(copy.error().code == ErrorCode::truncated);
    CHECK(copy.error().offset == 4096);
    Result<SlotLookup> last = s->slot(SlotKey{std::uint64_t{1} << 20, 29});
    REQUIRE(!last.ok());
    CHECK(last.error().code == ErrorCode::truncated);
    CHECK(last.error().offset >= 4096);
    write_state(dir, state);
  }
}

TEST_CASE("threads sharing a lazy read snapshot read each section once and see the same state") {
  TempDir dir;
  const TransientSnapshot state = bbsnap::testing::threaded_example_state();
  const std::string path = write_state(dir, state);
  FaultyReadOps ops(ReadFault::none, ~std::size_t{0});
  Result<Snapshot> s = open_with(path, Verification::lazy, Load::read, &ops);
  REQUIRE_OK(s);
  std::vector<std::optional<TransientSnapshot>> copies(4);
  std::vector<std::thread> threads;
  for (auto& copy : copies) {
    threads.emplace_back([&s, &copy] {
      Result<TransientSnapshot> m = s->to_model();
      if (m) copy = std::move(*m);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& copy : copies) {
    REQUIRE(copy.has_value());
    CHECK(*copy == state);
  }
  // The header, the table, then each section once.
  CHECK(ops.offsets().size() == 2 + s->sections().size());
}

TEST_CASE("automatic load reads on network and FUSE file systems and maps elsewhere") {
  TempDir dir;
  const std::string path = write_state(dir, bbsnap::testing::random_state(3));
  for (long f_type : {long{NFS_SUPER_MAGIC}, long{FUSE_SUPER_MAGIC}, long{V9FS_MAGIC}, long{CEPH_SUPER_MAGIC},
                      static_cast<long>(CIFS_SUPER_MAGIC), static_cast<long>(SMB2_SUPER_MAGIC)}) {
    FaultyReadOps ops(ReadFault::none, 0);
    ops.fake_f_type = f_type;
    Result<Snapshot> s = open_with(path, Verification::full, Load::automatic, &ops);
    REQUIRE_OK(s);
    CHECK(s->load() == Load::read);
  }
  for (long f_type : {long{TMPFS_MAGIC}, long{EXT4_SUPER_MAGIC}, long{XFS_SUPER_MAGIC}, long{BTRFS_SUPER_MAGIC}}) {
    FaultyReadOps ops(ReadFault::none, 0);
    ops.fake_f_type = f_type;
    Result<Snapshot> s = open_with(path, Verification::full, Load::automatic, &ops);
    REQUIRE_OK(s);
    CHECK(s->load() == Load::map);
  }
  // The default, on the real file system of the test's directory.
  Result<Snapshot> s = Snapshot::open(path);
  REQUIRE_OK(s);
  struct statfs fs {};
  REQUIRE(::statfs(path.c_str(), &fs) == 0);
  CHECK(s->load() == (fs.f_type == FUSE_SUPER_MAGIC || fs.f_type == NFS_SUPER_MAGIC ? Load::read : Load::map));
}

// A real FUSE mount: one the machine already has and this process may write
// to (mounting one needs a FUSE file system daemon, which the build does not
// depend on).
TEST_CASE("automatic load reads a snapshot on a real FUSE mount") {
  std::ifstream mounts("/proc/mounts");
  std::string device, mount_point, type, line;
  std::optional<std::string> writable;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    fields >> device >> mount_point >> type;
    if (type.rfind("fuse", 0) != 0 || type == "fusectl") continue;
    if (::access(mount_point.c_str(), W_OK) == 0) {
      writable = mount_point;
      break;
    }
  }
  if (!writable) {
    WARN("SKIPPED: no writable FUSE mount on this machine (/proc/mounts), and none can be made without a FUSE daemon");
    return;
  }
  const std::string path = *writable + "/bbsnap_load_test." + std::to_string(::getpid()) + ".bbsnap";
  WriteOptions options;
  options.durable = false;
  REQUIRE_OK(write_snapshot(path, bbsnap::testing::random_state(3), options));
  Result<Snapshot> s = Snapshot::open(path);
  ::unlink(path.c_str());
  REQUIRE_OK(s);
  CHECK(s->load() == Load::read);
}

TEST_CASE("a load mode outside the enum is invalid_argument") {
  TempDir dir;
  const std::string path = write_state(dir, bbsnap::testing::random_state(5));
  Result<Snapshot> s = open_with(path, Verification::full, static_cast<Load>(7));
  REQUIRE(!s.ok());
  CHECK(s.error().code == ErrorCode::invalid_argument);
}

TEST_CASE("from_bytes reads the caller's bytes whatever load, prefault and file_ops say") {
  const TransientSnapshot state = bbsnap::testing::random_state(11);
  Result<AlignedBuffer> bytes = encode_snapshot(state);
  REQUIRE_OK(bytes);
  FaultyReadOps ops(ReadFault::eio, 0);  // would fail the first pread, were there one
  for (Load load : {Load::map, Load::read, Load::automatic}) {
    for (Verification verification : kVerifications) {
      INFO(name(verification));
      OpenOptions options;
      options.verification = verification;
      options.load = load;
      options.prefault = true;
      options.file_ops = &ops;
      options.expected_spec_version = std::nullopt;
      Result<Snapshot> s = Snapshot::from_bytes(bytes->span(), options);
      REQUIRE_OK(s);
      CHECK(s->load() == Load::read);
      Result<TransientSnapshot> copy = s->to_model();
      REQUIRE_OK(copy);
      CHECK(*copy == state);
    }
  }
  CHECK(ops.offsets().empty());
}
