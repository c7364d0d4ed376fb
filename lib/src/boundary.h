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

template <typename Body>
auto guarded(const char* operation, Body body) noexcept -> decltype(body()) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Error::of(ErrorCode::limit_exceeded, std::string(operation) + ": out of memory");
  } catch (const std::exception& e) {
    return Error::of(ErrorCode::io, std::string(operation) + ": " + e.what());
  }
}

}  // namespace bbsnap
