// The file operations the writer and the reader perform, behind one seam, so
// that tests can make each of them fail in turn (EIO, ENOSPC, short writes
// and reads) and check that a crash-safe write never leaves a torn file or a
// temporary behind, and that a failing read is an error value.
// Each function has the contract of the POSIX call of the same name,
// including returning -1 and setting errno on failure: the writer reports
// errno's text in its io error (the reader too). Override any subset; the
// defaults are the real calls. Not behind this seam: the writer's stat(2),
// lstat(2) and fstat(2) calls that compare files, the fchmod(2) of the
// temporary file that sets its mode (writer.h), the dup of its descriptor
// that holds its lock, and the listing of the destination's directory.
#pragma once

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include <cstddef>

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap {

// Passed as WriteOptions::file_ops, the object must outlive every writer
// using it; passed as OpenOptions::file_ops, every Snapshot opened with it.
// Writers and snapshots running on several threads may share one object,
// which must then be safe to call concurrently (the default is).
class FileOps {
 public:
  virtual ~FileOps() = default;
  // Opens, in this order:
  //  - leftover temporary files of the destination, O_RDWR (or O_RDONLY
  //    where that is refused) | O_NOFOLLOW | O_NONBLOCK, to lock and remove
  //    those whose writer is gone (writer.h);
  //  - the unnamed temporary file: the destination's directory with
  //    O_TMPFILE | O_WRONLY; EOPNOTSUPP, EISDIR or EINVAL (no O_TMPFILE in
  //    this file system or kernel) make the writer take the fallback, so
  //    that refusing O_TMPFILE here forces it;
  //  - the fallback, a named temporary file "<path>.tmp.<host>.<pid>.<n>.<attempt>"
  //    (its file name cut to 192 bytes before the suffix), O_WRONLY |
  //    O_CREAT | O_EXCL; on EEXIST the writer tries another name;
  //  - the destination's directory (O_RDONLY | O_DIRECTORY) for its fsync.
  // A temporary file is created with the mode the finished file will have
  // (WriteOptions::file_mode, else the replaced file's) or 0666.
  virtual int open(const char* path, int flags, mode_t mode) const;
  // Appends. Short writes are continued and EINTR retried; a return of 0 is
  // reported as EIO.
  virtual ssize_t write(int fd, const void* data, std::size_t size) const;
  // The header, written last at offset 0 once the table is known.
  virtual ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) const;
  // The file before the rename and the directory after it; not called when
  // WriteOptions::durable is false.
  virtual int fsync(int fd) const;
  virtual int close(int fd) const;
  // The temporary file over the destination: the commit point.
  virtual int rename(const char* from, const char* to) const;
  // The named temporary file, when a write is abandoned or fails before the
  // rename; and a leftover temporary file whose writer is gone.
  virtual int unlink(const char* path) const;
  // Names the complete unnamed temporary file, after its fsync:
  // (AT_FDCWD, "/proc/self/fd/<fd>", AT_FDCWD, "<path>.tmp.<host>.<pid>.<n>.<attempt>",
  // AT_SYMLINK_FOLLOW). On EEXIST the writer tries another name.
  virtual int linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, int flags) const;
  // LOCK_EX | LOCK_NB, on the writer's temporary file (held until its name
  // is gone, the proof that its writer is alive) and on a leftover one before
  // removing it. EWOULDBLOCK on a named temporary file just created makes
  // the writer try another name.
  virtual int flock(int fd, int operation) const;

  // ---- the reader (Snapshot::open with OpenOptions::file_ops), in every
  // load mode: map only opens and stats the file through these; read
  // (OpenOptions::load) reads it with pread too. The writer calls none of
  // them.
  // The snapshot file, O_RDONLY | O_CLOEXEC.
  virtual int open_for_reading(const char* path) const;
  // Its size, and that it is a regular file.
  virtual int fstat(int fd, struct stat* out) const;
  // Its file system's type (f_type), for Load::automatic.
  virtual int fstatfs(int fd, struct statfs* out) const;
  // Read mode: the file's byte ranges, in pieces of at most 8 MiB. Short
  // reads are continued and EINTR retried; a return of 0 before the range's
  // end means the file ended there (it was truncated): a truncated error.
  virtual ssize_t pread(int fd, void* data, std::size_t size, off_t offset) const;
};

// The real operating system calls. A static object: lives for the whole
// program, safe to use from any thread.
const FileOps& posix_file_ops();

}  // namespace bbsnap

#pragma GCC visibility pop
