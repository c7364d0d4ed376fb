// bbsnap diff A.bbsnap B.bbsnap [--json]: what differs between two snapshots.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "common.h"
#include "state_diff.h"

namespace bbsnap::tool {
namespace {

constexpr std::string_view kName = "diff";
constexpr std::size_t kMaxShown = 120;  // characters of one value in the text output

using Json = nlohmann::ordered_json;

struct DiffOptions {
  std::string a;
  std::string b;
  bool json = false;
  Load load = Load::automatic;
};

std::string status_name(SectionComparison::Status s) {
  switch (s) {
    case SectionComparison::Status::equal: return "equal";
    case SectionComparison::Status::moved: return "moved";
    case SectionComparison::Status::differs: return "differs";
    case SectionComparison::Status::only_in_a: return "only_in_a";
    case SectionComparison::Status::only_in_b: return "only_in_b";
  }
  return "?";
}

std::string change_name(Difference::Change c) {
  switch (c) {
    case Difference::Change::added: return "added";
    case Difference::Change::removed: return "removed";
    case Difference::Change::changed: return "changed";
  }
  return "?";
}

std::string dump(const Json& v) { return v.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string key_text(const Difference& d) {
  switch (d.key_kind) {
    case Difference::Key::none: return "";
    case Difference::Key::position: return "[" + dump(d.key) + "]";
    case Difference::Key::map_key: return "[" + dump(d.key) + "]";
    case Difference::Key::peer: return " peer " + d.key.get<std::string>();
    case Difference::Key::slot: return " (site " + dump(d.key["site"]) + ", exec " + dump(d.key["exec"]) + ")";
  }
  return "";
}

std::string value_text(const Difference& d, const Json& v) {
  if (d.key_kind == Difference::Key::slot) return v.is_null() ? "null" : dump(v) + " bytes";
  std::string text = dump(v);
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown - 3) + "... (" + std::to_string(text.size()) + " chars)";
  return text;
}

std::string line(const Difference& d) {
  static constexpr const char* kSymbol[] = {"+", "-", "~"};
  std::string out = std::string(kSymbol[static_cast<int>(d.change)]) + " " + d.area + key_text(d);
  if (d.before && d.after) {
    out += ": " + value_text(d, *d.before) + " -> " + value_text(d, *d.after);
  } else if (d.before || d.after) {
    out += ": " + value_text(d, d.before ? *d.before : *d.after);
  }
  if (!d.note.empty()) out += (d.before || d.after ? ", " : ": ") + d.note;
  return out;
}

void print_text(const DiffOptions& options, const StateDiff& diff) {
  std::cout << "--- " << options.a << "\n+++ " << options.b << "\n";
  // sections: 2 differ (slot_chunk[0], framework), 4 moved (bus, ...), 4 equal
  std::string summary;
  for (auto status : {SectionComparison::Status::differs, SectionComparison::Status::only_in_a,
                      SectionComparison::Status::only_in_b, SectionComparison::Status::moved,
                      SectionComparison::Status::equal}) {
    std::string names;
    std::size_t count = 0;
    for (const SectionComparison& s : diff.sections) {
      if (s.status != status) continue;
      names += (count++ ? ", " : "") + s.name;
    }
    if (count == 0) continue;
    std::string label = status == SectionComparison::Status::differs ? "differ" : status_name(status);
    summary += (summary.empty() ? "" : ", ") + std::to_string(count) + " " + label;
    if (status != SectionComparison::Status::equal) summary += " (" + names + ")";
  }
  std::cout << "sections: " << summary << "\n";
  for (const Difference& d : diff.differences) std::cout << line(d) << "\n";
  if (diff.differences.empty()) {
    std::cout << "no difference in the state\n";
  } else {
    std::cout << diff.differences.size() << (diff.differences.size() == 1 ? " difference\n" : " differences\n");
  }
}

void print_json(const DiffOptions& options, const StateDiff& diff) {
  Json doc = {{"a", options.a}, {"b", options.b}, {"equal", diff.differences.empty()}};
  doc["sections"] = Json::array();
  for (const SectionComparison& s : diff.sections) {
    doc["sections"].push_back({{"name", s.name}, {"status", status_name(s.status)}});
  }
  doc["differences"] = Json::array();
  for (const Difference& d : diff.differences) {
    Json item = {{"section", d.section}, {"area", d.area}, {"change", change_name(d.change)}};
    if (d.key_kind != Difference::Key::none) item["key"] = d.key;
    if (d.before) item["old"] = *d.before;
    if (d.after) item["new"] = *d.after;
    if (!d.note.empty()) item["note"] = d.note;
    doc["differences"].push_back(std::move(item));
  }
  std::cout << dump(doc) << "\n";
}

int run(const DiffOptions& options) {
  // Both files verified in full first: damage that leaves a table entry
  // equal (a flipped value or padding byte) must not pass as "equal".
  DiffOutcome outcome = diff_files(options.a, options.b, options.load);
  if (outcome.refusal) return fail(kName, outcome.refusal->side == 0 ? options.a : options.b, outcome.refusal->error);
  const StateDiff& diff = outcome.diff;
  if (options.json) {
    print_json(options, diff);
  } else {
    print_text(options, diff);
  }
  std::cout.flush();
  if (!std::cout) return fail(kName, kUsage, "cannot write standard output");
  return diff.differences.empty() ? kOk : kInvalid;
}

}  // namespace

void add_diff_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<DiffOptions>();
  CLI::App* cmd = app.add_subcommand(std::string(kName), "Show what differs between two snapshots");
  cmd->add_option("A", options->a, "the old snapshot")->required();
  cmd->add_option("B", options->b, "the new snapshot")->required();
  cmd->add_flag("--json", options->json, "one JSON object, for scripts");
  add_load_option(*cmd, options->load);
  cmd->footer(
      "Verifies both snapshots in full first, as verify does but accepting any spec_version\n"
      "(a changed one shows as a difference): a damaged snapshot is reported as verify\n"
      "reports it, naming the file, and nothing is compared (exit 1).\n"
      "Then the sections: equal (same table entry, so the same bytes: not compared\n"
      "further), moved (another offset or encoding, same content), differ, or only in one\n"
      "file. Then one line per difference in the state, in document order, with the\n"
      "document's names:\n"
      "  + added, - removed, ~ changed (old -> new)\n"
      "slots by (site, exec) with their sizes; map entries (counters, pending_async,\n"
      "execution_state, bus, wire_states) by key; peers added, removed or changed in each\n"
      "registry (address_book, blocklist, allowlist, health, backoff_table); lists\n"
      "(frontier, fired_phases, pending_outbound, ingress, pending_completions) by position;\n"
      "scalar fields. Exit 0: no difference; 1: the states differ (as diff(1)), or a\n"
      "snapshot is damaged (the error on standard error, nothing on standard output).\n"
      "--json: {\"equal\", \"sections\": [{name, status}], \"differences\": [{section, area,\n"
      "change, key, old, new, note}]}; for slots, old/new are sizes in bytes or null.\n"
      "\n"
      "Example:\n"
      "  bbsnap diff yesterday.bbsnap today.bbsnap");
  cmd->callback([options, &exit_code] { exit_code = run(*options); });
}

}  // namespace bbsnap::tool
