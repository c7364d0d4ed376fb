#include "doc_variants.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <initializer_list>
#include <random>
#include <string_view>
#include <vector>

namespace bbsnap::testing {
namespace {

using nlohmann::json;

// A position in the document: member names and array indexes.
struct Segment {
  std::string name;
  std::size_t index = 0;
  bool is_index = false;
};
using Path = std::vector<Segment>;

// Pattern tokens: "*" any array index, "0"/"1" that index, "K" any member
// name (a map key), anything else that member name.
bool matches(const Path& path, std::initializer_list<std::string_view> pattern) {
  if (path.size() != pattern.size()) return false;
  std::size_t i = 0;
  for (std::string_view p : pattern) {
    const Segment& s = path[i++];
    if (p == "*") {
      if (!s.is_index) return false;
    } else if (p == "K") {
      if (s.is_index) return false;
    } else if (std::isdigit(static_cast<unsigned char>(p[0]))) {
      if (!s.is_index || s.index != static_cast<std::size_t>(p[0] - '0')) return false;
    } else if (s.is_index || s.name != p) {
      return false;
    }
  }
  return true;
}

// Where the shape (STATE-JSON.md) has byte strings.
bool is_hex(const Path& p) {
  return matches(p, {"slot_table", "*", "value"}) || matches(p, {"framework", "address_book", "*", "peer_id"}) ||
         matches(p, {"framework", "address_book", "*", "addresses", "*"}) ||
         matches(p, {"framework", "peer_governor", "blocklist", "*"}) ||
         matches(p, {"framework", "peer_governor", "allowlist", "*"}) ||
         matches(p, {"framework", "peer_governor", "health", "*", "0"}) ||
         matches(p, {"framework", "backoff_table", "*", "peer"}) ||
         matches(p, {"framework", "pending_outbound", "*", "envelope_bytes"}) ||
         matches(p, {"framework", "peer_id_bytes"}) || matches(p, {"ingress", "*", "Envelope"}) ||
         matches(p, {"ingress", "*", "AppEvent", "value_bytes"}) ||
         matches(p, {"ingress", "*", "Invoke", "inputs", "*", "1"}) ||
         matches(p, {"ingress", "*", "Completion", "results", "*"}) || matches(p, {"wire_states", "K"}) ||
         matches(p, {"pending_completions", "*", "results", "*", "1"});
}

// Objects whose members are data (map entries, the ingress variant tag), not
// struct fields with a missing-key value.
bool is_map(const Path& p) {
  return matches(p, {"pending_async"}) || matches(p, {"execution_state"}) || matches(p, {"framework", "counters"}) ||
         matches(p, {"bus", "event_subscriptions"}) || matches(p, {"wire_states"}) || matches(p, {"ingress", "*"});
}

// Option fields: missing is null, and [] / "" / 0 are values.
bool is_option(const Path& p) {
  return matches(p, {"slot_table", "*", "value"}) || matches(p, {"framework", "peer_governor", "allowlist"}) ||
         matches(p, {"pending_async", "K", "deadline_ns"});
}

// A struct field may be left out if it holds what a missing key means.
bool droppable(const Path& p, const json& v) {
  if (is_option(p)) return v.is_null();
  if (matches(p, {"framework", "spec_version"})) return v == 1;
  return (v.is_array() && v.empty()) || (v.is_object() && v.empty()) || v == 0 || v == false ||
         (v.is_string() && v.get_ref<const std::string&>().empty());
}

Path child(const Path& p, std::string name) {
  Path c = p;
  c.push_back({std::move(name), 0, false});
  return c;
}
Path child(const Path& p, std::size_t index) {
  Path c = p;
  c.push_back({{}, index, true});
  return c;
}

class Writer {
 public:
  Writer(std::uint64_t seed, const VariantOptions& options, bool mixed)
      : rng_(seed), options_(options), mixed_(mixed) {}

