// A snapshot file opened for reading through the FileOps seam: the
// descriptor, its size, and what its file system is. Both load modes start
// here: map maps the descriptor, read preads from it.
#pragma once

#include <cstdint>
#include <string>

#include "bbsnap/file_ops.h"
#include "bbsnap/status.h"

namespace bbsnap {

class FileHandle {
 public:
  // Opens `path` and checks that it is a regular file. `ops` must outlive
  // the handle. Errors: io, naming the path and errno's text.
  static Result<FileHandle> open(const std::string& path, const FileOps& ops);
  FileHandle() = default;
  FileHandle(FileHandle&& other) noexcept;
  FileHandle& operator=(FileHandle&& other) noexcept;
  ~FileHandle();

  int fd() const { return fd_; }
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  const FileOps& ops() const { return *ops_; }

  // Whether the file lives on a network or FUSE file system (statfs's
  // f_type), where a page fault on a mapping becomes a synchronous round
  // trip per page (or read-ahead window), and a server that goes away turns
  // into SIGBUS. Errors: io.
  Result<bool> on_remote_file_system() const;

 private:
  void close();
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::string path_;
  const FileOps* ops_ = nullptr;
};

// The f_type values on_remote_file_system() recognises.
bool is_remote_file_system_type(std::uint64_t f_type);

}  // namespace bbsnap
