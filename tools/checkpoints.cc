// bbsnap checkpoints list|commit|restore|prune DIR: a checkpoint directory
// (bbsnap/checkpoints.h) from scripts.
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "bbsnap/checkpoints.h"
#include "bbsnap/json.h"
#include "common.h"

namespace bbsnap::tool {
namespace {

struct CheckpointsOptions {
  std::string dir;
  std::string input;   // commit
  std::string output;  // restore; empty: standard output
  std::uint32_t keep = 3;
  bool table_only = false;  // prune: Retention::table instead of full
  std::uint64_t max_input = json::kDefaultMaxDocumentBytes;
  Load load = Load::automatic;
};

// "2026-12-07T17:15:34.123Z" (UTC, milliseconds).
std::string utc_time(std::int64_t unix_ns) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>((unix_ns / 1'000'000) % 1000));
  return text;
}

void print_removed(const PruneReport& report) {
  for (const Generation& g : report.removed) {
    std::printf("removed generation %llu (%s)\n", static_cast<unsigned long long>(g.number), g.path.c_str());
  }
  for (const Generation& g : report.not_ours) {
    std::printf("left %s: not a snapshot file\n", g.path.c_str());
  }
}

int flushed(std::string_view command) {
  if (std::fflush(stdout) != 0) return fail(command, kUsage, "cannot write standard output");
  return kOk;
}

int list(const CheckpointsOptions& options) {
  constexpr std::string_view kName = "checkpoints list";
  Result<std::vector<Generation>> generations = list_generations(options.dir);
  if (!generations) return fail(kName, options.dir, generations.error());
  std::printf("%-20s  %-24s  %-11s  %-4s  %14s  %s\n", "generation", "committed (UTC)", "kind", "base", "bytes",
              "verifies");
  for (const Generation& g : *generations) {
    Result<Snapshot> opened = open_snapshot(g.path, Verification::full, kCurrentSpecVersion, options.load);
    const std::string verdict = opened ? "ok" : opened.error().to_string();
    std::printf("%-20llu  %-24s  %-11s  %-4s  %14llu  %s\n", static_cast<unsigned long long>(g.number),
                utc_time(g.modified_unix_ns).c_str(), "full", "-", static_cast<unsigned long long>(g.size),
                verdict.c_str());
  }
  return flushed(kName);
}

int commit(const CheckpointsOptions& options) {
  constexpr std::string_view kName = "checkpoints commit";
  TransientSnapshot state;
  if (int code = read_state_document(kName, options.input, options.max_input, state); code != kOk) return code;
  CheckpointOptions checkpoint;
  checkpoint.keep = options.keep;
  Result<CheckpointWriter> writer = CheckpointWriter::open(options.dir, checkpoint);
  if (!writer) return fail(kName, options.dir, writer.error());
  Result<CommitReport> report = writer->commit(state);
  if (!report) return fail(kName, options.dir, report.error());
  std::printf("committed generation %llu (%s, %llu bytes)\n", static_cast<unsigned long long>(report->committed.number),
              report->committed.path.c_str(), static_cast<unsigned long long>(report->committed.size));
  print_removed(report->pruned);
  if (report->prune_error) {
    // The generation is committed: say so on stdout, the failed removal on stderr.
    flushed(kName);
    return fail(kName, options.dir, *report->prune_error);
  }
  return flushed(kName);
}

int restore(const CheckpointsOptions& options) {
  constexpr std::string_view kName = "checkpoints restore";
  OpenOptions open = open_options(Verification::full, kCurrentSpecVersion, options.load);
  Result<std::optional<RestoredGeneration>> restored = restore_newest(options.dir, open);
  if (!restored) return fail(kName, options.dir, restored.error());
  if (!restored->has_value()) return fail(kName, kInvalid, options.dir + " holds no generation");
  const RestoredGeneration& r = **restored;
  for (const SkippedGeneration& s : r.skipped) {
    tell(kName, "skipped generation " + std::to_string(s.generation.number) + " (" + s.generation.path +
                       "): " + s.reason.to_string());
  }
  tell(kName, "restored generation " + std::to_string(r.generation.number) + " (" + r.generation.path + ")");

  return write_state_document(kName, r.snapshot, r.generation.path, options.output);
}

