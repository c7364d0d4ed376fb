// Writing snapshots: state -> .bbsnap file.
//
// Every write is atomic, and durable unless WriteOptions::durable is off: the
// bytes go to a temporary file in the destination's directory, which is
// fsynced, renamed over the destination, and the directory fsynced. Whatever
// happens (an error, a crash, SIGKILL), the destination holds either its
// previous content or the complete new snapshot, and a failed write leaves
// no temporary file behind. If only the final directory fsync fails, the
// call returns io although the new file is already in place and complete:
// its name may not survive a power loss.
//
// Which temporary file, and what a killed writer leaves:
// - Where the file system has O_TMPFILE (ext4, XFS, Btrfs, tmpfs, among
//   others) the temporary file is unnamed until it is complete and
//   fsynced; it is then named "<path>.tmp.<host>.<pid>.<n>.<attempt>" with
//   linkat (through /proc/self/fd: the unprivileged way, open(2)) and renamed
//   over the destination at once. A writer killed before that leaves
//   nothing; one killed in the microseconds between the two leaves a
//   complete file under the temporary name.
// - Where O_TMPFILE is refused (EOPNOTSUPP: a file system without it, such
//   as NFS; EISDIR or EINVAL: kernels before 3.11) or /proc is not mounted,
//   the temporary file has that name from the start, and a killed writer
//   leaves it, incomplete. Any other error of the O_TMPFILE open fails the
//   write (io).
// Such a file is never read. Before it writes, every writer removes the
// temporary files that dead writers on the same kernel left beside the same
// destination: a writer holds an exclusive flock(2) on its temporary file
// from before it has a name until the name is gone, and the kernel releases
// it when the process dies; a file whose lock is free has no live writer.
// A live writer's file is never removed, in any process. A writer whose
// lock the file system refuses (ENOLCK) fails with io. Files left by
// writers on other machines sharing the directory, or before a reboot, stay:
// their writers cannot be proven gone ("<host>", the kernel's boot id, tells
// them apart). Destination names that agree in their first 192 bytes share
// their temporaries' names, and so their removal.
//
// The new file replaces the destination's directory entry: a symbolic link
// there is replaced, not followed. Its permission bits are
// WriteOptions::file_mode when given; else it keeps those of the file it
// replaces (so a 0600 checkpoint stays 0600), and a new file gets 0666 less
// the umask. The temporary file, unnamed or named, is created with those
// bits (less the umask), then given them exactly: it is never open to more
// than the finished file. Owner and group are the writer's. Removing a dead
// writer's temporary file takes opening it (for its lock): one that the
// remover may not read (e.g. file_mode 0200 or 0, unless it runs with
// CAP_DAC_OVERRIDE) stays.
//
// Writes are deterministic: equal states (and equal slots_per_chunk) give
// byte-identical files.
//
// The file is written in whole 2 MiB blocks at 2 MiB offsets (the last one
// excepted), at most 2 MiB of it buffered: where the file system caches
// files in large folios, this leaves the new file in 2 MiB folios, and a
// later open maps it with a tenth of the page faults.
//
// The state's strings must be valid UTF-8 (model.h): the writer refuses
// anything else with invalid_argument rather than write a file every reader
// would refuse.
//
// Thread safety: separate writes (write_snapshot, encode_snapshot, distinct
// SnapshotWriters) may run concurrently, also to the same path: each commits
// a complete file and the last rename wins. The state must not be modified
// during the call.
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

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap {

struct WriteOptions {
  // fsync the file before the rename and the directory after it. Turn off only
  // for scratch files: without it a power loss can leave an empty or torn file.
  bool durable = true;
  // Slots per slot_chunk section: 1 up to about 44.7 million (a chunk's
  // metadata must stay below kMaxMetadataLength); anything else is
  // invalid_argument before anything is written. Bounds the metadata a lazy
  // lookup verifies and the writer's memory per chunk. Changes the bytes
  // written, so it is part of what "equal states, equal files" assumes.
  std::uint32_t slots_per_chunk = format::kDefaultSlotsPerChunk;
  // Seam for tests that inject failures; nullptr means the real system calls.
  // Must outlive the write (a SnapshotWriter keeps using it until destroyed).
  // Not used by encode_snapshot.
  const FileOps* file_ops = nullptr;
  // The new file's permission bits, exactly (not less the umask, not those
  // of the file it replaces): for a checkpoint that must be 0600 whatever
  // was there before. At most 0777 (no set-id or sticky bit), else
  // invalid_argument before anything is written. nullopt: see above. Not
  // used by encode_snapshot.
  std::optional<mode_t> file_mode = std::nullopt;
};

// Writes `state` to `path` atomically. Errors: io (with the path and errno
// text), limit_exceeded (a section's metadata may reach 2 GiB, by a bound at
// most about 100 bytes per element above its real size; or the slot
// table needs more than 2^20 - 64 chunks), out_of_memory,
// invalid_argument (slots_per_chunk out of range, a string that is not
// valid UTF-8). On any error the destination is untouched (but see the
// directory fsync above).
Status write_snapshot(const std::string& path, const TransientSnapshot& state, const WriteOptions& options = {});

// The same bytes `write_snapshot` writes, in memory, 64-byte aligned as
// Snapshot::from_bytes needs. Same errors, except io.
Result<AlignedBuffer> encode_snapshot(const TransientSnapshot& state, const WriteOptions& options = {});

// Streaming writer: takes the slot table one slot at a time and writes each
// value to the file as it arrives, so memory stays bounded by one chunk's
// metadata (48 bytes per slot) plus about 100 bytes per chunk written (its
// summary and section table entry, written at the end), whatever the
// values' sizes. The rest of the state is given to
// finish(). For a deterministic file, add slots in strictly increasing
// (site, exec) order; add_slot refuses anything else.
//
// Not thread-safe: one thread drives one writer. Destroying a writer that
// was not finished abandons the write: its temporary file is removed and
// the destination is untouched. A moved-from writer may only be destroyed
// or assigned to; add_slot() and finish() on it return invalid_argument.
namespace detail {
struct WriterAccess;
}

class SnapshotWriter {
 public:
  // Removes what dead writers left beside `path` and creates the temporary
  // file at once (see above). Errors: io (cannot create or lock it, e.g. no
  // such directory or no permission), invalid_argument (slots_per_chunk out
  // of range).
  static Result<SnapshotWriter> create(const std::string& path, const WriteOptions& options = {});
  SnapshotWriter(SnapshotWriter&&) noexcept;
  SnapshotWriter& operator=(SnapshotWriter&&) noexcept;
  ~SnapshotWriter();

  // `value` nullopt: the slot is allocated but empty (Rust None); an empty
  // span is a present, zero-byte value (Some(empty)). The bytes are written
  // (or buffered) before add_slot returns; the caller may reuse its buffer.
  // Errors: invalid_argument (key not above the previous one: the slot is
  // not added and the writer stays usable; or the writer is spent),
  // limit_exceeded (more than 2^20 - 64 chunks), out_of_memory, io. After an error other
  // than invalid_argument the writer is spent: every later call fails with
  // invalid_argument and nothing is committed.
  Status add_slot(SlotKey key, std::optional<std::span<const std::uint8_t>> value);

  // Writes every other section from `rest` and commits the file (fsync,
  // name, rename, directory fsync). `rest.slot_table` must be empty
  // (the slots are the ones added), else invalid_argument. Other errors: as
  // write_snapshot. After finish(), successful or not, the writer is spent;
  // on failure the destination is untouched (but see the directory fsync
  // above) and the temporary file is removed when the writer is destroyed.
  Status finish(const TransientSnapshot& rest);

 private:
  struct Impl;
  explicit SnapshotWriter(std::unique_ptr<Impl> impl);
  // The library's whole-state paths (write_snapshot, encode_snapshot) build
  // writers on other sinks and feed them the model; defined in lib/src.
  friend struct detail::WriterAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace bbsnap

#pragma GCC visibility pop
