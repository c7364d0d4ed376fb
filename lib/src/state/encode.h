// Model -> FlatBuffer metadata, one function per section kind. Each returns
// the finished buffer, which lives in `builder` until its next Clear().
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <span>
#include <vector>

#include "bbsnap/format.h"
#include "bbsnap/model.h"
#include "bbsnap_generated.h"

namespace bbsnap::encode {

using Buffer = std::span<const std::uint8_t>;
using Builder = flatbuffers::FlatBufferBuilder;

Buffer framework(Builder& b, const Framework& framework);
Buffer bus(Builder& b, const TypedBus& bus);
Buffer ingress(Builder& b, const std::vector<IngressEvent>& ingress);
Buffer pending_completions(Builder& b, const std::vector<PendingCompletion>& completions);
Buffer frontier(Builder& b, const std::vector<std::pair<std::uint64_t, std::uint64_t>>& frontier);
Buffer pending_async(Builder& b, const std::map<std::uint64_t, PendingAsync>& pending);
Buffer execution_state(Builder& b, const std::map<std::uint64_t, ExecutionState>& states);
Buffer wire_states(Builder& b, const std::map<std::uint32_t, Bytes>& wire_states);
Buffer slot_chunk(Builder& b, const std::vector<fb::SlotEntry>& slots);
Buffer slot_index(Builder& b, const std::vector<fb::SlotChunkSummary>& chunks);

}  // namespace bbsnap::encode

namespace bbsnap::encode {

// An upper bound of the metadata `framework(...)`, `bus(...)`, ... would build
// for `state`, computed without building it. FlatBuffers 2.0.8 cannot build
// a buffer of 2 GiB or more (its offsets would silently wrap), so the writer
// refuses a section whose bound is past the limit before encoding it.
std::uint64_t size_bound(format::SectionKind kind, const TransientSnapshot& state);

}  // namespace bbsnap::encode
