// A file that appears whole or not at all: bytes are written into a
// temporary file beside the destination (unnamed where the file system
// allows O_TMPFILE, else a locked named one; what dead writers left there is
// removed first), and commit() gives it the destination's name in one
// rename. The crash-safe path of write_snapshot (writer.h), for any other
// output a program must never leave half-written, such as the text that
// `bbsnap dump -o` writes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "bbsnap/file_ops.h"
#include "bbsnap/status.h"

#pragma GCC visibility push(default)

namespace bbsnap {

class AtomicFileSink;

struct AtomicFileOptions {
  // fsync the file before the rename and the directory after it, so that a
  // commit() that returned survives a power loss.
  bool durable = true;
  // The new file's exact permission bits; nullopt keeps those of the file it
  // replaces, or gives a new one 0666 less the umask.
  std::optional<mode_t> file_mode;
  // The I/O seam (file_ops.h), for fault injection; nullptr: the system's.
  const FileOps* file_ops = nullptr;
};

// Not thread-safe. Destroying an AtomicFile that was not committed removes
// its temporary file and leaves the destination as it was.
class AtomicFile {
 public:
  // Errors: io (the directory does not exist or refuses the temporary
  // file), invalid_argument (file_mode beyond the permission bits).
  static Result<AtomicFile> create(const std::string& path, const AtomicFileOptions& options = {});
  AtomicFile(AtomicFile&&) noexcept;
  AtomicFile& operator=(AtomicFile&&) noexcept;
  ~AtomicFile();

  // Buffered; errors: io (such as a full disk). After an error, or on a
  // committed or moved-from file, every call fails and nothing is committed.
  Status append(std::span<const std::uint8_t> bytes);
  // Writes what is buffered, then (durable) fsync, rename over the
  // destination, fsync of the directory. Errors: io.
  Status commit();

 private:
  explicit AtomicFile(std::unique_ptr<AtomicFileSink> sink);
  std::unique_ptr<AtomicFileSink> sink_;
  bool failed_ = false;
};

}  // namespace bbsnap

#pragma GCC visibility pop
