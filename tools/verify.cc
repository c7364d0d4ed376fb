// bbsnap verify SNAP.bbsnap [--expect-spec-version N]: full verification.
#include <charconv>
#include <cstdio>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common.h"

namespace bbsnap::tool {
namespace {

constexpr std::string_view kName = "verify";

struct VerifyOptions {
  std::string snapshot;
  std::uint32_t expected_spec_version = kCurrentSpecVersion;
  Load load = Load::automatic;
};

// CLI11 alone reads "010" as octal 8 and "0x1" as 1, and accepts "+1", " 1"
// and "" (as 0): a typo would check the file against another version. The
// option takes what a spec_version is written as everywhere else (JSON
// numbers, map keys): canonical decimal, up to 2^32 - 1.
// std::from_chars on an unsigned type takes digits only: no sign, no space.
std::string refuse_unless_plain_decimal_u32(const std::string& text) {
  std::uint32_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  const bool leading_zero = text.size() > 1 && text.front() == '0';
  if (!text.empty() && !leading_zero && error == std::errc{} && stop == end) return {};
  return "expected a decimal number from 0 to 4294967295, got '" + text + "'";
}

int run(const VerifyOptions& options) {
  // Full mode checks everything before it returns: header, section table,
  // padding, every checksum and FlatBuffer, the semantic rules, every slot
  // value's hash, and then spec_version.
  Result<Snapshot> snapshot = open_snapshot(options.snapshot, Verification::full, options.expected_spec_version, options.load);
  if (!snapshot) return fail(kName, options.snapshot, snapshot.error());

  // The summary reads metadata only; nothing can fail after full verification.
  std::uint64_t slots = 0;
  std::uint64_t value_bytes = 0;
  for (std::uint32_t chunk = 0; chunk < snapshot->slot_chunk_count(); ++chunk) {
    const fb::SlotChunk* c = *snapshot->slot_chunk(chunk);
    if (!c->slots()) continue;
    slots += c->slots()->size();
    for (const fb::SlotEntry* e : *c->slots()) value_bytes += e->value_length();
  }
  const std::uint32_t chunks = snapshot->slot_chunk_count();
  std::printf("ok %s: format %u, spec_version %u, %zu sections, %llu slots in %u chunk%s (%llu value bytes), "
              "%llu bytes\n",
              options.snapshot.c_str(), snapshot->header().format_version, snapshot->spec_version(),
              snapshot->sections().size(), static_cast<unsigned long long>(slots), chunks, chunks == 1 ? "" : "s",
              static_cast<unsigned long long>(value_bytes),
              static_cast<unsigned long long>(snapshot->header().file_length));
  if (std::fflush(stdout) != 0) return fail(kName, kUsage, "cannot write standard output");
  return kOk;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand(std::string(kName), "Check every byte of a snapshot");
  cmd->add_option("SNAP", options->snapshot, "the snapshot to check")->required();
  add_load_option(*cmd, options->load);
  cmd->add_option("--expect-spec-version", options->expected_spec_version,
                  "the spec_version the snapshot must hold")
      ->default_val(kCurrentSpecVersion)
      ->check(CLI::Validator(refuse_unless_plain_decimal_u32, "UINT"));
  cmd->footer(
      "Checks the header, the section table, every checksum (metadata and slot values),\n"
      "every FlatBuffer, the zero padding and the semantic rules (UTF-8 strings, map keys\n"
      "sorted and unique, slot index versus chunks), then the spec_version. Prints\n"
      "`ok` and a one-line summary (exit 0), or the first problem on standard error:\n"
      "code, section, byte offset, message (exit 1).\n"
      "\n"
      "Example:\n"
      "  bbsnap verify checkpoint.bbsnap --expect-spec-version 1");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace bbsnap::tool
