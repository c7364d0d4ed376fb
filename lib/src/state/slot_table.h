// The slot table's two section kinds (FORMAT.md §6): slot_index, the key
// range of every chunk, and slot_chunk, a chunk's entries (metadata) after
// the payload area of its values.
#pragma once

#include <cstdint>

#include "bbsnap/status.h"
#include "bbsnap_generated.h"
#include "container/container.h"

namespace bbsnap {

// The metadata rules of each kind (§6.1, §6.2), for the section registry.
// Precondition for a chunk: the slot_index section passed its check.
Status check_slot_index(const Layout& layout, std::uint32_t index);
Status check_slot_chunk(const Layout& layout, std::uint32_t index);
std::uint64_t slot_index_entries(const Layout& layout, std::uint32_t index);
std::uint64_t slot_chunk_entries(const Layout& layout, std::uint32_t index);

// Every value of chunk section `index`, whose metadata passed its check:
// each value's hash and the zero padding after it (§6.3).
Status verify_payload(const Layout& layout, std::uint32_t index);

// The values of entries [begin, end) of chunk section `index`. Ranges are
// independent, so they can be checked concurrently.
Status verify_slot_values(const Layout& layout, std::uint32_t index, std::uint32_t begin, std::uint32_t end);

// The hash of one slot value of chunk section `index`; `entry` passed the
// chunk's metadata check. For lazy mode, which checks values on access.
Status verify_slot_value(const Layout& layout, std::uint32_t index, const fb::SlotEntry& entry);

}  // namespace bbsnap
