// The state document in and out of the commands: read for `pack` and
// `checkpoints commit` (a file or standard input), written for `dump` and
// `checkpoints restore` (standard output or a file written whole), each
// failure mapped to its exit status.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <CLI/CLI.hpp>

#include "bbsnap/json.h"
#include "common.h"
#include "output.h"
#include "view_json.h"

namespace bbsnap::tool {

int read_state_document(std::string_view command, const std::string& input, std::uint64_t max_input,
                        TransientSnapshot& out) {
  const bool stdin_input = input == "-";
  const int fd = stdin_input ? STDIN_FILENO : ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(command, kUsage, "cannot open " + input + ": " + std::strerror(errno));
  Result<TransientSnapshot> state = json::read_state(fd, {.max_bytes = max_input});
  if (!stdin_input) ::close(fd);
  if (state) {
    out = std::move(state).value();
    return kOk;
  }
  const std::string source = stdin_input ? "<stdin>" : input;
  const Error& e = state.error();
  switch (e.code) {
    case ErrorCode::io:  // EISDIR for a directory
      return fail(command, kUsage,
                  "cannot read " + (stdin_input ? std::string("standard input") : input) + ": " + e.message);
    case ErrorCode::out_of_memory: return fail(command, kUsage, source + ": " + e.message);
    case ErrorCode::limit_exceeded: return fail(command, kInvalid, source + ": " + e.message + " (--max-input)");
    default: {
      // The message starts with the JSON path; a syntax error adds where it is.
      std::string where = e.offset == kNoOffset ? "" : " (byte " + std::to_string(e.offset) + ")";
      return fail(command, kInvalid, source + ": " + e.message + where);
    }
  }
}

int write_state_document(std::string_view command, const Snapshot& snapshot, const std::string& source,
                         const std::string& output_path) {
  Result<std::unique_ptr<Output>> out = Output::open(output_path);
  if (!out) return fail(command, output_path, out.error());
  Output& output = **out;
  json::Emitter emitter(output.stream());
  // Streams from the mapping: a failed write (full disk, closed pipe) stops the walk.
  Status walked = emit_state(snapshot, emitter, [&] { return output.good(); });
  if (!walked) return fail(command, source, walked.error());
  if (Status s = output.commit(); !s) return fail(command, output_path, s.error());
  return kOk;
}

void add_max_input_option(CLI::App& command, std::uint64_t& max_input) {
  command
      .add_option("--max-input", max_input,
                  "refuse a document longer than this many bytes (suffixes K, M, G, T: powers of 1024)")
      ->transform(CLI::AsSizeValue(false))
      ->default_str(std::to_string(json::kDefaultMaxDocumentBytes >> 30) + "G");
}

}  // namespace bbsnap::tool
