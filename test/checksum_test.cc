// checksum.cc, the library's only caller of xxHash: what it leaves behind in
// the CPU. libxxhash's AVX2/AVX-512 code returns with the upper halves of the
// vector registers in use, and every SSE instruction after it then waits on
// the hash's last vector result: checking 4 KiB values ran 2.5x slower on an
// AVX-512 machine until checksum.cc cleared them.
#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <vector>

#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>

#include "container/checksum.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

using namespace bbsnap;

namespace {

// XINUSE (XGETBV with ECX = 1): which register states are not in their
// initial state. Bit 2 is the upper halves of ymm0-15, bit 6 the upper
// halves of zmm0-15; vzeroupper returns both to it.
constexpr std::uint64_t kUpperHalvesInUse = (1u << 2) | (1u << 6);

std::optional<std::uint64_t> registers_in_use() {
#if defined(__x86_64__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || (c & bit_OSXSAVE) == 0) return std::nullopt;
  if (!__get_cpuid_count(0xD, 1, &a, &b, &c, &d) || (a & (1u << 2)) == 0) return std::nullopt;
  unsigned low = 0, high = 0;
  asm volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(1));
  return (std::uint64_t{high} << 32) | low;
#else
  return std::nullopt;
#endif
}

}  // namespace

TEST_CASE("a checksum leaves no upper vector register halves in use", "[checksum]") {
  const std::vector<std::uint8_t> bytes(1 << 20, 0x5a);
  // The state libxxhash itself leaves: where it leaves nothing in use (no
  // AVX, or no XINUSE to read it), there is nothing to clear or to see.
  static_cast<void>(XXH3_64bits_dispatch(bytes.data(), 4096));
  const std::optional<std::uint64_t> after_libxxhash = registers_in_use();
  if (!after_libxxhash || (*after_libxxhash & kUpperHalvesInUse) == 0) {
    WARN("libxxhash leaves no upper halves in use on this CPU (or XINUSE is unreadable): nothing to check");
    return;
  }
  for (std::size_t size : {241u, 4096u, 1u << 20}) {
    INFO("a checksum of " << size << " bytes");
    static_cast<void>(XXH3_64bits_dispatch(bytes.data(), 4096));  // in use again
    const std::uint64_t hash = checksum::value({bytes.data(), size}, 64);
    const std::uint64_t in_use = *registers_in_use();
    CHECK((in_use & kUpperHalvesInUse) == 0);
    CHECK(hash == XXH3_64bits_withSeed(bytes.data(), size, 64));
  }
}
