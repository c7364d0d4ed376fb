// The bbsnap command, run as a subprocess as users run it ($BBSNAP, set by
// meson): pack, dump, verify, info, diff, their exit codes and messages.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "bbsnap/json.h"
#include "bbsnap/reader.h"
#include "cli/doc_variants.h"
#include "cli/subprocess.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using nlohmann::json;
using namespace bbsnap::testing;

const fs::path kSpecDir = BBSNAP_SPEC_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Errors are exactly one line on standard error.
bool one_line(const std::string& text) {
  return !text.empty() && text.back() == '\n' && std::count(text.begin(), text.end(), '\n') == 1;
}

#define CHECK_EXIT(result, code)                                                            \
  do {                                                                                      \
    const RunResult& check_exit_ = (result);                                                \
    INFO("stdout: " << check_exit_.out.substr(0, 2000) << "\nstderr: " << check_exit_.err); \
    REQUIRE(check_exit_.exit_code == (code));                                               \
  } while (false)

// pack must succeed silently.
void pack(const std::string& in, const std::string& out, const std::string& input = {}) {
  RunResult r = run_bbsnap({"pack", in, out}, input);
  CHECK_EXIT(r, 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
}

std::string dump(const std::string& snapshot) {
  RunResult r = run_bbsnap({"dump", snapshot});
  CHECK_EXIT(r, 0);
  CHECK(r.err.empty());
  return r.out;
}

// What the library writes for the snapshot's owned copy of the state.
std::string model_dump(const std::string& snapshot) {
  bbsnap::OpenOptions options;
  options.expected_spec_version = bbsnap::Snapshot::open(snapshot, {.verification = bbsnap::Verification::trusted})
                                      ->spec_version();
  auto opened = bbsnap::Snapshot::open(snapshot, options);
  REQUIRE_OK(opened);
  auto model = opened->to_model();
  REQUIRE_OK(model);
  return bbsnap::json::to_json(*model).value();
}

json info_json(const std::string& snapshot) {
  RunResult r = run_bbsnap({"info", snapshot, "--json"});
  CHECK_EXIT(r, 0);
  return json::parse(r.out);
}

}  // namespace

// ---------------------------------------------------------------- help and usage

TEST_CASE("--help explains every command with an example, --version names the version", "[cli]") {
  RunResult top = run_bbsnap({"--help"});
  CHECK_EXIT(top, 0);
  for (const char* command : {"pack", "dump", "verify", "info", "diff", "checkpoints"}) {
    CHECK(top.out.find(command) != std::string::npos);
    RunResult help = run_bbsnap({command, "--help"});
    CHECK_EXIT(help, 0);
    CHECK(help.out.find("Usage: bbsnap " + std::string(command)) != std::string::npos);
    CHECK(help.out.find("Example:\n  bbsnap " + std::string(command)) != std::string::npos);
  }
  CHECK(top.out.find("Exit status") != std::string::npos);

  RunResult version = run_bbsnap({"--version"});
  CHECK_EXIT(version, 0);
  CHECK(version.out.starts_with("bbsnap " BBSNAP_VERSION " "));
}

TEST_CASE("usage errors exit 2 with one line on standard error", "[cli]") {
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"pack"},
      {"pack", "only-one.json"},
      {"pack", "a.json", "b.bbsnap", "extra"},
      {"dump", "x.bbsnap", "--no-such-option"},
      {"verify", "x.bbsnap", "--expect-spec-version", "one"},
      {"diff", "a.bbsnap"},
      {"--no-such-option"},
  };
  for (const auto& args : cases) {
    RunResult r = run_bbsnap(args);
    INFO("args: " << json(args).dump());
    CHECK_EXIT(r, 2);
    CHECK(one_line(r.err));
    CHECK(r.err.starts_with("bbsnap"));
    CHECK(r.out.empty());
  }
}

// ---------------------------------------------------------------- pack and dump

TEST_CASE("every valid example packs, and dump gives it back normalised", "[cli]") {
  TempDir dir;
  const auto examples = json_files(kSpecDir / "examples");
  REQUIRE(examples.size() >= 3);
  for (const fs::path& example : examples) {
    INFO(example);
    const std::string out = dir.file(example.stem().string() + ".bbsnap");
    pack(example, out);
    const std::string dumped = dump(out);
    CHECK(json::parse(dumped) == normalised(json::parse(read_text(example))));
    // Streamed from the mapping, byte for byte what the library writes from the model.
    CHECK(dumped == model_dump(out));
    RunResult verified = run_bbsnap({"verify", out});
    CHECK_EXIT(verified, 0);
    CHECK(verified.out.starts_with("ok "));

    // Deterministic: again, and from documents with members in other orders.
    const auto bytes = read_file(out);
    const std::string again = dir.file("again.bbsnap");
    pack(example, again);
    CHECK(read_file(again) == bytes);
    const json doc = json::parse(read_text(example));
    for (std::uint64_t seed = 1; seed <= 4; ++seed) {
      const std::string reordered = variant_text(doc, seed, {.shuffle_keys = true});
      pack("-", again, reordered);
      CHECK(read_file(again) == bytes);
    }
  }
  // full.json is itself canonical: the dump is the file, text for text.
  pack(kSpecDir / "examples" / "full.json", dir.file("full.bbsnap"));
  CHECK(dump(dir.file("full.bbsnap")) == read_text(kSpecDir / "examples" / "full.json"));
}

