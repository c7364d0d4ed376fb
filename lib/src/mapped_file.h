// A whole file mapped read-only. The mapping, not a copy, is what a Snapshot
// reads: restore costs what is checked, not what is copied.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "bbsnap/status.h"

namespace bbsnap {

class MappedFile {
 public:
  // `prefault`: populate the page tables (and read the file) up front.
  static Result<MappedFile> open(const std::string& path, bool prefault);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  ~MappedFile();

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

  // Access hints for the kernel's read-ahead: sequential while verifying the
  // whole file, random for lazy lookups (a cold first lookup then faults in
  // one page instead of a read-ahead window).
  void advise_sequential() const;
  void advise_random() const;

 private:
  MappedFile(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void unmap();
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace bbsnap
