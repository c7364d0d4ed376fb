// Errors as values. Every fallible library call returns a `Result<T>` (or a
// `Status` when there is no value): either the value or an `Error` naming
// what went wrong, in which section, at which byte offset of the file.
// No exception crosses the library boundary and nothing aborts on bad input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace bbsnap {

enum class ErrorCode : std::uint8_t {
  io,                          // the operating system refused (open, read, write, fsync, rename)
  bad_magic,                   // not a bbsnap file at all
  unsupported_format_version,  // a bbsnap file of a layout this build cannot read
  unsupported_feature,         // a required flag or required section kind this build does not know
  truncated,                   // the file ends before what it declares: typically a torn write
  checksum_mismatch,           // stored and computed XXH3 differ: the bytes were damaged
  nonzero_padding,             // a padding byte that must be zero is not
  malformed_section,           // checksum fine, structure invalid (FlatBuffer, order, ranges, UTF-8)
  missing_section,             // a section every file must have is absent
  spec_version_mismatch,       // the runtime schema version is not the one the caller restores
  limit_exceeded,              // a declared size or count is beyond what this reader accepts
  invalid_argument,            // the caller's input is unusable (unsorted slots, misaligned buffer)
  invalid_document,            // a state JSON document was refused (json.h)
};

std::string_view to_string(ErrorCode code);

// Sentinel for `Error::offset` when no file position applies (e.g. an I/O error).
inline constexpr std::uint64_t kNoOffset = ~std::uint64_t{0};

struct Error {
  ErrorCode code = ErrorCode::io;
  std::string section;  // e.g. "framework", "slot_chunk[3]", "header"; empty if none
  std::uint64_t offset = kNoOffset;  // absolute byte offset in the file
  std::string message;
  // For checksum_mismatch: the values read from the file and recomputed.
  std::uint64_t stored = 0;
  std::uint64_t computed = 0;

  static Error of(ErrorCode code, std::string message, std::string section = {},
                  std::uint64_t offset = kNoOffset) {
    Error e;
    e.code = code;
    e.section = std::move(section);
    e.offset = offset;
    e.message = std::move(message);
    return e;
  }

  // One line a person can act on: "checksum_mismatch in section ingress at
  // offset 4096: ... (stored 0x.., computed 0x..)".
  std::string to_string() const;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// A result with no value: success, or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool failed_ = false;
};

}  // namespace bbsnap
