// The state document (shared/spec/STATE-JSON.md): the spec's examples, the
// rules of its "Further rules" section, and write/parse round trips.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <locale>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bbsnap/json.h"
#include "document_input.h"
#include "random_state.h"
#include "test_files.h"

using namespace std::string_literals;
using bbsnap::Bytes;
using bbsnap::ErrorCode;
using bbsnap::SlotKey;
using bbsnap::TransientSnapshot;
using bbsnap::json::parse_state;
using bbsnap::json::to_json;

namespace {

constexpr std::uint64_t kU64Max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint32_t kU32Max = std::numeric_limits<std::uint32_t>::max();

// The spec's copy in test/spec (see test/spec/README.md). The build says
// where; otherwise it is found from this file's path.
std::filesystem::path spec_dir() {
#ifdef BBSNAP_SPEC_DIR
  return BBSNAP_SPEC_DIR;
#else
  return std::filesystem::path(__FILE__).parent_path() / "spec";
#endif
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::filesystem::path> json_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TransientSnapshot parsed(std::string_view document) {
  auto result = parse_state(document);
  INFO("document: " << document);
  INFO("error: " << (result.ok() ? "" : result.error().message));
  REQUIRE(result.ok());
  return std::move(result).value();
}

// The message of a refused document.
std::string refusal(std::string_view document) {
  auto result = parse_state(document);
  INFO("document: " << document);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().code == ErrorCode::invalid_document);
  CHECK(result.error().section.empty());
  CHECK(result.error().message.find('\n') == std::string::npos);
  return result.error().message;
}

}  // namespace

TEST_CASE("every valid example parses and survives write then parse", "[json]") {
  const auto files = json_files(spec_dir() / "examples");
  REQUIRE(files.size() >= 3);
  for (const auto& file : files) {
    INFO(file);
    const TransientSnapshot state = parsed(read_text(file));
    CHECK(parsed(to_json(state).value()) == state);
  }
}

TEST_CASE("full.json is the canonical output for its own state", "[json]") {
  const std::string text = read_text(spec_dir() / "examples" / "full.json");
  const TransientSnapshot state = parsed(text);
  CHECK(state == bbsnap::testing::full_example_state());
  CHECK(to_json(state).value() == text);
}

TEST_CASE("full.json gives the exact model values", "[json]") {
  const TransientSnapshot state = parsed(read_text(spec_dir() / "examples" / "full.json"));

  REQUIRE(state.frontier.size() == 4);
  CHECK(state.frontier[0] == std::pair<std::uint64_t, std::uint64_t>{1, 2});
  CHECK(state.frontier[2] == std::pair{kU64Max, kU64Max});
  CHECK(state.frontier[3] == state.frontier[0]);  // a queue: repeats and order kept

  REQUIRE(state.slot_table.size() == 4);
  CHECK(state.slot_table.at(SlotKey{1, 1}) == Bytes{0x00, 0xff, 0x10});
  CHECK_FALSE(state.slot_table.at(SlotKey{1, 2}).has_value());  // allocated, empty
  CHECK(state.slot_table.at(SlotKey{2, 0}) == Bytes{});           // zero bytes
  CHECK(state.slot_table.at(SlotKey{kU64Max, kU64Max}) == Bytes{0xde, 0xad, 0xbe, 0xef});

  CHECK_FALSE(state.pending_async.at(7).deadline_ns.has_value());
  CHECK(state.pending_async.at(8).deadline_ns == std::optional<std::uint64_t>{0});
  CHECK(state.pending_async.at(kU64Max).op_ref == kU64Max);
  CHECK(state.execution_state.at(1).outputs_written == kU32Max);

  const bbsnap::Framework& framework = state.framework;
  CHECK(framework.counters.at("") == 0);
  CHECK(framework.counters.at("\xC3\xA9v\xC3\xA9nements") == kU64Max);
  CHECK(framework.fired_phases == std::vector<std::string>{"Start", "Resume", "Start"});
  REQUIRE(framework.peer_governor.allowlist.has_value());  // Some(empty): nobody allowed
  CHECK(framework.peer_governor.allowlist->empty());
  REQUIRE(framework.peer_governor.health.size() == 2);
  CHECK(framework.peer_governor.health[0].consecutive_failures == 3);
  CHECK(framework.peer_governor.health[0].last_event_ns == 1700000000000000000);
  CHECK(framework.peer_governor.health[0].down);
  CHECK(framework.pending_outbound[1].envelope_bytes.empty());
  CHECK(framework.pending_outbound[1].redelivered);
  CHECK(framework.next_exec_id == kU64Max);
  CHECK(framework.spec_version == 1);
  CHECK(state.bus.event_subscriptions.at("peer.up").empty());

  REQUIRE(state.ingress.size() == 5);
  CHECK(std::get<bbsnap::EnvelopeEvent>(state.ingress[0]).bytes ==
        Bytes{0x0a, 0x05, 'h', 'e', 'l', 'l', 'o'});
  const auto& invoke = std::get<bbsnap::InvokeEvent>(state.ingress[2]);
  CHECK(invoke.module_name == "m\xC3\xBCnchen");
  REQUIRE(invoke.inputs.size() == 3);
  CHECK(invoke.inputs[2] == bbsnap::NamedBytes{"b\"q", {0xff}});
  CHECK(std::get<bbsnap::TimerMaturedEvent>(state.ingress[3]).at_ns == 0);
  CHECK(std::get<bbsnap::CompletionEvent>(state.ingress[4]).results ==
        std::vector<Bytes>{{}, {0x00}, {0x01, 0x02}});

  CHECK(state.wire_states.at(kU32Max) == Bytes{0xff});
  REQUIRE(state.pending_completions.size() == 2);
  CHECK(state.pending_completions[0].results[1] == bbsnap::NamedBytes{"err", {}});
}