TEST_CASE("dump writes the canonical bytes STATE-JSON.md specifies, escapes included", "[cli]") {
  // A compact document with its keys out of order, uppercase hex and
  // escapes where none are needed ...
  const std::string input =
      R"({"pending_completions":[],"wire_states":{},"ingress":[{"TimerMatured":{"at_ns":5}}],)"
      R"("bus":{"event_subscriptions":{"k":[]}},)"
      R"("framework":{"spec_version":1,"next_exec_id":18446744073709551615,"counters":{"tab\tkey":2,"a\/b":1},)"
      R"("fired_phases":["\"quoted\" \\ back","\b\f\n\r\t",)"
      R"("\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u000B\u000E\u000F\u0010\u0011\u0012\u0013\u0014)"
      R"(\u0015\u0016\u0017\u0018\u0019\u001A\u001B\u001C\u001D\u001E\u001F",)"
      R"("DEL \u007F LS \u2028 PS \u2029 \u00E9 \uD83D\uDE00",""],)"
      R"("peer_governor":{"health":[["AB",1,2,true]],"allowlist":null,"failure_threshold":3},)"
      R"("pending_outbound":[{"envelope_bytes":"","redelivered":false}]},)"
      R"("execution_state":{"7":{"outputs_written":3}},)"
      R"("slot_table":[{"site":1,"exec":3,"value":null},{"site":1,"exec":2,"value":"0AFF"}],)"
      R"("frontier":[[1,2]]})";
  // ... dumps as the spec's "Canonical output" says, written out here by
  // hand: every key in the order of "Shape", one member or element per line,
  // two spaces per level, ": " and ",", [] and {} on one line, lowercase
  // hex, \" \\ \b \f \n \r \t, \u00xx (lowercase) for the other control
  // characters, DEL, U+2028, U+2029 and non-ASCII raw, / unescaped, and one
  // final newline.
  const std::string expected =
      "{\n"
      "  \"frontier\": [\n"
      "    [\n"
      "      1,\n"
      "      2\n"
      "    ]\n"
      "  ],\n"
      "  \"slot_table\": [\n"
      "    {\n"
      "      \"site\": 1,\n"
      "      \"exec\": 2,\n"
      "      \"value\": \"0aff\"\n"
      "    },\n"
      "    {\n"
      "      \"site\": 1,\n"
      "      \"exec\": 3,\n"
      "      \"value\": null\n"
      "    }\n"
      "  ],\n"
      "  \"pending_async\": {},\n"
      "  \"execution_state\": {\n"
      "    \"7\": {\n"
      "      \"outputs_written\": 3\n"
      "    }\n"
      "  },\n"
      "  \"framework\": {\n"
      "    \"counters\": {\n"
      "      \"a/b\": 1,\n"
      "      \"tab\\tkey\": 2\n"
      "    },\n"
      "    \"fired_phases\": [\n"
      "      \"\\\"quoted\\\" \\\\ back\",\n"
      "      \"\\b\\f\\n\\r\\t\",\n"
      "      \"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u000b\\u000e\\u000f\\u0010\\u0011\\u0012"
      "\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\",\n"
      "      \"DEL \x7f LS \xe2\x80\xa8 PS \xe2\x80\xa9 \xc3\xa9 \xf0\x9f\x98\x80\",\n"
      "      \"\"\n"
      "    ],\n"
      "    \"address_book\": [],\n"
      "    \"peer_governor\": {\n"
      "      \"blocklist\": [],\n"
      "      \"allowlist\": null,\n"
      "      \"health\": [\n"
      "        [\n"
      "          \"ab\",\n"
      "          1,\n"
      "          2,\n"
      "          true\n"
      "        ]\n"
      "      ],\n"
      "      \"failure_threshold\": 3\n"
      "    },\n"
      "    \"backoff_table\": [],\n"
      "    \"pending_outbound\": [\n"
      "      {\n"
      "        \"envelope_bytes\": \"\",\n"
      "        \"redelivered\": false\n"
      "      }\n"
      "    ],\n"
      "    \"peer_id_bytes\": \"\",\n"
      "    \"next_command_id\": 0,\n"
      "    \"next_exec_id\": 18446744073709551615,\n"
      "    \"spec_version\": 1\n"
      "  },\n"
      "  \"bus\": {\n"
      "    \"event_subscriptions\": {\n"
      "      \"k\": []\n"
      "    }\n"
      "  },\n"
      "  \"ingress\": [\n"
      "    {\n"
      "      \"TimerMatured\": {\n"
      "        \"at_ns\": 5\n"
      "      }\n"
      "    }\n"
      "  ],\n"
      "  \"wire_states\": {},\n"
      "  \"pending_completions\": []\n"
      "}\n";
  TempDir dir;
  const std::string snapshot = dir.file("s.bbsnap");
  pack("-", snapshot, input);
  // The command streams from the mapping; the library writes from the model.
  CHECK(dump(snapshot) == expected);
  CHECK(model_dump(snapshot) == expected);
  // And the canonical document is a fixed point.
  pack("-", dir.file("again.bbsnap"), expected);
  CHECK(read_file(dir.file("again.bbsnap")) == read_file(snapshot));
}

TEST_CASE("documents written differently pack to identical files", "[cli]") {
  TempDir dir;
  const json doc = json::parse(read_text(kSpecDir / "examples" / "full.json"));
  pack(kSpecDir / "examples" / "full.json", dir.file("canonical.bbsnap"));
  const auto canonical = read_file(dir.file("canonical.bbsnap"));
  const VariantOptions each[] = {
      {.shuffle_keys = true},
      {.shuffle_keys = false, .uppercase_hex = true},
      {.shuffle_keys = false, .escape_strings = true},
      {.shuffle_keys = false, .drop_defaults = true},
      {.shuffle_keys = false, .odd_whitespace = true},
  };
  std::uint64_t seed = 0;
  for (const VariantOptions& options : each) {
    const std::string text = variant_text(doc, ++seed, options);
    INFO(text);
    pack("-", dir.file("variant.bbsnap"), text);
    CHECK(read_file(dir.file("variant.bbsnap")) == canonical);
  }
  // The variations do change the text.
  CHECK(variant_text(doc, 1, {.shuffle_keys = false, .uppercase_hex = true}).find("DEADBEEF") != std::string::npos);
  CHECK(variant_text(doc, 1, {.shuffle_keys = false, .escape_strings = true}).find("\\u") != std::string::npos);
}

TEST_CASE("random documents: dump(pack(doc)) is the canonical form of doc", "[cli]") {
  TempDir dir;
  const std::string snapshot = dir.file("state.bbsnap");
  constexpr std::uint64_t kSeeds = 240;
  std::set<std::uint32_t> spec_versions;
  std::size_t empty_states = 0;
  for (std::uint64_t seed = 0; seed < kSeeds; ++seed) {
    const bbsnap::TransientSnapshot state = random_state(seed);
    const std::string canonical = bbsnap::json::to_json(state).value();
    // Not canonical: members reordered, upper-case hex, escapes, defaults left out, odd white space.
    const std::string text = any_variant_text(json::parse(canonical), seed);
    INFO("seed " << seed << "\n" << text.substr(0, 4000));
    pack("-", snapshot, text);
    const std::string dumped = dump(snapshot);
    REQUIRE(dumped == canonical);
    CHECK(json::parse(dumped) == json::parse(canonical));
    if (seed % 16 == 0) {
      // The variant and the canonical text give the same bytes.
      const auto bytes = read_file(snapshot);
      pack("-", snapshot, canonical);
      CHECK(read_file(snapshot) == bytes);
    }
    spec_versions.insert(state.framework.spec_version);
    empty_states += state == bbsnap::TransientSnapshot{};
  }
  CHECK(spec_versions.size() > 1);  // dump accepts any spec_version
  CHECK(empty_states > 0);
}

