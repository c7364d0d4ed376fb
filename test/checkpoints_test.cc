// The checkpoint directory (checkpoints.h): generation names, commit and
// retention, restore with fallback, the single writer's lock, foreign and
// damaged files, and a fault injected at every file operation of a commit.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <atomic>
#include <set>
#include <thread>

#include "bbsnap/checkpoints.h"
#include "bbsnap/writer.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::TempDir;

namespace {

// The state committed as generation `g` in these tests.
TransientSnapshot state_of(std::uint64_t g) {
  TransientSnapshot state = bbsnap::testing::random_state(g * 7919 + 1);
  state.framework.spec_version = kCurrentSpecVersion;
  state.slot_table.insert_or_assign(SlotKey{1, g}, std::vector<std::uint8_t>(4096, static_cast<std::uint8_t>(g)));
  return state;
}

std::vector<std::uint64_t> numbers_in(const std::string& dir) {
  Result<std::vector<Generation>> listed = list_generations(dir);
  REQUIRE_OK(listed);
  std::vector<std::uint64_t> numbers;
  for (const Generation& g : *listed) numbers.push_back(g.number);
  return numbers;  // newest first
}

CheckpointWriter open_writer(const std::string& dir, std::uint32_t keep, Retention retention = Retention::table,
                             const FileOps* ops = nullptr) {
  CheckpointOptions options;
  options.keep = keep;
  options.retention = retention;
  options.write.durable = true;
  options.write.file_ops = ops;
  Result<CheckpointWriter> writer = CheckpointWriter::open(dir, options);
  REQUIRE_OK(writer);
  return std::move(writer).value();
}

// The newest generation restores and holds the state committed under its number.
std::uint64_t restore_and_check(const std::string& dir) {
  Result<std::optional<RestoredGeneration>> restored = restore_newest(dir);
  REQUIRE_OK(restored);
  REQUIRE(restored->has_value());
  Result<TransientSnapshot> state = (*restored)->snapshot.to_model();
  REQUIRE_OK(state);
  CHECK(*state == state_of((*restored)->generation.number));
  return (*restored)->generation.number;
}

void flip_byte(const std::string& path, std::uint64_t offset) {
  std::vector<std::uint8_t> bytes = bbsnap::testing::read_file(path);
  REQUIRE(offset < bytes.size());
  bytes[offset] ^= 0x40;
  bbsnap::testing::write_file(path, bytes);
}

}  // namespace

TEST_CASE("generation file names are 20 digits and .bbsnap, and parse back", "[checkpoints]") {
  CHECK(generation_file_name(1) == "00000000000000000001.bbsnap");
  CHECK(generation_file_name(18446744073709551615u) == "18446744073709551615.bbsnap");
  for (std::uint64_t n : {std::uint64_t{1}, std::uint64_t{42}, std::uint64_t{1} << 40, ~std::uint64_t{0}}) {
    CHECK(parse_generation_file_name(generation_file_name(n)) == n);
  }
  for (const char* foreign : {"00000000000000000000.bbsnap", "18446744073709551616.bbsnap", "99999999999999999999.bbsnap",
                              "0000000000000000001.bbsnap", "000000000000000000001.bbsnap", "+0000000000000000001.bbsnap",
                              " 0000000000000000001.bbsnap", "0000000000000000000a.bbsnap", "00000000000000000001.bbsnapx",
                              "00000000000000000001.BBSNAP", "00000000000000000001", "", "state.bbsnap",
                              "00000000000000000001.bbsnap.tmp.x.1.0.0"}) {
    INFO(foreign);
    CHECK_FALSE(parse_generation_file_name(foreign).has_value());
  }
}

