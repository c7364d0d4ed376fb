// bbsnap info SNAP.bbsnap [--json]: the container, section by section.
#include <cinttypes>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "common.h"

namespace bbsnap::tool {
namespace {

constexpr std::string_view kName = "info";

constexpr const char* kEntriesHelp =
    "Entries per section kind: slot_chunk: slots; slot_index: chunk summaries;\n"
    "frontier: items; pending_async, execution_state, wire_states: map entries;\n"
    "bus: event kinds; ingress: events; pending_completions: completions;\n"
    "framework: counters + fired phases + address book entries + blocklist,\n"
    "allowlist and health entries + backoff entries + pending outbound envelopes\n"
    "(--json breaks this sum down); unknown kinds: none (-).";

struct InfoOptions {
  std::string snapshot;
  bool json = false;
  Load load = Load::automatic;
};

struct SectionInfo {
  enum class Check {
    ok,         // checked in full, slot values included
    damaged,    // `error` is its own
    unchecked,  // a slot chunk behind a damaged slot_index: `error` is the index's
  };
  std::string name;  // "framework", "slot_chunk[3]", "kind_42"
  const format::SectionEntry* entry = nullptr;
  Check check = Check::ok;
  std::optional<Error> error;
  std::optional<std::uint64_t> entries;  // only for a section that passed its check
  nlohmann::ordered_json detail;         // framework: the sum's terms
};

const char* check_name(SectionInfo::Check check) {
  switch (check) {
    case SectionInfo::Check::ok: return "ok";
    case SectionInfo::Check::damaged: return "damaged";
    case SectionInfo::Check::unchecked: return "unchecked";
  }
  return "?";
}

template <class V>
std::uint64_t size(const V* v) {
  return v ? v->size() : 0;
}

nlohmann::ordered_json framework_detail(const fb::Framework* f) {
  const fb::PeerGovernor* g = f->peer_governor();
  return {
      {"counters", size(f->counters())},
      {"fired_phases", size(f->fired_phases())},
      {"address_book", size(f->address_book())},
      {"blocklist", g ? size(g->blocklist()) : 0},
      {"allowlist", g ? size(g->allowlist()) : 0},
      {"health", g ? size(g->health()) : 0},
      {"backoff_table", size(f->backoff_table())},
      {"pending_outbound", size(f->pending_outbound())},
  };
}

// Counts the entries of a section that passed check_section_fully.
Status count_entries(const Snapshot& snapshot, std::uint32_t chunk, SectionInfo& info) {
  using format::SectionKind;
  auto count = [&](auto result, auto entries_of) -> Status {
    if (!result) return std::move(result).error();
    info.entries = size(entries_of(*result));
    return {};
  };
  switch (static_cast<SectionKind>(info.entry->kind)) {
    case SectionKind::slot_chunk:
      return count(snapshot.slot_chunk(chunk), [](auto* c) { return c->slots(); });
    case SectionKind::slot_index: {
      // No view of its own: its summaries are one per chunk, and a chunk's
      // check includes its summary.
      info.entries = snapshot.slot_chunk_count();
      return {};
    }
    case SectionKind::frontier: return count(snapshot.frontier(), [](auto* f) { return f->items(); });
    case SectionKind::pending_async: return count(snapshot.pending_async_table(), [](auto* t) { return t->entries(); });
    case SectionKind::execution_state:
      return count(snapshot.execution_state_table(), [](auto* t) { return t->entries(); });
    case SectionKind::wire_states: return count(snapshot.wire_states(), [](auto* t) { return t->entries(); });
    case SectionKind::bus: return count(snapshot.bus(), [](auto* b) { return b->event_subscriptions(); });
    case SectionKind::ingress: return count(snapshot.ingress(), [](auto* i) { return i->events(); });
    case SectionKind::pending_completions:
      return count(snapshot.pending_completions(), [](auto* p) { return p->entries(); });
    case SectionKind::framework: {
      BBSNAP_ASSIGN_OR_RETURN(const fb::Framework* f, snapshot.framework());
      info.detail = framework_detail(f);
      std::uint64_t sum = 0;
      for (const auto& term : info.detail) sum += term.get<std::uint64_t>();
      info.entries = sum;
      return {};
    }
  }
  return {};  // an unknown kind: checked, not counted
}

std::string hex64(std::uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, v);
  return text;
}

void print_text(const std::string& path, const Snapshot& snapshot, const std::vector<SectionInfo>& sections) {
  const format::Header& h = snapshot.header();
  std::printf("file            %s\n", path.c_str());
  std::printf("file size       %" PRIu64 " bytes\n", h.file_length);
  std::printf("load            %s\n", load_name(snapshot.load()));
  std::printf("format_version  %u\n", h.format_version);
  std::printf("spec_version    %u\n", snapshot.spec_version());
  std::printf("sections        %u (table at offset %" PRIu64 ", checksum %s)\n", h.section_count, h.table_offset,
              hex64(h.table_checksum).c_str());
  std::printf("\n  #  %-20s %12s %12s %12s  %-16s %9s\n", "kind", "offset", "length", "payload", "checksum", "entries");
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const SectionInfo& s = sections[i];
    std::string entries = s.check != SectionInfo::Check::ok ? check_name(s.check)
                          : s.entries                           ? std::to_string(*s.entries)
                                                                : "-";
    std::printf("%3zu  %-20s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "  %-16s %9s\n", i, s.name.c_str(),
                s.entry->offset, s.entry->length, s.entry->payload_length, hex64(s.entry->checksum).c_str(),
                entries.c_str());
  }
}

