#include "json/hex.h"

#include <cstring>

namespace bbsnap::json::hex {
namespace {

using Lanes = std::uint8_t __attribute__((vector_size(16)));
constexpr std::size_t kLanes = sizeof(Lanes);

// A nibble's digit: '0' + n, plus the distance from ':' to 'a' past 9.
Lanes digits_of(Lanes nibbles) { return nibbles + '0' + ((nibbles > 9) & ('a' - '0' - 10)); }

// Each lane's value as a hex digit, and all ones in `bad` where it is none.
Lanes values_of(Lanes chars, Lanes& bad) {
  const Lanes decimal = chars - '0';                      // 0-9 for '0'-'9'
  const Lanes letter = (chars | 0x20) - 'a';              // 0-5 for 'a'-'f' and 'A'-'F'
  const Lanes is_decimal = decimal < 10;
  bad |= ~(is_decimal | (letter < 6));
  return (decimal & is_decimal) | ((letter + 10) & ~is_decimal);
}

int value_of(char c) {
  const auto decimal = static_cast<unsigned char>(c - '0');
  const auto letter = static_cast<unsigned char>((c | 0x20) - 'a');
  if (decimal < 10) return decimal;
  if (letter < 6) return letter + 10;
  return -1;
}

}  // namespace

void encode(std::span<const std::uint8_t> bytes, char* out) {
  std::size_t i = 0;
  for (; i + kLanes <= bytes.size(); i += kLanes) {
    Lanes in;
    std::memcpy(&in, bytes.data() + i, kLanes);
    const Lanes high = digits_of(in >> 4);
    const Lanes low = digits_of(in & 15);
    // Interleaved: high digit, low digit, byte after byte.
    const Lanes first = __builtin_shufflevector(high, low, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const Lanes second =
        __builtin_shufflevector(high, low, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    std::memcpy(out + 2 * i, &first, kLanes);
    std::memcpy(out + 2 * i + kLanes, &second, kLanes);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  for (; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
}

bool decode(std::string_view digits, std::uint8_t* out) {
  const std::size_t count = digits.size() / 2;
  Lanes bad{};
  std::size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    Lanes first, second;
    std::memcpy(&first, digits.data() + 2 * i, kLanes);
    std::memcpy(&second, digits.data() + 2 * i + kLanes, kLanes);
    // The even characters are high digits, the odd ones low digits.
    const Lanes high =
        __builtin_shufflevector(first, second, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const Lanes low =
        __builtin_shufflevector(first, second, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    const Lanes value = (values_of(high, bad) << 4) | values_of(low, bad);
    std::memcpy(out + i, &value, kLanes);
  }
  bool ok = true;
  for (std::size_t lane = 0; lane < kLanes; ++lane) ok &= bad[lane] == 0;
  for (; i < count; ++i) {
    const int high = value_of(digits[2 * i]);
    const int low = value_of(digits[2 * i + 1]);
    ok &= high >= 0 && low >= 0;
    out[i] = static_cast<std::uint8_t>((high & 15) << 4 | (low & 15));
  }
  return ok;
}

std::size_t first_non_digit(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (value_of(text[i]) < 0) return i;
  }
  return text.size();
}

}  // namespace bbsnap::json::hex
