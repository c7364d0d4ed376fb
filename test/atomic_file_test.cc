// AtomicFile (atomic_file.h): the public face of the crash-safe file that
// write_snapshot writes through, on both of its temporary-file paths. The
// crash and fault behaviour of the path itself is tested in writer_test.cc
// and kill_test.cc; here, what the API promises.
#include <sys/stat.h>

#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "bbsnap/atomic_file.h"
#include "require_ok.h"
#include "test_files.h"

using bbsnap::AtomicFile;
using bbsnap::AtomicFileOptions;
using bbsnap::ErrorCode;
using bbsnap::testing::NamedTemporaryFileOps;
using bbsnap::testing::read_file;
using bbsnap::testing::TempDir;
using bbsnap::testing::write_file;

namespace {

// A view of a string literal's bytes (static storage: the view stays valid).
std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::vector<std::uint8_t> vector_of(std::string_view text) {
  const auto bytes = bytes_of(text);
  return {bytes.begin(), bytes.end()};
}

const NamedTemporaryFileOps kNamedOnly;

// The options that make an AtomicFile take the named temporary file, or the
// unnamed one where the file system has it.
AtomicFileOptions on_path(bool named) {
  AtomicFileOptions options;
  if (named) options.file_ops = &kNamedOnly;
  return options;
}

const char* path_name(bool named) { return named ? "named temporary file" : "unnamed temporary file where supported"; }

// A directory holding out.txt with the bytes "old", the destination of the
// AtomicFile under test.
struct OldDestination {
  TempDir dir;
  std::string path = dir.file("out.txt");
  OldDestination() { write_file(path, vector_of("old")); }
  bool holds(std::string_view text) const { return read_file(path) == vector_of(text); }
  bool alone() const { return dir.entries() == std::vector<std::string>{"out.txt"}; }
};

}  // namespace

TEST_CASE("AtomicFile: the destination holds the old bytes until commit, the new ones after, and nothing else is left") {
  for (const bool named : {false, true}) {
    INFO(path_name(named));
    OldDestination out;
    auto file = AtomicFile::create(out.path, on_path(named));
    REQUIRE_OK(file);
    REQUIRE_OK(file->append(bytes_of("new ")));
    REQUIRE_OK(file->append(bytes_of("content")));
    CHECK(out.holds("old"));
    REQUIRE_OK(file->commit());
    CHECK(out.holds("new content"));
    CHECK(out.alone());

    // Committed: it takes nothing more, and says so.
    auto more = file->append(bytes_of("x"));
    REQUIRE_FALSE(more.ok());
    CHECK(more.error().code == ErrorCode::invalid_argument);
    CHECK_FALSE(file->commit().ok());
  }
}

TEST_CASE("AtomicFile: destroyed without commit, the destination keeps its bytes and the temporary is gone") {
  for (const bool named : {false, true}) {
    INFO(path_name(named));
    OldDestination out;
    {
      auto file = AtomicFile::create(out.path, on_path(named));
      REQUIRE_OK(file);
      REQUIRE_OK(file->append(bytes_of("abandoned")));
      AtomicFile moved = std::move(*file);  // the moved-from one refuses, the new owner abandons
      CHECK(file->append(bytes_of("x")).error().code == ErrorCode::invalid_argument);
    }
    CHECK(out.holds("old"));
    CHECK(out.alone());
  }
}

TEST_CASE("AtomicFile: file_mode gives exact permission bits; anything beyond them, or no directory, is refused") {
  TempDir dir;
  const std::string path = dir.file("out.txt");
  auto file = AtomicFile::create(path, {.file_mode = 0640});
  REQUIRE_OK(file);
  REQUIRE_OK(file->commit());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);

  auto bad_mode = AtomicFile::create(dir.file("other.txt"), {.file_mode = 04755});
  REQUIRE_FALSE(bad_mode.ok());
  CHECK(bad_mode.error().code == ErrorCode::invalid_argument);

  auto no_dir = AtomicFile::create(dir.file("missing/out.txt"));
  REQUIRE_FALSE(no_dir.ok());
  CHECK(no_dir.error().code == ErrorCode::io);
  CHECK(dir.entries() == std::vector<std::string>{"out.txt"});
}
