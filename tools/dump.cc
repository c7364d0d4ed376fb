// bbsnap dump SNAP.bbsnap [-o OUT.json]: the canonical state document.
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common.h"

namespace bbsnap::tool {
namespace {

constexpr std::string_view kName = "dump";

struct DumpOptions {
  std::string snapshot;
  std::string output;  // empty: standard output
  Load load = Load::automatic;
};

int run(const DumpOptions& options) {
  // Full verification first: once it passes no view can fail, so the
  // document is never cut short by damage halfway through.
  Result<Snapshot> snapshot = open_snapshot(options.snapshot, Verification::full, std::nullopt, options.load);
  if (!snapshot) return fail(kName, options.snapshot, snapshot.error());
  return write_state_document(kName, *snapshot, options.snapshot, options.output);
}

}  // namespace

void add_dump_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DumpOptions>();
  CLI::App* cmd = app.add_subcommand(std::string(kName), "Write a snapshot's state as canonical JSON");
  cmd->add_option("SNAP", options->snapshot, "the snapshot to read")->required();
  add_load_option(*cmd, options->load);
  cmd->add_option("-o,--output", options->output,
                  "write to this file (whole or not at all) instead of standard output");
  cmd->footer(
      "Verifies the whole snapshot (as verify does, but accepting any spec_version: dump\n"
      "shows it as framework.spec_version; `bbsnap verify --expect-spec-version N` checks it),\n"
      "then writes the state document of shared/spec/STATE-JSON.md:\n"
      "every key in the spec's order, maps sorted, lowercase hex, two-space indentation.\n"
      "The document streams from the mapped file; it is never built in memory.\n"
      "`bbsnap pack` of the output gives the same state back, in a file of the current\n"
      "format version: byte-identical to SNAP when SNAP is of that version and was\n"
      "written with the default options (as `bbsnap pack` writes).\n"
      "\n"
      "Example:\n"
      "  bbsnap dump checkpoint.bbsnap | less\n"
      "  bbsnap dump checkpoint.bbsnap -o state.json");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace bbsnap::tool