TEST_CASE("every invalid example is refused at its path", "[json]") {
  const std::map<std::string, std::string> expected = {
      {"bad-hex.json", R"($.wire_states["1"]: expected hex string, got a non-hex character at index 0)"},
      {"duplicate-key.json", R"($.wire_states["1"]: duplicate key)"},
      {"duplicate-slot.json", "$.slot_table[1]: duplicate slot (site 1, exec 1)"},
      {"float.json", "$.framework.next_exec_id: expected u64, got 1.5"},
      {"leading-zero-key.json", R"($.execution_state["07"]: expected a u64 key in canonical decimal)"},
      {"negative.json", "$.framework.next_command_id: expected u64, got -1"},
      {"not-json.json",
       "$.frontier: parse error at line 2, column 1: syntax error while parsing array - "
       "unexpected end of input; expected ']'"},
      {"odd-hex.json", R"($.wire_states["1"]: expected hex string, got odd length 3)"},
      {"top-level-array.json", "$: expected object, got array"},
      {"tuple-length.json", "$.frontier[0][2]: one item too many: the tuple has 2"},
      {"u32-overflow.json", R"($.execution_state["1"].outputs_written: expected u32, got 4294967296)"},
      {"u64-overflow.json", "$.frontier[0][0]: expected u64, got 18446744073709551616"},
      {"unknown-key.json", "$.framework.countrs: unknown key"},
      {"unknown-variant.json",
       "$.ingress[0].Timer: unknown ingress variant; expected Envelope, AppEvent, Invoke, "
       "TimerMatured, Completion"},
      {"wrong-type.json", "$.bus.event_subscriptions.x: expected array, got string"},
  };
  const auto files = json_files(spec_dir() / "examples" / "invalid");
  REQUIRE(files.size() == expected.size());
  for (const auto& file : files) {
    INFO(file);
    const auto found = expected.find(file.filename().string());
    REQUIRE(found != expected.end());  // a new example needs its expected message here
    CHECK(refusal(read_text(file)) == found->second);
  }
}

TEST_CASE("a syntax error carries its byte offset", "[json]") {
  const auto result = parse_state(read_text(spec_dir() / "examples" / "invalid" / "not-json.json"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().offset == 21);  // the end of the 21-byte file
  CHECK(parse_state("{\"frontier\": x}").error().offset == 13);
  CHECK(parse_state("{\"frontier\": [[1, 2]]}").ok());
  // Documents that are JSON but not a state have no offset.
  CHECK(parse_state("[]").error().offset == bbsnap::kNoOffset);
}

TEST_CASE("the message names the JSON path of the first problem", "[json]") {
  CHECK(refusal(R"({"framework": {"peer_governor": {"health": [["", 0, 0, false], ["", 0, 0, false],
      ["", 0, 0, false], ["", 4294967296, 0, false]]}}})") ==
        "$.framework.peer_governor.health[3][1]: expected u32, got 4294967296");
  // The first problem in document order wins over later ones.
  CHECK(refusal(R"({"frontier": [[1, -1]], "unknown": 1})") == "$.frontier[0][1]: expected u64, got -1");
  // Member names that are not identifiers are quoted.
  CHECK(refusal(R"({"framework": {"counters": {"peers.connected": "4"}}})") ==
        R"($.framework.counters["peers.connected"]: expected u64, got string)");
  CHECK(refusal(R"({"framework": {"counters": {"": true}}})") ==
        R"($.framework.counters[""]: expected u64, got true)");
  CHECK(refusal(R"({"framework": {"counters": {"a\"b": null}}})") ==
        R"($.framework.counters["a\"b"]: expected u64, got null)");
  CHECK(refusal(R"({"framework": {"counters": {"1a": 1.0}}})") ==
        R"($.framework.counters["1a"]: expected u64, got 1.0)");
  CHECK(refusal(R"({"bus": {"event_subscriptions": {"_tick9": [1, "2"]}}})") ==
        "$.bus.event_subscriptions._tick9[1]: expected u64, got string");
}

