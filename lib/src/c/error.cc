// bbsnap.h: status codes and the error object, and call.h's boundary helpers.
#include <memory>
#include <new>

#include "bbsnap/bbsnap.h"
#include "c/call.h"
#include "c/handles.h"

namespace bbsnap::c {
namespace {

// bbsnap.h spells each ErrorCode as a status one higher; a code added to
// status.h without its status here fails to compile.
constexpr bbsnap_status kStatusOf[] = {
    BBSNAP_IO,
    BBSNAP_BAD_MAGIC,
    BBSNAP_UNSUPPORTED_FORMAT_VERSION,
    BBSNAP_UNSUPPORTED_FEATURE,
    BBSNAP_TRUNCATED,
    BBSNAP_CHECKSUM_MISMATCH,
    BBSNAP_NONZERO_PADDING,
    BBSNAP_MALFORMED_SECTION,
    BBSNAP_MISSING_SECTION,
    BBSNAP_SPEC_VERSION_MISMATCH,
    BBSNAP_LIMIT_EXCEEDED,
    BBSNAP_INVALID_ARGUMENT,
    BBSNAP_INVALID_DOCUMENT,
    BBSNAP_OUT_OF_MEMORY,
    BBSNAP_INTERNAL,
};
constexpr std::size_t kCodes = sizeof(kStatusOf) / sizeof(kStatusOf[0]);
static_assert(kCodes == static_cast<std::size_t>(ErrorCode::internal) + 1, "a status for every ErrorCode");
static_assert([] {
  for (std::size_t i = 0; i < kCodes; ++i) {
    if (kStatusOf[i] != static_cast<bbsnap_status>(i + 1)) return false;
  }
  return true;
}());

// What put() hands out for an empty view: a real address, aligned for any
// element type, never read.
alignas(64) constexpr std::uint64_t kNothing[1] = {0};

}  // namespace

bbsnap_status status_of(ErrorCode code) noexcept {
  const auto i = static_cast<std::size_t>(code);
  return i < kCodes ? kStatusOf[i] : BBSNAP_IO;
}

std::unique_ptr<bbsnap_error> error_object(Error error) {
  auto made = std::make_unique<bbsnap_error>(bbsnap_error{std::move(error), {}});
  made->text = made->error.to_string();
  return made;
}

bbsnap_status fail(Error error, bbsnap_error** out) noexcept {
  const bbsnap_status status = status_of(error.code);
  if (!out) return status;
  try {
    *out = error_object(std::move(error)).release();
  } catch (...) {  // out of memory: the status alone says what went wrong
    *out = nullptr;
  }
  return status;
}

Error Call::invalid(std::string_view what) const {
  return Error::of(ErrorCode::invalid_argument, std::string(function_) + ": " + std::string(what));
}

Error Call::out_of_range(std::string_view what, std::size_t index, std::size_t count) const {
  return invalid(std::string(what) + " " + std::to_string(index) + " is out of range: there are " +
                 std::to_string(count));
}

void put(std::span<const std::uint8_t> bytes, const std::uint8_t** data, std::size_t* length) {
  *data = bytes.data() ? bytes.data() : reinterpret_cast<const std::uint8_t*>(kNothing);
  *length = bytes.size();
}

void put(const flatbuffers::Vector<std::uint8_t>* bytes, const std::uint8_t** data, std::size_t* length) {
  put(as_span(bytes), data, length);
}

void put(const flatbuffers::String* text, const char** data, std::size_t* length) {
  *data = text ? text->c_str() : reinterpret_cast<const char*>(kNothing);
  *length = text ? text->size() : 0;
}

void put(std::span<const std::uint64_t> ids, const std::uint64_t** data, std::size_t* count) {
  *data = ids.data() ? ids.data() : kNothing;
  *count = ids.size();
}

void put(const flatbuffers::Vector<std::uint64_t>* ids, const std::uint64_t** data, std::size_t* count) {
  put(ids ? std::span<const std::uint64_t>(ids->data(), ids->size()) : std::span<const std::uint64_t>{}, data,
      count);
}

}  // namespace bbsnap::c

using bbsnap::c::status_of;

extern "C" {

const char* bbsnap_status_name(int status) {
  if (status == BBSNAP_OK) return "ok";
  if (status < BBSNAP_IO || status > BBSNAP_INTERNAL) return "unknown";
  // to_string(ErrorCode) views a string literal: NUL-terminated.
  return bbsnap::to_string(static_cast<bbsnap::ErrorCode>(status - 1)).data();
}

void bbsnap_error_free(bbsnap_error* error) { delete error; }

bbsnap_status bbsnap_error_code(const bbsnap_error* error) { return error ? status_of(error->error.code) : BBSNAP_OK; }

const char* bbsnap_error_section(const bbsnap_error* error) { return error ? error->error.section.c_str() : ""; }

uint64_t bbsnap_error_offset(const bbsnap_error* error) {
  return error ? error->error.offset : BBSNAP_NO_OFFSET;
}

const char* bbsnap_error_message(const bbsnap_error* error) { return error ? error->error.message.c_str() : ""; }

uint64_t bbsnap_error_stored(const bbsnap_error* error) { return error ? error->error.stored : 0; }

uint64_t bbsnap_error_computed(const bbsnap_error* error) { return error ? error->error.computed : 0; }

const char* bbsnap_error_to_string(const bbsnap_error* error) { return error ? error->text.c_str() : ""; }

}  // extern "C"
