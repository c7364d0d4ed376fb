#include "common.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>

namespace bbsnap::tool {

void tell(std::string_view command, std::string_view message) {
  std::string line = "bbsnap ";
  line += command;
  line += ": ";
  // One line whatever the message holds (a file name with a newline, say).
  for (char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  std::fflush(stdout);
  std::fputs(line.c_str(), stderr);
}

int fail(std::string_view command, int code, std::string_view message) {
  tell(command, message);
  return code;
}

int exit_code_of(const Error& error) {
  switch (error.code) {
    case ErrorCode::io:
    case ErrorCode::out_of_memory:
    case ErrorCode::invalid_argument:
    case ErrorCode::internal:  // not a property of the file: exit 2, as for the other failures of the tool
      return kUsage;
    default: return kInvalid;
  }
}

int fail(std::string_view command, std::string_view path, const Error& error) {
  const int code = exit_code_of(error);
  switch (error.code) {
    case ErrorCode::io:  // the library's message already names the path
      return fail(command, code, error.message);
    case ErrorCode::out_of_memory: return fail(command, code, std::string(path) + ": " + error.message);
    default: return fail(command, code, std::string(path) + ": " + error.to_string());
  }
}

OpenOptions open_options(Verification verification, std::optional<std::uint32_t> expected_spec_version, Load load) {
  OpenOptions options;
  options.verification = verification;
  options.load = load;
  // Asked once: glibc reads /sys on each call, which cost more than verifying
  // a small file (the corruption sweep opens hundreds of thousands in-process).
  static const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  options.threads = cores;
  options.expected_spec_version = expected_spec_version;  // nullopt: any
  return options;
}

Result<Snapshot> open_snapshot(const std::string& path, Verification verification,
                               std::optional<std::uint32_t> expected_spec_version, Load load) {
  return Snapshot::open(path, open_options(verification, expected_spec_version, load));
}

const char* load_name(Load load) {
  switch (load) {
    case Load::map: return "map";
    case Load::read: return "read";
    case Load::automatic: return "auto";
  }
  return "?";
}

void add_load_option(CLI::App& command, Load& load) {
  command
      .add_option_function<std::string>(
          "--load",
          [&load](const std::string& name) {
            load = name == "map" ? Load::map : name == "read" ? Load::read : Load::automatic;
          },
          "map: mmap the file; read: pread it into memory (an I/O error or a truncation\n"
          "is reported, never a crash); auto: read on network and FUSE file systems,\n"
          "map elsewhere (the default)")
      ->check(CLI::IsMember({"map", "read", "auto"}));
}

}  // namespace bbsnap::tool
