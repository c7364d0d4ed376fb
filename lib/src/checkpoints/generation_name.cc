// Generation file names: "<20 decimal digits>.bbsnap" (checkpoints.h).
#include <charconv>
#include <cstdio>

#include "bbsnap/checkpoints.h"

namespace bbsnap {
namespace {

constexpr std::size_t kDigits = 20;  // 2^64 - 1 has 20 digits
constexpr std::string_view kSuffix = ".bbsnap";

}  // namespace

std::string generation_file_name(std::uint64_t number) {
  char digits[kDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(number));
  return std::string(digits) + std::string(kSuffix);
}

std::optional<std::uint64_t> parse_generation_file_name(std::string_view name) {
  if (name.size() != kDigits + kSuffix.size() || name.substr(kDigits) != kSuffix) return std::nullopt;
  const std::string_view digits = name.substr(0, kDigits);
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;  // digits only: no sign, no space
  }
  std::uint64_t number = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (error != std::errc{} || end != digits.data() + digits.size() || number == 0) return std::nullopt;
  return number;
}

}  // namespace bbsnap