TEST_CASE("a long member name or number is quoted by its first 64 bytes and its length", "[json]") {
  const std::string name(1'000'000, 'k');
  CHECK(refusal(R"({"framework": {"counters": {")" + name + R"(": true}}})") ==
        R"($.framework.counters[")" + std::string(64, 'k') + R"("... (1000000 bytes)]: expected u64, got true)");
  // An identifier is shortened the same way (quoted, so that it reads as cut).
  CHECK(refusal(R"({"bus": {"event_subscriptions": {")" + name + R"(": [1, "2"]}}})") ==
        R"($.bus.event_subscriptions[")" + std::string(64, 'k') + R"("... (1000000 bytes)][1]: expected u64, got string)");
  const std::string number = "1" + std::string(999'999, '0') + ".5";
  CHECK(refusal(R"({"frontier": [[1, )" + number + "]]}") ==
        "$.frontier[0][1]: expected u64, got 1" + std::string(63, '0') + "... (1000002 bytes)");
  // The cut never splits a UTF-8 character: 63 ASCII bytes, then a 2-byte é.
  const std::string accented = std::string(63, 'a') + "\xc3\xa9" + std::string(100, 'b');
  CHECK(refusal(R"({"framework": {"counters": {")" + accented + R"(": true}}})") ==
        R"($.framework.counters[")" + std::string(63, 'a') + R"("... (165 bytes)]: expected u64, got true)");
  // Up to 64 bytes, names are quoted whole.
  CHECK(refusal(R"({"framework": {"counters": {")" + std::string(64, 'k') + R"(": true}}})") ==
        "$.framework.counters." + std::string(64, 'k') + ": expected u64, got true");
}

TEST_CASE("{} is the empty state, and missing keys take their defaults", "[json]") {
  const TransientSnapshot empty = parsed("{}");
  CHECK(empty == TransientSnapshot{});
  CHECK(empty.framework.spec_version == 1);
  CHECK_FALSE(empty.framework.peer_governor.allowlist.has_value());

  CHECK(parsed(R"({"framework": {}})").framework.spec_version == 1);
  CHECK(parsed(R"({"framework": {"spec_version": 0}})").framework.spec_version == 0);
  CHECK(parsed(R"({"framework": {"spec_version": 7}})").framework.spec_version == 7);

  const TransientSnapshot sparse = parsed(R"({"pending_async": {"3": {}}, "slot_table": [{}]})");
  CHECK(sparse.pending_async.at(3) == bbsnap::PendingAsync{});
  CHECK_FALSE(sparse.slot_table.at(SlotKey{0, 0}).has_value());
}

TEST_CASE("null is only an Option's value", "[json]") {
  CHECK(refusal(R"({"frontier": null})") == "$.frontier: expected array, got null");
  CHECK(refusal(R"({"framework": null})") == "$.framework: expected object, got null");
  CHECK(refusal(R"({"framework": {"next_command_id": null}})") ==
        "$.framework.next_command_id: expected u64, got null");
  CHECK(refusal(R"({"framework": {"peer_id_bytes": null}})") ==
        "$.framework.peer_id_bytes: expected hex string, got null");
  CHECK(refusal(R"({"framework": {"peer_governor": {"blocklist": null}}})") ==
        "$.framework.peer_governor.blocklist: expected array, got null");
  CHECK(refusal(R"({"framework": {"fired_phases": [null]}})") ==
        "$.framework.fired_phases[0]: expected string, got null");
  CHECK(refusal(R"({"ingress": [null]})") == "$.ingress[0]: expected object, got null");
  CHECK(refusal(R"({"ingress": [{"Envelope": null}]})") ==
        "$.ingress[0].Envelope: expected hex string, got null");
  CHECK(refusal(R"({"wire_states": {"1": null}})") == R"($.wire_states["1"]: expected hex string, got null)");
  CHECK(refusal("null") == "$: expected object, got null");
}

TEST_CASE("None and an empty value are different and both survive a round trip", "[json]") {
  const TransientSnapshot state = parsed(R"({
    "slot_table": [{"site": 1, "exec": 1, "value": null}, {"site": 1, "exec": 2, "value": ""},
                   {"site": 1, "exec": 3}],
    "pending_async": {"1": {"deadline_ns": null}, "2": {"deadline_ns": 0}, "3": {}},
    "framework": {"peer_governor": {"allowlist": null}}})");
  CHECK_FALSE(state.slot_table.at(SlotKey{1, 1}).has_value());
  CHECK(state.slot_table.at(SlotKey{1, 2}) == Bytes{});
  CHECK_FALSE(state.slot_table.at(SlotKey{1, 3}).has_value());
  CHECK_FALSE(state.pending_async.at(1).deadline_ns.has_value());
  CHECK(state.pending_async.at(2).deadline_ns == std::optional<std::uint64_t>{0});
  CHECK_FALSE(state.pending_async.at(3).deadline_ns.has_value());
  CHECK_FALSE(state.framework.peer_governor.allowlist.has_value());
  CHECK(parsed(to_json(state).value()) == state);

  const TransientSnapshot closed = parsed(R"({"framework": {"peer_governor": {"allowlist": []}}})");
  CHECK(closed.framework.peer_governor.allowlist == std::vector<Bytes>{});
  CHECK(parsed(to_json(closed).value()) == closed);
}

