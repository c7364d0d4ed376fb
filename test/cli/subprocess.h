// Runs the bbsnap command as a subprocess, as users do: arguments, standard
// input, and what it wrote to standard output and standard error.
#pragma once

#include <string>
#include <vector>

namespace bbsnap::testing {

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
};

// Runs `program` with `args` (no shell), feeding `input` to its standard input.
RunResult run_program(const std::string& program, const std::vector<std::string>& args, const std::string& input = {});

// The bbsnap executable under test: $BBSNAP, set by meson.
const std::string& bbsnap_path();

// run_program(bbsnap_path(), args, input).
RunResult run_bbsnap(const std::vector<std::string>& args, const std::string& input = {});

}  // namespace bbsnap::testing