int prune(const CheckpointsOptions& options) {
  constexpr std::string_view kName = "checkpoints prune";
  CheckpointOptions checkpoint;
  checkpoint.keep = options.keep;
  checkpoint.retention = options.table_only ? Retention::table : Retention::full;
  Result<CheckpointWriter> writer = CheckpointWriter::open(options.dir, checkpoint);
  if (!writer) return fail(kName, options.dir, writer.error());
  Result<PruneReport> report = writer->prune(options.keep);
  if (!report) return fail(kName, options.dir, report.error());
  print_removed(*report);
  std::printf("kept %u intact generation%s\n", report->intact_kept, report->intact_kept == 1 ? "" : "s");
  return flushed(kName);
}

CLI::App* add(CLI::App& parent, const char* name, const char* what, const std::shared_ptr<CheckpointsOptions>& options,
              int (*run)(const CheckpointsOptions&), int& exit_code) {
  CLI::App* cmd = parent.add_subcommand(name, what);
  cmd->add_option("DIR", options->dir, "the checkpoint directory")->required();
  cmd->callback([options, run, &exit_code] { exit_code = run(*options); });
  return cmd;
}

void add_keep_option(CLI::App& cmd, CheckpointsOptions& options, bool required) {
  CLI::Option* keep = cmd.add_option("--keep", options.keep, "keep the newest N intact generations (N >= 1)")
                          ->check(CLI::Range(1u, 4294967295u));
  if (required) {
    keep->required();
  } else {
    keep->default_val(3);
  }
}

}  // namespace

void add_checkpoints_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckpointsOptions>();
  CLI::App* cmd = app.add_subcommand("checkpoints", "Keep numbered generations of a state in a directory");
  cmd->require_subcommand(1);
  cmd->footer(
      "A checkpoint directory holds generation N as <N, 20 digits>.bbsnap; every other file\n"
      "in it is left alone. One writer at a time (commit, prune: a lock file); list and\n"
      "restore may run while a commit does.\n"
      "\n"
      "Example:\n"
      "  bbsnap checkpoints commit ckpt/ state.json --keep 3\n"
      "  bbsnap checkpoints list ckpt/\n"
      "  bbsnap checkpoints restore ckpt/ -o state.json");

  CLI::App* list_cmd = add(*cmd, "list", "List the generations, newest first, and whether each verifies", options, list,
                           exit_code);
  add_load_option(*list_cmd, options->load);
  list_cmd->footer(
      "One line per generation: its number, when it was committed (the file's mtime), full\n"
      "or incremental, its base, its size, and `ok` or why it does not restore (a full\n"
      "verification expecting the current spec_version).");

  CLI::App* commit_cmd =
      add(*cmd, "commit", "Commit a state document (JSON) as the next generation", options, commit, exit_code);
  commit_cmd->add_option("STATE", options->input, "the state document; - reads standard input")->required();
  add_keep_option(*commit_cmd, *options, false);
  add_max_input_option(*commit_cmd, options->max_input);
  commit_cmd->footer(
      "Writes the next generation (1 + the highest number present) atomically and durably,\n"
      "then removes the generations older than the newest --keep intact ones (header and\n"
      "section table verify). Prints what it committed and removed. A failed removal\n"
      "leaves the commit in place and exits 2.");

  CLI::App* restore_cmd =
      add(*cmd, "restore", "Write the state of the newest generation that verifies", options, restore, exit_code);
  restore_cmd->add_option("-o,--output", options->output,
                          "write to this file (whole or not at all) instead of standard output");
  add_load_option(*restore_cmd, options->load);
  restore_cmd->footer(
      "Verifies generations newest first (in full, expecting the current spec_version) and\n"
      "writes the first good one's state document, as `bbsnap dump` does. Names each\n"
      "generation it skipped, with the reason, and the one it restored, on standard error.\n"
      "Exit 1 when the directory holds no generation or none verifies.");

  CLI::App* prune_cmd = add(*cmd, "prune", "Remove generations older than the newest N intact ones", options, prune,
                            exit_code);
  add_keep_option(*prune_cmd, *options, true);
  prune_cmd->add_flag("--table-only", options->table_only,
                      "count a generation intact when its header and section table verify (two small\n"
                      "reads each), as commit does, instead of every byte");
  prune_cmd->footer(
      "Counts generations newest first, keeps them until --keep of them verified in full,\n"
      "and removes every older one. With fewer intact generations, removes nothing.");
}

}  // namespace bbsnap::tool
