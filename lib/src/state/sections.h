// The section kinds of a snapshot, one row each: the only place that knows,
// for a kind, its name, how often a file holds it, which part of the state
// it holds, and how that part is encoded, bounded, checked, copied out and
// counted. The container layer sees the kinds only through the catalog
// derived from these rows (section_catalog()); the writer, the verifier and
// the owned copy go through the rows instead of switching on kinds.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "bbsnap/format.h"
#include "bbsnap/model.h"
#include "bbsnap/status.h"
#include "container/container.h"
#include "container/section_catalog.h"
#include "state/path.h"
#include "state/encode.h"

namespace bbsnap {

struct SectionKindInfo {
  format::SectionKind kind;
  std::string_view name;
  Occurs occurs;
  bool has_payload;  // a payload area of raw bytes before the metadata (slot chunks)
  // The metadata's own rules, once its placement and checksum passed
  // (FORMAT.md §7.3 step 4): a valid FlatBuffer of the kind's root table,
  // then the content rules of §5 and §6.
  Status (*check)(const Layout& layout, std::uint32_t index);
  // The section's entries, as `bbsnap info` counts them (see its --help),
  // from metadata that passed `check`.
  std::uint64_t (*entries)(const Layout& layout, std::uint32_t index);

  // The part of TransientSnapshot the section holds. All null for the slot
  // table's two kinds, which the writer builds from the slots it is given.
  encode::Buffer (*encode)(encode::Builder& builder, const TransientSnapshot& state);
  // An upper bound of what `encode` builds (state/size_bound.h).
  std::uint64_t (*size_bound)(const TransientSnapshot& state);
  // The writer's UTF-8 check of the part's strings (state/text_check.h);
  // `path` names the part in the document.
  Status (*check_text)(const TransientSnapshot& state, const Path& path);
  // Copies the part out of metadata that passed `check` into `state`.
  void (*decode)(const Layout& layout, std::uint32_t index, TransientSnapshot& state);
};

// Every known kind, in the order the writer lays the sections out (the
// slot chunks first, then the index, then the rest of the state in the
// document's order).
std::span<const SectionKindInfo> section_kinds();
// The row of a known kind; nullptr for an unknown one.
const SectionKindInfo* section_kind(std::uint32_t kind);
const SectionCatalog& section_catalog();

}  // namespace bbsnap
