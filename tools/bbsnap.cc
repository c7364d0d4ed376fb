// bbsnap: the command-line tool for .bbsnap snapshot files. Each command lives
// in its own file (pack.cc, dump.cc, verify.cc, info.cc, diff.cc,
// checkpoints.cc); this one parses the command line and maps every failure
// to the common exit codes.
#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include <CLI/CLI.hpp>

#include "bbsnap/format.h"
#include "common.h"

#ifndef BBSNAP_VERSION
#error "BBSNAP_VERSION is set by meson from the project version"
#endif

namespace {

constexpr const char* kFooter =
    "Exit status (every command): 0 success (diff: no difference); 1 the data is\n"
    "invalid: a corrupt or refused snapshot, an invalid state document (diff: the states\n"
    "differ); 2 usage or I/O error, or out of memory. Errors are one line on standard\n"
    "error, naming the JSON path in a document, or the section and byte offset in a\n"
    "snapshot.\n"
    "\n"
    "Examples:\n"
    "  bbsnap pack state.json checkpoint.bbsnap\n"
    "  bbsnap verify checkpoint.bbsnap\n"
    "  bbsnap info checkpoint.bbsnap --json\n"
    "  bbsnap dump checkpoint.bbsnap -o state.json\n"
    "  bbsnap diff old.bbsnap new.bbsnap\n"
    "  bbsnap checkpoints commit ckpt/ state.json --keep 3\n"
    "`bbsnap COMMAND --help` explains each command.";

// The innermost command the user named, for "bbsnap pack: ..." messages.
std::string command_path(const CLI::App& app) {
  std::string path = "bbsnap";
  for (const CLI::App* sub : app.get_subcommands()) path += " " + sub->get_name();
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bbsnap::tool;
  // A reader that stops early (`bbsnap dump F | head`) would otherwise kill
  // the process with SIGPIPE (status 141, no message); ignored, the write
  // fails with EPIPE and the command reports it and exits 2, as documented.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app("bbsnap " BBSNAP_VERSION ": pack, check, inspect and compare .bbsnap snapshot files", "bbsnap");
  app.set_version_flag("--version", "bbsnap " BBSNAP_VERSION " (file format version " +
                                        std::to_string(bbsnap::format::kFormatVersion) + ")");
  app.require_subcommand(1);

  int exit_code = kOk;
  add_pack_command(app, exit_code);
  add_dump_command(app, exit_code);
  add_verify_command(app, exit_code);
  add_info_command(app, exit_code);
  add_diff_command(app, exit_code);
  add_checkpoints_command(app, exit_code);
  app.footer(kFooter);  // after the commands: a subcommand copies its parent's footer when added

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string command = command_path(app);
    std::string message = e.what();
    if (app.get_subcommands().empty() && argc > 1 && argv[1][0] != '-') {
      message = "unknown command '" + std::string(argv[1]) + "'";  // CLI11 would only say one is required
    }
    std::fprintf(stderr, "%s: %s (see %s --help)\n", command.c_str(), message.c_str(), command.c_str());
    return kUsage;
  } catch (const std::bad_alloc&) {  // in the tool's own code (the library returns out_of_memory)
    std::fputs("bbsnap: out of memory\n", stderr);  // nothing that allocates again
    return kUsage;
  } catch (const std::exception& e) {  // nothing was committed
    std::fprintf(stderr, "bbsnap: %s\n", e.what());
    return kUsage;
  }
  return exit_code;
}
