#include "output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace bbsnap::tool {
namespace {

constexpr std::size_t kBufferSize = 1 << 16;

Error io_error(const std::string& what, const std::string& path, int err) {
  return Error::of(ErrorCode::io, what + " " + path + ": " + std::strerror(err));
}

}  // namespace

FdBuf::FdBuf(int fd) : fd_(fd), buffer_(kBufferSize) { setp(buffer_.data(), buffer_.data() + buffer_.size()); }

FdBuf::~FdBuf() = default;  // the owner flushes (sync) before it closes the descriptor

bool FdBuf::flush_buffer() {
  const char* data = pbase();
  std::size_t size = static_cast<std::size_t>(pptr() - pbase());
  while (size > 0 && error_ == 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = n < 0 ? errno : EIO;
      break;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  setp(buffer_.data(), buffer_.data() + buffer_.size());
  return error_ == 0;
}

FdBuf::int_type FdBuf::overflow(int_type ch) {
  if (!flush_buffer()) return traits_type::eof();
  if (!traits_type::eq_int_type(ch, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(ch);
    pbump(1);
  }
  return traits_type::not_eof(ch);
}

int FdBuf::sync() { return flush_buffer() ? 0 : -1; }

Result<std::unique_ptr<Output>> Output::open(const std::string& path) {
  if (path.empty() || path == "-") return std::unique_ptr<Output>(new Output({}, {}, STDOUT_FILENO));
  // A fresh name beside the destination, so that the rename stays within one
  // file system; O_EXCL never reuses someone else's file.
  static unsigned counter = 0;
  for (unsigned attempt = 0; attempt < 16; ++attempt) {
    std::string temp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return std::unique_ptr<Output>(new Output(path, std::move(temp), fd));
    if (errno != EEXIST) return io_error("cannot create a temporary file beside", path, errno);
  }
  return io_error("cannot find a free temporary name beside", path, EEXIST);
}

Output::Output(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), fd_(fd), buf_(fd), stream_(&buf_) {}

Output::~Output() {
  if (path_.empty()) {
    buf_.pubsync();
  } else if (!temp_path_.empty()) {  // not committed
    ::close(fd_);
    ::unlink(temp_path_.c_str());
  }
}

Error Output::write_error() const {
  int err = buf_.error() != 0 ? buf_.error() : EIO;
  return path_.empty() ? io_error("cannot write", "standard output", err) : io_error("cannot write", temp_path_, err);
}

Status Output::commit() {
  stream_.flush();
  if (!good()) return write_error();
  if (path_.empty()) return {};
  // The bytes must be on disk before the rename makes them reachable under
  // the final name; then the directory entry itself is made durable.
  if (::fsync(fd_) != 0) return io_error("cannot fsync", temp_path_, errno);
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
    return io_error("cannot close", path_, err);
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(temp_path_.c_str());
    temp_path_.clear();
    return io_error("cannot rename a temporary file to", path_, err);
  }
  temp_path_.clear();
  std::string dir = std::filesystem::path(path_).parent_path().string();
  if (dir.empty()) dir = ".";
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return io_error("cannot open directory", dir, errno);
  int rc = ::fsync(dir_fd);
  int err = errno;
  ::close(dir_fd);
  if (rc != 0) return io_error("cannot fsync directory", dir, err);
  return {};
}

}  // namespace bbsnap::tool
