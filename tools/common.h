// What every bbsnap command shares: exit codes, the one-line error report,
// opening a snapshot, and how each command adds itself to the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bbsnap/model.h"
#include "bbsnap/reader.h"
#include "bbsnap/status.h"

namespace CLI {
class App;
}

namespace bbsnap::tool {

// The exit status, the same for every command.
enum Exit : int {
  kOk = 0,       // success; for diff: the two states are equal
  kInvalid = 1,  // the data is invalid: a corrupt or refused snapshot, an invalid
                 // state document; for diff: the states differ (as diff(1) does)
  kUsage = 2,    // usage or I/O error: bad arguments, missing or unreadable input,
                 // unwritable destination, out of memory (the data may be fine)
};

// Prints "bbsnap COMMAND: MESSAGE" as one line on standard error.
void tell(std::string_view command, std::string_view message);
// tell(command, message); returns `code`.
int fail(std::string_view command, int code, std::string_view message);

// The exit status for a library error: io, out_of_memory (and
// invalid_argument, a misuse, and internal) are kUsage, anything said about
// the data is kInvalid.
int exit_code_of(const Error& error);

// Reports a library error about the file `path` and returns exit_code_of(error).
// Snapshot errors name the section and the byte offset.
int fail(std::string_view command, std::string_view path, const Error& error);

// How the commands open snapshots: `verification`, on one thread per core,
// loaded as `load` says. `expected_spec_version` nullopt accepts any
// spec_version, for the commands that inspect a file rather than restore it.
OpenOptions open_options(Verification verification, std::optional<std::uint32_t> expected_spec_version = std::nullopt,
                         Load load = Load::automatic);

// Snapshot::open(path, open_options(verification, expected_spec_version, load)).
Result<Snapshot> open_snapshot(const std::string& path, Verification verification,
                               std::optional<std::uint32_t> expected_spec_version = std::nullopt,
                               Load load = Load::automatic);

// Reads the state document `input` ("-": standard input) into `out`, refusing
// one longer than `max_input` bytes. On failure reports it as `command` and
// returns the exit status (kUsage: cannot read it; kInvalid: not a valid
// state document); kOk otherwise.
int read_state_document(std::string_view command, const std::string& input, std::uint64_t max_input,
                        TransientSnapshot& out);
// `--max-input` (default json::kDefaultMaxDocumentBytes) on a command that
// reads a state document, into `max_input`.
void add_max_input_option(CLI::App& command, std::uint64_t& max_input);
// Writes the state document of `snapshot` (verified in full: no view can
// fail halfway) to `output_path` (empty or "-": standard output), streamed
// from the mapping. On failure reports it as `command`, naming `source` (the
// snapshot's path) or the output, and returns the exit status; kOk otherwise.
int write_state_document(std::string_view command, const Snapshot& snapshot, const std::string& source,
                         const std::string& output_path);

// `--load map|read|auto` on a command that opens snapshots, into `load`.
void add_load_option(CLI::App& command, Load& load);
// "map", "read", "auto".
const char* load_name(Load load);

// Each command registers itself (options, help, example) on the `bbsnap` app;
// when it runs, its exit status goes to `exit_code`.
void add_pack_command(CLI::App& app, int& exit_code);
void add_dump_command(CLI::App& app, int& exit_code);
void add_verify_command(CLI::App& app, int& exit_code);
void add_info_command(CLI::App& app, int& exit_code);
void add_diff_command(CLI::App& app, int& exit_code);
void add_checkpoints_command(CLI::App& app, int& exit_code);

}  // namespace bbsnap::tool
