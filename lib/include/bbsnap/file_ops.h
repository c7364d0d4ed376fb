// The file operations the writer performs, behind one seam, so that tests can
// make each of them fail in turn (EIO, ENOSPC, short writes) and check that a
// crash-safe write never leaves a torn file or a temporary behind.
// Each function has the contract of the POSIX call of the same name,
// including returning -1 and setting errno on failure.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace bbsnap {

class FileOps {
 public:
  virtual ~FileOps() = default;
  virtual int open(const char* path, int flags, mode_t mode) const;
  virtual ssize_t write(int fd, const void* data, std::size_t size) const;
  virtual ssize_t pwrite(int fd, const void* data, std::size_t size, off_t offset) const;
  virtual int fsync(int fd) const;
  virtual int close(int fd) const;
  virtual int rename(const char* from, const char* to) const;
  virtual int unlink(const char* path) const;
};

// The real operating system calls.
const FileOps& posix_file_ops();

}  // namespace bbsnap
