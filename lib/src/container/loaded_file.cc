#include "container/loaded_file.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace bbsnap {
namespace {

// Large enough that a pread's fixed cost (a system call, a network round
// trip) is small against its transfer; small enough that a reader could
// check one piece while the next is read.
constexpr std::uint64_t kPiece = std::uint64_t{8} << 20;

}  // namespace

Result<LoadedFile> LoadedFile::reserve(FileHandle file, bool whole) {
  const auto size = static_cast<std::size_t>(file.size());
  if (size == 0) return LoadedFile(nullptr, 0, 0, std::move(file));  // the reader reports it as truncated
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  const std::size_t reserved = whole ? (size + kHugePage - 1) / kHugePage * kHugePage : size;
  void* data = ::mmap(nullptr, reserved, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (data == MAP_FAILED) {
    return Error::of(ErrorCode::io, "cannot reserve " + std::to_string(size) + " bytes to read " + file.path() +
                                        " into: " + std::strerror(errno));
  }
  // Ignored where transparent huge pages are off ("never").
  if (whole) ::madvise(data, reserved, MADV_HUGEPAGE);
  return LoadedFile(static_cast<std::uint8_t*>(data), size, reserved, std::move(file));
}

LoadedFile::LoadedFile(LoadedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      reserved_(std::exchange(other.reserved_, 0)),
      file_(std::move(other.file_)) {}

LoadedFile& LoadedFile::operator=(LoadedFile&& other) noexcept {
  if (this != &other) {
    unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    reserved_ = std::exchange(other.reserved_, 0);
    file_ = std::move(other.file_);
  }
  return *this;
}

LoadedFile::~LoadedFile() { unmap(); }

void LoadedFile::unmap() {
  if (data_) ::munmap(data_, reserved_);
  data_ = nullptr;
  size_ = 0;
  reserved_ = 0;
}

Status LoadedFile::read(std::uint64_t begin, std::uint64_t end, const std::string& section) const {
  std::uint64_t at = begin;
  while (at < end) {
    const auto want = static_cast<std::size_t>(std::min(end - at, kPiece));
    const ssize_t got = file_.ops().pread(file_.fd(), data_ + at, want, static_cast<off_t>(at));
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error::of(ErrorCode::io,
                       "cannot read " + file_.path() + " at byte " + std::to_string(at) + ": " + std::strerror(errno),
                       section, at);
    }
    if (got == 0) {
      return Error::of(ErrorCode::truncated,
                       "the file " + file_.path() + " ends at byte " + std::to_string(at) + ", before byte " +
                           std::to_string(end) + ": it was truncated after it was opened",
                       section, at);
    }
    at += static_cast<std::uint64_t>(std::min<ssize_t>(got, static_cast<ssize_t>(want)));
  }
  return {};
}

}  // namespace bbsnap