TEST_CASE("dump -o writes the whole file or nothing", "[cli]") {
  TempDir dir;
  const std::string snapshot = dir.file("full.bbsnap");
  pack(kSpecDir / "examples" / "full.json", snapshot);
  const std::string expected = dump(snapshot);

  RunResult r = run_bbsnap({"dump", snapshot, "-o", dir.file("out.json")});
  CHECK_EXIT(r, 0);
  CHECK(r.out.empty());
  CHECK(read_text(dir.file("out.json")) == expected);

  // A refused snapshot leaves an existing destination as it was, and no temporary file.
  auto damaged = read_file(snapshot);
  damaged[damaged.size() / 2] ^= 0x20;
  write_file(dir.file("damaged.bbsnap"), damaged);
  write_text(dir.file("keep.json"), "previous\n");
  r = run_bbsnap({"dump", dir.file("damaged.bbsnap"), "-o", dir.file("keep.json")});
  CHECK_EXIT(r, 1);
  CHECK(one_line(r.err));
  CHECK(r.out.empty());
  CHECK(read_text(dir.file("keep.json")) == "previous\n");
  r = run_bbsnap({"dump", dir.file("damaged.bbsnap"), "-o", dir.file("new.json")});
  CHECK_EXIT(r, 1);
  CHECK(dir.entries() == std::vector<std::string>{"damaged.bbsnap", "full.bbsnap", "keep.json", "out.json"});

  // An unwritable destination is an I/O error.
  r = run_bbsnap({"dump", snapshot, "-o", dir.file("no-such-dir/out.json")});
  CHECK_EXIT(r, 2);
  CHECK(one_line(r.err));
  r = run_bbsnap({"dump", snapshot, "-o", dir.path().string()});  // a directory
  CHECK_EXIT(r, 2);
  CHECK(one_line(r.err));
  CHECK(dir.entries() == std::vector<std::string>{"damaged.bbsnap", "full.bbsnap", "keep.json", "out.json"});
}

// ---------------------------------------------------------------- refusals

TEST_CASE("every invalid example is refused with its JSON path and no output file", "[cli]") {
  // Where each document goes wrong (STATE-JSON.md path syntax); not-json.json is not JSON at all.
  const std::map<std::string, std::string> paths = {
      {"bad-hex.json", "$.wire_states[\"1\"]"},
      {"duplicate-key.json", "$.wire_states[\"1\"]"},
      {"duplicate-slot.json", "$.slot_table[1]"},
      {"float.json", "$.framework.next_exec_id"},
      {"leading-zero-key.json", "$.execution_state[\"07\"]"},
      {"negative.json", "$.framework.next_command_id"},
      {"not-json.json", ""},
      {"odd-hex.json", "$.wire_states[\"1\"]"},
      {"top-level-array.json", "$"},
      {"tuple-length.json", "$.frontier[0]"},
      {"u32-overflow.json", "$.execution_state[\"1\"].outputs_written"},
      {"u64-overflow.json", "$.frontier[0][0]"},
      {"unknown-key.json", "$.framework.countrs"},
      {"unknown-variant.json", "$.ingress[0]"},
      {"wrong-type.json", "$.bus.event_subscriptions"},
  };
  TempDir dir;
  const auto invalid = json_files(kSpecDir / "examples" / "invalid");
  REQUIRE(invalid.size() == paths.size());
  for (const fs::path& document : invalid) {
    INFO(document);
    REQUIRE(paths.count(document.filename()));
    const std::string& path = paths.at(document.filename());
    RunResult r = run_bbsnap({"pack", document, dir.file("out.bbsnap")});
    CHECK_EXIT(r, 1);
    CHECK(one_line(r.err));
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("bbsnap pack: " + document.string() + ": "));
    if (path.empty()) {
      CHECK(r.err.find("(byte ") != std::string::npos);  // where the syntax breaks
    } else {
      CHECK(r.err.find(": " + path) != std::string::npos);
    }
    CHECK(dir.entries().empty());

    // An existing file is never replaced; standard input (a pipe, read in
    // pieces by the other reader) gives the same message.
    const std::string file_message = r.err.substr(r.err.find(": ", std::string("bbsnap pack: ").size()));
    write_text(dir.file("existing.bbsnap"), "previous");
    r = run_bbsnap({"pack", "-", dir.file("existing.bbsnap")}, read_text(document));
    CHECK_EXIT(r, 1);
    CHECK(r.err == "bbsnap pack: <stdin>" + file_message);
    CHECK(read_text(dir.file("existing.bbsnap")) == "previous");
    CHECK(dir.entries() == std::vector<std::string>{"existing.bbsnap"});
    fs::remove(dir.file("existing.bbsnap"));
  }
}

TEST_CASE("the message names the JSON path of a nested problem", "[cli]") {
  TempDir dir;
  json doc = json::parse(read_text(kSpecDir / "examples" / "full.json"));
  doc["framework"]["peer_governor"]["health"][1][1] = 4294967296ULL;
  RunResult r = run_bbsnap({"pack", "-", dir.file("out.bbsnap")}, doc.dump());
  CHECK_EXIT(r, 1);
  CHECK(r.err == "bbsnap pack: <stdin>: $.framework.peer_governor.health[1][1]: expected u32, got 4294967296\n");
  CHECK(dir.entries().empty());
}

// ---------------------------------------------------------------- endless, garbage and stalled inputs

