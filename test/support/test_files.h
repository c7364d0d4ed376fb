// File helpers for tests: a scratch directory removed on destruction,
// byte-twiddling on copies of snapshot files, and the options to open them
// on several threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bbsnap/aligned_buffer.h"
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

// Full verification on `threads` threads, even on a file below
// OpenOptions::bytes_per_thread (test files are small).
OpenOptions on_threads(unsigned threads);

}  // namespace bbsnap::testing
