// bbsnap pack STATE.json OUT.bbsnap: a state document to a snapshot file.
#include <cstdint>
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
  std::uint64_t max_input = json::kDefaultMaxDocumentBytes;
};

int run(const PackOptions& options) {
  if (options.output == "-") return fail(kName, kUsage, "OUT must be a file: a snapshot is written atomically");
  TransientSnapshot state;
  if (int code = read_state_document(kName, options.input, options.max_input, state); code != kOk) return code;
  // Atomic and durable: OUT holds its old content or the whole new snapshot.
  if (Status s = write_snapshot(options.output, state); !s) return fail(kName, options.output, s.error());
  return kOk;
}

}  // namespace

void add_pack_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PackOptions>();
  CLI::App* cmd = app.add_subcommand(std::string(kName), "Write a snapshot from a state document (JSON)");
  cmd->add_option("STATE", options->input, "the state document (shared/spec/STATE-JSON.md); - reads standard input")
      ->required();
  cmd->add_option("OUT", options->output, "the snapshot to write")->required();
  add_max_input_option(*cmd, options->max_input);
  cmd->footer(
      "Refuses the document on its first problem, naming its JSON path (exit 1); nothing is\n"
      "written then. A regular file is mapped and parsed in place (an invalid one is read\n"
      "whole first); anything else (standard input from a pipe, a FIFO, a device) is read\n"
      "64 KiB at a time and refused at most that far past the byte that makes it invalid, or\n"
      "as soon as it is longer than --max-input (default 64G; a regular file longer than that\n"
      "is refused before it is read).\n"
      "Memory is about the state's size plus a fixed buffer, not the document's on top.\n"
      "Otherwise writes OUT atomically: a temporary file beside it, fsync, rename. Equal\n"
      "states give byte-identical files.\n"
      "\n"
      "Example:\n"
      "  bbsnap pack state.json checkpoint.bbsnap\n"
      "  generate-state | bbsnap pack - checkpoint.bbsnap");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace bbsnap::tool
