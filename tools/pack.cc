// bbsnap pack STATE.json OUT.bbsnap: a state document to a snapshot file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "bbsnap/json.h"
#include "bbsnap/writer.h"
#include "common.h"

namespace bbsnap::tool {
namespace {

constexpr std::string_view kName = "pack";

struct PackOptions {
  std::string input;
  std::string output;
};

// The whole document (parse_state needs it in one piece), from a file or
// standard input ("-"). False, with `problem` set, if it cannot be read.
bool read_input(const std::string& path, std::string& text, std::string& problem) {
  const bool stdin_input = path == "-";
  int fd = stdin_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    problem = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {  // EISDIR for a directory
      problem = "cannot read " + (stdin_input ? std::string("standard input") : path) + ": " + std::strerror(errno);
      if (!stdin_input) ::close(fd);
      return false;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  if (!stdin_input) ::close(fd);
  return true;
}

int run(const PackOptions& options) {
  if (options.output == "-") return fail(kName, kUsage, "OUT must be a file: a snapshot is written atomically");
  std::string document;
  std::string problem;
  if (!read_input(options.input, document, problem)) return fail(kName, kUsage, problem);
  const std::string source = options.input == "-" ? "<stdin>" : options.input;

  Result<TransientSnapshot> state = json::parse_state(document);
  if (!state) {
    const Error& e = state.error();
    if (e.code == ErrorCode::out_of_memory) return fail(kName, kUsage, source + ": " + e.message);
    // The message starts with the JSON path; a syntax error adds where it is.
    std::string where = e.offset == kNoOffset ? "" : " (byte " + std::to_string(e.offset) + ")";
    return fail(kName, kInvalid, source + ": " + e.message + where);
  }
  // Atomic and durable: OUT holds its old content or the whole new snapshot.
  if (Status s = write_snapshot(options.output, *state); !s) return fail(kName, options.output, s.error());
  return kOk;
}

}  // namespace

void add_pack_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PackOptions>();
  CLI::App* cmd = app.add_subcommand(std::string(kName), "Write a snapshot from a state document (JSON)");
  cmd->add_option("STATE", options->input, "the state document (shared/spec/STATE-JSON.md); - reads standard input")
      ->required();
  cmd->add_option("OUT", options->output, "the snapshot to write")->required();
  cmd->footer(
      "Reads the whole document and refuses it on its first problem, naming its JSON path\n"
      "(exit 1); nothing is written then. Otherwise writes OUT atomically: a temporary file\n"
      "beside it, fsync, rename. Equal states give byte-identical files.\n"
      "\n"
      "Example:\n"
      "  bbsnap pack state.json checkpoint.bbsnap\n"
      "  generate-state | bbsnap pack - checkpoint.bbsnap");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace bbsnap::tool
