// Unsigned numbers written in canonical decimal: ASCII digits, no sign, no
// space, no leading zero (except "0" itself), within the type's range. Each
// number then has exactly one spelling: "1" and "01" are not two map keys,
// and "010" is not read as octal 8.
#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>

namespace bbsnap {

template <std::unsigned_integral K>
std::optional<K> parse_canonical_decimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return std::nullopt;
  K value{};
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);  // base 10; no sign for unsigned types
  if (error != std::errc{} || stop != end) return std::nullopt;
  return value;
}

}  // namespace bbsnap
