#include "bbsnap/status.h"

#include <cstdio>

namespace bbsnap {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::io: return "io";
    case ErrorCode::bad_magic: return "bad_magic";
    case ErrorCode::unsupported_format_version: return "unsupported_format_version";
    case ErrorCode::unsupported_feature: return "unsupported_feature";
    case ErrorCode::truncated: return "truncated";
    case ErrorCode::checksum_mismatch: return "checksum_mismatch";
    case ErrorCode::nonzero_padding: return "nonzero_padding";
    case ErrorCode::malformed_section: return "malformed_section";
    case ErrorCode::missing_section: return "missing_section";
    case ErrorCode::spec_version_mismatch: return "spec_version_mismatch";
    case ErrorCode::limit_exceeded: return "limit_exceeded";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::invalid_document: return "invalid_document";
    case ErrorCode::out_of_memory: return "out_of_memory";
    case ErrorCode::internal: return "internal";
  }
  return "unknown";
}

const Error& out_of_memory_error() {
  static const Error oom = Error::of(ErrorCode::out_of_memory, "out of memory");
  return oom;
}

const Error& no_error() {
  static const Error none = Error::of(ErrorCode::internal, "no error: error() called on a success");
  return none;
}

std::string Error::to_string() const {
  std::string out(bbsnap::to_string(code));
  if (!section.empty()) out += " in section " + section;
  if (offset != kNoOffset) out += " at offset " + std::to_string(offset);
  out += ": " + message;
  if (code == ErrorCode::checksum_mismatch) {
    char values[64];
    std::snprintf(values, sizeof values, " (stored %016llx, computed %016llx)",
                  static_cast<unsigned long long>(stored), static_cast<unsigned long long>(computed));
    out += values;
  }
  return out;
}

}  // namespace bbsnap