TEST_CASE("slot_table: a (site, exec) pair appears once; output is sorted", "[json]") {
  CHECK(refusal(R"({"slot_table": [{"site": 1, "exec": 2}, {"site": 2, "exec": 1},
      {"exec": 2, "value": "", "site": 1}]})") == "$.slot_table[2]: duplicate slot (site 1, exec 2)");
  CHECK(refusal(R"({"slot_table": [{"site": 1, "site": 2}]})") == "$.slot_table[0].site: duplicate key");
  CHECK(refusal(R"({"slot_table": [{"val": null}]})") == "$.slot_table[0].val: unknown key");
  CHECK(refusal(R"({"slot_table": [1]})") == "$.slot_table[0]: expected object, got 1");
  CHECK(refusal(R"({"slot_table": [[1, 2]]})") == "$.slot_table[0]: expected object, got array");
  CHECK(refusal(R"({"slot_table": {}})") == "$.slot_table: expected array, got object");

  const TransientSnapshot state = parsed(R"({"slot_table": [{"site": 2, "exec": 0, "value": "01"},
      {"site": 1, "exec": 9, "value": null}, {"site": 1, "exec": 3, "value": ""}]})");
  const std::string json = to_json(state).value();
  CHECK(json.find("\"exec\": 3") < json.find("\"exec\": 9"));
  CHECK(json.find("\"exec\": 9") < json.find("\"exec\": 0"));
}

TEST_CASE("escapes are decoded before any other rule", "[json]") {
  CHECK(refusal(R"({"wire_states": {"1": "00", "\u0031": "01"}})") == R"($.wire_states["1"]: duplicate key)");
  CHECK(refusal(R"({"framework": {"counters": {"a": 1, "\u0061": 2}}})") ==
        "$.framework.counters.a: duplicate key");
  CHECK(refusal(R"({"frontier": [], "fr\u006fntier": []})") == "$.frontier: duplicate key");
  CHECK(parsed(R"({"fr\u006fntier": [[1, 2]]})").frontier ==
        std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1, 2}});
  CHECK(parsed(R"({"ingress": [{"\u0045nvelope": "ab"}]})").ingress.size() == 1);
}

TEST_CASE("strings are kept exactly as decoded", "[json]") {
  const TransientSnapshot state = parsed(
      "{\"framework\": {\"fired_phases\": [\"a\\u0000b\", \"\\ufeff\", \"\xEF\xBB\xBFx\", "
      "\"\\ud83d\\ude00\", \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u001f\\u007f\"],"
      " \"counters\": {\"\\u00e9\": 1, \"e\\u0301\": 2, \"\\u0000\": 3}}}");
  CHECK(state.framework.fired_phases ==
        std::vector<std::string>{"a\0b"s, "\xEF\xBB\xBF", "\xEF\xBB\xBFx", "\xF0\x9F\x98\x80",
                                 "\"\\/\b\f\n\r\t\x1f\x7f"});
  // No Unicode normalisation: precomposed and decomposed are two keys.
  CHECK(state.framework.counters.size() == 3);
  CHECK(state.framework.counters.at("\0"s) == 3);
  CHECK(parsed(to_json(state).value()) == state);
}

