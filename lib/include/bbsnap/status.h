// Errors as values. Every fallible library call returns a `Result<T>` (or a
// `Status` when there is no value): either the value or an `Error` naming
// what went wrong, in which section, at which byte offset of the file.
// No exception crosses the library boundary and nothing aborts on bad input:
// an exception from the standard library inside a public call (e.g.
// std::bad_alloc while copying) comes back as an Error too (see
// out_of_memory and io below). What can still reach the caller:
// std::bad_variant_access from a broken precondition of Result (value() on
// an error, see below), std::bad_alloc from AlignedBuffer and from json.h's
// writers, and whatever a stream the caller enabled exceptions on throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap {

// What went wrong. The code is part of the contract (schema/FORMAT.md §11):
// a reader written from FORMAT.md refuses a bad file with the same code.
enum class ErrorCode : std::uint8_t {
  // The operating system refused (open, stat, mmap, write, fsync, rename), or
  // an unexpected standard-library exception was caught at the boundary.
  // No file offset (kNoOffset); the message has the path and errno text.
  io,
  bad_magic,                   // not a bbsnap file at all
  unsupported_format_version,  // a bbsnap file of a layout this build cannot read
  unsupported_feature,         // a required flag or required section kind this build does not know
  truncated,                   // the file ends before what it declares: typically a torn write
  checksum_mismatch,           // stored and computed XXH3 differ: the bytes were damaged
  nonzero_padding,             // a padding byte that must be zero is not
  malformed_section,           // checksum fine, structure invalid (FlatBuffer, order, ranges, UTF-8)
  missing_section,             // a section every file must have is absent
  spec_version_mismatch,       // the runtime schema version is not the one the caller restores
  // A declared size or count is beyond what this reader accepts (FORMAT.md
  // §10), or a state too big for the format (writer): a property of the
  // data, the same on every machine.
  limit_exceeded,
  // The caller's input is unusable: an API misuse, not a file property
  // (unsorted slots, a misaligned buffer, an index out of range, invalid
  // UTF-8 in a model string given to the writer). No file offset.
  invalid_argument,
  invalid_document,            // a state JSON document was refused (json.h)
  // Memory ran out inside a public call (std::bad_alloc): a property of the
  // machine and the moment, not of the data; the same call may succeed with
  // more memory. Message "<operation>: out of memory", no section, no offset.
  // Last in the enum so that the others keep their values.
  out_of_memory,
};

// The enumerator's name, e.g. "checksum_mismatch"; "unknown" for a value
// outside the enum.
std::string_view to_string(ErrorCode code);

// Sentinel for `Error::offset` when no file position applies (e.g. an I/O error).
inline constexpr std::uint64_t kNoOffset = ~std::uint64_t{0};

// What a failed call reports. Which section and offset each file check
// reports is specified in FORMAT.md §7.2, §7.3 and §11.
struct Error {
  ErrorCode code = ErrorCode::io;
  // e.g. "header", "file", "section_table", "section_table[2]", "framework",
  // "slot_chunk[3]", "kind_42"; empty when no section applies (io,
  // invalid_argument, invalid_document).
  std::string section;
  // Absolute byte offset in the file (for json::parse_state: in the
  // document), or kNoOffset.
  std::uint64_t offset = kNoOffset;
  std::string message;  // one line for people (parse_state's starts with the JSON path)
  // For checksum_mismatch: the values read from the file and recomputed
  // (0 for every other code).
  std::uint64_t stored = 0;
  std::uint64_t computed = 0;

  // stored and computed are left 0.
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
  // offset 4096: metadata checksum mismatch (stored 1faefb5c49f7fb5a,
  // computed cf451192eccca9b2)". The section and offset parts are left out
  // when absent; stored/computed (16 hex digits) only for checksum_mismatch.
  std::string to_string() const;
};

// The value of a successful call, or its Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok(). On an error, value(), `->` and `*` throw
  // std::bad_variant_access: a bug in the caller, never a way to learn of a
  // bad file. Check ok() (or the bool conversion) first.
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok(); on a success it throws std::bad_variant_access.
  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// A result with no value: success, or an Error.
class [[nodiscard]] Status {
 public:
  // Success. User-provided on purpose: with `= default`, `return {};`
  // value-initializes, which zero-fills the whole object (the Error's
  // storage too) before constructing it.
  Status() noexcept {}  // NOLINT(modernize-use-equals-default)
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  // Meaningful only when !ok(). On a success it does not throw but returns a
  // default Error (code io, empty message), which means nothing.
  const Error& error() const& { return error_ ? *error_ : no_error(); }
  Error&& error() && {
    if (!error_) error_.emplace();
    return std::move(*error_);
  }

 private:
  static const Error& no_error() {
    static const Error none;
    return none;
  }
  // An optional, so that a success (returned once or twice per slot by the
  // writer and the checks) sets one flag instead of constructing an Error.
  std::optional<Error> error_;
};

}  // namespace bbsnap

#pragma GCC visibility pop
