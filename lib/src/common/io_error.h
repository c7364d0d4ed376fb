// The io Error of a failed system call on a file: "<what> <path>: <errno text>".
#pragma once

#include <cstring>
#include <string>

#include "bbsnap/status.h"

namespace bbsnap {

inline Error io_error(const std::string& what, const std::string& path, int err) {
  return Error::of(ErrorCode::io, what + " " + path + ": " + std::strerror(err));
}

}  // namespace bbsnap