namespace {

// Runs `script` with sh, $0 being bbsnap and $1... `args`. The scripts run
// each command under `timeout`, so that one that would never end fails the
// test instead of hanging it.
RunResult run_script(const std::string& script, const std::vector<std::string>& args) {
  std::vector<std::string> sh_args = {"-c", script, bbsnap_path()};
  sh_args.insert(sh_args.end(), args.begin(), args.end());
  return run_program("/bin/sh", sh_args);
}

// run_script, and the peak resident memory (KiB) of the script and of what
// it ran, measured by test/cli/peak_rss.cc ($BBSNAP_PEAK_RSS).
std::pair<RunResult, long> run_script_measured(const std::string& script, const std::vector<std::string>& args,
                                               const TempDir& dir) {
  const char* probe = std::getenv("BBSNAP_PEAK_RSS");
  REQUIRE(probe != nullptr);
  const std::string report = dir.path().parent_path() / (dir.path().filename().string() + ".rss");
  std::vector<std::string> probe_args = {report, "/bin/sh", "-c", script, bbsnap_path()};
  probe_args.insert(probe_args.end(), args.begin(), args.end());
  RunResult r = run_program(probe, probe_args);
  long kib = -1;
  std::ifstream(report) >> kib;
  fs::remove(report);
  return {r, kib};
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The error message parse_state gives `document`, as pack prints it.
std::string refusal_line(const std::string& source, const std::string& document) {
  const auto result = bbsnap::json::parse_state(document);
  REQUIRE_FALSE(result.ok());
  const auto& e = result.error();
  return "bbsnap pack: " + source + ": " + e.message +
         (e.offset == bbsnap::kNoOffset ? "" : " (byte " + std::to_string(e.offset) + ")") + "\n";
}

}  // namespace

TEST_CASE("pack refuses an endless or garbage input within a second, in bounded memory", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("out.bbsnap");
  // What refusing a one-byte document takes: the program itself.
  const auto [baseline, baseline_kib] = run_script_measured(R"(printf x | "$0" pack - "$1")", {out}, dir);
  CHECK_EXIT(baseline, 1);
  REQUIRE(baseline_kib > 0);
  struct Input {
    std::string script;
    std::string expected;  // the whole message, or its start
  };
  const std::vector<Input> inputs = {
      {R"(exec timeout 10 "$0" pack /dev/zero "$1")", refusal_line("/dev/zero", "\0"s)},
      {R"(exec timeout 10 "$0" pack /dev/urandom "$1")", "bbsnap pack: /dev/urandom: $"},
      {R"(yes '{"frontier":[' | timeout 10 "$0" pack - "$1")",
       "bbsnap pack: <stdin>: $.frontier[0]: expected array, got object\n"},
  };
  for (const Input& input : inputs) {
    INFO(input.script);
    const auto start = std::chrono::steady_clock::now();
    const auto [r, kib] = run_script_measured(input.script, {out}, dir);
    const double seconds = seconds_since(start);
    CHECK_EXIT(r, 1);
    CHECK(one_line(r.err));
    CHECK(r.err.starts_with(input.expected));
    CHECK(seconds < 1.0);
    INFO("peak RSS " << kib << " KiB; refusing one byte: " << baseline_kib << " KiB");
    CHECK(kib > 0);
    CHECK(kib < baseline_kib + 16 * 1024);
    CHECK(dir.entries().empty());
  }
}

TEST_CASE("pack --max-input refuses a longer input as soon as it passes the limit", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("out.bbsnap");
  // A valid beginning, then white space for ever: refused at the limit (the
  // library's tests check the offset), not at the end.
  RunResult r = run_script(R"((printf '{"frontier": '; yes ' ') | timeout 10 "$0" pack --max-input 64K - "$1")", {out});
  CHECK_EXIT(r, 1);
  CHECK(r.err == "bbsnap pack: <stdin>: the document is longer than the limit of 65536 bytes (--max-input)\n");
  CHECK(dir.entries().empty());

  // Exactly the limit is accepted; a regular file beyond it is refused unread.
  const std::string document = "{}" + std::string(1998, ' ');
  write_text(dir.file("state.json"), document);
  pack("-", out, document + "");
  r = run_bbsnap({"pack", "--max-input", "2000", dir.file("state.json"), out});
  CHECK_EXIT(r, 0);
  r = run_bbsnap({"pack", "--max-input", "1999", "-", out}, document);
  CHECK_EXIT(r, 1);
  CHECK(r.err == "bbsnap pack: <stdin>: the document is longer than the limit of 1999 bytes (--max-input)\n");
  r = run_bbsnap({"pack", "--max-input", "1K", dir.file("state.json"), out});
  CHECK_EXIT(r, 1);
  CHECK(r.err == "bbsnap pack: " + dir.file("state.json") +
                     ": the document is longer than the limit of 1024 bytes (--max-input)\n");
  r = run_bbsnap({"pack", "--max-input", "lots", dir.file("state.json"), out});
  CHECK_EXIT(r, 2);
  CHECK(one_line(r.err));

  RunResult help = run_bbsnap({"pack", "--help"});
  CHECK(help.out.find("--max-input") != std::string::npos);
  CHECK(help.out.find("default 64G") != std::string::npos);
}

TEST_CASE("pack of a FIFO whose writer stops sending waits, then refuses the document when it closes", "[cli]") {
  TempDir dir;
  const std::string fifo = dir.file("state.fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::string prefix = R"({"frontier": [[1, 2], )";
  constexpr auto kStall = std::chrono::milliseconds(500);
  std::vector<std::string> during_stall;
  std::thread writer([&] {
    // Blocks until pack opens the FIFO to read it.
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    const bool written = ::write(fd, prefix.data(), prefix.size()) == static_cast<ssize_t>(prefix.size());
    std::this_thread::sleep_for(kStall);
    during_stall = dir.entries();
    ::close(fd);
    if (!written) during_stall.clear();
  });
  const auto start = std::chrono::steady_clock::now();
  const RunResult r = run_bbsnap({"pack", fifo, dir.file("out.bbsnap")});
  const double seconds = seconds_since(start);
  // Should pack have failed before opening the FIFO, the writer's open is released here.
  if (const int unblock = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC); unblock >= 0) ::close(unblock);
  writer.join();
  CHECK_EXIT(r, 1);
  CHECK(r.err == refusal_line(fifo, prefix));
  CHECK(seconds >= std::chrono::duration<double>(kStall).count());
  CHECK(during_stall == std::vector<std::string>{"state.fifo"});
  CHECK(dir.entries() == std::vector<std::string>{"state.fifo"});
}

TEST_CASE("missing, unreadable and unwritable files are I/O errors: exit 2", "[cli]") {
  TempDir dir;
  const std::string good = dir.file("good.bbsnap");
  pack(kSpecDir / "examples" / "full.json", good);
  const std::string missing = dir.file("missing");
  const std::vector<std::vector<std::string>> cases = {
      {"pack", missing + ".json", dir.file("out.bbsnap")},
      {"pack", dir.path().string(), dir.file("out.bbsnap")},  // a directory as input
      {"pack", kSpecDir / "examples" / "full.json", dir.file("no-such-dir/out.bbsnap")},
      {"pack", kSpecDir / "examples" / "full.json", dir.path().string()},  // a directory as output
      {"pack", kSpecDir / "examples" / "full.json", "-"},
      {"dump", missing},
      {"verify", missing},
      {"info", missing},
      {"info", dir.path().string()},
      {"diff", missing, good},
      {"diff", good, missing},
  };
  for (const auto& args : cases) {
    INFO("args: " << json(args).dump());
    RunResult r = run_bbsnap(args);
    CHECK_EXIT(r, 2);
    CHECK(one_line(r.err));
    CHECK(r.out.empty());
    CHECK(dir.entries() == std::vector<std::string>{"good.bbsnap"});
  }
}

TEST_CASE("standard output on a full disk is an I/O error: exit 2, naming standard output", "[cli]") {
  // /dev/full refuses every write with ENOSPC: the output is lost, and the
  // command must say so rather than exit as if it had been written.
  TempDir dir;
  const std::string good = dir.file("good.bbsnap"), other = dir.file("other.bbsnap");
  pack(kSpecDir / "examples" / "full.json", good);
  pack(kSpecDir / "examples" / "empty.json", other);
  const std::vector<std::vector<std::string>> cases = {
      {"dump", good}, {"info", good}, {"verify", good}, {"diff", good, good}, {"diff", good, other},
  };
  for (const auto& args : cases) {
    INFO("args: " << json(args).dump());
    std::string command = "exec \"$0\"";
    for (std::size_t i = 0; i < args.size(); ++i) command += " \"$" + std::to_string(i + 1) + "\"";
    std::vector<std::string> sh_args = {"-c", command + " > /dev/full", bbsnap_path()};
    sh_args.insert(sh_args.end(), args.begin(), args.end());
    RunResult r = run_program("/bin/sh", sh_args);
    CHECK_EXIT(r, 2);
    CHECK(one_line(r.err));
    CHECK_THAT(r.err, Catch::Contains("cannot write standard output"));
  }
}

TEST_CASE("a file that is not a snapshot is invalid data: exit 1", "[cli]") {
  TempDir dir;
  write_text(dir.file("empty.bbsnap"), "");
  for (const std::string& file : {std::string(kSpecDir / "examples" / "full.json"), dir.file("empty.bbsnap")}) {
    for (const char* command : {"verify", "dump", "info"}) {
      RunResult r = run_bbsnap({command, file});
      INFO(command << " " << file);
      CHECK_EXIT(r, 1);
      CHECK(one_line(r.err));
      CHECK(r.out.empty());
    }
  }
  RunResult r = run_bbsnap({"verify", kSpecDir / "examples" / "full.json"});
  CHECK(r.err.find("bad_magic in section header at offset 0") != std::string::npos);
}

// ---------------------------------------------------------------- verify and info

TEST_CASE("verify names the section of a byte flipped in each section in turn", "[cli]") {
  TempDir dir;
  const std::string good = dir.file("good.bbsnap");
  pack(kSpecDir / "examples" / "full.json", good);
  RunResult ok = run_bbsnap({"verify", good});
  CHECK_EXIT(ok, 0);
  CHECK(ok.out == "ok " + good +
                      ": format 2, spec_version 1, 10 sections, 4 slots in 1 chunk (7 value bytes), 3344 bytes\n");

  const json info = info_json(good);
  const auto bytes = read_file(good);
  struct Damage {
    std::uint64_t offset;
    std::string section;
  };
  std::vector<Damage> damages = {{20, "header"}, {info["table_offset"].get<std::uint64_t>() + 3, "section_table"}};
  for (const json& s : info["sections"]) {
    const auto offset = s["offset"].get<std::uint64_t>();
    const auto payload = s["payload_length"].get<std::uint64_t>();
    const auto length = s["length"].get<std::uint64_t>();
    const auto name = s["name"].get<std::string>();
    damages.push_back({offset + payload + (length - payload) / 2, name});  // its metadata
    if (payload > 0) damages.push_back({offset + 1, name});                // a slot value
  }
  REQUIRE(damages.size() == 13);
  for (const Damage& d : damages) {
    INFO("byte " << d.offset << " in " << d.section);
    auto copy = bytes;
    copy[d.offset] ^= 0x01;
    write_file(dir.file("damaged.bbsnap"), copy);
    RunResult r = run_bbsnap({"verify", dir.file("damaged.bbsnap")});
    CHECK_EXIT(r, 1);
    CHECK(one_line(r.err));
    CHECK(r.out.empty());
    CHECK(r.err.find(" in section " + d.section + " at offset ") != std::string::npos);
  }
}

TEST_CASE("verify checks spec_version as expected", "[cli]") {
  TempDir dir;
  json doc = json::parse(read_text(kSpecDir / "examples" / "full.json"));
  doc["framework"]["spec_version"] = 7;
  pack("-", dir.file("v7.bbsnap"), doc.dump());
  RunResult r = run_bbsnap({"verify", dir.file("v7.bbsnap")});
  CHECK_EXIT(r, 1);
  CHECK(one_line(r.err));
  CHECK(r.err.find("spec_version_mismatch in section framework") != std::string::npos);
  r = run_bbsnap({"verify", dir.file("v7.bbsnap"), "--expect-spec-version", "7"});
  CHECK_EXIT(r, 0);
  CHECK(r.out.find("spec_version 7") != std::string::npos);
  // The inspecting commands take any spec_version and show it (FORMAT.md §8.3).
  CHECK(json::parse(dump(dir.file("v7.bbsnap")))["framework"]["spec_version"] == 7);
  CHECK(info_json(dir.file("v7.bbsnap"))["spec_version"] == 7);
  pack(kSpecDir / "examples" / "full.json", dir.file("v1.bbsnap"));
  RunResult diff = run_bbsnap({"diff", dir.file("v1.bbsnap"), dir.file("v7.bbsnap")});
  CHECK_EXIT(diff, 1);
  CHECK(diff.err.empty());
  CHECK(diff.out.find("~ framework.spec_version: 1 -> 7\n1 difference\n") != std::string::npos);
  CHECK_EXIT(run_bbsnap({"diff", dir.file("v7.bbsnap"), dir.file("v7.bbsnap")}), 0);
}

TEST_CASE("--expect-spec-version takes plain decimal only; anything else is a usage error", "[cli]") {
  TempDir dir;
  json doc = json::parse(read_text(kSpecDir / "examples" / "full.json"));
  doc["framework"]["spec_version"] = 10;
  pack("-", dir.file("v10.bbsnap"), doc.dump());
  CHECK_EXIT(run_bbsnap({"verify", dir.file("v10.bbsnap"), "--expect-spec-version", "10"}), 0);
  CHECK_EXIT(run_bbsnap({"verify", dir.file("v10.bbsnap"), "--expect-spec-version", "4294967295"}), 1);
  // CLI11 alone read "010" as octal 8 and "0x1" as 1, and took "+1", " 1" and "" (as 0).
  for (const char* spelling : {"010", "0x1", "+1", " 1", "1 ", "", "-1", "1e1", "4294967296", "ten"}) {
    INFO("--expect-spec-version '" << spelling << "'");
    RunResult r = run_bbsnap({"verify", dir.file("v10.bbsnap"), "--expect-spec-version", spelling});
    CHECK_EXIT(r, 2);
    CHECK(one_line(r.err));
    CHECK(r.err.find("expected a decimal number") != std::string::npos);
  }
}

TEST_CASE("dump -o and pack keep the permission bits of the file they replace", "[cli]") {
  TempDir dir;
  pack((kSpecDir / "examples" / "full.json").string(), dir.file("s.bbsnap"));
  write_text(dir.file("s.json"), "private");
  const auto owner_only = fs::perms::owner_read | fs::perms::owner_write;
  fs::permissions(dir.file("s.json"), owner_only);
  fs::permissions(dir.file("s.bbsnap"), owner_only);
  CHECK_EXIT(run_bbsnap({"dump", dir.file("s.bbsnap"), "-o", dir.file("s.json")}), 0);
  pack(dir.file("s.json"), dir.file("s.bbsnap"));
  CHECK(fs::status(dir.file("s.json")).permissions() == owner_only);
  CHECK(fs::status(dir.file("s.bbsnap")).permissions() == owner_only);
  CHECK(read_text(dir.file("s.json")) == dump(dir.file("s.bbsnap")));
}

// A leftover named as the writer names its temporaries on this kernel,
// whose lock nobody holds: what a killed pack or dump -o would have left.
TEST_CASE("pack and dump -o remove what dead writers left beside their output, and nothing else", "[cli]") {
  TempDir dir;
  const std::string host = boot_id_hex();
  const std::string other_host(32, host[0] == 'a' ? 'b' : 'a');
  for (const std::string out : {"s.bbsnap", "s.json"}) {
    write_text(dir.file(temp_name_of(out, host, 1)), "dead writer's");
    write_text(dir.file(temp_name_of(out, host, 2, 7)), "dead writer's");
    write_text(dir.file(temp_name_of(out, other_host, 1)), "another machine's");
  }
  pack((kSpecDir / "examples" / "full.json").string(), dir.file("s.bbsnap"));
  CHECK_EXIT(run_bbsnap({"dump", dir.file("s.bbsnap"), "-o", dir.file("s.json")}), 0);
  CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap", temp_name_of("s.bbsnap", other_host, 1), "s.json",
                                                  temp_name_of("s.json", other_host, 1)});
  CHECK(read_text(dir.file("s.json")) == dump(dir.file("s.bbsnap")));
}

TEST_CASE("running out of memory is exit 2 with one line, not invalid data", "[cli]") {
  TempDir dir;
  // A valid 40 MB document, read under an address-space limit that leaves
  // room to start but not to hold the document and its parse (the tool's own
  // read or the library's parse runs out, depending on the machine).
  const json slot = {{"site", 1}, {"exec", 1}, {"value", std::string(40 << 20, 'a')}};
  write_text(dir.file("big.json"), json{{"slot_table", json::array({slot})}}.dump());
  const std::string limited = "ulimit -v 100000 && exec \"$0\" \"$@\"";
  if (run_program("/bin/sh", {"-c", limited, bbsnap_path(), "--version"}).exit_code != 0) {
    // A sanitizer build reserves terabytes of address space at start.
    WARN("skipped: bbsnap cannot start under a 100 MB address-space limit");
    return;
  }
  RunResult r =
      run_program("/bin/sh", {"-c", limited, bbsnap_path(), "pack", dir.file("big.json"), dir.file("out.bbsnap")});
  CHECK_EXIT(r, 2);
  CHECK(one_line(r.err));
  CHECK(r.err.find("out of memory") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("out.bbsnap")));
}

