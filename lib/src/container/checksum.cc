#include "container/checksum.h"

// xxh_x86dispatch.h would otherwise #define the plain names to the
// _dispatch ones, and the fallback below would call a null weak symbol.
#define XXH_DISPATCH_DISABLE_REPLACE
#include <xxh_x86dispatch.h>
#include <xxhash.h>

#pragma weak XXH3_64bits_dispatch
#pragma weak XXH3_64bits_withSeed_dispatch

namespace bbsnap::checksum {
namespace {

// libxxhash 0.8.1's AVX2 and AVX-512 code (inputs above 240 bytes; 240 or
// fewer take scalar paths in every build) returns with the upper halves of
// the vector registers in use: it ends without a vzeroupper. Until something
// clears them, every SSE instruction after it, the compiler's in our loops
// included, is merged into those registers and so waits for the hash's last
// vector result. On an AVX-512 machine here this made checking 4 KiB values
// 2.5x slower (BM_OpenFullBytes/M 9.7 -> 3.0 ms with the vzeroupper below).
constexpr std::size_t kLongestScalarInput = 240;

bool cpu_has_avx() {
#if defined(__x86_64__)
  static const bool has_avx = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx") != 0;
  }();
  return has_avx;
#else
  return false;
#endif
}

void clear_upper_vector_halves() {
#if defined(__x86_64__)
  // vzeroupper keeps the low 128 bits; the clobbers keep the compiler from
  // holding anything in a vector register across it, whatever its flags.
  asm volatile("vzeroupper" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
               "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
#endif
}

}  // namespace

// libxxhash's plain entry points are its SSE2 build; the _dispatch ones pick
// AVX2/AVX-512 at run time (same values, 1.6x to 4.4x faster here). Debian
// ships the _dispatch ones in libxxhash.so only, not in libxxhash.a: they
// are weak references, so that a program linking libbbsnap.a and
// libxxhash.a statically still links, and hashes with the SSE2 build.
std::uint64_t xxh3(std::span<const std::uint8_t> bytes, std::uint64_t seed) {
  if (XXH3_64bits_withSeed_dispatch != nullptr) {
    const std::uint64_t hash = XXH3_64bits_withSeed_dispatch(bytes.data(), bytes.size(), seed);
    if (bytes.size() > kLongestScalarInput && cpu_has_avx()) clear_upper_vector_halves();
    return hash;
  }
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

std::uint64_t header(const format::Header& header) {
  return xxh3({reinterpret_cast<const std::uint8_t*>(&header), format::kHeaderChecksummedBytes}, format::kHeaderSeed);
}

std::uint64_t table(std::span<const std::uint8_t> table_bytes) {
  return xxh3(table_bytes, format::kTableSeed);
}

std::uint64_t section_seed(const format::SectionEntry& entry) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&entry);
  if (XXH3_64bits_dispatch != nullptr) return XXH3_64bits_dispatch(bytes, format::kSectionSeedBytes);
  return XXH3_64bits(bytes, format::kSectionSeedBytes);
}

std::uint64_t section(const format::SectionEntry& entry, std::span<const std::uint8_t> metadata) {
  return xxh3(metadata, section_seed(entry));
}

std::uint64_t value(std::span<const std::uint8_t> value, std::uint64_t seed) {
  return xxh3(value, seed);
}

}  // namespace bbsnap::checksum