TEST_CASE("invalid UTF-8, lone surrogates and raw control characters are refused", "[json]") {
  const std::vector<std::string> bad_strings = {
      "\xff",          "\xc3",         "\xc0\xaf",        "\xed\xa0\x80",  // truncated, overlong, UTF-16 surrogate
      "\xf4\x90\x80\x80",                                                  // beyond U+10FFFF
      "\\ud800",       "\\udc00",      "\\ud800\\u0041",  "\\ud800x",
      "a\tb",          "a\nb",         "\x1f",            "a\0b"s,
  };
  for (const std::string& bad : bad_strings) {
    const std::string document = "{\"framework\": {\"fired_phases\": [\"ok\", \"" + bad + "\"]}}";
    const std::string message = refusal(document);
    CHECK(message.starts_with("$.framework.fired_phases: parse error at line "));
    // The offending bytes are not echoed back: the message stays valid UTF-8.
    CHECK(std::none_of(message.begin(), message.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
  }
  CHECK(refusal("{\"framework\": {\"counters\": {\"\xff\": 1}}}").starts_with("$.framework.counters: parse error"));
}

TEST_CASE("numeric map keys are canonical decimal", "[json]") {
  for (const std::string key : {" 1", "1 ", "+1", "-1", "1_0", "00", "01", "", "0x1", "1e3", "1.0",
                                "\xd9\xa1" /* ARABIC-INDIC DIGIT ONE */, "18446744073709551616",
                                "99999999999999999999999"}) {
    INFO("key: " << key);
    const std::string message = refusal("{\"execution_state\": {\"" + key + "\": {}}}");
    CHECK(message.starts_with("$.execution_state[\""));
    CHECK(message.ends_with("\"]: expected a u64 key in canonical decimal"));
  }
  CHECK(refusal(R"({"wire_states": {"4294967296": ""}})") ==
        R"($.wire_states["4294967296"]: expected a u32 key in canonical decimal)");

  const TransientSnapshot state = parsed(R"({"wire_states": {"4294967295": "", "0": "", "10": ""},
      "execution_state": {"18446744073709551615": {}, "0": {}, "9": {}}})");
  CHECK(state.wire_states.size() == 3);
  CHECK(state.wire_states.contains(kU32Max));
  CHECK(state.execution_state.contains(kU64Max));
  // Numeric order, not text order.
  const std::string json = to_json(state).value();
  CHECK(json.find("\"9\"") < json.find("\"18446744073709551615\""));
}

TEST_CASE("numbers are exact non-negative integers in range", "[json]") {
  const auto next_command_id = [](const std::string& number) {
    return refusal("{\"framework\": {\"next_command_id\": " + number + "}}");
  };
  const std::string path = "$.framework.next_command_id: expected u64, got ";
  for (const char* number : {"1.0", "1e2", "1E+2", "0e0", "-0", "-1", "-9223372036854775808",
                             "-9223372036854775809", "18446744073709551616", "1e400", "-1e400",
                             "123456789012345678901234567890"}) {
    CHECK(next_command_id(number) == path + number);
  }
  CHECK(next_command_id("true") == path + "true");
  CHECK(next_command_id("\"1\"") == path + "string");
  CHECK(next_command_id("{}") == path + "object");
  CHECK(next_command_id("[]") == path + "array");
  CHECK(next_command_id("01").starts_with("$.framework: parse error"));
  CHECK(next_command_id("+1").starts_with("$.framework: parse error"));

  CHECK(parsed(R"({"framework": {"next_command_id": 18446744073709551615}})").framework.next_command_id ==
        kU64Max);
  CHECK(parsed(R"({"framework": {"peer_governor": {"failure_threshold": 4294967295}, "spec_version": 4294967295}})")
            .framework.spec_version == kU32Max);
  CHECK(refusal(R"({"framework": {"spec_version": 4294967296}})") ==
        "$.framework.spec_version: expected u32, got 4294967296");
  CHECK(refusal(R"({"framework": {"pending_outbound": [{"redelivered": 1}]}})") ==
        "$.framework.pending_outbound[0].redelivered: expected bool, got 1");
}

TEST_CASE("hex strings: even length, either case in, lowercase out", "[json]") {
  const TransientSnapshot state = parsed(R"({"wire_states": {"1": "DEADbeef", "2": ""}})");
  CHECK(state.wire_states.at(1) == Bytes{0xde, 0xad, 0xbe, 0xef});
  CHECK(state.wire_states.at(2).empty());
  CHECK(to_json(state).value().find("\"deadbeef\"") != std::string::npos);

  CHECK(refusal(R"({"wire_states": {"1": "0g"}})") ==
        R"($.wire_states["1"]: expected hex string, got a non-hex character at index 1)");
  CHECK(refusal(R"({"wire_states": {"1": "a"}})") == R"($.wire_states["1"]: expected hex string, got odd length 1)");
  CHECK(refusal(R"({"wire_states": {"1": " 0"}})") ==
        R"($.wire_states["1"]: expected hex string, got a non-hex character at index 0)");
  CHECK(refusal("{\"wire_states\": {\"1\": \"\xc3\xa9\"}}") ==
        R"($.wire_states["1"]: expected hex string, got a non-hex character at index 0)");
  CHECK(refusal(R"({"wire_states": {"1": [1]}})") == R"($.wire_states["1"]: expected hex string, got array)");
}

TEST_CASE("tuples have exactly their items", "[json]") {
  CHECK(refusal(R"({"frontier": [[1]]})") == "$.frontier[0]: expected 2 items, got 1");
  CHECK(refusal(R"({"frontier": [[1, 2], []]})") == "$.frontier[1]: expected 2 items, got 0");
  CHECK(refusal(R"({"frontier": [{}]})") == "$.frontier[0]: expected array, got object");
  CHECK(refusal(R"({"framework": {"peer_governor": {"health": [["", 0, 0]]}}})") ==
        "$.framework.peer_governor.health[0]: expected 4 items, got 3");
  CHECK(refusal(R"({"framework": {"peer_governor": {"health": [["", 0, 0, false, 1]]}}})") ==
        "$.framework.peer_governor.health[0][4]: one item too many: the tuple has 4");
  CHECK(refusal(R"({"framework": {"peer_governor": {"health": [[0, 0, 0, false]]}}})") ==
        "$.framework.peer_governor.health[0][0]: expected hex string, got 0");
  CHECK(refusal(R"({"pending_completions": [{"results": [["a"]]}]})") ==
        "$.pending_completions[0].results[0]: expected 2 items, got 1");
}

TEST_CASE("an ingress event has exactly one of the five variant names", "[json]") {
  const std::string variants = "Envelope, AppEvent, Invoke, TimerMatured, Completion";
  CHECK(refusal(R"({"ingress": [{}]})") == "$.ingress[0]: expected one member naming the variant: " + variants);
  CHECK(refusal(R"({"ingress": [{"TimerMatured": {}, "Completion": {}}]})") ==
        "$.ingress[0].Completion: a second variant: an ingress event has exactly one member");
  CHECK(refusal(R"({"ingress": [{"Envelope": "", "Envelope": ""}]})") == "$.ingress[0].Envelope: duplicate key");
  CHECK(refusal(R"({"ingress": [{"envelope": ""}]})") ==
        "$.ingress[0].envelope: unknown ingress variant; expected " + variants);
  CHECK(refusal(R"({"ingress": [{"Envelope": {}}]})") == "$.ingress[0].Envelope: expected hex string, got object");
  CHECK(refusal(R"({"ingress": [{"TimerMatured": 5}]})") == "$.ingress[0].TimerMatured: expected object, got 5");
  CHECK(refusal(R"({"ingress": [{"AppEvent": {"module": ""}}]})") == "$.ingress[0].AppEvent.module: unknown key");
  CHECK(refusal(R"({"ingress": [{"Invoke": {"inputs": [["a", "0"]]}}]})") ==
        "$.ingress[0].Invoke.inputs[0][1]: expected hex string, got odd length 1");
  CHECK(refusal(R"({"ingress": [["Envelope", ""]]})") == "$.ingress[0]: expected object, got array");

  const TransientSnapshot state = parsed(R"({"ingress": [{"TimerMatured": {}}, {"Completion": {"cmd_id": 3}},
      {"AppEvent": {}}, {"Invoke": {"module_name": "m"}}, {"Envelope": ""}]})");
  REQUIRE(state.ingress.size() == 5);
  CHECK(std::holds_alternative<bbsnap::TimerMaturedEvent>(state.ingress[0]));
  CHECK(std::get<bbsnap::CompletionEvent>(state.ingress[1]).cmd_id == 3);
  CHECK(std::holds_alternative<bbsnap::AppEvent>(state.ingress[2]));
  CHECK(std::get<bbsnap::InvokeEvent>(state.ingress[3]).module_name == "m");
  CHECK(std::holds_alternative<bbsnap::EnvelopeEvent>(state.ingress[4]));
  CHECK(parsed(to_json(state).value()) == state);
}

