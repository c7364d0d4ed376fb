// Model -> FlatBuffer metadata. The shapes of shape.h say how each part of
// the state is encoded; the section registry (sections.h) says which part
// each section holds. The slot table's two kinds are built by the writer
// from its own records.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <span>
#include <vector>

#include "bbsnap/model.h"
#include "bbsnap_generated.h"

namespace bbsnap::encode {

using Buffer = std::span<const std::uint8_t>;
using Builder = flatbuffers::FlatBufferBuilder;

// The finished buffer of a section's root table; it lives in `b` until its
// next Clear().
template <class Root>
Buffer finish(Builder& b, flatbuffers::Offset<Root> root) {
  b.Finish(root);
  return {b.GetBufferPointer(), b.GetSize()};
}

Buffer slot_chunk(Builder& b, const std::vector<fb::SlotEntry>& slots);
Buffer slot_index(Builder& b, const std::vector<fb::SlotChunkSummary>& chunks);

}  // namespace bbsnap::encode
