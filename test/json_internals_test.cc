// The internals of the state document (lib/src/json): the fast reader
// accepts only what the reference reader accepts, as the same state, and it
// does accept a valid document (else every document would take the slow
// way); and the hex codec, against a plain byte-by-byte rendering.
#include <catch2/catch.hpp>

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <span>
#include <string>
#include <vector>

#include "bbsnap/json.h"
#include "document_input.h"
#include "json/byte_source.h"
#include "json/fast_reader.h"
#include "json/hex.h"
#include "json/reference_reader.h"
#include "random_state.h"

using namespace std::string_literals;
using bbsnap::Result;
using bbsnap::TransientSnapshot;
namespace json = bbsnap::json;

namespace {

// The document with simdjson's padding after it, as the fast reader needs.
std::optional<TransientSnapshot> fast(const std::string& text) {
  std::string padded = text + std::string(simdjson::SIMDJSON_PADDING, '\0');
  return json::read_fast(std::string_view(padded.data(), text.size()));
}

Result<TransientSnapshot> reference(const std::string& text) {
  json::ByteSource source(text);
  return json::read_reference(source);
}

// A random state's document with each escape sequence replaced by one
// letter: every kind of value, with no escape for the fast reader to give
// way on (a name may now appear twice, which both must refuse).
std::string unescaped_document(std::uint64_t seed) {
  const std::string text = json::to_json(bbsnap::testing::random_state(seed)).value();
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    i += text[i + 1] == 'u' ? 5 : 1;
    out += 'x';
  }
  return out;
}

}  // namespace

TEST_CASE("what the fast reader accepts, the reference reader accepts as the same state", "[json_readers]") {
  std::vector<std::string> documents = bbsnap::testing::borderline_documents();
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    documents.push_back(json::to_json(bbsnap::testing::random_state(seed)).value());
    documents.push_back(unescaped_document(seed));
  }
  std::size_t accepted = 0;
  for (const std::string& text : documents) {
    INFO("document: " << text.substr(0, 300));
    const auto by_fast = fast(text);
    const auto by_reference = reference(text);
    if (!by_fast) continue;
    ++accepted;
    REQUIRE(by_reference.ok());
    CHECK(*by_fast == *by_reference);
  }
  CHECK(accepted >= 50);
}

TEST_CASE("without escapes, the fast reader accepts what the reference reader accepts", "[json_readers]") {
  std::size_t valid = 0;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    const std::string text = unescaped_document(seed);
    INFO("seed " << seed << ": " << text.substr(0, 300));
    const bool accepted = reference(text).ok();
    valid += accepted;
    CHECK(fast(text).has_value() == accepted);
  }
  CHECK(valid >= 250);
  CHECK(fast(R"({"wire_states": {"1": "DEADbeef"}, "frontier": [[1, 2]], "slot_table": [{"value": null}]})"));
}

TEST_CASE("the fast reader gives way on escapes, a byte order mark and anything refused", "[json_readers]") {
  CHECK_FALSE(fast(R"({"fr\u006fntier": []})"));
  CHECK_FALSE(fast(R"({"framework": {"fired_phases": ["a\nb"]}})"));
  CHECK_FALSE(fast(R"({"wire_states": {"1": "\u0030\u0030"}})"));
  CHECK_FALSE(fast("\xEF\xBB\xBF{}"));
  CHECK_FALSE(fast("{} x"));
  CHECK_FALSE(fast("{}\0"s));
  CHECK_FALSE(fast(R"({"frontier": [[1, 2, 3]]})"));
  CHECK_FALSE(fast(R"({"wire_states": {"1": "abc"}})"));
  // ... which the reference reader then accepts or refuses for itself.
  CHECK(reference(R"({"wire_states": {"1": "\u0030\u0030"}})").ok());
}

TEST_CASE("hex: every byte both ways, at every length and alignment", "[json_readers]") {
  std::vector<std::uint8_t> bytes(300);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 3);
  for (std::size_t offset : {0, 1, 5}) {
    for (std::size_t length = 0; length + offset <= bytes.size(); ++length) {
      std::span<const std::uint8_t> in(bytes.data() + offset, length);
      std::string digits(2 * length, '?');
      json::hex::encode(in, digits.data());
      std::string expected;
      for (std::uint8_t b : in) expected += "0123456789abcdef"[b >> 4], expected += "0123456789abcdef"[b & 15];
      REQUIRE(digits == expected);
      std::string upper = digits;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      for (const std::string& text : {digits, upper}) {
        std::vector<std::uint8_t> back(length);
        REQUIRE(json::hex::decode(text, back.data()));
        REQUIRE(std::equal(back.begin(), back.end(), in.begin()));
        REQUIRE(json::hex::first_non_digit(text) == text.size());
      }
    }
  }
}

TEST_CASE("hex: a non-digit anywhere is found, whatever it is", "[json_readers]") {
  const std::string digits(70, 'a');
  for (int c = 0; c < 256; ++c) {
    const bool is_digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    for (std::size_t at : {0, 1, 15, 16, 31, 32, 33, 63, 64, 69}) {
      std::string text = digits;
      text[at] = static_cast<char>(c);
      std::vector<std::uint8_t> out(text.size() / 2);
      INFO("character " << c << " at " << at);
      REQUIRE(json::hex::decode(text, out.data()) == is_digit);
      REQUIRE(json::hex::first_non_digit(text) == (is_digit ? text.size() : at));
    }
  }
}