TEST_CASE("a reader that closes the pipe early is an I/O error: exit 2, not death by SIGPIPE", "[cli]") {
  TempDir dir;
  // A dump far larger than a pipe's buffer, so that writes go on after the
  // reader is gone.
  json doc = json::parse(read_text(kSpecDir / "examples" / "full.json"));
  doc["slot_table"][0]["value"] = std::string(4 << 20, 'a');
  pack("-", dir.file("big.bbsnap"), doc.dump());
  RunResult r = run_program("/bin/bash", {"-c", "\"$0\" dump \"$1\" | head -c 1 >/dev/null; echo ${PIPESTATUS[0]}",
                                          bbsnap_path(), dir.file("big.bbsnap")});
  CHECK_EXIT(r, 0);
  CHECK(r.out == "2\n");
  CHECK(one_line(r.err));
  CHECK(r.err.find("cannot write standard output") != std::string::npos);
}

TEST_CASE("info shows the header and every section with its entries", "[cli]") {
  TempDir dir;
  const std::string file = dir.file("full.bbsnap");
  pack(kSpecDir / "examples" / "full.json", file);
  const json info = info_json(file);
  CHECK(info["format_version"] == 2);
  CHECK(info["spec_version"] == 1);
  CHECK(info["file_size"] == fs::file_size(file));
  const std::map<std::string, int> entries = {
      {"slot_chunk[0]", 4}, {"slot_index", 1}, {"frontier", 4}, {"pending_async", 3}, {"execution_state", 2},
      {"framework", 15},    {"bus", 3},        {"ingress", 5},  {"wire_states", 3},   {"pending_completions", 2},
  };
  auto snapshot = bbsnap::Snapshot::open(file);
  REQUIRE_OK(snapshot);
  REQUIRE(info["sections"].size() == snapshot->sections().size());
  for (std::size_t i = 0; i < info["sections"].size(); ++i) {
    const json& s = info["sections"][i];
    const bbsnap::format::SectionEntry& e = snapshot->sections()[i];
    INFO(s.dump());
    CHECK(s["entries"] == entries.at(s["name"].get<std::string>()));
    CHECK(s["offset"] == e.offset);
    CHECK(s["length"] == e.length);
    CHECK(s["payload_length"] == e.payload_length);
    CHECK(s["kind_id"] == e.kind);
    char checksum[17];
    std::snprintf(checksum, sizeof checksum, "%016llx", static_cast<unsigned long long>(e.checksum));
    CHECK(s["checksum"] == checksum);
  }
  CHECK(info["sections"][5]["entries_detail"] ==
        json::parse(R"({"counters":4,"fired_phases":3,"address_book":2,"blocklist":1,"allowlist":0,)"
                    R"("health":2,"backoff_table":1,"pending_outbound":2})"));

  RunResult text = run_bbsnap({"info", file});
  CHECK_EXIT(text, 0);
  for (const auto& [name, count] : entries) CHECK(text.out.find(name) != std::string::npos);
  CHECK(text.out.find("file size       3344 bytes") != std::string::npos);
}