  std::string text(const json& doc) {
    json v = options_.drop_defaults ? drop({}, doc) : doc;
    write({}, v);
    space();
    return std::move(out_);
  }

 private:
  // With `mixed`, each enabled variation applies to about half of the places.
  bool apply(bool enabled) { return enabled && (!mixed_ || rng_() % 2 == 0); }

  json drop(const Path& path, const json& v) {
    if (v.is_array()) {
      json out = json::array();
      for (std::size_t i = 0; i < v.size(); ++i) out.push_back(drop(child(path, i), v[i]));
      return out;
    }
    if (!v.is_object()) return v;
    json out = json::object();
    for (const auto& [name, member] : v.items()) {
      Path c = child(path, name);
      json m = drop(c, member);
      if (!is_map(path) && droppable(c, m) && apply(true)) continue;
      out[name] = std::move(m);
    }
    return out;
  }

  void space() {
    if (!apply(options_.odd_whitespace)) return;
    static constexpr std::string_view kSpaces[] = {" ", "\n", "\t", "\r\n", "  \t "};
    out_ += kSpaces[rng_() % std::size(kSpaces)];
  }

  void write(const Path& path, const json& v) {
    space();
    if (v.is_object()) {
      std::vector<std::string> names;
      for (const auto& [name, member] : v.items()) names.push_back(name);
      if (apply(options_.shuffle_keys)) std::shuffle(names.begin(), names.end(), rng_);
      out_ += '{';
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) out_ += ',';
        space();
        string(names[i]);
        space();
        out_ += ':';
        write(child(path, names[i]), v.at(names[i]));
      }
      space();
      out_ += '}';
    } else if (v.is_array()) {
      out_ += '[';
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (i) out_ += ',';
        write(child(path, i), v[i]);
      }
      space();
      out_ += ']';
    } else if (v.is_string()) {
      std::string s = v.get<std::string>();
      if (is_hex(path) && apply(options_.uppercase_hex)) {
        for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      string(s);
    } else {
      out_ += v.dump();  // numbers (exact integers), booleans, null
    }
    space();
  }

  void escape(std::uint32_t unit) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, rng_() % 2 ? "\\u%04x" : "\\u%04X", unit);
    out_ += buffer;
  }

  // JSON string; escapes chosen at random where allowed.
  void string(std::string_view s) {
    out_ += '"';
    const bool escapes = apply(options_.escape_strings);
    for (std::size_t i = 0; i < s.size();) {
      const auto lead = static_cast<unsigned char>(s[i]);
      const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      std::uint32_t cp = length == 1 ? lead : lead & (0xFF >> (length + 1));
      for (std::size_t k = 1; k < length; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      const bool escape_this = escapes && rng_() % 3 == 0;
      if (cp == '"' || cp == '\\') {
        if (escape_this) {
          escape(cp);
        } else {
          out_ += '\\';
          out_ += static_cast<char>(cp);
        }
      } else if (cp < 0x20) {
        static constexpr std::string_view kShort = "btnvfr";  // \b=8 \t=9 \n=10 (\v has none) \f=12 \r=13
        if (!escape_this && cp >= 8 && cp <= 13 && cp != 11) {
          out_ += '\\';
          out_ += kShort[cp - 8];
        } else {
          escape(cp);
        }
      } else if (escape_this && cp > 0xFFFF) {
        escape(0xD800 + ((cp - 0x10000) >> 10));
        escape(0xDC00 + ((cp - 0x10000) & 0x3FF));
      } else if (escape_this && cp == '/') {
        out_ += "\\/";
      } else if (escape_this) {
        escape(cp);
      } else {
        out_.append(s.substr(i, length));
      }
      i += length;
    }
    out_ += '"';
  }

  std::mt19937_64 rng_;
  VariantOptions options_;
  bool mixed_;
  std::string out_;
};

// ---- normalisation

void fill(json& object, const json& defaults) {
  for (const auto& [name, value] : defaults.items()) {
    if (!object.contains(name)) object[name] = value;
  }
}

