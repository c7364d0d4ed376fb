// A file read into memory with pread, for Load::read: the reader's view is
// the same span of the whole file as a mapping's, but nothing is mapped from
// the file, so a failing disk, a dropped server or a truncation is an error
// value from the read, never SIGBUS on a later access.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "bbsnap/status.h"
#include "container/file_handle.h"

namespace bbsnap {

class LoadedFile {
 public:
  // Reserves an anonymous private mapping of the file's size (page aligned,
  // so 64-byte aligned as the reader needs; pages never read stay zero and
  // cost no memory) and keeps `file` open for read(). `whole`: the caller
  // will read the whole file, so the buffer asks for huge pages
  // (MADV_HUGEPAGE), its length rounded up to 2 MiB (at most 2 MiB more
  // memory): each fresh page costs a fault and zeroing. Warm full open of
  // the 64 MiB file (bench BM_OpenFullRead/M, a shared 2-core VM): 4 KiB
  // pages 305 ms (16,766 faults), 2 MiB pages 10.1 ms, mapped 4.0 ms.
  // Errors: io (no address space).
  static Result<LoadedFile> reserve(FileHandle file, bool whole);
  LoadedFile() = default;
  LoadedFile(LoadedFile&& other) noexcept;
  LoadedFile& operator=(LoadedFile&& other) noexcept;
  ~LoadedFile();

  // The whole file's span; bytes not yet read are zero.
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  bool empty() const { return data_ == nullptr; }

  // Reads the file's bytes [begin, end) (end <= size) into the same offsets
  // of bytes(), in pieces of at most 8 MiB, continuing short reads and
  // retrying EINTR. Errors name `section` and the absolute offset where the
  // read failed: io (errno's text) for a failed pread, truncated when the
  // file ends before `end` (it shrank after it was opened). Concurrent calls
  // must read disjoint ranges, and no thread may read a range while it is
  // being read into.
  Status read(std::uint64_t begin, std::uint64_t end, const std::string& section) const;

  // The file is no longer needed (everything has been read).
  void close_file() { file_ = FileHandle(); }

 private:
  LoadedFile(std::uint8_t* data, std::size_t size, std::size_t reserved, FileHandle file)
      : data_(data), size_(size), reserved_(reserved), file_(std::move(file)) {}
  void unmap();
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t reserved_ = 0;  // the mapping's length, >= size_
  FileHandle file_;
};

}  // namespace bbsnap
