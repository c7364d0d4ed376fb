// Reading snapshots in place: a memory-mapped .bbsnap file, checked, with
// zero-copy views and lookups into the mapping.
//
// Lifetimes: every pointer and span a Snapshot hands out points into the
// mapping (or the caller's buffer for from_bytes) and is valid while that
// Snapshot lives; moving a Snapshot keeps them valid.
//
// Thread safety: a Snapshot's const methods may be called from any number of
// threads at once, in every verification mode.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bbsnap/format.h"
#include "bbsnap/model.h"
#include "bbsnap/status.h"
#include "bbsnap_generated.h"

namespace bbsnap {

enum class Verification : std::uint8_t {
  // open() checks everything before returning: header, section table,
  // padding, every section's checksum, FlatBuffer and semantic rules, every
  // slot value's hash. Afterwards no accessor can fail. Costs one pass over
  // the file, at about the speed of XXH3 over it.
  full,
  // open() checks the header, the section table and the framework section
  // (it holds spec_version, which must be checked before anything is
  // restored). Every other section is checked on its first access, and a
  // slot value's hash on every access to it. A damaged section is reported
  // by the accessors that touch it, while intact sections stay readable: a
  // runtime can restore its framework state when only its ingress section
  // is damaged. Cost is proportional to what is touched.
  lazy,
  // No checksum or FlatBuffer verification, only the bounds of the section
  // table. For a file this process has just written or fully verified.
  // Reading a damaged file in this mode is undefined behaviour.
  trusted,
};

struct OpenOptions {
  Verification verification = Verification::full;
  // Restore refuses a snapshot stamped with any other spec_version
  // (spec_version_mismatch), as the runtime's seed requires.
  std::uint32_t expected_spec_version = kCurrentSpecVersion;
  // Full verification: threads checking sections and runs of slot values
  // concurrently (the calling thread is one of them). 0 counts as 1.
  unsigned threads = 1;
  // Read the whole file into the page cache while mapping it (MAP_POPULATE),
  // for callers that will touch most of it and prefer one sequential read
  // to page faults. Access hints are set either way: sequential read-ahead
  // while fully verifying, random access (no read-ahead) for lazy and
  // trusted lookups, so a cold first lookup reads a page, not a window.
  bool prefault = false;
};

// The three states of a slot: no such slot; allocated but empty (Rust None);
// a value (possibly zero bytes), in place in the mapping, 64-byte aligned.
struct SlotLookup {
  enum class State : std::uint8_t { missing, empty, value };
  State state = State::missing;
  std::span<const std::uint8_t> value;  // empty unless state == value
};

class Snapshot {
 public:
  // Maps `path` read-only and checks it as `options.verification` says.
  // Errors: io, bad_magic, unsupported_format_version, unsupported_feature,
  // truncated, checksum_mismatch, nonzero_padding, malformed_section,
  // missing_section, spec_version_mismatch, limit_exceeded; each naming the
  // section and the byte offset.
  static Result<Snapshot> open(const std::string& path, const OpenOptions& options = {});
  // The same on bytes the caller holds, which must stay alive and unchanged
  // while the Snapshot lives, and start on a 64-byte boundary (else
  // invalid_argument): values are handed out aligned as in a mapping.
  static Result<Snapshot> from_bytes(std::span<const std::uint8_t> bytes, const OpenOptions& options = {});

  Snapshot(Snapshot&&) noexcept;
  Snapshot& operator=(Snapshot&&) noexcept;
  ~Snapshot();

  // ---- the container
  const format::Header& header() const;
  std::span<const format::SectionEntry> sections() const;
  std::span<const std::uint8_t> bytes() const;  // the whole file
  std::uint32_t spec_version() const;
  // Checks section `index` now (lazy mode; a no-op after full verification).
  Status check_section(std::uint32_t index) const;

  // ---- lookups: binary searches in the mapping, no allocation
  Result<SlotLookup> slot(SlotKey key) const;
  Result<const fb::PendingAsyncEntry*> pending_async(std::uint64_t command_id) const;  // nullptr: none
  Result<std::optional<std::uint32_t>> execution_state(std::uint64_t exec_id) const;  // outputs_written
  Result<std::optional<std::span<const std::uint8_t>>> wire_state(std::uint32_t component) const;
  Result<std::optional<std::uint64_t>> counter(std::string_view name) const;
  Result<std::optional<std::span<const std::uint64_t>>> subscribers(std::string_view event_kind) const;

  // ---- zero-copy views of whole sections (FlatBuffers tables in the mapping)
  Result<const fb::Framework*> framework() const;
  Result<const fb::Bus*> bus() const;
  Result<const fb::Ingress*> ingress() const;
  Result<const fb::PendingCompletions*> pending_completions() const;
  Result<const fb::Frontier*> frontier() const;
  Result<const fb::PendingAsyncTable*> pending_async_table() const;
  Result<const fb::ExecutionStateTable*> execution_state_table() const;
  Result<const fb::WireStates*> wire_states() const;
  // Slot chunks, in key order.
  std::uint32_t slot_chunk_count() const;
  Result<const fb::SlotChunk*> slot_chunk(std::uint32_t chunk) const;
  // A slot's value (its hash checked in lazy mode), given its chunk and one
  // of that chunk's entries (else invalid_argument).
  Result<SlotLookup> slot_value(std::uint32_t chunk, const fb::SlotEntry& entry) const;

  // An owned copy of the whole state (checks every section in lazy mode).
  Result<TransientSnapshot> to_model() const;

  struct Impl;  // opaque

 private:
  explicit Snapshot(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A FlatBuffers byte vector as a span (empty for an absent vector).
inline std::span<const std::uint8_t> as_span(const flatbuffers::Vector<std::uint8_t>* v) {
  return v ? std::span<const std::uint8_t>(v->data(), v->size()) : std::span<const std::uint8_t>{};
}
inline std::string_view as_view(const flatbuffers::String* s) {
  return s ? std::string_view(s->c_str(), s->size()) : std::string_view{};
}

}  // namespace bbsnap
