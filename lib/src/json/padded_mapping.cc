#include "json/padded_mapping.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace bbsnap::json {
namespace {

// Release in steps this large: one madvise per step, small against the
// state built from it.
constexpr std::size_t kReleaseStep = 8u << 20;

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

Error mmap_error(int error) {
  return Error::of(ErrorCode::io, std::string("cannot map the document: ") + std::strerror(error));
}

}  // namespace

Result<PaddedMapping> PaddedMapping::map(int fd, std::uint64_t size, std::size_t padding) {
  const std::size_t page = page_size();
  if (size == 0 || size > SIZE_MAX - padding - page) return mmap_error(EINVAL);
  const std::size_t file_pages = (size + page - 1) / page * page;
  const std::size_t total = (size + padding + page - 1) / page * page;
  // Zero pages first, then the file over their start: what lies past the
  // file's last page stays anonymous.
  void* reserved = ::mmap(nullptr, total, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return mmap_error(errno);
  void* file = ::mmap(reserved, file_pages, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  if (file == MAP_FAILED) {
    const int error = errno;
    ::munmap(reserved, total);
    return mmap_error(error);
  }
  ::madvise(file, file_pages, MADV_SEQUENTIAL);
  return PaddedMapping(static_cast<char*>(reserved), static_cast<std::size_t>(size), total, total);
}

PaddedMapping::PaddedMapping(PaddedMapping&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)),
      mapped_(std::exchange(other.mapped_, 0)),
      released_(std::exchange(other.released_, 0)) {}

PaddedMapping& PaddedMapping::operator=(PaddedMapping&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
    released_ = std::exchange(other.released_, 0);
  }
  return *this;
}

PaddedMapping::~PaddedMapping() { unmap(); }

void PaddedMapping::unmap() {
  if (data_) ::munmap(data_, mapped_);
  data_ = nullptr;
}

void PaddedMapping::release_before(const char* position) {
  const auto read = static_cast<std::size_t>(position - data_);
  if (read < released_ + kReleaseStep) return;
  const std::size_t end = read / page_size() * page_size();
  // Dropping read-only file pages from a private mapping loses nothing:
  // they are still in the file (and likely the page cache).
  ::madvise(data_ + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

}  // namespace bbsnap::json
