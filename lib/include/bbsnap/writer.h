// Writing snapshots: state -> .bbsnap file.
//
// Every write is atomic and durable: the bytes go to a temporary file in the
// destination's directory, which is fsynced, renamed over the destination,
// and the directory fsynced. Whatever happens (an error, a crash, SIGKILL),
// the destination holds either its previous content or the complete new
// snapshot, and a failed write leaves no temporary file behind (a killed
// process can leave one, named "<path>.tmp.*", which is never read).
//
// Writes are deterministic: equal states give byte-identical files.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/file_ops.h"
#include "bbsnap/format.h"
#include "bbsnap/model.h"
#include "bbsnap/status.h"

namespace bbsnap {

struct WriteOptions {
  // fsync the file before the rename and the directory after it. Turn off only
  // for scratch files: without it a power loss can leave an empty or torn file.
  bool durable = true;
  // Slots per slot_chunk section (1 or more). Bounds the metadata a lazy
  // lookup verifies and the writer's memory per chunk. Changes the bytes
  // written, so it is part of what "equal states, equal files" assumes.
  std::uint32_t slots_per_chunk = format::kDefaultSlotsPerChunk;
  // Seam for tests that inject failures; nullptr means the real system calls.
  const FileOps* file_ops = nullptr;
};

// Writes `state` to `path` atomically. Errors: io (with the path and errno
// text), limit_exceeded (a section's metadata would exceed 2 GiB),
// invalid_argument (slots_per_chunk == 0).
Status write_snapshot(const std::string& path, const TransientSnapshot& state, const WriteOptions& options = {});

// The same bytes `write_snapshot` writes, in memory.
Result<AlignedBuffer> encode_snapshot(const TransientSnapshot& state, const WriteOptions& options = {});

// Streaming writer: takes the slot table one slot at a time and writes each
// value to the file as it arrives, so memory stays bounded by one chunk's
// metadata whatever the snapshot's size. The rest of the state is given to
// finish(). For a deterministic file, add slots in strictly increasing
// (site, exec) order; add_slot refuses anything else.
//
// Not thread-safe: one thread drives one writer. Destroying a writer that
// was not finished abandons the write (the destination is untouched).
class SnapshotWriter {
 public:
  static Result<SnapshotWriter> create(const std::string& path, const WriteOptions& options = {});
  SnapshotWriter(SnapshotWriter&&) noexcept;
  SnapshotWriter& operator=(SnapshotWriter&&) noexcept;
  ~SnapshotWriter();

  // `value` nullopt: the slot is allocated but empty (Rust None). The bytes
  // are written before add_slot returns; the caller may reuse its buffer.
  // Errors: invalid_argument (key not above the previous one), io.
  Status add_slot(SlotKey key, std::optional<std::span<const std::uint8_t>> value);

  // Writes every other section from `rest` and commits the file.
  // `rest.slot_table` must be empty (the slots are the ones added).
  // After finish(), successful or not, the writer is spent.
  Status finish(const TransientSnapshot& rest);

  struct Impl;  // opaque
  explicit SnapshotWriter(std::unique_ptr<Impl> impl);

 private:
  friend Status write_state(SnapshotWriter& writer, const TransientSnapshot& state);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bbsnap
