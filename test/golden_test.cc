// Golden files (test/golden/README.md): the format's bytes are a contract.
// For the current format version the writer must produce the committed bytes
// exactly; every committed set, of every version, must stay readable as its
// committed JSON.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "bbsnap/json.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
namespace fs = std::filesystem;

namespace {

fs::path golden_dir() {
#ifdef BBSNAP_GOLDEN_DIR
  return BBSNAP_GOLDEN_DIR;
#else
  return fs::path(__FILE__).parent_path() / "golden";
#endif
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// NAME.json of every golden pair in `set` (e.g. "v1"), sorted.
std::vector<fs::path> golden_documents(const fs::path& set) {
  std::vector<fs::path> documents;
  for (const auto& entry : fs::directory_iterator(set)) {
    if (entry.path().extension() == ".json") documents.push_back(entry.path());
  }
  std::sort(documents.begin(), documents.end());
  return documents;
}

// Every golden set: v1, v2, ...
std::vector<fs::path> golden_sets() {
  std::vector<fs::path> sets;
  for (const auto& entry : fs::directory_iterator(golden_dir())) {
    const std::string name = entry.path().filename();
    if (entry.is_directory() && name.size() > 1 && name[0] == 'v') sets.push_back(entry.path());
  }
  std::sort(sets.begin(), sets.end());
  return sets;
}

TransientSnapshot parse(const fs::path& document) {
  Result<TransientSnapshot> state = json::parse_state(read_text(document));
  if (!state) FAIL(document.string() << ": " << state.error().to_string());
  return std::move(state).value();
}

fs::path snapshot_of(fs::path document) { return document.replace_extension(".bbsnap"); }

}  // namespace

TEST_CASE("golden: the current version's set exists and has the expected files") {
  const fs::path current = golden_dir() / ("v" + std::to_string(format::kFormatVersion));
  REQUIRE(fs::is_directory(current));
  for (const char* name : {"empty", "full", "random"}) {
    INFO(name);
    CHECK(fs::exists(current / (std::string(name) + ".json")));
    CHECK(fs::exists(current / (std::string(name) + ".bbsnap")));
  }
}

TEST_CASE("golden: the writer writes the committed bytes for the current version") {
  const fs::path current = golden_dir() / ("v" + std::to_string(format::kFormatVersion));
  for (const fs::path& document : golden_documents(current)) {
    SECTION(document.filename().string()) {
      Result<AlignedBuffer> written = encode_snapshot(parse(document));
      REQUIRE_OK(written);
      const std::vector<std::uint8_t> committed = testing::read_file(snapshot_of(document));
      REQUIRE(written->size() == committed.size());
      const auto [ours, theirs] = std::mismatch(written->span().begin(), written->span().end(), committed.begin());
      INFO("first differing byte at offset " << (ours - written->span().begin())
                                             << ": a change of the format's bytes needs a new format version "
                                                "and a new golden set (test/golden/README.md)");
      CHECK(ours == written->span().end());
    }
  }
}

TEST_CASE("golden: every committed set reads as its committed JSON") {
  for (const fs::path& set : golden_sets()) {
    for (const fs::path& document : golden_documents(set)) {
      SECTION(set.filename().string() + "/" + document.filename().string()) {
        Result<Snapshot> snapshot = Snapshot::open(snapshot_of(document).string());
        REQUIRE_OK(snapshot);
        Result<TransientSnapshot> model = snapshot->to_model();
        REQUIRE_OK(model);
        CHECK(*model == parse(document));
        // The committed JSON is canonical: what dump writes for the file.
        CHECK(json::to_json(*model).value() == read_text(document));
      }
    }
  }
}