TEST_CASE("an empty checkpoint directory restores nothing, and its first commit is generation 1", "[checkpoints]") {
  TempDir dir;
  Result<std::optional<RestoredGeneration>> restored = restore_newest(dir.path());
  REQUIRE_OK(restored);
  CHECK_FALSE(restored->has_value());
  CHECK(numbers_in(dir.path()).empty());

  CheckpointWriter writer = open_writer(dir.path(), 3);
  Result<CommitReport> report = writer.commit(state_of(1));
  REQUIRE_OK(report);
  CHECK(report->committed.number == 1);
  CHECK(report->committed.path == dir.file("00000000000000000001.bbsnap"));
  CHECK(report->committed.size == std::filesystem::file_size(report->committed.path));
  CHECK(report->committed.modified_unix_ns > 0);
  CHECK(report->pruned.removed.empty());
  CHECK_FALSE(report->prune_error.has_value());
  CHECK(restore_and_check(dir.path()) == 1);
}

TEST_CASE("commits keep the newest `keep` generations and restore the newest", "[checkpoints]") {
  TempDir dir;
  CheckpointWriter writer = open_writer(dir.path(), 3);
  for (std::uint64_t g = 1; g <= 6; ++g) {
    Result<CommitReport> report = writer.commit(state_of(g));
    REQUIRE_OK(report);
    CHECK(report->committed.number == g);
    CHECK(report->pruned.intact_kept == std::min<std::uint64_t>(g, 3));
    CHECK(report->pruned.removed.size() == (g > 3 ? 1u : 0u));
    if (g > 3) CHECK(report->pruned.removed.front().number == g - 3);
  }
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{6, 5, 4});
  CHECK(restore_and_check(dir.path()) == 6);
  // The lock file and nothing else beside the generations.
  CHECK(dir.entries() == std::vector<std::string>{"00000000000000000004.bbsnap", "00000000000000000005.bbsnap",
                                                  "00000000000000000006.bbsnap", "bbsnap-checkpoints.lock"});
}

TEST_CASE("restore falls back past damaged generations and names each one it skipped", "[checkpoints]") {
  TempDir dir;
  {
    CheckpointWriter writer = open_writer(dir.path(), 5);
    for (std::uint64_t g = 1; g <= 4; ++g) REQUIRE_OK(writer.commit(state_of(g)));
  }
  // 4: a value byte (full verification catches it); 3: the header.
  flip_byte(dir.file(generation_file_name(4)), 4096 + 100);
  flip_byte(dir.file(generation_file_name(3)), 8);
  Result<std::optional<RestoredGeneration>> restored = restore_newest(dir.path());
  REQUIRE_OK(restored);
  REQUIRE(restored->has_value());
  const RestoredGeneration& r = **restored;
  CHECK(r.generation.number == 2);
  REQUIRE(r.skipped.size() == 2);
  CHECK(r.skipped[0].generation.number == 4);
  CHECK(r.skipped[1].generation.number == 3);
  CHECK(r.skipped[1].reason.section == "header");
  Result<TransientSnapshot> state = r.snapshot.to_model();
  REQUIRE_OK(state);
  CHECK(*state == state_of(2));

  SECTION("when none opens, the error is the newest one's, naming it") {
    flip_byte(dir.file(generation_file_name(2)), 8);
    flip_byte(dir.file(generation_file_name(1)), 8);
    Result<std::optional<RestoredGeneration>> none = restore_newest(dir.path());
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("none of the 4 generations") != std::string::npos);
    CHECK(none.error().message.find(generation_file_name(4)) != std::string::npos);
  }
}

