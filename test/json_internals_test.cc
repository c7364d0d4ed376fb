// The hex codec of the state document's byte strings (lib/src/json/hex.h),
// against a plain byte-by-byte rendering.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <span>
#include <string>
#include <vector>

#include "json/hex.h"

namespace json = bbsnap::json;

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
