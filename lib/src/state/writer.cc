#include "bbsnap/writer.h"

#include <flatbuffers/flatbuffers.h>

#include "common/boundary.h"
#include "container/checksum.h"
#include "container/container_writer.h"
#include "container/sink.h"
#include "state/encode.h"
#include "state/sections.h"
#include "state/text_check.h"

namespace bbsnap {

using format::SectionKind;

struct SnapshotWriter::Impl {
  Impl(std::unique_ptr<Sink> sink_in, const WriteOptions& options_in)
      : sink(std::move(sink_in)), container(*sink), options(options_in) {}

  Status add_slot(SlotKey key, std::optional<std::span<const std::uint8_t>> value);
  Status close_chunk();
  Status write_section(const SectionKindInfo& kind, encode::Buffer metadata);
  Status finish(const TransientSnapshot& rest);

  std::unique_ptr<Sink> sink;
  ContainerWriter container;
  WriteOptions options;
  flatbuffers::FlatBufferBuilder builder{1 << 16};
  std::vector<fb::SlotEntry> chunk;  // the open chunk's slots
  std::vector<fb::SlotChunkSummary> summaries;  // one per closed chunk
  std::optional<SlotKey> last_key;
  bool spent = false;  // finished, or failed midway: the file is abandoned
};

namespace {

Error invalid(std::string message) {
  return Error::of(ErrorCode::invalid_argument, std::move(message));
}

fb::SlotChunkSummary summarize(const std::vector<fb::SlotEntry>& slots) {
  const fb::SlotEntry& first = slots.front();
  const fb::SlotEntry& last = slots.back();
  return {first.site(), first.exec(), last.site(), last.exec(), slots.size()};
}

// A chunk's metadata is its slots (48 bytes each) plus a little framing, and
// must stay a valid FlatBuffer.
constexpr std::uint64_t kMaxSlotsPerChunk = (format::kMaxMetadataLength - 4096) / sizeof(fb::SlotEntry);
// Every chunk is a section, and a reader accepts at most kMaxSections.
constexpr std::uint64_t kMaxChunks = format::kMaxSections - 64;

Status check_options(const WriteOptions& options) {
  if (options.slots_per_chunk == 0 || options.slots_per_chunk > kMaxSlotsPerChunk) {
    return invalid("slots_per_chunk must be between 1 and " + std::to_string(kMaxSlotsPerChunk));
  }
  return check_file_mode(options.file_mode);
}

}  // namespace

Status SnapshotWriter::Impl::add_slot(SlotKey key, std::optional<std::span<const std::uint8_t>> value) {
  if (spent) return invalid("the writer is finished or has failed");
  if (last_key && !(*last_key < key)) {
    return invalid("slot (" + std::to_string(key.site) + ", " + std::to_string(key.exec) +
                   ") is not above the previous one: add slots in strictly increasing (site, exec) order");
  }
  if (chunk.empty()) {
    if (summaries.size() >= kMaxChunks) {
      return Error::of(ErrorCode::limit_exceeded, "more than " + std::to_string(kMaxChunks) +
                                                      " slot chunks: raise WriteOptions::slots_per_chunk");
    }
    BBSNAP_RETURN_IF_ERROR(container.begin_section());
  }
  last_key = key;
  if (!value) {
    chunk.emplace_back(key.site, key.exec, 0, 0, 0, false);
  } else {
    BBSNAP_ASSIGN_OR_RETURN(const std::uint64_t offset, container.append_payload(*value));
    std::uint64_t hash = checksum::value(*value, format::value_hash_seed(format::kFormatVersion, offset));
    chunk.emplace_back(key.site, key.exec, offset - container.section_start(), value->size(), hash, true);
  }
  if (chunk.size() == options.slots_per_chunk) return close_chunk();
  return {};
}

Status SnapshotWriter::Impl::close_chunk() {
  if (chunk.empty()) return {};
  summaries.push_back(summarize(chunk));
  Status s = write_section(*section_kind(static_cast<std::uint32_t>(SectionKind::slot_chunk)),
                           encode::slot_chunk(builder, chunk));
  chunk.clear();
  return s;
}

Status SnapshotWriter::Impl::write_section(const SectionKindInfo& kind, encode::Buffer metadata) {
  Status s = container.end_section(static_cast<std::uint32_t>(kind.kind), kind.name, metadata);
  builder.Clear();
  return s;
}

Status SnapshotWriter::Impl::finish(const TransientSnapshot& rest) {
  if (spent) return invalid("the writer is finished or has failed");
  spent = true;
  BBSNAP_RETURN_IF_ERROR(check_text(rest));
  BBSNAP_RETURN_IF_ERROR(close_chunk());
  // The index, then each part of the state in the registry's order: the
  // layout is a function of the state.
  builder.Clear();
  BBSNAP_RETURN_IF_ERROR(container.begin_section());
  BBSNAP_RETURN_IF_ERROR(write_section(*section_kind(static_cast<std::uint32_t>(SectionKind::slot_index)),
                                       encode::slot_index(builder, summaries)));
  for (const SectionKindInfo& kind : section_kinds()) {
    if (!kind.encode) continue;  // the slot table's kinds, written above
    // The bound is above the truth (by up to about 100 bytes per element), so a
    // section within that margin of the limit is refused too: the message
    // says "may".
    if (const std::uint64_t bound = kind.size_bound(rest); bound > format::kMaxMetadataLength) {
      return Error::of(ErrorCode::limit_exceeded,
                       "this state's " + std::string(kind.name) + " may need up to " + std::to_string(bound) +
                           " bytes of metadata, beyond the " + std::to_string(format::kMaxMetadataLength) +
                           " one FlatBuffer can hold",
                       std::string(kind.name));
    }
    BBSNAP_RETURN_IF_ERROR(container.begin_section());
    BBSNAP_RETURN_IF_ERROR(write_section(kind, kind.encode(builder, rest)));
  }
  return container.finish();
}

// What writer.h's SnapshotWriter lets the library's own writers do: build a
// writer on any sink and feed it a whole model.
struct detail::WriterAccess {
  // A writer into `sink`, its container begun; `options` already checked
  // (check_options), before anything was allocated or created for them.
  static Result<SnapshotWriter> make(std::unique_ptr<Sink> sink, const WriteOptions& options) {
    auto impl = std::make_unique<SnapshotWriter::Impl>(std::move(sink), options);
    BBSNAP_RETURN_IF_ERROR(impl->container.begin());
    return SnapshotWriter(std::move(impl));
  }