TEST_CASE("verify, dump, info and diff take --load map|read|auto; info shows the mode used", "[cli]") {
  TempDir dir;
  const std::string file = dir.file("full.bbsnap");
  pack(kSpecDir / "examples" / "full.json", file);
  const RunResult mapped_dump = run_bbsnap({"dump", "--load", "map", file});
  CHECK_EXIT(mapped_dump, 0);
  for (const char* mode : {"map", "read", "auto"}) {
    INFO(mode);
    CHECK_EXIT(run_bbsnap({"verify", "--load", mode, file}), 0);
    const RunResult dump = run_bbsnap({"dump", "--load", mode, file});
    CHECK_EXIT(dump, 0);
    CHECK(dump.out == mapped_dump.out);
    CHECK_EXIT(run_bbsnap({"diff", "--load", mode, file, file}), 0);
  }
  for (const std::string mode : {"map", "read"}) {
    const RunResult text = run_bbsnap({"info", "--load", mode, file});
    CHECK_EXIT(text, 0);
    CHECK(text.out.find("load            " + mode + "\n") != std::string::npos);
    const RunResult info = run_bbsnap({"info", "--json", "--load", mode, file});
    CHECK_EXIT(info, 0);
    CHECK(json::parse(info.out)["load"] == mode);
  }
  const RunResult bad = run_bbsnap({"verify", "--load", "mmap", file});
  CHECK_EXIT(bad, 2);
  CHECK(bad.err.find("--load") != std::string::npos);
}

