#include "state/text_check.h"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <variant>

namespace bbsnap {

// Names, kinds and phases are short and almost always ASCII; simdjson's
// validator costs a dispatched call and setup per string, more than the
// string itself, so ASCII is recognised here and the rest goes to simdjson.
bool is_utf8(std::string_view text) {
  std::uint8_t high_bits = 0;
  for (char ch : text) high_bits |= static_cast<std::uint8_t>(ch);
  return high_bits < 0x80 || simdjson::validate_utf8(text.data(), text.size());
}

namespace {

// `path` is built only on failure: checking stays one pass over the bytes.
template <typename Path>
Status utf8(const std::string& text, Path path) {
  if (is_utf8(text)) return {};
  return Error::of(ErrorCode::invalid_argument, path() + " is not valid UTF-8: the format stores UTF-8 text only");
}

std::string at(const std::string& list, std::size_t i) { return list + "[" + std::to_string(i) + "]"; }

Status named_list(const std::vector<NamedBytes>& list, const std::string& path) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (Status s = utf8(list[i].first, [&] { return at(path, i) + ".name"; }); !s) return s;
  }
  return {};
}

Status ingress_event(const IngressEvent& event, const std::string& path) {
  if (const auto* e = std::get_if<AppEvent>(&event)) {
    if (Status s = utf8(e->module_name, [&] { return path + ".module_name"; }); !s) return s;
    return utf8(e->input_name, [&] { return path + ".input_name"; });
  }
  if (const auto* e = std::get_if<InvokeEvent>(&event)) {
    if (Status s = utf8(e->module_name, [&] { return path + ".module_name"; }); !s) return s;
    return named_list(e->inputs, path + ".inputs");
  }
  return {};
}

}  // namespace

Status check_text(const TransientSnapshot& state) {
  for (const auto& [name, value] : state.framework.counters) {
    if (Status s = utf8(name, [] { return std::string("framework.counters key"); }); !s) return s;
  }
  const std::vector<std::string>& phases = state.framework.fired_phases;
  for (std::size_t i = 0; i < phases.size(); ++i) {
    if (Status s = utf8(phases[i], [&] { return at("framework.fired_phases", i); }); !s) return s;
  }
  for (const auto& [kind, subscribers] : state.bus.event_subscriptions) {
    if (Status s = utf8(kind, [] { return std::string("bus.event_subscriptions key"); }); !s) return s;
  }
  for (std::size_t i = 0; i < state.ingress.size(); ++i) {
    if (Status s = ingress_event(state.ingress[i], at("ingress", i)); !s) return s;
  }
  for (std::size_t i = 0; i < state.pending_completions.size(); ++i) {
    if (Status s = named_list(state.pending_completions[i].results, at("pending_completions", i) + ".results"); !s) {
      return s;
    }
  }
  return {};
}

}  // namespace bbsnap
