// File helpers for tests: a scratch directory removed on destruction, and
// byte-twiddling on copies of snapshot files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bbsnap/aligned_buffer.h"

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

}  // namespace bbsnap::testing