TEST_CASE("retention counts only intact generations and removes nothing newer than the oldest kept one",
          "[checkpoints]") {
  TempDir dir;
  std::optional<CheckpointWriter> writer = open_writer(dir.path(), 2);
  REQUIRE_OK(writer->commit(state_of(1)));
  REQUIRE_OK(writer->commit(state_of(2)));
  // Generation 2's section table (at the file's end) damaged.
  Result<std::vector<Generation>> listed = list_generations(dir.path());
  REQUIRE_OK(listed);
  flip_byte(dir.file(generation_file_name(2)), (*listed)[0].size - 8);
  Result<CommitReport> third = writer->commit(state_of(3));
  REQUIRE_OK(third);
  CHECK(third->pruned.intact_kept == 2);  // 3 and 1
  CHECK(third->pruned.removed.empty());   // 2 lies between them
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{3, 2, 1});
  REQUIRE_OK(writer->commit(state_of(4)));
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{4, 3});

  // A damaged value: the table and header still verify.
  flip_byte(dir.file(generation_file_name(4)), 4096 + 100);
  SECTION("Retention::table counts it intact") {
    Result<PruneReport> pruned = writer->prune(1);
    REQUIRE_OK(pruned);
    CHECK(pruned->intact_kept == 1);
    CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{4});
  }
  SECTION("Retention::full does not, and keeps the generation that restores") {
    writer.reset();  // releases the lock
    CheckpointWriter full = open_writer(dir.path(), 1, Retention::full);
    Result<PruneReport> pruned = full.prune(1);
    REQUIRE_OK(pruned);
    CHECK(pruned->intact_kept == 1);
    CHECK(pruned->removed.empty());
    CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{4, 3});
    CHECK(restore_and_check(dir.path()) == 3);
  }
}

TEST_CASE("numbers only grow: gaps and damaged files are skipped, never reused", "[checkpoints]") {
  TempDir dir;
  bbsnap::testing::write_file(dir.file(generation_file_name(7)), {1, 2, 3});  // not a snapshot
  CheckpointWriter writer = open_writer(dir.path(), 3);
  Result<CommitReport> report = writer.commit(state_of(8));
  REQUIRE_OK(report);
  CHECK(report->committed.number == 8);
  CHECK(report->pruned.intact_kept == 1);
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{8, 7});

  // Older than the kept ones, but not a snapshot file: never removed.
  Result<CommitReport> ninth = writer.commit(state_of(9));
  REQUIRE_OK(ninth);
  Result<PruneReport> pruned = writer.prune(1);
  REQUIRE_OK(pruned);
  CHECK(pruned->removed.size() == 1);  // generation 8
  REQUIRE(pruned->not_ours.size() == 1);
  CHECK(pruned->not_ours.front().number == 7);
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{9, 7});

  bbsnap::testing::write_file(dir.file(generation_file_name(~std::uint64_t{0})), {1});
  Result<CommitReport> last = writer.commit(state_of(10));
  REQUIRE_FALSE(last.ok());
  CHECK(last.error().code == ErrorCode::limit_exceeded);
}

TEST_CASE("foreign files are never read or removed", "[checkpoints]") {
  TempDir dir;
  std::filesystem::create_directory(dir.path() / "00000000000000000009.bbsnap");  // a directory with a generation's name
  std::filesystem::create_symlink("/etc/passwd", dir.path() / "00000000000000000010.bbsnap");
  bbsnap::testing::write_file(dir.file("notes.txt"), {'h', 'i'});
  bbsnap::testing::write_file(dir.file("1.bbsnap"), {1});
  CHECK(numbers_in(dir.path()).empty());
  CheckpointWriter writer = open_writer(dir.path(), 1);
  for (std::uint64_t g = 1; g <= 3; ++g) REQUIRE_OK(writer.commit(state_of(g)));
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{3});
  CHECK(dir.entries() == std::vector<std::string>{"00000000000000000003.bbsnap", "00000000000000000009.bbsnap",
                                                  "00000000000000000010.bbsnap", "1.bbsnap",
                                                  "bbsnap-checkpoints.lock", "notes.txt"});
}

TEST_CASE("one writer per directory; readers need no lock", "[checkpoints]") {
  TempDir dir;
  std::optional<CheckpointWriter> first = open_writer(dir.path(), 2);
  Result<CheckpointWriter> second = CheckpointWriter::open(dir.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::io);
  CHECK(second.error().message.find("another checkpoint writer holds the lock") != std::string::npos);
  REQUIRE_OK(first->commit(state_of(1)));
  CHECK(restore_and_check(dir.path()) == 1);
  first.reset();
  REQUIRE_OK(CheckpointWriter::open(dir.path()));
}

