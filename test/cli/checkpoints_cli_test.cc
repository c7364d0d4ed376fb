// `bbsnap checkpoints`, run as users run it: commit, list, restore with
// fallback, prune, and their failures.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "bbsnap/checkpoints.h"
#include "cli/subprocess.h"
#include "test_files.h"

namespace {

namespace fs = std::filesystem;
using namespace bbsnap::testing;

const fs::path kExamples = fs::path(BBSNAP_SPEC_DIR) / "examples";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

#define CHECK_EXIT(result, code)                                                  \
  do {                                                                            \
    const RunResult& check_exit_ = (result);                                      \
    INFO("stdout: " << check_exit_.out << "\nstderr: " << check_exit_.err);       \
    REQUIRE(check_exit_.exit_code == (code));                                     \
  } while (false)

std::string dump_of(const fs::path& document) {
  TempDir scratch;
  RunResult packed = run_bbsnap({"pack", document.string(), scratch.file("s.bbsnap")});
  CHECK_EXIT(packed, 0);
  RunResult dumped = run_bbsnap({"dump", scratch.file("s.bbsnap")});
  CHECK_EXIT(dumped, 0);
  return dumped.out;
}

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST_CASE("checkpoints commit, list, restore and prune a directory of generations", "[cli][checkpoints]") {
  TempDir dir;
  const std::string full = (kExamples / "full.json").string();
  const std::string framework_only = (kExamples / "framework-only.json").string();
  RunResult first = run_bbsnap({"checkpoints", "commit", dir.path().string(), framework_only, "--keep", "2"});
  CHECK_EXIT(first, 0);
  CHECK(first.out.starts_with("committed generation 1 ("));
  CHECK(first.err.empty());
  CHECK_EXIT(run_bbsnap({"checkpoints", "commit", dir.path().string(), full, "--keep", "2"}), 0);
  RunResult third = run_bbsnap({"checkpoints", "commit", dir.path().string(), full, "--keep", "2"});
  CHECK_EXIT(third, 0);
  CHECK(third.out.find("committed generation 3 (") != std::string::npos);
  CHECK(third.out.find("removed generation 1 (") != std::string::npos);

  RunResult listed = run_bbsnap({"checkpoints", "list", dir.path().string()});
  CHECK_EXIT(listed, 0);
  CHECK(lines(listed.out) == 3);  // the heading and generations 3, 2
  CHECK(listed.out.find("\n3 ") != std::string::npos);
  CHECK(listed.out.find("\n2 ") != std::string::npos);
  CHECK(listed.out.find(" ok\n") != std::string::npos);

  RunResult restored = run_bbsnap({"checkpoints", "restore", dir.path().string()});
  CHECK_EXIT(restored, 0);
  CHECK(restored.out == dump_of(full));
  CHECK(restored.err.find("restored generation 3") != std::string::npos);

  SECTION("a damaged newest generation is skipped, named, and shown as damaged") {
    const std::string newest = dir.file(bbsnap::generation_file_name(3));
    std::vector<std::uint8_t> bytes = read_file(newest);
    bytes[100] ^= 0x10;
    write_file(newest, bytes);
    RunResult fallback = run_bbsnap({"checkpoints", "restore", dir.path().string(), "-o", dir.file("out.json")});
    CHECK_EXIT(fallback, 0);
    CHECK(fallback.err.find("skipped generation 3 (" + newest + "): nonzero_padding in section slot_chunk[0] at offset 100") !=
          std::string::npos);
    CHECK(fallback.err.find("restored generation 2") != std::string::npos);
    CHECK(read_text(dir.file("out.json")) == dump_of(full));
    RunResult damaged = run_bbsnap({"checkpoints", "list", dir.path().string()});
    CHECK_EXIT(damaged, 0);
    CHECK(damaged.out.find("nonzero_padding in section slot_chunk[0] at offset 100") != std::string::npos);

    // prune verifies in full by default: generation 3 does not count, so 2 stays.
    RunResult pruned = run_bbsnap({"checkpoints", "prune", dir.path().string(), "--keep", "1"});
    CHECK_EXIT(pruned, 0);
    CHECK(pruned.out == "kept 1 intact generation\n");
    CHECK(fs::exists(dir.file(bbsnap::generation_file_name(2))));
  }
  SECTION("prune --keep 1 removes what is older than the newest intact one") {
    RunResult pruned = run_bbsnap({"checkpoints", "prune", dir.path().string(), "--keep", "1", "--table-only"});
    CHECK_EXIT(pruned, 0);
    CHECK(pruned.out.starts_with("removed generation 2 ("));
    CHECK_FALSE(fs::exists(dir.file(bbsnap::generation_file_name(2))));
  }
}

TEST_CASE("checkpoints commands fail with one line and the documented exit status", "[cli][checkpoints]") {
  TempDir dir;
  RunResult empty = run_bbsnap({"checkpoints", "restore", dir.path().string()});
  CHECK_EXIT(empty, 1);
  CHECK(empty.err == "bbsnap checkpoints restore: " + dir.path().string() + " holds no generation\n");
  CHECK(empty.out.empty());

  RunResult missing = run_bbsnap({"checkpoints", "list", dir.file("nope")});
  CHECK_EXIT(missing, 2);
  CHECK(missing.err.starts_with("bbsnap checkpoints list: cannot list "));

  write_file(dir.file("bad.json"), {'{', '"', 'x'});
  RunResult invalid = run_bbsnap({"checkpoints", "commit", dir.path().string(), dir.file("bad.json")});
  CHECK_EXIT(invalid, 1);
  CHECK(invalid.err.starts_with("bbsnap checkpoints commit: " + dir.file("bad.json") + ": "));
  CHECK(!fs::exists(dir.file(bbsnap::generation_file_name(1))));

  CHECK_EXIT(run_bbsnap({"checkpoints", "prune", dir.path().string()}), 2);  // --keep is required
  CHECK_EXIT(run_bbsnap({"checkpoints", "prune", dir.path().string(), "--keep", "0"}), 2);
  CHECK_EXIT(run_bbsnap({"checkpoints", "frobnicate", dir.path().string()}), 2);

  // Every generation damaged: exit 1, naming the newest.
  const std::string full = (kExamples / "full.json").string();
  CHECK_EXIT(run_bbsnap({"checkpoints", "commit", dir.path().string(), full}), 0);
  const std::string only = dir.file(bbsnap::generation_file_name(1));
  std::vector<std::uint8_t> bytes = read_file(only);
  bytes[8] ^= 1;
  write_file(only, bytes);
  RunResult none = run_bbsnap({"checkpoints", "restore", dir.path().string()});
  CHECK_EXIT(none, 1);
  CHECK(none.err.find("none of the 1 generations of " + dir.path().string() + " opens") != std::string::npos);
}
