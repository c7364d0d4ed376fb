// Errors as values. Every fallible library call returns a `Result<T>` (or a
// `Status` when there is no value): either the value or an `Error` naming
// what went wrong, in which section, at which byte offset of the file.
// No exception crosses the library boundary and nothing aborts on bad input:
// an exception from the standard library inside a public call (e.g.
// std::bad_alloc while copying) comes back as an Error too (see
// out_of_memory and internal below). What can still reach the caller:
// std::bad_variant_access from a broken precondition of Result (value() on
// an error, see below), std::bad_alloc from AlignedBuffer and from json.h's
// writers, and whatever a stream the caller enabled exceptions on throws.
#pragma once

#include <cstdint>
#include <memory>
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
  // The operating system refused (open, stat, mmap, write, fsync, rename).
  // No file offset (kNoOffset), except a failed read of Load::read, which
  // names the section and the offset it was reading; the message has the
  // path and errno text.
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
  out_of_memory,
  // A bug in bbsnap or in its caller, never a property of the data: an
  // unexpected exception caught at the library boundary, or error() asked
  // of a success (Status, Result). No section, no offset.
  internal,
  // New codes are appended, so that the others keep their values.
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

// The Error that error() returns for a success, which has none: code
// internal, message "no error: error() called on a success". The same for
// Status and Result, and it never throws.
const Error& no_error();

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

  // The error; for a success, no_error() (as Status::error()).
  const Error& error() const& { return ok() ? no_error() : std::get<1>(state_); }
  Error error() && { return ok() ? no_error() : std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// The Error a Status holds when memory ran out even for the Error itself:
// code out_of_memory, message "out of memory", shared, never freed.
const Error& out_of_memory_error();

// A result with no value: success, or an Error. One pointer, null for
// success (as LevelDB's and Arrow's), so that returning a success, which
// the writer and the checks do once or twice per slot, costs a null store.
// Making or copying a failed Status allocates its Error; when that
// allocation fails the Status holds out_of_memory_error() instead, so that
// neither ever throws.
class [[nodiscard]] Status {
 public:
  Status() noexcept = default;
  Status(Error error) noexcept { hold(std::move(error)); }  // NOLINT: implicit by design
  Status(const Status& other) noexcept {
    if (other.error_) hold(*other.error_);
  }
  Status(Status&&) noexcept = default;
  Status& operator=(const Status& other) noexcept {
    if (this != &other) *this = Status(other);
    return *this;
  }
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  bool ok() const { return error_ == nullptr; }
  explicit operator bool() const { return ok(); }
  // The error; for a success, no_error().
  const Error& error() const& { return error_ ? *error_ : no_error(); }
  Error error() && {
    if (!error_) return no_error();
    if (error_.get() == &out_of_memory_error()) return out_of_memory_error();
    return std::move(*error_);
  }

 private:
  struct Release {
    void operator()(Error* error) const noexcept {
      if (error != &out_of_memory_error()) delete error;
    }
  };
  // Copies only allocate, as moves do not: either way the sentinel stands in.
  template <typename E>
  void hold(E&& error) noexcept {
    try {
      error_.reset(new Error(std::forward<E>(error)));
    } catch (...) {
      error_.reset(const_cast<Error*>(&out_of_memory_error()));
    }
  }
  std::unique_ptr<Error, Release> error_;
};

namespace detail {

// What BBSNAP_RETURN_IF_ERROR returns: the failed Status or Result of
// `expr` (const when `expr` is: its Error is then copied), becoming the
// enclosing function's Status, Result<T> or Error. A Status handed on to a
// Status is moved whole, its Error not copied: no allocation, so the error
// survives even when memory has run out.
template <typename Failed>
class Propagated {
 public:
  explicit Propagated(Failed& failed) : failed_(failed) {}
  operator Status() && {  // NOLINT: implicit by design
    if constexpr (std::is_same_v<Failed, Status>) {
      return std::move(failed_);
    } else {
      return std::move(failed_).error();
    }
  }
  template <typename T>
  operator Result<T>() && {  // NOLINT
    return std::move(failed_).error();
  }
  operator Error() && { return std::move(failed_).error(); }  // NOLINT

 private:
  Failed& failed_;
};

}  // namespace detail
}  // namespace bbsnap

// Propagating an error keeps the happy path one line per step (Arrow's
// ARROW_RETURN_NOT_OK and ARROW_ASSIGN_OR_RAISE):
//   BBSNAP_RETURN_IF_ERROR(writer.add_slot(key, value));
//   BBSNAP_ASSIGN_OR_RETURN(bbsnap::Snapshot snapshot, bbsnap::Snapshot::open(path));
// `expr` is a Status or a Result; the enclosing function returns a Status,
// a Result or an Error.
#define BBSNAP_RETURN_IF_ERROR(expr)                                                                   \
  do {                                                                                                 \
    if (auto&& bbsnap_status_ = (expr); !bbsnap_status_.ok()) {                                        \
      return ::bbsnap::detail::Propagated<std::remove_reference_t<decltype(bbsnap_status_)>>(bbsnap_status_); \
    }                                                                                                  \
  } while (false)

#define BBSNAP_ASSIGN_OR_RETURN(lhs, expr) BBSNAP_ASSIGN_OR_RETURN_(BBSNAP_CONCAT_(bbsnap_result_, __LINE__), lhs, expr)
#define BBSNAP_ASSIGN_OR_RETURN_(result, lhs, expr)         \
  auto result = (expr);                                    \
  if (!result.ok()) return std::move(result).error();      \
  lhs = std::move(result).value()
#define BBSNAP_CONCAT_(a, b) BBSNAP_CONCAT_INNER_(a, b)
#define BBSNAP_CONCAT_INNER_(a, b) a##b

#pragma GCC visibility pop
