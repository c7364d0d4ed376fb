// Snapshot -> owned model: the copying restore, for callers that want to own
// and mutate the state. Everything else reads the mapping in place.
#include "bbsnap/reader.h"
#include "common/boundary.h"
#include "state/sections.h"
#include "state/snapshot_impl.h"

namespace bbsnap {
namespace {

Status decode_slots(const Snapshot& snapshot, std::map<SlotKey, SlotValue>& out) {
  for (std::uint32_t c = 0; c < snapshot.slot_chunk_count(); ++c) {
    BBSNAP_ASSIGN_OR_RETURN(const fb::SlotChunk* chunk, snapshot.slot_chunk(c));
    for (const fb::SlotEntry* e : *chunk->slots()) {
      BBSNAP_ASSIGN_OR_RETURN(const SlotLookup value, snapshot.slot_value(c, *e));
      SlotValue v;
      if (value.state == SlotLookup::State::value) v = Bytes(value.value.begin(), value.value.end());
      out.emplace_hint(out.end(), SlotKey{e->site(), e->exec()}, std::move(v));
    }
  }
  return {};
}

Result<TransientSnapshot> copy_model(const Snapshot& snapshot, const Layout& layout) {
  // Every known section first (a no-op after full verification), so that a
  // copy never succeeds from a file with a damaged section, whether or not
  // it adds to the copy (slot_index in a file without slots). A section of
  // an unknown kind adds nothing to the copy: skipped.
  for (std::uint32_t i = 0; i < layout.entries.size(); ++i) {
    if (!section_kind(layout.entries[i].kind)) continue;
    BBSNAP_RETURN_IF_ERROR(snapshot.check_section(i));
  }
  TransientSnapshot out;
  BBSNAP_RETURN_IF_ERROR(decode_slots(snapshot, out.slot_table));
  for (const SectionKindInfo& kind : section_kinds()) {
    if (kind.decode) kind.decode(layout, layout.index_of(kind.kind), out);
  }
  return out;
}

}  // namespace

Result<TransientSnapshot> Snapshot::to_model() const {
  return guarded("copying the snapshot into a model", [&] { return copy_model(*this, impl_->layout); });
}

}  // namespace bbsnap
