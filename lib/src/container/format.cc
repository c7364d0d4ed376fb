#include "bbsnap/format.h"

namespace bbsnap::format {

std::string_view known_section_kind_name(std::uint32_t kind) {
  switch (static_cast<SectionKind>(kind)) {
    case SectionKind::framework: return "framework";
    case SectionKind::bus: return "bus";
    case SectionKind::ingress: return "ingress";
    case SectionKind::pending_completions: return "pending_completions";
    case SectionKind::frontier: return "frontier";
    case SectionKind::slot_index: return "slot_index";
    case SectionKind::slot_chunk: return "slot_chunk";
    case SectionKind::pending_async: return "pending_async";
    case SectionKind::execution_state: return "execution_state";
    case SectionKind::wire_states: return "wire_states";
  }
  return {};
}

std::string section_kind_name(std::uint32_t kind) {
  const std::string_view known = known_section_kind_name(kind);
  return known.empty() ? "kind_" + std::to_string(kind) : std::string(known);
}

}  // namespace bbsnap::format