template <class F>
void each(json& array, F f) {
  for (json& item : array) f(item);
}

void lowercase_hex(const Path& path, json& v) {
  if (v.is_object()) {
    for (auto& [name, member] : v.items()) lowercase_hex(child(path, name), member);
  } else if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i) lowercase_hex(child(path, i), v[i]);
  } else if (v.is_string() && is_hex(path)) {
    std::string s = v.get<std::string>();
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    v = s;
  }
}

}  // namespace

std::string variant_text(const json& doc, std::uint64_t seed, const VariantOptions& options) {
  return Writer(seed, options, false).text(doc);
}

std::string any_variant_text(const json& doc, std::uint64_t seed) {
  return Writer(seed, VariantOptions{true, true, true, true, true}, true).text(doc);
}

json normalised(const json& input) {
  json doc = input;
  const json empty_list = json::array(), empty_map = json::object();
  fill(doc, {{"frontier", empty_list},
             {"slot_table", empty_list},
             {"pending_async", empty_map},
             {"execution_state", empty_map},
             {"framework", empty_map},
             {"bus", empty_map},
             {"ingress", empty_list},
             {"wire_states", empty_map},
             {"pending_completions", empty_list}});
  each(doc["slot_table"], [](json& s) { fill(s, {{"site", 0}, {"exec", 0}, {"value", nullptr}}); });
  std::sort(doc["slot_table"].begin(), doc["slot_table"].end(), [](const json& a, const json& b) {
    return std::pair(a["site"].get<std::uint64_t>(), a["exec"].get<std::uint64_t>()) <
           std::pair(b["site"].get<std::uint64_t>(), b["exec"].get<std::uint64_t>());
  });
  for (auto& [key, entry] : doc["pending_async"].items()) {
    fill(entry, {{"op_ref", 0}, {"exec_id", 0}, {"output_sites", empty_list}, {"deadline_ns", nullptr}});
  }
  for (auto& [key, entry] : doc["execution_state"].items()) fill(entry, {{"outputs_written", 0}});

  json& f = doc["framework"];
  fill(f, {{"counters", empty_map},
           {"fired_phases", empty_list},
           {"address_book", empty_list},
           {"peer_governor", empty_map},
           {"backoff_table", empty_list},
           {"pending_outbound", empty_list},
           {"peer_id_bytes", ""},
           {"next_command_id", 0},
           {"next_exec_id", 0},
           {"spec_version", 1}});
  each(f["address_book"], [&](json& e) { fill(e, {{"peer_id", ""}, {"addresses", empty_list}, {"ref_count", 0}}); });
  fill(f["peer_governor"],
       {{"blocklist", empty_list}, {"allowlist", nullptr}, {"health", empty_list}, {"failure_threshold", 0}});
  each(f["backoff_table"], [](json& e) {
    fill(e, {{"peer", ""}, {"attempts", 0}, {"last_attempt_ns", 0}, {"next_retry_ns", 0}});
  });
  each(f["pending_outbound"], [](json& e) { fill(e, {{"envelope_bytes", ""}, {"redelivered", false}}); });

  fill(doc["bus"], {{"event_subscriptions", empty_map}});
  each(doc["ingress"], [&](json& event) {
    if (event.contains("AppEvent")) {
      fill(event["AppEvent"], {{"module_name", ""}, {"input_name", ""}, {"value_bytes", ""}});
    }
    if (event.contains("Invoke")) fill(event["Invoke"], {{"module_name", ""}, {"inputs", empty_list}});
    if (event.contains("TimerMatured")) fill(event["TimerMatured"], {{"at_ns", 0}});
    if (event.contains("Completion")) fill(event["Completion"], {{"cmd_id", 0}, {"results", empty_list}});
  });
  each(doc["pending_completions"], [&](json& e) { fill(e, {{"cmd_id", 0}, {"results", empty_list}}); });
  lowercase_hex({}, doc);
  return doc;
}

}  // namespace bbsnap::testing
