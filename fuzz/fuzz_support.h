// Shared by the fuzz targets (and their standalone replayers): resealing the
// checksums of a mutated file, walking every view a Snapshot hands out, and
// failing loudly when the library breaks one of its documented promises.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/reader.h"
#include "bbsnap/status.h"

namespace bbsnap::fuzz {

// A documented invariant does not hold: prints `what` and `detail`, then
// aborts, which libFuzzer (and the replayer) reports as a crash.
[[noreturn]] void fail(const char* what, const std::string& detail);

#define FUZZ_CHECK(cond, detail)                                      \
  do {                                                                \
    if (!(cond)) ::bbsnap::fuzz::fail(#cond, (detail));               \
  } while (false)

// An aligned, writable copy of `bytes` (from_bytes needs 64-byte alignment,
// as in a mapping), exactly `bytes.size()` long so that ASan sees any read
// past its end. An empty input is an empty span with a null data(), as an
// empty file's mapping is.
class Input {
 public:
  explicit Input(std::span<const std::uint8_t> bytes);
  std::span<std::uint8_t> span() { return {buffer_.data(), size_}; }
  std::span<const std::uint8_t> span() const { return {buffer_.data(), size_}; }

 private:
  AlignedBuffer buffer_;
  std::size_t size_;
};

// Masks for library bugs found by fuzzing, reported and not yet fixed
// (fuzz/regressions/README.md; there are none at the moment). A fuzz target
// skips an input that would trigger one, so that fuzzing goes on to find the
// next bug rather than the same one again. `file` is what would be opened.
// The environment variable BBSNAP_FUZZ_UNMASK=1 turns the masks off, so that
// the regression inputs reproduce the bugs. A mask goes with its bug's fix.
bool known_bug(std::span<const std::uint8_t> file);

// Recomputes every checksum of the format wherever the file's structure lets
// it be located: slot value hashes (in slot chunks whose metadata is a valid
// FlatBuffer), section metadata checksums (for entries inside the file), the
// section table checksum and the header checksum. So a mutation that breaks
// the structure behind a checksum reaches the structural checks instead of
// stopping at the checksum. Reimplemented from format.h / FORMAT.md, not
// taken from the library. Deterministic, never reads outside `file`.
void reseal(std::span<std::uint8_t> file);

// A running 64-bit hash of everything a reader saw. Byte strings are read
// one byte at a time in this (instrumented) code, so AddressSanitizer sees
// every byte of every span and string the library hands out.
class Digest {
 public:
  void add(std::uint64_t v);
  void add(std::span<const std::uint8_t> bytes);
  void add(std::string_view text);
  void add(const Error& e);
  std::uint64_t value() const { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

// Every field of a section's view, into `d`.
void walk(Digest& d, const fb::Framework& f);
void walk(Digest& d, const fb::Bus& b);
void walk(Digest& d, const fb::Ingress& i);
void walk(Digest& d, const fb::PendingCompletions& p);
void walk(Digest& d, const fb::Frontier& f);
void walk(Digest& d, const fb::PendingAsyncTable& t);
void walk(Digest& d, const fb::ExecutionStateTable& t);
void walk(Digest& d, const fb::WireStates& w);

// Slot chunk `chunk`: its entries and every value through slot_value(). In
// `strict` mode (a fully verified snapshot) every access must succeed and
// every value span lie in the file, 64-byte aligned.
Status walk_chunk(const Snapshot& s, std::uint32_t chunk, Digest& d, bool strict);

// Every section view and every slot chunk, in a fixed order; the first error.
Status walk_all(const Snapshot& s, Digest& d, bool strict);

// The error, fully: code, section, offset, stored/computed, message.
std::string describe(const Error& e);
bool same_error(const Error& a, const Error& b);

// Opens `bytes` in `options.verification` mode accepting any spec_version
// (expected_spec_version = nullopt), so that files of every spec_version get
// past the open; an accepted file must then be refused with
// spec_version_mismatch when another version is expected. `spec` receives
// the file's spec_version (kCurrentSpecVersion when refused).
Result<Snapshot> open_any_spec(std::span<const std::uint8_t> bytes, OpenOptions options, std::uint32_t* spec = nullptr);

}  // namespace bbsnap::fuzz
