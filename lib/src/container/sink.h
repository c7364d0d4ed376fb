// Where the writer's bytes go: memory, or a file written crash-safely.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/file_ops.h"
#include "bbsnap/status.h"

namespace bbsnap {

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status append(std::span<const std::uint8_t> bytes) = 0;
  // Rewrites bytes already appended (the header, once the table is known).
  virtual Status overwrite(std::uint64_t offset, std::span<const std::uint8_t> bytes) = 0;
  // Makes everything appended the final result.
  virtual Status commit() = 0;
  std::uint64_t position() const { return position_; }

 protected:
  std::uint64_t position_ = 0;
};

class MemorySink final : public Sink {
 public:
  // One allocation of `capacity` bytes: the writer's estimate of the whole
  // file. Appending then copies each byte once, into the buffer
  // encode_snapshot returns; beyond the estimate the buffer doubles.
  explicit MemorySink(std::size_t capacity);
  Status append(std::span<const std::uint8_t> bytes) override;
  Status overwrite(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  Status commit() override { return {}; }
  // The bytes appended (every byte the writer wrote, so none is left
  // uninitialized).
  AlignedBuffer take();

 private:
  AlignedBuffer buffer_;  // its size() is the capacity; position() bytes are in use
};

// Writes to a temporary file in the destination's directory and, on commit,
// fsyncs it, renames it over the destination and fsyncs the directory. Until
// the rename the destination keeps its previous content; rename is atomic,
// so a reader (or a crash) sees the old file or the new one, never a mix.
//
// The temporary file is unnamed (O_TMPFILE) where the file system allows
// it, and gets a name only on commit, once complete: a writer that dies
// before leaves nothing behind. Elsewhere it is named from the start (the
// fallback). Either way it is locked while it has a name, and a new sink
// first removes the temporaries of dead writers (stale_temps.h).
// Destroyed without a successful commit, it removes its temporary file.
// A file_mode for AtomicFileSink::create: permission bits only (at most
// 0777), else invalid_argument. Callers check it with their other options,
// before anything touches the file system.
Status check_file_mode(std::optional<mode_t> file_mode);

class AtomicFileSink final : public Sink {
 public:
  // file_mode: the new file's exact permission bits; nullopt keeps those of
  // the file it replaces, or gives a new one 0666 less the umask.
  static Result<std::unique_ptr<AtomicFileSink>> create(const std::string& path, const FileOps& ops,
                                                        bool durable, std::optional<mode_t> file_mode = std::nullopt);
  ~AtomicFileSink() override;
  AtomicFileSink(const AtomicFileSink&) = delete;
  AtomicFileSink& operator=(const AtomicFileSink&) = delete;

  Status append(std::span<const std::uint8_t> bytes) override;
  Status overwrite(std::uint64_t offset, std::span<const std::uint8_t> bytes) override;
  Status commit() override;

 private:
  AtomicFileSink(std::string path, const FileOps& ops, bool durable);  // no temporary file yet
  // `mode`: the creation mode (less the umask), as open(2) takes it.
  Result<bool> open_unnamed(mode_t mode);
  Status open_named(mode_t mode);
  Status keep_lock();
  Status name_unnamed();
  Status flush();
  Status write_all(std::span<const std::uint8_t> bytes);
  Status sync_directory();
  std::string temp_description() const;
  void close_descriptors();
  void discard();

  std::string path_;
  std::string dir_;
  std::string temp_path_;  // the temporary file's name; empty while it has none
  int fd_ = -1;       // written through; closed before the file is named and renamed, to report a failing close
  int lock_fd_ = -1;  // the same open file, holding its flock (and an unnamed file) until its name is gone
  const FileOps& ops_;
  bool durable_;
  bool committed_ = false;
  // Small appends are gathered so that a million 64-byte slots are not a
  // million write() calls, and so that every write covers whole aligned
  // blocks (sink.cc, kBlock). A plain array and memcpy: this runs once or
  // twice per slot.
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t buffered_ = 0;
};

}  // namespace bbsnap