TEST_CASE("a checkpoint writer refuses bad arguments and a missing directory", "[checkpoints]") {
  TempDir dir;
  Result<CheckpointWriter> keep0 = CheckpointWriter::open(dir.path(), {.keep = 0});
  REQUIRE_FALSE(keep0.ok());
  CHECK(keep0.error().code == ErrorCode::invalid_argument);
  Result<CheckpointWriter> retention = CheckpointWriter::open(dir.path(), {.retention = static_cast<Retention>(7)});
  REQUIRE_FALSE(retention.ok());
  CHECK(retention.error().code == ErrorCode::invalid_argument);
  Result<CheckpointWriter> missing = CheckpointWriter::open(dir.file("no-such-dir"));
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::io);
  Result<std::optional<RestoredGeneration>> restore_missing = restore_newest(dir.file("no-such-dir"));
  REQUIRE_FALSE(restore_missing.ok());
  CHECK(restore_missing.error().code == ErrorCode::io);

  CheckpointWriter writer = open_writer(dir.path(), 1);
  CheckpointWriter moved = std::move(writer);
  CHECK(writer.commit(state_of(1)).error().code == ErrorCode::invalid_argument);  // NOLINT: moved-from on purpose
  CHECK(writer.prune(1).error().code == ErrorCode::invalid_argument);
  CHECK(moved.prune(0).error().code == ErrorCode::invalid_argument);
}

namespace {

// Streams `state` into `generation` slot by slot and commits it with the rest.
Result<CommitReport> commit_streamed(CheckpointWriter& writer, GenerationWriter& generation,
                                     const TransientSnapshot& state) {
  for (const auto& [key, value] : state.slot_table) {
    const std::optional<std::span<const std::uint8_t>> bytes =
        value ? std::optional<std::span<const std::uint8_t>>(*value) : std::nullopt;
    if (Status s = generation.add_slot(key, bytes); !s) return std::move(s).error();
  }
  TransientSnapshot rest = state;
  rest.slot_table.clear();
  return writer.commit(generation, rest);
}

}  // namespace

TEST_CASE("a generation streamed slot by slot is committed as commit(state) commits it", "[checkpoints]") {
  TempDir dir;
  CheckpointWriter writer = open_writer(dir.path(), 2);
  REQUIRE_OK(writer.commit(state_of(1)));
  REQUIRE_OK(writer.commit(state_of(2)));
  Result<GenerationWriter> third = writer.begin();
  REQUIRE_OK(third);
  CHECK(third->generation().number == 3);
  CHECK(third->generation().path == dir.file(generation_file_name(3)));
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{2, 1});  // not a generation before its commit

  Result<CommitReport> report = commit_streamed(writer, *third, state_of(3));
  REQUIRE_OK(report);
  CHECK(report->committed.number == 3);
  CHECK(report->committed.size == std::filesystem::file_size(report->committed.path));
  CHECK(report->committed.modified_unix_ns > 0);
  REQUIRE(report->pruned.removed.size() == 1);
  CHECK(report->pruned.removed.front().number == 1);
  CHECK_FALSE(report->prune_error.has_value());
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{3, 2});
  CHECK(restore_and_check(dir.path()) == 3);
  // The bytes commit(state) and write_snapshot write.
  Result<AlignedBuffer> encoded = encode_snapshot(state_of(3));
  REQUIRE_OK(encoded);
  CHECK(bbsnap::testing::read_file(report->committed.path) ==
        std::vector<std::uint8_t>(encoded->data(), encoded->data() + encoded->size()));
}

