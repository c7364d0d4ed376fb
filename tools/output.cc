#include "output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bbsnap::tool {
namespace {

constexpr std::size_t kBufferSize = 1 << 16;

Status write_standard_output(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Error::of(ErrorCode::io, std::string("cannot write standard output: ") + std::strerror(n < 0 ? errno : EIO));
    }
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return {};
}

}  // namespace

BufferedOut::BufferedOut(Write write) : write_(std::move(write)), buffer_(kBufferSize) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

BufferedOut::~BufferedOut() = default;  // the owner flushes (sync) first

bool BufferedOut::flush_buffer() {
  const auto* data = reinterpret_cast<const std::uint8_t*>(pbase());
  const auto size = static_cast<std::size_t>(pptr() - pbase());
  if (size > 0 && !error_) {
    if (Status s = write_({data, size}); !s) error_ = s.error();
  }
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return !error_;
}

BufferedOut::int_type BufferedOut::overflow(int_type ch) {
  if (!flush_buffer()) return traits_type::eof();
  if (!traits_type::eq_int_type(ch, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
  }
  return traits_type::not_eof(ch);
}

int BufferedOut::sync() { return flush_buffer() ? 0 : -1; }

Result<std::unique_ptr<Output>> Output::open(const std::string& path) {
  if (path.empty() || path == "-") return std::unique_ptr<Output>(new Output(std::nullopt));
  BBSNAP_ASSIGN_OR_RETURN(AtomicFile file, AtomicFile::create(path));
  return std::unique_ptr<Output>(new Output(std::move(file)));
}

Output::Output(std::optional<AtomicFile> file)
    : file_(std::move(file)),
      buf_(file_ ? BufferedOut::Write([sink = &*file_](std::span<const std::uint8_t> bytes) {
             return sink->append(bytes);
           })
                 : BufferedOut::Write(write_standard_output)),
      stream_(&buf_) {}

Output::~Output() {
  if (!file_) buf_.pubsync();  // a file not committed is abandoned: AtomicFile removes its temporary
}

Status Output::commit() {
  stream_.flush();
  if (buf_.error()) return *buf_.error();
  if (!stream_.good()) return Error::of(ErrorCode::io, "cannot write the output");
  return file_ ? file_->commit() : Status{};
}

}  // namespace bbsnap::tool
