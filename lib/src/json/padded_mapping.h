// A regular file's bytes mapped read-only for simdjson, which reads up to
// simdjson::SIMDJSON_PADDING bytes past a document's end: the file's pages
// are followed by zero pages of private anonymous memory, so nothing is
// copied and no page beyond the file is ever read from it.
//
// The pages of a mapping count in the process's resident memory once
// touched. release_before() gives back those already parsed, so that a
// document and the state built from it are not both resident in full.
//
// A file truncated by another process while mapped makes the next read of
// a lost page raise SIGBUS, as for any mapping (the library's Snapshot
// shares this): the callers map only files they were given to read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bbsnap/status.h"

namespace bbsnap::json {

class PaddedMapping {
 public:
  // Maps the first `size` bytes of the regular file `fd` (size > 0), with at
  // least `padding` readable bytes after them. The descriptor may be closed
  // afterwards. Errors: io (mmap refused, e.g. a file system without it).
  static Result<PaddedMapping> map(int fd, std::uint64_t size, std::size_t padding);

  PaddedMapping(PaddedMapping&& other) noexcept;
  PaddedMapping& operator=(PaddedMapping&& other) noexcept;
  PaddedMapping(const PaddedMapping&) = delete;
  PaddedMapping& operator=(const PaddedMapping&) = delete;
  ~PaddedMapping();

  std::string_view bytes() const { return {data_, size_}; }
  // Readable bytes from bytes().data(): the file's and the padding.
  std::size_t capacity() const { return capacity_; }

  // The caller has read everything before `position` (inside bytes()) and
  // will not read it again: its pages leave this process's resident memory,
  // a few MiB at a time (a later read would fault them back in from the page
  // cache, correctly, at the price of the faults).
  void release_before(const char* position);

 private:
  PaddedMapping(char* data, std::size_t size, std::size_t capacity, std::size_t mapped)
      : data_(data), size_(size), capacity_(capacity), mapped_(mapped) {}
  void unmap();

  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
  std::size_t mapped_ = 0;    // length of the whole mapping, file and padding pages
  std::size_t released_ = 0;  // bytes from the start given back so far (whole pages)
};

}  // namespace bbsnap::json