TEST_CASE("info lists a damaged file's sections, names each damaged one, and exits 1", "[cli]") {
  TempDir dir;
  const std::string good = dir.file("good.bbsnap"), bad = dir.file("bad.bbsnap");
  pack(kSpecDir / "examples" / "full.json", good);
  const json clean = info_json(good);
  for (const json& s : clean["sections"]) {
    CHECK(s["check"] == "ok");
    CHECK_FALSE(s.contains("error"));
  }
  // A byte of a section: in its metadata, or byte 36 of its payload (in
  // slot_chunk[0], the padding after the 3-byte value at payload offset 0).
  auto offset_in = [&](const std::string& name, bool metadata) {
    for (const json& s : clean["sections"]) {
      if (s["name"] != name) continue;
      const auto payload = s["payload_length"].get<std::uint64_t>();
      return s["offset"].get<std::uint64_t>() + (metadata ? payload + 4 : 36);
    }
    FAIL("no section " << name);
    return std::uint64_t{0};
  };
  // The error `verify` gives a file, without its "bbsnap verify: PATH: " prefix.
  auto verify_error = [&](const std::vector<std::uint8_t>& bytes) {
    write_file(bad, bytes);
    RunResult r = run_bbsnap({"verify", bad});
    CHECK_EXIT(r, 1);
    return r.err.substr(("bbsnap verify: " + bad + ": ").size());
  };
  const auto bytes = read_file(good);

  SECTION("padding between slot values, which only a check of the values sees") {
    auto damaged = bytes;
    damaged[offset_in("slot_chunk[0]", false)] ^= 0x10;
    const std::string error = verify_error(damaged);
    RunResult text = run_bbsnap({"info", bad});
    CHECK_EXIT(text, 1);
    CHECK(text.err == "bbsnap info: " + bad + ": " + error);
    CHECK(text.out.find("slot_chunk[0]") != std::string::npos);
    CHECK(text.out.find(" damaged\n") != std::string::npos);
    RunResult r = run_bbsnap({"info", bad, "--json"});
    CHECK_EXIT(r, 1);
    const json info = json::parse(r.out);
    for (const json& s : info["sections"]) {
      INFO(s.dump());
      const bool is_damaged = s["name"] == "slot_chunk[0]";
      CHECK(s["check"] == (is_damaged ? "damaged" : "ok"));
      CHECK(s["entries"].is_null() == is_damaged);
      if (is_damaged) CHECK(s["error"].get<std::string>() + "\n" == error);
    }
  }
  SECTION("two sections' metadata, one of them the slot index") {
    auto damaged = bytes;
    damaged[offset_in("slot_index", true)] ^= 0x10;
    damaged[offset_in("ingress", true)] ^= 0x10;
    write_file(bad, damaged);
    RunResult r = run_bbsnap({"info", bad, "--json"});
    CHECK_EXIT(r, 1);
    const std::string prefix = "bbsnap info: " + bad + ": ";
    const std::string lines[2] = {r.err.substr(0, r.err.find('\n') + 1), r.err.substr(r.err.find('\n') + 1)};
    CHECK(lines[0].starts_with(prefix + "checksum_mismatch in section slot_index at offset "));
    CHECK(lines[1].starts_with(prefix + "checksum_mismatch in section ingress at offset "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 2);
    const std::map<std::string, std::string> expected = {
        {"slot_chunk[0]", "unchecked"}, {"slot_index", "damaged"}, {"ingress", "damaged"}};
    const json info = json::parse(r.out);
    for (const json& s : info["sections"]) {
      INFO(s.dump());
      auto it = expected.find(s["name"].get<std::string>());
      CHECK(s["check"] == (it == expected.end() ? "ok" : it->second));
      CHECK(s["entries"].is_null() == (it != expected.end()));
      // A chunk behind the damaged index shows the index's error.
      if (it != expected.end()) {
        CHECK(lines[s["name"] == "ingress" ? 1 : 0] == prefix + s["error"].get<std::string>() + "\n");
      }
    }
  }
  SECTION("the framework section, which holds spec_version: only the error") {
    auto damaged = bytes;
    damaged[offset_in("framework", true)] ^= 0x10;
    const std::string error = verify_error(damaged);
    RunResult r = run_bbsnap({"info", bad});
    CHECK_EXIT(r, 1);
    CHECK(r.out.empty());
    CHECK(r.err == "bbsnap info: " + bad + ": " + error);
  }
}

// ---------------------------------------------------------------- diff

namespace {

json diff_json(const std::string& a, const std::string& b, int expected_exit) {
  RunResult r = run_bbsnap({"diff", a, b, "--json"});
  CHECK_EXIT(r, expected_exit);
  CHECK(r.err.empty());
  return json::parse(r.out);
}

// (area, change, key) of each difference.
std::set<std::string> summary(const json& diff) {
  std::set<std::string> out;
  for (const json& d : diff["differences"]) {
    out.insert(d["area"].get<std::string>() + " " + d["change"].get<std::string>() + " " +
               d.value("key", json()).dump());
  }
  return out;
}

}  // namespace

TEST_CASE("diff of one changed slot and one changed counter reports exactly those", "[cli]") {
  TempDir dir;
  const std::string a = dir.file("a.bbsnap"), b = dir.file("b.bbsnap");
  json doc = json::parse(read_text(kSpecDir / "examples" / "full.json"));
  pack("-", a, doc.dump());
  doc["slot_table"][0]["value"] = "00ff11";  // (1, 1), same size
  doc["framework"]["counters"]["bytes_in"] = 123456790;
  pack("-", b, doc.dump());

  const json diff = diff_json(a, b, 1);
  CHECK(diff["equal"] == false);
  REQUIRE(diff["differences"].size() == 2);
  CHECK(diff["differences"][0] == json::parse(R"({"section":"slot_chunk[0]","area":"slot_table","change":"changed",
      "key":{"site":1,"exec":1},"old":3,"new":3,"note":"contents differ"})"));
  CHECK(diff["differences"][1] == json::parse(R"({"section":"framework","area":"framework.counters",
      "change":"changed","key":"bytes_in","old":123456789,"new":123456790})"));
  for (const json& s : diff["sections"]) {
    const bool changed = s["name"] == "slot_chunk[0]" || s["name"] == "framework";
    CHECK(s["status"] == (changed ? "differs" : "equal"));
  }

  RunResult text = run_bbsnap({"diff", a, b});
  CHECK_EXIT(text, 1);
  CHECK(text.out == "--- " + a + "\n+++ " + b +
                        "\n"
                        "sections: 2 differ (slot_chunk[0], framework), 8 equal\n"
                        "~ slot_table (site 1, exec 1): 3 bytes -> 3 bytes, contents differ\n"
                        "~ framework.counters[\"bytes_in\"]: 123456789 -> 123456790\n"
                        "2 differences\n");

  // No difference: exit 0, also for a file packed again.
  pack(kSpecDir / "examples" / "full.json", dir.file("again.bbsnap"));
  RunResult same = run_bbsnap({"diff", a, dir.file("again.bbsnap")});
  CHECK_EXIT(same, 0);
  CHECK(same.out.find("sections: 10 equal\nno difference in the state\n") != std::string::npos);
  CHECK(diff_json(a, a, 0)["differences"].empty());
}

TEST_CASE("diff refuses a damaged file on either side as verify does, even where its table entries are equal",
          "[cli]") {
  TempDir dir;
  const std::string good = dir.file("good.bbsnap"), bad = dir.file("bad.bbsnap");
  pack(kSpecDir / "examples" / "full.json", good);
  const json info = info_json(good);
  const json& chunk = info["sections"][0];
  REQUIRE(chunk["name"] == "slot_chunk[0]");
  const json& framework = info["sections"][5];
  REQUIRE(framework["name"] == "framework");
  // Damage that leaves every table entry as it is: a slot value, the padding
  // after it, a section's metadata.
  const std::vector<std::uint64_t> offsets = {
      chunk["offset"].get<std::uint64_t>() + 1,
      100,  // zero padding after the 3-byte value at 64
      framework["offset"].get<std::uint64_t>() + framework["length"].get<std::uint64_t>() / 2,
  };
  for (std::uint64_t offset : offsets) {
    INFO("byte " << offset << " flipped");
    auto bytes = read_file(good);
    bytes[offset] ^= 0x10;
    write_file(bad, bytes);
    RunResult verified = run_bbsnap({"verify", bad});
    CHECK_EXIT(verified, 1);
    const std::string prefix = "bbsnap verify: ";
    REQUIRE(verified.err.starts_with(prefix));
    const std::string error = verified.err.substr(prefix.size());  // "PATH: CODE in section S at offset O: ..."
    for (const auto& args : {std::vector<std::string>{"diff", good, bad}, {"diff", bad, good}, {"diff", bad, bad},
                             {"diff", good, bad, "--json"}}) {
      INFO("args: " << json(args).dump());
      RunResult r = run_bbsnap(args);
      CHECK_EXIT(r, 1);
      CHECK(r.out.empty());
      CHECK(r.err == "bbsnap diff: " + error);
    }
  }
}

TEST_CASE("files of format version 1 verify, dump and diff as the same state as version 2", "[cli]") {
  const fs::path golden = BBSNAP_GOLDEN_DIR;
  for (const char* name : {"full", "random"}) {
    INFO(name);
    const std::string v1 = golden / "v1" / (std::string(name) + ".bbsnap");
    const std::string v2 = golden / "v2" / (std::string(name) + ".bbsnap");
    RunResult verified = run_bbsnap({"verify", v1});
    CHECK_EXIT(verified, 0);
    CHECK(verified.out.find(": format 1, spec_version 1,") != std::string::npos);
    RunResult dumped = run_bbsnap({"dump", v1});
    CHECK_EXIT(dumped, 0);
    CHECK(dumped.out == read_text(golden / "v1" / (std::string(name) + ".json")));
    // Their value hashes differ (FORMAT.md §6.3): the values are compared
    // byte for byte, and are equal.
    RunResult diff = run_bbsnap({"diff", v1, v2});
    CHECK_EXIT(diff, 0);
    CHECK(diff.out.find("no difference in the state\n") != std::string::npos);
  }
}

TEST_CASE("diff reports slots, counters, peers, lists by position and scalars", "[cli]") {
  TempDir dir;
  const std::string a = dir.file("a.bbsnap"), b = dir.file("b.bbsnap");
  json doc = json::parse(read_text(kSpecDir / "examples" / "full.json"));
  pack("-", a, doc.dump());
  doc["slot_table"].push_back({{"site", 5}, {"exec", 5}, {"value", std::string(200, 'a')}});  // 100 bytes
  doc["slot_table"].erase(1);  // (1, 2) = null
  doc["slot_table"][1]["value"] = nullptr;  // (2, 0): "" -> null
  doc["framework"]["counters"].erase("");
  doc["framework"]["counters"]["peers.lost"] = 1;
  doc["framework"]["peer_governor"]["blocklist"].push_back("0004deadbeef");
  doc["framework"]["peer_governor"]["allowlist"] = nullptr;
  doc["framework"]["address_book"].erase(0);
  doc["framework"]["peer_governor"]["health"][1][1] = 1;
  doc["ingress"].erase(3);
  doc["pending_completions"][1]["cmd_id"] = 11;
  doc["framework"]["next_exec_id"] = 0;
  doc["wire_states"]["3"] = "0103";
  pack("-", b, doc.dump());

  const json diff = diff_json(a, b, 1);
  const std::set<std::string> expected = {
      R"(slot_table removed {"exec":2,"site":1})",
      R"(slot_table changed {"exec":0,"site":2})",
      R"(slot_table added {"exec":5,"site":5})",
      R"(framework.counters removed "")",
      R"(framework.counters added "peers.lost")",
      R"(framework.address_book removed "1220abababababababababababababababababababababababababababababababab")",
      R"(framework.peer_governor.blocklist added "0004deadbeef")",
      R"(framework.peer_governor.allowlist changed null)",
      R"(framework.peer_governor.health changed "0004deadbeef")",
      R"(framework.next_exec_id changed null)",
      R"(ingress removed 4)",
      R"(ingress changed 3)",
      R"(wire_states changed "3")",
      R"(pending_completions changed 1)",
  };
  CHECK(summary(diff) == expected);
  for (const json& d : diff["differences"]) {
    if (d["area"] == "slot_table" && d["change"] == "added") CHECK(d["new"] == 100);
    if (d["area"] == "slot_table" && d["change"] == "changed") CHECK((d["old"] == 0 && d["new"].is_null()));
    if (d["area"] == "framework.next_exec_id") CHECK((d["old"] == 18446744073709551615ULL && d["new"] == 0));
  }
  RunResult text = run_bbsnap({"diff", a, b});
  CHECK_EXIT(text, 1);
  CHECK(text.out.find("+ slot_table (site 5, exec 5): 100 bytes\n") != std::string::npos);
  CHECK(text.out.find("- slot_table (site 1, exec 2): null\n") != std::string::npos);
  CHECK(text.out.find("+ framework.peer_governor.blocklist peer 0004deadbeef\n") != std::string::npos);
  CHECK(text.out.find("~ framework.next_exec_id: 18446744073709551615 -> 0\n") != std::string::npos);
  CHECK(text.out.find("14 differences\n") != std::string::npos);
}

TEST_CASE("diff compares random states as their dumps do", "[cli]") {
  TempDir dir;
  const std::string a = dir.file("a.bbsnap"), b = dir.file("b.bbsnap");
  for (std::uint64_t seed = 1000; seed < 1012; ++seed) {
    INFO("seed " << seed);
    pack("-", a, bbsnap::json::to_json(random_state(seed)).value());
    pack("-", b, bbsnap::json::to_json(random_state(seed + 1)).value());
    const json diff = diff_json(a, b, dump(a) == dump(b) ? 0 : 1);
    const json self = diff_json(a, a, 0);
    CHECK(self["differences"].empty());
  }
}