TEST_CASE("one generation is begun at a time, and only its own writer commits it", "[checkpoints]") {
  TempDir dir;
  CheckpointWriter writer = open_writer(dir.path(), 3);
  REQUIRE_OK(writer.commit(state_of(1)));
  std::optional<GenerationWriter> begun;
  {
    Result<GenerationWriter> first = writer.begin();
    REQUIRE_OK(first);
    begun.emplace(std::move(first).value());
  }
  // Its number is not on disk yet: a second begin or a commit would take it too.
  Result<GenerationWriter> second = writer.begin();
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == ErrorCode::invalid_argument);
  Result<CommitReport> whole = writer.commit(state_of(2));
  REQUIRE_FALSE(whole.ok());
  CHECK(whole.error().code == ErrorCode::invalid_argument);

  SECTION("another writer refuses it and leaves it as it was") {
    TempDir other_dir;
    CheckpointWriter other = open_writer(other_dir.path(), 3);
    CHECK(writer.began(*begun));
    CHECK_FALSE(other.began(*begun));
    Result<CommitReport> refused = commit_streamed(other, *begun, state_of(2));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::invalid_argument);
    CHECK(numbers_in(other_dir.path()).empty());
    Result<CommitReport> report = writer.commit(*begun, TransientSnapshot{});
    REQUIRE_OK(report);
    CHECK(report->committed.number == 2);
  }
  SECTION("a committed generation is spent: a second commit is refused, a new one begins") {
    REQUIRE_OK(commit_streamed(writer, *begun, state_of(2)));
    CHECK_FALSE(writer.began(*begun));
    Result<CommitReport> again = writer.commit(*begun, TransientSnapshot{});
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().code == ErrorCode::invalid_argument);
    Result<GenerationWriter> next = writer.begin();
    REQUIRE_OK(next);
    CHECK(next->generation().number == 3);
  }
  SECTION("a failed finish spends it, commits nothing, and frees the writer for the next one") {
    Result<CommitReport> failed = writer.commit(*begun, state_of(2));  // slots belong to add_slot
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code == ErrorCode::invalid_argument);
    CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{1});
    CHECK(writer.commit(*begun, TransientSnapshot{}).error().code == ErrorCode::invalid_argument);
    REQUIRE_OK(writer.commit(state_of(2)));
  }
  SECTION("a dropped generation is abandoned: nothing is left of it, and its number is free") {
    begun.reset();
    CHECK(dir.entries() == std::vector<std::string>{"00000000000000000001.bbsnap", "bbsnap-checkpoints.lock"});
    Result<CommitReport> report = writer.commit(state_of(2));
    REQUIRE_OK(report);
    CHECK(report->committed.number == 2);
  }
  SECTION("the next writer of the directory refuses one begun by a writer gone since") {
    { CheckpointWriter gone = std::move(writer); }  // releases the lock
    CheckpointWriter successor = open_writer(dir.path(), 3);
    Result<CommitReport> refused = successor.commit(*begun, TransientSnapshot{});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::invalid_argument);
    REQUIRE_OK(successor.commit(state_of(2)));
    begun.reset();
    CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{2, 1});
    CHECK(restore_and_check(dir.path()) == 2);
  }
}