TEST_CASE("nesting deeper than the shape is refused at once, at any depth", "[json]") {
  const std::size_t depth = 100000;
  std::string open_arrays(depth, '[');
  CHECK(refusal(open_arrays) == "$: expected object, got array");
  CHECK(refusal("{\"frontier\": " + open_arrays) == "$.frontier[0][0]: expected u64, got array");
  CHECK(refusal("{\"frontier\": " + open_arrays + std::string(depth, ']') + "}") ==
        "$.frontier[0][0]: expected u64, got array");
  CHECK(refusal("{\"ingress\": [{\"Invoke\": {\"inputs\": [[\"a\", " + open_arrays) ==
        "$.ingress[0].Invoke.inputs[0][1]: expected hex string, got array");
  CHECK(refusal("{\"unknown\": " + open_arrays) == "$.unknown: unknown key");

  std::string open_objects;
  for (std::size_t i = 0; i < depth; ++i) open_objects += "{\"a\": ";
  CHECK(refusal(open_objects) == "$.a: unknown key");
  CHECK(refusal("{\"framework\": {\"counters\": " + open_objects) ==
        "$.framework.counters.a: expected u64, got object");
  CHECK(refusal("{\"bus\": {\"event_subscriptions\": " + open_objects) ==
        "$.bus.event_subscriptions.a: expected array, got object");
}

TEST_CASE("nothing but white space may follow the document", "[json]") {
  CHECK(parsed(" \t\r\n{}\n \t\r").framework.spec_version == 1);
  for (const std::string& document : {"{} x"s, "{}{}"s, "{}]"s, "{},"s, "{} null"s, "{}\0"s, "{}\n\0{}"s,
                                      "{} // comment"s, "{} /* comment */"s}) {
    INFO("document: " << document);
    CHECK(refusal(document).starts_with("$: "));
  }
  const auto result = parse_state("{} \0 junk"s);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message == "$: NUL byte after the document");
  CHECK(result.error().offset == 3);
  CHECK(parse_state("{} x").error().offset == 3);
}

TEST_CASE("documents that are not a JSON object are refused", "[json]") {
  for (const std::string& document : {""s, " "s, "{"s, "}"s, "{,}"s, "{\"frontier\"}"s, "/* c */ {}"s,
                                      "\xEF\xBB\xBF{}"s, "{\"frontier\": [1,]}"s, "{'frontier': []}"s}) {
    INFO("document: " << document);
    CHECK(refusal(document).starts_with("$"));
  }
  CHECK(refusal("\xEF\xBB\xBF{}") == "$: byte order mark before the document");
  CHECK(refusal("1") == "$: expected object, got 1");
  CHECK(refusal("\"{}\"") == "$: expected object, got string");
}

TEST_CASE("the Emitter lays out canonical JSON", "[json]") {
  std::ostringstream out;
  bbsnap::json::Emitter emitter(out);
  emitter.begin_object();
  emitter.key("a \"key\"");
  emitter.begin_array();
  emitter.value_u64(kU64Max);
  emitter.value_u32(0);
  emitter.value_bool(true);
  emitter.value_null();
  emitter.value_string("tab\t nul\0 \xC3\xA9 \x7f"s);
  emitter.begin_object();
  emitter.end_object();
  emitter.begin_array();
  emitter.end_array();
  const std::vector<std::uint8_t> bytes = {0x00, 0xAB, 0x10};
  emitter.value_hex(bytes);
  emitter.end_array();
  emitter.key("b");
  emitter.value_hex({});
  emitter.end_object();
  CHECK(out.str() ==
        "{\n"
        "  \"a \\\"key\\\"\": [\n"
        "    18446744073709551615,\n"
        "    0,\n"
        "    true,\n"
        "    null,\n"
        "    \"tab\\t nul\\u0000 \xC3\xA9 \x7f\",\n"
        "    {},\n"
        "    [],\n"
        "    \"00ab10\"\n"
        "  ],\n"
        "  \"b\": \"\"\n"
        "}\n");
}

