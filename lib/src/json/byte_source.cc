#include "json/byte_source.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "json/padded_mapping.h"

namespace bbsnap::json {
namespace {

// One read() from a pipe returns at most its buffer, 64 KiB by default.
constexpr std::size_t kPieceBytes = 64u << 10;
// Memory is handed out in larger pieces: each one is a call, not a copy.
constexpr std::size_t kMemoryPieceBytes = 4u << 20;

}  // namespace

ByteSource::ByteSource(std::string_view bytes, PaddedMapping* mapping) : rest_(bytes), mapping_(mapping) {}

ByteSource::ByteSource(int fd, std::uint64_t limit)
    : fd_(fd), limit_(limit), buffer_(std::make_unique<char[]>(kPieceBytes)) {}

ByteSource::~ByteSource() = default;

bool ByteSource::refill() {
  if (end_reason_ != End::not_yet) return false;
  base_ = consumed();
  if (fd_ < 0) {
    if (mapping_ && begin_) mapping_->release_before(end_);
    if (rest_.empty()) {
      end_reason_ = End::end_of_input;
      return false;
    }
    const std::string_view piece = rest_.substr(0, kMemoryPieceBytes);
    rest_.remove_prefix(piece.size());
    begin_ = next_ = piece.data();
    end_ = piece.data() + piece.size();
    return true;
  }
  return read_more(0);
}

bool ByteSource::read_more(std::size_t at) {
  // One byte beyond the limit tells a document of exactly `limit` bytes
  // from a longer one; that byte is never handed out.
  if (read_ > limit_) {
    end_reason_ = End::limit;
    return false;
  }
  const std::size_t want =
      static_cast<std::size_t>(std::min<std::uint64_t>(kPieceBytes - at, limit_ - read_ + 1));
  ssize_t n;
  do {
    n = ::read(fd_, buffer_.get() + at, want);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    errno_ = errno;
    end_reason_ = End::read_error;
    return false;
  }
  if (n == 0) {
    end_reason_ = End::end_of_input;
    return false;
  }
  const std::uint64_t before = read_;
  read_ += static_cast<std::uint64_t>(n);
  const std::uint64_t usable = std::min<std::uint64_t>(read_, limit_) - before;
  if (usable == 0) {
    end_reason_ = End::limit;
    return false;
  }
  begin_ = next_ = buffer_.get();
  end_ = buffer_.get() + at + usable;
  return true;
}

bool ByteSource::starts_with(std::string_view prefix) {
  // Reading ahead never reaches the limit: only the parser's asking for a
  // byte beyond it makes the input end there.
  while (static_cast<std::size_t>(end_ - next_) < prefix.size() && (fd_ < 0 || read_ < limit_)) {
    const bool more = begin_ == nullptr ? refill() : fd_ >= 0 && read_more(static_cast<std::size_t>(end_ - begin_));
    if (!more) break;
  }
  return std::string_view(next_, static_cast<std::size_t>(end_ - next_)).starts_with(prefix);
}

}  // namespace bbsnap::json