namespace {

// The real calls, with the n-th call (of any operation, counted from 1)
// failing with EIO; says which operation that was.
class NthCallFails final : public FileOps {
 public:
  explicit NthCallFails(int nth) : nth_(nth) {}
  int open(const char* path, int flags, mode_t mode) const override {
    return fail("open") ? -1 : FileOps::open(path, flags, mode);
  }
  ssize_t write(int fd, const void* data, std::size_t size) const override {
    return fail("write") ? -1 : FileOps::write(fd, data, size);
  }
  ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) const override {
    return fail("pwrite") ? -1 : FileOps::pwrite(fd, data, size, offset);
  }
  int fsync(int fd) const override { return fail("fsync") ? -1 : FileOps::fsync(fd); }
  int close(int fd) const override {
    if (fail("close")) {
      FileOps::close(fd);  // Linux releases the descriptor even when close reports an error
      return -1;
    }
    return FileOps::close(fd);
  }
  int rename(const char* from, const char* to) const override {
    return fail("rename") ? -1 : FileOps::rename(from, to);
  }
  int unlink(const char* path) const override { return fail("unlink") ? -1 : FileOps::unlink(path); }
  int linkat(int a, const char* b, int c, const char* d, int e) const override {
    return fail("linkat") ? -1 : FileOps::linkat(a, b, c, d, e);
  }
  int flock(int fd, int operation) const override { return fail("flock") ? -1 : FileOps::flock(fd, operation); }
  int open_for_reading(const char* path) const override {
    return fail("open_for_reading") ? -1 : FileOps::open_for_reading(path);
  }
  int fstat(int fd, struct stat* out) const override { return fail("fstat") ? -1 : FileOps::fstat(fd, out); }
  int fstatfs(int fd, struct statfs* out) const override { return fail("fstatfs") ? -1 : FileOps::fstatfs(fd, out); }
  ssize_t pread(int fd, void* data, std::size_t size, off_t offset) const override {
    return fail("pread") ? -1 : FileOps::pread(fd, data, size, offset);
  }
  // The operation the fault hit; nullptr: there were fewer than n calls.
  const char* failed_operation() const { return failed_; }

 private:
  bool fail(const char* operation) const {
    if (++calls_ != nth_) return false;
    failed_ = operation;
    errno = EIO;
    return true;
  }
  int nth_;
  mutable int calls_ = 0;
  mutable const char* failed_ = nullptr;
};

}  // namespace

TEST_CASE("a fault at any file operation of a commit leaves a committed generation restorable and every kept one in place",
          "[checkpoints]") {
  const std::uint32_t keep = 2;
  TempDir dir;
  std::uint64_t committed = 0;  // the newest generation a commit reported
  {
    CheckpointWriter writer = open_writer(dir.path(), keep);
    for (std::uint64_t g = 1; g <= 3; ++g) REQUIRE_OK(writer.commit(state_of(g)));
    committed = 3;
  }
  int faults = 0, failed_commits = 0, prune_errors = 0;
  std::set<std::string> failed_operations;
  for (int nth = 1;; ++nth) {
    INFO("fault at call " << nth);
    NthCallFails ops(nth);
    CheckpointOptions options;
    options.keep = keep;
    options.write.file_ops = &ops;
    Result<CheckpointWriter> writer = CheckpointWriter::open(dir.path(), options);
    std::optional<std::uint64_t> reported;
    if (writer) {
      Result<CommitReport> report = writer->commit(state_of(committed + 1));
      if (report) {
        reported = report->committed.number;
        if (report->prune_error) ++prune_errors;
      } else {
        ++failed_commits;
      }
    }
    const bool fired = ops.failed_operation() != nullptr;
    if (fired) failed_operations.insert(ops.failed_operation());
    // Restorable: the generation reported, or (a failed commit) the one
    // before it or the one it was writing, complete (a failed directory fsync).
    const std::uint64_t restored = restore_and_check(dir.path());
    if (reported) {
      CHECK(restored == *reported);
    } else {
      CHECK((restored == committed || restored == committed + 1));
    }
    committed = restored;
    // Every generation retention keeps is there: the newest `keep` intact ones.
    const std::vector<std::uint64_t> present = numbers_in(dir.path());
    REQUIRE(present.size() >= keep);
    CHECK(present[0] == committed);
    for (std::size_t i = 1; i < keep; ++i) CHECK(present[i] == present[i - 1] - 1);
    // Nothing but generations and the lock file.
    for (const std::string& name : dir.entries()) {
      INFO(name);
      CHECK((parse_generation_file_name(name).has_value() || name == "bbsnap-checkpoints.lock"));
    }
    if (!fired) break;
    ++faults;
  }
  std::printf("checkpoint commit fault injection: %d faults (one per file operation), %d failed commits, "
              "%d commits with a failed removal\n",
              faults, failed_commits, prune_errors);
  // Every operation a commit performs got its fault: the lock, the write
  // (into an unnamed temporary where the file system has them), the table
  // checks of retention, the removal.
  std::set<std::string> expected{"close", "flock", "fsync", "fstat", "open", "open_for_reading", "pwrite",
                                 "rename", "unlink", "write"};
  if (bbsnap::testing::supports_unnamed_files(dir.path())) expected.insert("linkat");  // naming the unnamed file
  CHECK(failed_operations == expected);
  CHECK(failed_commits > 0);
  CHECK(prune_errors > 0);
}