TEST_CASE("the Emitter escapes exactly what the canonical form escapes, in names and strings", "[json]") {
  const auto canonical = [](unsigned char c) -> std::string {
    switch (c) {
      case '"': return "\\\"";
      case '\\': return "\\\\";
      case '\b': return "\\b";
      case '\f': return "\\f";
      case '\n': return "\\n";
      case '\r': return "\\r";
      case '\t': return "\\t";
    }
    if (c >= 0x20) return std::string(1, static_cast<char>(c));
    static constexpr char kDigits[] = "0123456789abcdef";
    return std::string("\\u00") + kDigits[c >> 4] + kDigits[c & 15];
  };
  for (int c = 0; c < 0x80; ++c) {
    const std::string text = "a" + std::string(1, static_cast<char>(c)) + "b";
    const std::string quoted = "\"a" + canonical(static_cast<unsigned char>(c)) + "b\"";
    std::ostringstream out;
    bbsnap::json::Emitter emitter(out);
    emitter.begin_object();
    emitter.key(text);
    emitter.value_string(text);
    emitter.end_object();
    INFO("character " << c);
    CHECK(out.str() == "{\n  " + quoted + ": " + quoted + "\n}\n");
  }
}

TEST_CASE("the Emitter writes long byte strings in chunks", "[json]") {
  std::vector<std::uint8_t> bytes(100003);
  std::string hex = "\"";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<std::uint8_t>(i * 7);
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[bytes[i] >> 4];
    hex += kDigits[bytes[i] & 15];
  }
  hex += "\"\n";
  std::ostringstream out;
  bbsnap::json::Emitter(out).value_hex(bytes);
  CHECK(out.str() == hex);
}

TEST_CASE("the Emitter nests 64 containers deep; a 65th sets the stream's badbit", "[json]") {
  for (int depth : {64, 65}) {
    std::ostringstream out;
    bbsnap::json::Emitter emitter(out);
    for (int i = 0; i < depth; ++i) emitter.begin_array();
    for (int i = 0; i < depth; ++i) emitter.end_array();
    INFO("depth " << depth);
    CHECK(out.bad() == (depth == 65));
    if (depth == 64) {
      // The innermost is empty, every other holds one element.
      std::string expected;
      for (int i = 0; i < 63; ++i) expected += "[\n" + std::string(2 * (i + 1), ' ');
      expected += "[]";
      for (int i = 62; i >= 0; --i) expected += "\n" + std::string(2 * i, ' ') + "]";
      CHECK(out.str() == expected + "\n");
    }
  }
}

namespace {
// A locale that groups digits by thousands, as some user locales do.
struct Grouping : std::numpunct<char> {
  char do_thousands_sep() const override { return ','; }
  std::string do_grouping() const override { return "\3"; }
};
}  // namespace

TEST_CASE("numbers are written without the stream's locale", "[json]") {
  TransientSnapshot state;
  state.framework.next_command_id = 1234567;
  state.wire_states[4000000] = {};
  std::ostringstream out;
  out.imbue(std::locale(out.getloc(), new Grouping));
  bbsnap::json::write_state(state, out);
  CHECK(out.str().find("1234567") != std::string::npos);
  CHECK(parsed(out.str()) == state);
}

TEST_CASE("random states survive write then parse, and the output is canonical", "[json]") {
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    INFO("seed " << seed);
    const TransientSnapshot state = bbsnap::testing::random_state(seed);
    const std::string json = to_json(state).value();
    const TransientSnapshot back = parsed(json);
    CHECK(back == state);
    CHECK(to_json(back).value() == json);
  }
}

// ---------------------------------------------------------------- read_state: files, pipes, devices

