// The C ABI's boundary: every entry point of bbsnap.h that can fail runs its
// body through `run`, which catches every exception (guarded, boundary.h),
// turns the Status into a bbsnap_status and hands the Error to the caller
// as a bbsnap_error. Its helpers refuse misuse (NULL handles and
// out-parameters, NULL bytes with a length, indexes out of range) with
// invalid_argument, and hand out views of the mapping as the (pointer,
// length) pairs bbsnap.h promises: never NULL.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "bbsnap/bbsnap.h"
#include "bbsnap/reader.h"
#include "bbsnap/status.h"
#include "c/handles.h"
#include "common/boundary.h"

namespace bbsnap::c {

// The status for an Error's code (bbsnap.h: ErrorCode + 1).
bbsnap_status status_of(ErrorCode code) noexcept;

// Returns `error`'s status and, if the caller asked for it (`out` not
// NULL), the error object; *out stays NULL if that cannot be allocated.
bbsnap_status fail(Error error, bbsnap_error** out) noexcept;

// What one entry point knows of itself: its name, for the messages of the
// misuse it refuses.
class Call {
 public:
  explicit Call(const char* function) : function_(function) {}

  // invalid_argument, "<function>: <what>", no section, no offset.
  Error invalid(std::string_view what) const;

  // Every out-parameter given must be non-NULL.
  template <typename... Out>
  Status outs(Out*... out) const {
    if (((out == nullptr) || ...)) return invalid("an out-parameter is NULL");
    return {};
  }

  // (data, length) from the caller: NULL is allowed only with length 0.
  Status input(const void* data, std::size_t length, std::string_view name) const {
    if (data == nullptr && length != 0) return invalid(std::string(name) + " is NULL but its length is not 0");
    return {};
  }

  // Element `index` of a FlatBuffers vector (an absent vector is empty), or
  // invalid_argument naming `what` when it is out of range.
  template <typename Vector>
  auto at(const Vector* v, std::size_t index, std::string_view what) const -> Result<decltype(v->Get(0))> {
    const std::size_t count = v ? v->size() : 0;
    if (index >= count) return out_of_range(what, index, count);
    return v->Get(static_cast<flatbuffers::uoffset_t>(index));
  }

  Error out_of_range(std::string_view what, std::size_t index, std::size_t count) const;

 private:
  const char* function_;
};

// Runs `body(call)` behind the no-throw boundary and reports its Status as
// bbsnap.h says: *error (when asked for) is NULL on success.
template <typename Body>
bbsnap_status run(const char* function, bbsnap_error** error, Body body) noexcept {
  if (error) *error = nullptr;
  const Call call(function);
  Status s = guarded(function, [&]() -> Status { return body(call); });
  if (s) return BBSNAP_OK;
  return fail(std::move(s).error(), error);
}

// `run` for a function that reads a snapshot as a whole.
template <typename Body>
bbsnap_status read(const char* function, const bbsnap_snapshot* handle, bbsnap_error** error, Body body) noexcept {
  return run(function, error, [&](const Call& call) -> Status {
    if (!handle) return call.invalid("the snapshot is NULL");
    return body(call, handle->snapshot);
  });
}

// `run` for a function that reads one section, given by the Snapshot
// accessor that returns its root (&Snapshot::framework, ...). Lazy mode:
// the section is checked here, and its error returned.
template <auto section, typename Body>
bbsnap_status read_section(const char* function, const bbsnap_snapshot* handle, bbsnap_error** error,
                           Body body) noexcept {
  return read(function, handle, error, [&](const Call& call, const Snapshot& snapshot) -> Status {
    BBSNAP_ASSIGN_OR_RETURN(const auto* root, (snapshot.*section)());
    return body(call, *root);
  });
}

// Number of elements of a FlatBuffers vector; an absent one is empty.
template <typename Vector>
std::size_t count_of(const Vector* v) {
  return v ? v->size() : 0;
}

// A *_count function of bbsnap.h: the number of elements of the vector
// `vector_of(root)` of one section.
template <auto section, typename VectorOf>
bbsnap_status count_in(const char* function, const bbsnap_snapshot* handle, std::size_t* count,
                       bbsnap_error** error, VectorOf vector_of) noexcept {
  return read_section<section>(function, handle, error, [&](const Call& call, const auto& root) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(count));
    *count = count_of(vector_of(root));
    return {};
  });
}

// Views of the mapping as bbsnap.h hands them out: never NULL, even empty.
void put(std::span<const std::uint8_t> bytes, const std::uint8_t** data, std::size_t* length);
void put(const flatbuffers::Vector<std::uint8_t>* bytes, const std::uint8_t** data, std::size_t* length);
void put(const flatbuffers::String* text, const char** data, std::size_t* length);
void put(std::span<const std::uint64_t> ids, const std::uint64_t** data, std::size_t* count);
void put(const flatbuffers::Vector<std::uint64_t>* ids, const std::uint64_t** data, std::size_t* count);

}  // namespace bbsnap::c
