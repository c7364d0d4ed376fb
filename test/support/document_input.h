// One state document through each kind of input json::read_state() takes,
// for tests that the readers agree: a regular file (mapped, simdjson) and a
// pipe (read in pieces, nlohmann), next to json::parse_state() on memory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "bbsnap/json.h"

namespace bbsnap::testing {

// `text` written to a memfd (a regular file) and read from its start.
Result<TransientSnapshot> read_state_from_file(std::string_view text, const json::ReadOptions& options = {});

// `text` written into a pipe by a thread, which then closes it (or stops
// when the reader has closed its end), and read from the pipe.
Result<TransientSnapshot> read_state_from_pipe(std::string_view text, const json::ReadOptions& options = {});

// Documents near the line between what the fast reader takes and what it
// leaves to the reference reader: literals, numbers, strings, escapes,
// structure, and what may follow the document.
const std::vector<std::string>& borderline_documents();

// "ok" or the error's code, offset and message: equal for equal outcomes
// (states are compared separately).
std::string outcome(const Result<TransientSnapshot>& result);

}  // namespace bbsnap::testing
