// The library boundary: no exception crosses it. The C++ standard library
// can throw (std::bad_alloc when an owned copy does not fit in memory,
// std::length_error); public entry points that may allocate run their body
// through `guarded`, which turns such an exception into an Error value.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "bbsnap/status.h"

namespace bbsnap {

//
// Building the error's message allocates too, and out of memory that throws
// again, which out of this noexcept function would terminate the process.
// The last resort is a message short enough for std::string's inline
// buffer ("out of memory", 13 characters): building it allocates nothing.
template <typename Body>
auto guarded(const char* operation, Body body) noexcept -> decltype(body()) {
  try {
    try {
      return body();
    } catch (const std::bad_alloc&) {
      return Error::of(ErrorCode::out_of_memory, std::string(operation) + ": out of memory");
    } catch (const std::exception& e) {
      return Error::of(ErrorCode::internal, std::string(operation) + ": " + e.what());
    }
  } catch (const std::bad_alloc&) {
    return Error::of(ErrorCode::out_of_memory, "out of memory");
  }
}

}  // namespace bbsnap
