#include "container/mapped_file.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/io_error.h"

namespace bbsnap {

Result<MappedFile> MappedFile::map(const FileHandle& file, bool prefault) {
  auto size = static_cast<std::size_t>(file.size());
  if (size == 0) return MappedFile();  // mmap refuses length 0; the reader reports it as truncated
  void* data = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | (prefault ? MAP_POPULATE : 0), file.fd(), 0);
  if (data == MAP_FAILED) return io_error("cannot map", file.path(), errno);
  return MappedFile(static_cast<const std::uint8_t*>(data), size);
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

MappedFile::~MappedFile() { unmap(); }

void MappedFile::unmap() {
  if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
}

void MappedFile::advise_sequential() const {
  if (!data_) return;
  ::madvise(const_cast<std::uint8_t*>(data_), size_, MADV_SEQUENTIAL);
  // Ignored where transparent huge pages are off ("never").
  ::madvise(const_cast<std::uint8_t*>(data_), size_, MADV_HUGEPAGE);
}

void MappedFile::advise_random() const {
  if (data_) ::madvise(const_cast<std::uint8_t*>(data_), size_, MADV_RANDOM);
}

void MappedFile::read_in_file_order(std::span<const std::uint8_t> range) {
  constexpr std::size_t kStep = 64 * 1024;  // the default fault-around window
  std::uint8_t sum = 0;
  for (std::size_t at = 0; at < range.size(); at += kStep) sum += *static_cast<const volatile std::uint8_t*>(&range[at]);
  if (!range.empty()) sum += *static_cast<const volatile std::uint8_t*>(&range.back());
  static_cast<void>(sum);
}

void MappedFile::will_need(std::uint64_t begin, std::uint64_t end) const {
  static const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  if (!data_ || end > size_ || begin >= end) return;
  const std::uint64_t first = begin / page * page;
  if (end - first <= page) return;  // one fault reads it anyway
  ::madvise(const_cast<std::uint8_t*>(data_) + first, end - first, MADV_WILLNEED);
}

}  // namespace bbsnap
