#include "common.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <string>
#include <thread>

namespace bbsnap::tool {

int fail(std::string_view command, int code, std::string_view message) {
  std::string line = "bbsnap ";
  line += command;
  line += ": ";
  // One line whatever the message holds (a file name with a newline, say).
  for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  std::fflush(stdout);
  std::fputs(line.c_str(), stderr);
  return code;
}

int fail(std::string_view command, std::string_view path, const Error& error) {
  switch (error.code) {
    case ErrorCode::io:  // the library's message already names the path
      return fail(command, kUsage, error.message);
    case ErrorCode::invalid_argument:
      return fail(command, kUsage, std::string(path) + ": " + error.to_string());
    default:
      return fail(command, kInvalid, std::string(path) + ": " + error.to_string());
  }
}

namespace {

// The spec_version named by a spec_version_mismatch message ("snapshot
// spec_version 7, this runtime restores spec_version 1"), if it parses.
std::optional<std::uint32_t> found_spec_version(const Error& error) {
  constexpr std::string_view kPrefix = "snapshot spec_version ";
  std::string_view message = error.message;
  if (error.code != ErrorCode::spec_version_mismatch || !message.starts_with(kPrefix)) return std::nullopt;
  message.remove_prefix(kPrefix.size());
  std::uint32_t found = 0;
  auto [end, ec] = std::from_chars(message.data(), message.data() + message.size(), found);
  if (ec != std::errc() || end == message.data() || end == message.data() + message.size() || *end != ',') {
    return std::nullopt;
  }
  return found;
}

}  // namespace

Result<Snapshot> open_snapshot(const std::string& path, Verification verification,
                               std::optional<std::uint32_t> expected_spec_version) {
  OpenOptions options;
  options.verification = verification;
  options.threads = std::max(1u, std::thread::hardware_concurrency());
  options.expected_spec_version = expected_spec_version.value_or(kCurrentSpecVersion);
  Result<Snapshot> snapshot = Snapshot::open(path, options);
  if (snapshot || expected_spec_version) return snapshot;
  // Accept any spec_version. OpenOptions has no "any" value, and the library
  // checks spec_version after everything else the mode checks, so a mismatch
  // means the file passed those checks: open it again, expecting the version
  // it holds. (A library option for "any" would save this second open.)
  std::optional<std::uint32_t> found = found_spec_version(snapshot.error());
  if (!found) return snapshot;
  options.expected_spec_version = *found;
  return Snapshot::open(path, options);
}

}  // namespace bbsnap::tool
