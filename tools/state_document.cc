// Reading a state document for `pack` and `checkpoints commit`: a file or
// standard input, each failure mapped to its exit status.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bbsnap/json.h"
#include "common.h"

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

}  // namespace bbsnap::tool