namespace {

// Descriptors of this process that point at removed files in `dir`.
int open_removed_files_in(const std::filesystem::path& dir) {
  int count = 0;
  std::error_code error;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", error)) {
    const std::string target = std::filesystem::read_symlink(fd.path(), error).string();
    if (!error && target.starts_with(dir.string() + "/") && target.ends_with(" (deleted)")) ++count;
  }
  return count;
}

}  // namespace

TEST_CASE("a removed generation's last descriptor is closed in the background, and waited for", "[checkpoints]") {
  TempDir dir;
  {
    CheckpointWriter writer = open_writer(dir.path(), 1);
    for (std::uint64_t g = 1; g <= 5; ++g) {
      Result<CommitReport> report = writer.commit(state_of(g));
      REQUIRE_OK(report);
      CHECK(report->pruned.removed.size() == (g > 1 ? 1u : 0u));
      CHECK_FALSE(std::filesystem::exists(dir.file(generation_file_name(g - 1))));  // the name goes at once
    }
    writer.wait_for_removals();
    CHECK(open_removed_files_in(dir.path()) == 0);
    REQUIRE_OK(writer.commit(state_of(6)));
  }  // the destructor waits too
  CHECK(open_removed_files_in(dir.path()) == 0);
  CHECK(numbers_in(dir.path()) == std::vector<std::uint64_t>{6});
}

// Run under ThreadSanitizer with the other thread tests (suite `threads`).
TEST_CASE("readers restore while a writer commits and removes", "[checkpoint_threads]") {
  TempDir dir;
  CheckpointWriter writer = open_writer(dir.path(), 2);
  REQUIRE_OK(writer.commit(state_of(1)));
  std::atomic<bool> done{false};
  std::atomic<int> restores{0};
  std::vector<std::string> wrong;  // the reader's, read after join()
  std::thread reader([&] {
    std::uint64_t newest_seen = 0;
    while (!done.load()) {
      Result<std::optional<RestoredGeneration>> r = restore_newest(dir.path());
      if (!r || !r->has_value()) {
        wrong.push_back(r ? "no generation" : r.error().to_string());
        continue;
      }
      const std::uint64_t g = (*r)->generation.number;
      Result<TransientSnapshot> state = (*r)->snapshot.to_model();
      if (!state || !(*state == state_of(g))) wrong.push_back("generation " + std::to_string(g) + ": wrong state");
      if (g < newest_seen) wrong.push_back("generation " + std::to_string(g) + " after " + std::to_string(newest_seen));
      for (const SkippedGeneration& skipped : (*r)->skipped) {
        wrong.push_back("skipped " + std::to_string(skipped.generation.number) + ": " + skipped.reason.to_string());
      }
      newest_seen = std::max(newest_seen, g);
      restores.fetch_add(1);
    }
  });
  for (std::uint64_t g = 2; g <= 40; ++g) {
    Result<CommitReport> report = writer.commit(state_of(g));
    if (!report) done.store(true);
    REQUIRE_OK(report);
  }
  done.store(true);
  reader.join();
  for (const std::string& w : wrong) FAIL_CHECK(w);
  CHECK(restores.load() > 0);
}
