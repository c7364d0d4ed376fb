// A checkpoint directory: numbered generations of one runtime's state, the
// newest of which that verifies is what a cold start restores.
//
// A runtime keeps a few checkpoints, not one: if the newest is damaged (a
// torn disk block, a bit flip) it restores the one before. This is that
// logic, once, with the rules that keep it from losing data:
//
// - Layout. Generation N is the snapshot file "<dir>/<N as 20 decimal
//   digits>.bbsnap" (N >= 1), written by write_snapshot: atomic and, by
//   default, durable. Zero-padded names sort as their numbers do. Every
//   other name in the directory is foreign: listed by nothing, read by
//   nothing, removed by nothing. The writer's lock is the file
//   "<dir>/bbsnap-checkpoints.lock".
// - Numbers only grow. A commit takes 1 + the highest generation number
//   present, damaged files included, so a number is never reused while its
//   file exists; gaps (generations removed by hand) are allowed.
// - Restore takes the newest generation that opens with the caller's
//   OpenOptions (full verification by default) and reports each newer one it
//   skipped, with the error that made it skip it.
// - Retention keeps the newest `keep` intact generations and every
//   generation newer than the oldest of them (damaged ones included: they
//   are evidence, and cost no data), and removes only generations older than
//   that which bbsnap wrote (they begin with the format's magic, damaged or
//   not): anything else under a generation's name stays.
//   A generation counts as intact when its header and section table
//   verify (Verification::lazy, any spec_version: two small reads), or,
//   with `Retention::full`, when every byte verifies. A commit checks each
//   generation once per CheckpointWriter (those it wrote itself: never),
//   so that its retention costs a listing and the removal, not `keep`
//   opens; prune() checks every generation it walks. Fewer intact
//   generations than `keep`: nothing is removed.
// - Crash safety. A commit writes its generation completely, durably,
//   before it removes anything; a removal only ever takes generations older
//   than `keep` intact newer ones. A process killed at any moment leaves the
//   newest committed generation restorable, and every generation retention
//   keeps in place.
// - One writer per directory: CheckpointWriter holds an exclusive flock(2)
//   on the lock file for its lifetime; a second one, in any process on the
//   same kernel, gets io naming the lock. Readers (list_generations,
//   restore_newest) take no lock and may run during a commit: they see the
//   new generation complete or not at all, and a generation removed while
//   they read it is skipped as gone (an open snapshot stays readable: the
//   file lives until it is closed).
//
// Incremental generations (a chain on a base) are not written yet: every
// generation is a full snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bbsnap/model.h"
#include "bbsnap/reader.h"
#include "bbsnap/status.h"
#include "bbsnap/writer.h"

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap {

struct Generation {
  std::uint64_t number = 0;
  std::string path;  // "<dir>/<20 digits>.bbsnap"
  std::uint64_t size = 0;  // bytes
  std::int64_t modified_unix_ns = 0;  // the file's mtime: when it was committed
};

// "<20 digits>.bbsnap" for number >= 1; the file name only, no directory.
std::string generation_file_name(std::uint64_t number);
// The number a generation's file name carries; nullopt for any other name
// (wrong length, a non-digit, 0, or beyond 2^64 - 1).
std::optional<std::uint64_t> parse_generation_file_name(std::string_view name);

// The directory's generations, newest first: regular files with a
// generation's name (symbolic links and other names are foreign). Errors:
// io (the directory cannot be listed).
Result<std::vector<Generation>> list_generations(const std::string& dir);

struct SkippedGeneration {
  Generation generation;
  Error reason;  // what Snapshot::open returned for it
};

struct RestoredGeneration {
  Generation generation;
  Snapshot snapshot;
  std::vector<SkippedGeneration> skipped;  // newer generations that did not open, newest first
};

// Opens the newest generation that Snapshot::open accepts with `options`.
// nullopt: the directory holds no generation (a first start). Errors: io
// (the directory cannot be listed); when generations exist and none opens,
// the newest one's error, its message naming that generation and how many
// were tried.
Result<std::optional<RestoredGeneration>> restore_newest(const std::string& dir, const OpenOptions& options = {});

// How retention decides that a generation is intact (see above).
enum class Retention : std::uint8_t {
  table,  // header and section table verify: two small reads per generation
  full,   // every byte verifies: a read of each kept generation
};

struct CheckpointOptions {
  // Intact generations retention keeps: at least 1, else invalid_argument.
  std::uint32_t keep = 3;
  Retention retention = Retention::table;
  // How each generation is written; file_ops also carries the lock file's
  // open and flock and retention's unlink, for fault injection.
  WriteOptions write = {};
};

struct PruneReport {
  std::vector<Generation> removed;  // oldest first
  // Older than the kept ones, but not removed: files under a generation's
  // name that do not begin with a snapshot file's magic (or cannot be
  // read), which bbsnap did not write. Oldest first.
  std::vector<Generation> not_ours;
  std::uint32_t intact_kept = 0;  // intact generations counted among the kept ones (<= keep)
};

struct CommitReport {
  Generation committed;
  PruneReport pruned;
  // The generation is committed either way: a failed removal (io) is
  // reported here, not as the commit's error, and retried by the next
  // commit's retention.
  std::optional<Error> prune_error;
};

class CheckpointWriter;

// A generation written slot by slot: the streamed form of
// CheckpointWriter::commit(state), for a caller that has its state as a
// stream rather than as a TransientSnapshot (the C ABI's bbsnap_writer).
// CheckpointWriter::begin makes it; CheckpointWriter::commit(generation,
// rest) finishes it. Until then it is a temporary file (writer.h) that no
// reader sees; dropping it abandons the write.
class GenerationWriter {
 public:
  GenerationWriter(GenerationWriter&&) noexcept;
  GenerationWriter& operator=(GenerationWriter&&) noexcept;
  ~GenerationWriter();

  // The number and path it is written under; size and modified_unix_ns
  // stay 0 (the CommitReport has them).
  const Generation& generation() const { return generation_; }
  // SnapshotWriter::add_slot, with its contract: slots in strictly
  // increasing key order; after an error other than invalid_argument the
  // generation is spent and commit refuses it.
  Status add_slot(SlotKey key, std::optional<std::span<const std::uint8_t>> value);

 private:
  friend class CheckpointWriter;
  GenerationWriter(std::shared_ptr<const void> ticket, SnapshotWriter writer, Generation generation);
  // Shared with nothing: the CheckpointWriter that began this generation
  // watches it (a weak_ptr) to know whether it is still being written,
  // whichever of the two is destroyed first. Declared first, so destroyed
  // last: after the writer has removed an abandoned temporary file.
  std::shared_ptr<const void> ticket_;
  SnapshotWriter writer_;
  Generation generation_;
};

class CheckpointWriter {
 public:
  // Creates nothing but the lock file, and takes its lock. Errors: io (no
  // such directory, no permission, or another writer holds the lock),
  // invalid_argument (options.keep 0, a retention outside the enum);
  // options.write is checked by each commit's write_snapshot.
  static Result<CheckpointWriter> open(const std::string& dir, const CheckpointOptions& options = {});
  CheckpointWriter(CheckpointWriter&&) noexcept;
  CheckpointWriter& operator=(CheckpointWriter&&) noexcept;
  ~CheckpointWriter();  // releases the lock

  // Writes `state` as the next generation, then applies retention. Errors:
  // those of write_snapshot (the generation is then not committed, except
  // after a failed directory fsync: writer.h), io (the directory cannot be
  // listed), limit_exceeded (generation 2^64 - 1 exists), invalid_argument
  // (a moved-from writer, a begun generation in progress).
  Result<CommitReport> commit(const TransientSnapshot& state);
  // The next generation as a streaming write: its number is taken as
  // commit(state) takes it and its SnapshotWriter created (the temporary
  // file beside its path); the slots go to GenerationWriter::add_slot, the
  // rest of the state to commit(generation, rest). One at a time: the
  // number is not on disk until the file is named, so while a begun
  // generation is alive (neither committed nor destroyed) begin and
  // commit(state) are refused (invalid_argument). Errors: those of
  // SnapshotWriter::create, io (the directory cannot be listed),
  // limit_exceeded, invalid_argument.
  Result<GenerationWriter> begin();
  // Finishes `generation` with `rest` (SnapshotWriter::finish: its
  // slot_table must be empty) and applies retention, as commit(state)
  // does, with its errors. `generation` is spent afterwards whatever the
  // result, except when it is refused as not this writer's generation in
  // progress (invalid_argument: moved from, committed, or begun by another
  // writer), which leaves it as it was.
  Result<CommitReport> commit(GenerationWriter& generation, const TransientSnapshot& rest);
  // Whether commit(generation, rest) takes `generation`: this writer began
  // it, and it is neither committed nor moved from.
  bool began(const GenerationWriter& generation) const;
  // Retention with `keep` in place of options.keep (at least 1). Errors: io
  // (listing, or the first removal that failed; those before it are done),
  // invalid_argument.
  Result<PruneReport> prune(std::uint32_t keep);

  // Commit and prune remove a generation's name at once; the kernel frees
  // the file (its pages and blocks: tens of milliseconds for a large one)
  // when its last descriptor closes, which a background thread of this
  // writer does, so that a commit does not wait for it. Returns once every
  // file removed so far is freed; the destructor waits for it too.
  void wait_for_removals();

  const std::string& dir() const;

 private:
  struct Impl;
  explicit CheckpointWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bbsnap

#pragma GCC visibility pop
