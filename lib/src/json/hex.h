// Hex strings, the state document's form of bytes (STATE-JSON.md): most of a
// document's bytes are slot values, so both directions run over 16 bytes at
// a time (GCC/Clang vector extensions: SSE2 on x86-64, NEON on ARM, plain
// scalar code elsewhere) and the remainder byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace bbsnap::json::hex {

// Writes 2 * bytes.size() lowercase hex digits to `out`.
void encode(std::span<const std::uint8_t> bytes, char* out);

// Decodes `digits` (either case) into digits.size() / 2 bytes at `out`.
// Precondition: digits.size() is even. False if any character is not a hex
// digit; `out` then holds garbage.
bool decode(std::string_view digits, std::uint8_t* out);

// The index of the first character of `text` that is not a hex digit, or
// text.size(): for the message of a refused hex string.
std::size_t first_non_digit(std::string_view text);

}  // namespace bbsnap::json::hex