void print_json(const std::string& path, const Snapshot& snapshot, const std::vector<SectionInfo>& sections) {
  const format::Header& h = snapshot.header();
  nlohmann::ordered_json doc = {
      {"file", path},
      {"file_size", h.file_length},
      {"load", load_name(snapshot.load())},
      {"format_version", h.format_version},
      {"spec_version", snapshot.spec_version()},
      {"table_offset", h.table_offset},
      {"table_checksum", hex64(h.table_checksum)},
      {"section_count", h.section_count},
      {"sections", nlohmann::ordered_json::array()},
  };
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const SectionInfo& s = sections[i];
    nlohmann::ordered_json section = {
        {"index", i},
        {"name", s.name},
        {"kind", format::section_kind_name(s.entry->kind)},
        {"kind_id", s.entry->kind},
        {"flags", s.entry->flags},
        {"offset", s.entry->offset},
        {"length", s.entry->length},
        {"payload_length", s.entry->payload_length},
        {"checksum", hex64(s.entry->checksum)},
        {"check", check_name(s.check)},
        {"entries", s.entries ? nlohmann::ordered_json(*s.entries) : nlohmann::ordered_json(nullptr)},
    };
    if (s.error) section["error"] = s.error->to_string();
    if (!s.detail.is_null()) section["entries_detail"] = s.detail;
    doc["sections"].push_back(std::move(section));
  }
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
}

// Checks section `index` in full, then counts its entries.
SectionInfo describe(const Snapshot& snapshot, std::uint32_t index, std::uint32_t chunk) {
  SectionInfo info;
  info.entry = &snapshot.sections()[index];
  info.name = format::section_kind_name(info.entry->kind);
  if (info.entry->kind == static_cast<std::uint32_t>(format::SectionKind::slot_chunk)) {
    info.name += "[" + std::to_string(chunk) + "]";
  }
  Status checked = snapshot.check_section_fully(index);
  if (checked) checked = count_entries(snapshot, chunk, info);  // cannot fail once checked
  if (!checked) {
    info.check = checked.error().section == info.name ? SectionInfo::Check::damaged : SectionInfo::Check::unchecked;
    info.error = std::move(checked).error();
    info.entries.reset();
    info.detail = nullptr;
  }
  return info;
}

int run(const InfoOptions& options) {
  // Lazy: the header, the table and spec_version now (what every line
  // needs: the file is refused if they are damaged), then each section in
  // full, so that a damaged one is listed as such rather than counted.
  Result<Snapshot> snapshot = open_snapshot(options.snapshot, Verification::lazy, std::nullopt, options.load);
  if (!snapshot) return fail(kName, options.snapshot, snapshot.error());

  std::vector<SectionInfo> sections;
  std::uint32_t chunk = 0;
  for (std::uint32_t i = 0; i < snapshot->sections().size(); ++i) {
    sections.push_back(describe(*snapshot, i, chunk));
    if (sections.back().entry->kind == static_cast<std::uint32_t>(format::SectionKind::slot_chunk)) ++chunk;
  }
  if (options.json) {
    print_json(options.snapshot, *snapshot, sections);
  } else {
    print_text(options.snapshot, *snapshot, sections);
  }
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0) return fail(kName, kUsage, "cannot write standard output");
  // Each damaged section's own error, one line each, in table order.
  int exit_code = kOk;
  for (const SectionInfo& s : sections) {
    if (s.check == SectionInfo::Check::damaged) exit_code = fail(kName, options.snapshot, *s.error);
  }
  return exit_code;
}

}  // namespace

void add_info_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InfoOptions>();
  CLI::App* cmd = app.add_subcommand(std::string(kName), "Show a snapshot's header and sections");
  cmd->add_option("SNAP", options->snapshot, "the snapshot to describe")->required();
  cmd->add_flag("--json", options->json, "one JSON object, for scripts");
  add_load_option(*cmd, options->load);
  cmd->footer(std::string(
                  "Shows the format version, spec_version and file size, then per section: kind,\n"
                  "offset, length, payload length, metadata checksum and number of entries.\n"
                  "Checks every section as verify does, slot values included, and lists a damaged\n"
                  "section with \"damaged\" for its entries (a slot chunk behind a damaged slot_index:\n"
                  "\"unchecked\"); each damaged section's error follows on standard error, and the\n"
                  "exit status is 1. A damaged header, section table or framework section (which\n"
                  "holds spec_version) shows only its error. Any spec_version is shown, not checked.\n"
                  "--json adds per section \"check\": ok, damaged or unchecked, and \"error\".\n"
                  "\n") +
              kEntriesHelp +
              "\n\n"
              "Example:\n"
              "  bbsnap info checkpoint.bbsnap\n"
              "  bbsnap info checkpoint.bbsnap --json | jq '.sections[] | select(.kind == \"slot_chunk\")'");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace bbsnap::tool
