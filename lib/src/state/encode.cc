#include "state/encode.h"

namespace bbsnap::encode {

Buffer slot_chunk(Builder& b, const std::vector<fb::SlotEntry>& slots) {
  return finish(b, fb::CreateSlotChunk(b, b.CreateVectorOfStructs(slots)));
}

Buffer slot_index(Builder& b, const std::vector<fb::SlotChunkSummary>& chunks) {
  return finish(b, fb::CreateSlotIndex(b, b.CreateVectorOfStructs(chunks)));
}

}  // namespace bbsnap::encode
