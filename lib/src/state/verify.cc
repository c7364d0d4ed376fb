#include "state/verify.h"

#include "container/checksum.h"
#include "state/checker.h"
#include "state/sections.h"
#include "state/slot_table.h"

namespace bbsnap {

using format::SectionKind;

namespace {

Status check_checksum(const Layout& layout, std::uint32_t index) {
  const format::SectionEntry& entry = layout.entries[index];
  std::uint64_t computed = checksum::section(entry, layout.metadata(index));
  if (computed == entry.checksum) return {};
  Error e = Error::of(ErrorCode::checksum_mismatch, "metadata checksum mismatch", layout.section_name(index),
                      entry.offset + entry.payload_length);
  e.stored = entry.checksum;
  e.computed = computed;
  return e;
}

// FORMAT.md §7.3 steps 1..3: the gap before the section, its checksum, and
// no payload area where the kind has none.
Status check_placement_and_checksum(const Layout& layout, std::uint32_t index) {
  const format::SectionEntry& entry = layout.entries[index];
  BBSNAP_RETURN_IF_ERROR(check_zero(layout, layout.gap_start(index), entry.offset, index));
  BBSNAP_RETURN_IF_ERROR(check_checksum(layout, index));
  const SectionKindInfo* kind = section_kind(entry.kind);
  if (entry.payload_length != 0 && kind && !kind->has_payload) {
    return Error::of(ErrorCode::malformed_section, "this kind of section has no payload area",
                     layout.section_name(index), entry.offset);
  }
  return {};
}

}  // namespace

Status verify_spec_version_field(const Layout& layout, std::uint32_t index) {
  BBSNAP_RETURN_IF_ERROR(check_placement_and_checksum(layout, index));
  // What Verifier::VerifyBuffer<Framework> checks before the root table's
  // fields, then field 0 alone: the reads Framework::spec_version() makes.
  std::span<const std::uint8_t> metadata = layout.metadata(index);
  flatbuffers::Verifier verifier(metadata.data(), metadata.size(), verifier_options(metadata));
  bool readable = false;
  using flatbuffers::soffset_t, flatbuffers::uoffset_t;  // FLATBUFFERS_MIN_BUFFER_SIZE is written with them
  if (metadata.size() >= FLATBUFFERS_MIN_BUFFER_SIZE) {
    const flatbuffers::uoffset_t root = verifier.VerifyOffset(0);
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(metadata.data() + root);
    readable = root != 0 && table->VerifyTableStart(verifier) &&
               table->VerifyField<std::uint32_t>(verifier, fb::Framework::VT_SPEC_VERSION, sizeof(std::uint32_t));
  }
  Checker c(layout, index);
  c.require(readable, metadata.data(), [] { return not_a_valid<fb::Framework>("root table"); });
  return c.status();
}

Status verify_section(const Layout& layout, std::uint32_t index, PayloadCheck payload) {
  BBSNAP_RETURN_IF_ERROR(check_placement_and_checksum(layout, index));
  const SectionKindInfo* kind = section_kind(layout.entries[index].kind);
  // An optional section of a kind this build does not know: its checksum is
  // all that can be checked.
  if (!kind) return {};
  BBSNAP_RETURN_IF_ERROR(kind->check(layout, index));
  if (payload == PayloadCheck::check && kind->has_payload) return verify_payload(layout, index);
  return {};
}

}  // namespace bbsnap
