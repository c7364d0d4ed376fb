#include "bbsnap/file_ops.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace bbsnap {

int FileOps::open(const char* path, int flags, mode_t mode) const { return ::open(path, flags, mode); }
ssize_t FileOps::write(int fd, const void* data, std::size_t size) const { return ::write(fd, data, size); }
ssize_t FileOps::pwrite(int fd, const void* data, std::size_t size, off_t offset) const {
  return ::pwrite(fd, data, size, offset);
}
int FileOps::fsync(int fd) const { return ::fsync(fd); }
int FileOps::close(int fd) const { return ::close(fd); }
int FileOps::linkat(int olddirfd, const char* oldpath, int newdirfd, const char* newpath, int flags) const {
  return ::linkat(olddirfd, oldpath, newdirfd, newpath, flags);
}
int FileOps::flock(int fd, int operation) const { return ::flock(fd, operation); }
int FileOps::rename(const char* from, const char* to) const { return ::rename(from, to); }
int FileOps::unlink(const char* path) const { return ::unlink(path); }

int FileOps::open_for_reading(const char* path) const { return ::open(path, O_RDONLY | O_CLOEXEC); }
int FileOps::fstat(int fd, struct stat* out) const { return ::fstat(fd, out); }
int FileOps::fstatfs(int fd, struct statfs* out) const { return ::fstatfs(fd, out); }
ssize_t FileOps::pread(int fd, void* data, std::size_t size, off_t offset) const {
  return ::pread(fd, data, size, offset);
}

const FileOps& posix_file_ops() {
  static const FileOps ops;
  return ops;
}

}  // namespace bbsnap