  // Shared by write_snapshot and encode_snapshot: the whole-model writer is
  // the streaming writer fed from the model, so both write the same bytes.
  static Status write_state(SnapshotWriter& writer, const TransientSnapshot& state) {
    for (const auto& [key, value] : state.slot_table) {
      std::optional<std::span<const std::uint8_t>> view;
      if (value) view = std::span<const std::uint8_t>(*value);
      BBSNAP_RETURN_IF_ERROR(writer.impl_->add_slot(key, view));
    }
    return writer.impl_->finish(state);
  }
};

SnapshotWriter::SnapshotWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SnapshotWriter::SnapshotWriter(SnapshotWriter&&) noexcept = default;
SnapshotWriter& SnapshotWriter::operator=(SnapshotWriter&&) noexcept = default;
SnapshotWriter::~SnapshotWriter() = default;

namespace {

Result<SnapshotWriter> create_writer(const std::string& path, const WriteOptions& options) {
  // Options are refused before anything touches the file system.
  BBSNAP_RETURN_IF_ERROR(check_options(options));
  const FileOps& ops = options.file_ops ? *options.file_ops : posix_file_ops();
  BBSNAP_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileSink> sink,
                          AtomicFileSink::create(path, ops, options.durable, options.file_mode));
  return detail::WriterAccess::make(std::move(sink), options);
}

// An upper bound of the file's size, close enough for one allocation: the
// slot values on their 64-byte placement and their 48-byte entries, every
// other section's metadata bound (SectionKindInfo::size_bound, a few times the real
// size at most), and per section its table entry, its gap and a chunk's
// FlatBuffer overhead and summary. A file larger than this only costs the
// memory sink a doubling; room beyond the file is never touched.
std::size_t file_bytes_estimate(const TransientSnapshot& state, const WriteOptions& options) {
  constexpr std::uint64_t kPerSection = 256;
  std::uint64_t bytes = sizeof(format::Header);
  for (const auto& [key, value] : state.slot_table) {
    bytes += sizeof(fb::SlotEntry) + (value ? format::align_up(value->size()) : 0);
  }
  const std::uint64_t per_chunk = std::max<std::uint32_t>(options.slots_per_chunk, 1);
  std::uint64_t sections = (state.slot_table.size() + per_chunk - 1) / per_chunk;
  for (const SectionKindInfo& kind : section_kinds()) {
    // A bound past the limit is refused before encoding: no need of room.
    if (kind.size_bound) bytes += std::min<std::uint64_t>(kind.size_bound(state), format::kMaxMetadataLength);
    ++sections;
  }
  return bytes + kPerSection * sections;
}

Result<AlignedBuffer> encode_in_memory(const TransientSnapshot& state, const WriteOptions& options) {
  BBSNAP_RETURN_IF_ERROR(check_options(options));
  auto owned = std::make_unique<MemorySink>(file_bytes_estimate(state, options));
  MemorySink* memory = owned.get();
  BBSNAP_ASSIGN_OR_RETURN(SnapshotWriter writer, detail::WriterAccess::make(std::move(owned), options));
  BBSNAP_RETURN_IF_ERROR(detail::WriterAccess::write_state(writer, state));
  return memory->take();
}

}  // namespace

Result<SnapshotWriter> SnapshotWriter::create(const std::string& path, const WriteOptions& options) {
  return guarded("creating a snapshot writer", [&] { return create_writer(path, options); });
}

Status SnapshotWriter::add_slot(SlotKey key, std::optional<std::span<const std::uint8_t>> value) {
  Status s = guarded("adding a slot", [&]() -> Status {
    if (!impl_) return invalid("this writer was moved from");
    return impl_->add_slot(key, value);
  });
  if (!s && impl_ && s.error().code != ErrorCode::invalid_argument) impl_->spent = true;
  return s;
}

Status SnapshotWriter::finish(const TransientSnapshot& rest) {
  // Building a refusal's message allocates too: inside the boundary.
  Status s = guarded("finishing a snapshot", [&]() -> Status {
    if (!impl_) return invalid("this writer was moved from");
    if (!rest.slot_table.empty()) {
      return invalid("finish() takes the state without its slot table: add slots with add_slot()");
    }
    return impl_->finish(rest);
  });
  if (impl_) impl_->spent = true;  // as documented: after finish(), successful or not, the writer is spent
  return s;
}

Status write_snapshot(const std::string& path, const TransientSnapshot& state, const WriteOptions& options) {
  BBSNAP_ASSIGN_OR_RETURN(SnapshotWriter writer, SnapshotWriter::create(path, options));
  return guarded("writing a snapshot", [&] { return detail::WriterAccess::write_state(writer, state); });
}

Result<AlignedBuffer> encode_snapshot(const TransientSnapshot& state, const WriteOptions& options) {
  return guarded("encoding a snapshot", [&] { return encode_in_memory(state, options); });
}

}  // namespace bbsnap
