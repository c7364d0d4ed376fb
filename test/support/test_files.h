// File helpers for tests: a scratch directory removed on destruction,
// byte-twiddling on copies of snapshot files, and the options to open them
// on several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/file_ops.h"
#include "bbsnap/reader.h"

namespace bbsnap::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const;

 private:
  std::filesystem::path path_;
};

std::vector<std::uint8_t> read_file(const std::string& path);
void write_file(const std::string& path, const std::vector<std::uint8_t>& bytes);
// A copy of `bytes` with byte `offset` XORed with `mask`, 64-byte aligned.
AlignedBuffer with_flipped_byte(std::span<const std::uint8_t> bytes, std::size_t offset, std::uint8_t mask = 0xff);

// The real file operations, recording where each write() call landed in the
// file: the writer's 2 MiB blocks are checked with it.
class RecordingFileOps final : public FileOps {
 public:
  struct Write {
    std::uint64_t offset;
    std::size_t size;
  };
  ssize_t write(int fd, const void* data, std::size_t size) const override;
  mutable std::vector<Write> writes;

 private:
  mutable std::uint64_t end_ = 0;
};

// The real file operations, except that the unnamed temporary file
// (open with O_TMPFILE) is refused with EOPNOTSUPP, as a file system without
// it refuses it: the writer then takes its fallback, a named temporary file.
class NamedTemporaryFileOps final : public FileOps {
 public:
  int open(const char* path, int flags, mode_t mode) const override;
};

// Whether the file system holding `directory` creates unnamed files
// (O_TMPFILE): where it does not, the writer always takes its fallback.
bool supports_unnamed_files(const std::filesystem::path& directory);

// This kernel's boot id as the writer puts it in its temporaries' names
// (32 lowercase hex digits, no dashes), read here on its own.
std::string boot_id_hex();

// A temporary name the writer could have made for destination file name
// `name` (no directory) on the kernel with boot id `host`.
std::string temp_name_of(const std::string& name, const std::string& host, long pid, unsigned n = 0);

// The kernel's flags for the mapping that holds `address`: the VmFlags line
// of its entry in /proc/self/smaps with a space at each end ("rr": random
// read-ahead hint, "sr": sequential, "hg": huge pages asked for), or "" when
// there is none.
std::string vm_flags_of(const void* address);

// Full verification on `threads` threads, even on a file below
// OpenOptions::bytes_per_thread (test files are small).
OpenOptions on_threads(unsigned threads);

}  // namespace bbsnap::testing