namespace {

using bbsnap::testing::borderline_documents;
using bbsnap::testing::outcome;
using bbsnap::testing::read_state_from_file;
using bbsnap::testing::read_state_from_pipe;

std::filesystem::path fuzz_corpus_dir() {
#ifdef BBSNAP_FUZZ_JSON_CORPUS
  return BBSNAP_FUZZ_JSON_CORPUS;
#else
  return std::filesystem::path(__FILE__).parent_path().parent_path() / "fuzz" / "corpus" / "fuzz_json";
#endif
}

std::vector<std::filesystem::path> all_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A document of `count` slots of `bytes` bytes each: many of the 64 KiB
// pieces a pipe is read in, and several of the fast reader's release steps.
std::string many_slots(std::size_t count, std::size_t bytes) {
  TransientSnapshot state = bbsnap::testing::full_example_state();
  for (std::size_t i = 0; i < count; ++i) {
    state.slot_table[SlotKey{7, i}] = Bytes(bytes, static_cast<std::uint8_t>(i * 31));
  }
  return to_json(state).value();
}

void check_readers_agree(const std::string& text) {
  INFO("document: " << text.substr(0, 300));
  const auto in_memory = parse_state(text);
  const auto from_file = read_state_from_file(text);
  const auto from_pipe = read_state_from_pipe(text);
  CHECK(outcome(from_file) == outcome(in_memory));
  CHECK(outcome(from_pipe) == outcome(in_memory));
  if (in_memory && from_file && from_pipe) {
    CHECK(*from_file == *in_memory);
    CHECK(*from_pipe == *in_memory);
  }
}

// The bytes of /dev/zero and the like, or of a pipe that never ends.
bbsnap::Result<TransientSnapshot> read_device(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  auto result = bbsnap::json::read_state(fd);
  ::close(fd);
  return result;
}

bbsnap::Result<TransientSnapshot> read_endless_pipe(const std::string& prefix, const std::string& repeated,
                                                    const bbsnap::json::ReadOptions& options = {}) {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  std::thread writer([&] {
    std::string_view next = prefix.empty() ? std::string_view(repeated) : prefix;
    for (;;) {  // until the reader closes its end
      const ssize_t n = ::write(fds[1], next.data(), next.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      next.remove_prefix(static_cast<std::size_t>(n));
      if (next.empty()) next = repeated;
    }
    ::close(fds[1]);
  });
  auto result = bbsnap::json::read_state(fds[0], options);
  ::close(fds[0]);
  writer.join();
  return result;
}

}  // namespace

TEST_CASE("a regular file, a pipe and memory give the same state or the same refusal", "[json][read_state]") {
  std::vector<std::filesystem::path> files = json_files(spec_dir() / "examples");
  for (const auto& dir : {spec_dir() / "examples" / "invalid", fuzz_corpus_dir()}) {
    const auto more = all_files(dir);
    files.insert(files.end(), more.begin(), more.end());
  }
  REQUIRE(files.size() >= 40);
  for (const auto& file : files) {
    INFO(file);
    check_readers_agree(read_text(file));
  }
  for (const std::string& document : borderline_documents()) check_readers_agree(document);
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    INFO("seed " << seed);
    check_readers_agree(to_json(bbsnap::testing::random_state(seed)).value());
  }
  check_readers_agree(many_slots(3000, 4096));
}

TEST_CASE("a document longer than the limit is refused at the limit", "[json][read_state]") {
  const std::string document = "{}" + std::string(100, ' ');
  for (const auto& read : {read_state_from_file, read_state_from_pipe}) {
    CHECK(read(document, {.max_bytes = 102}).ok());
    const auto refused = read(document, {.max_bytes = 101});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::limit_exceeded);
    CHECK(refused.error().offset == 101);
    CHECK(refused.error().message == "the document is longer than the limit of 101 bytes");
  }
  // From a pipe, a problem before the limit is reported as such; a regular
  // file longer than the limit is refused before it is read.
  const std::string invalid = "x" + std::string(100, ' ');
  CHECK(read_state_from_pipe(invalid, {.max_bytes = 50}).error().code == ErrorCode::invalid_document);
  CHECK(read_state_from_file(invalid, {.max_bytes = 50}).error().code == ErrorCode::limit_exceeded);

  // A valid beginning that never ends.
  const auto endless = read_endless_pipe("{\"frontier\": ", "  \n", {.max_bytes = 1 << 20});
  REQUIRE_FALSE(endless.ok());
  CHECK(endless.error().code == ErrorCode::limit_exceeded);
  CHECK(endless.error().offset == 1 << 20);
}

TEST_CASE("an endless or garbage input is refused at its first invalid byte", "[json][read_state]") {
  const auto zeros = read_device("/dev/zero");
  REQUIRE_FALSE(zeros.ok());
  CHECK(zeros.error().code == ErrorCode::invalid_document);
  CHECK(zeros.error().offset == 0);
  CHECK(zeros.error().message ==
        "$: parse error at line 1, column 1: syntax error while parsing value - unexpected end of input; "
        "expected '[', '{', or a literal");

  const auto noise = read_device("/dev/urandom");
  REQUIRE_FALSE(noise.ok());
  CHECK(noise.error().code == ErrorCode::invalid_document);

  const auto repeated = read_endless_pipe("", "{\"frontier\":[");
  REQUIRE_FALSE(repeated.ok());
  CHECK(repeated.error().message == "$.frontier[0]: expected array, got object");
}

TEST_CASE("read_state reports what the system refuses as io", "[json][read_state]") {
  const int directory = ::open(spec_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(directory >= 0);
  const auto from_directory = bbsnap::json::read_state(directory);
  ::close(directory);
  REQUIRE_FALSE(from_directory.ok());
  CHECK(from_directory.error().code == ErrorCode::io);
  CHECK(from_directory.error().message == "Is a directory");

  const auto closed = bbsnap::json::read_state(-1);
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.error().code == ErrorCode::io);
  CHECK(closed.error().message == "Bad file descriptor");
}

TEST_CASE("read_state reads a regular file from its current offset", "[json][read_state]") {
  bbsnap::testing::TempDir dir;
  const std::string path = dir.file("state.json");
  {
    std::ofstream out(path, std::ios::binary);
    out << "not a document\n{\"frontier\": [[1, 2]]}";
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::lseek(fd, 15, SEEK_SET) == 15);
  const auto state = bbsnap::json::read_state(fd);
  ::close(fd);
  REQUIRE(state.ok());
  CHECK(state->frontier == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{1, 2}});
}
