#include "container/sink.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "common/io_error.h"
#include "container/stale_temps.h"
#include "container/temp_name.h"

namespace bbsnap {
namespace {

// Appends reach the file in writes of whole, aligned 2 MiB blocks (the
// last one excepted). Where the file system caches files in large folios
// (XFS; ext4 from Linux 6.16), the page cache sizes a folio by the write
// that fills it: a file written in 2 MiB-aligned pieces is cached in 2 MiB
// folios, and a fresh mapping takes one page fault per folio. Written in
// unaligned 1 MiB pieces, a 64 MiB file took 327 faults per mapping instead
// of 32 and a warm XXH3 pass over the mapping 19% longer; the warm open of
// a checkpoint pays the same (full verification of M: 4.0 -> 3.3 ms, lazy
// open + first lookup: 49 -> 38 us).
constexpr std::size_t kBlock = 2 << 20;

// Tries at a free temporary name before giving up.
constexpr unsigned kAttempts = 16;

// Calls `call` again while it fails with EINTR (a signal arrived during it).
template <typename Call>
auto retry_on_eintr(Call call) {
  for (;;) {
    auto result = call();
    if (result != -1 || errno != EINTR) return result;
  }
}

// The permission bits of the new file: the ones asked for
// (WriteOptions::file_mode), exactly, whatever the umask; else those of the
// file it replaces, so that a 0600 checkpoint does not become readable by
// others because it was rewritten (the destination is stat'ed through a
// symbolic link: the new file replaces the link and takes the mode of what
// it pointed to); else nullopt: 0666 less the umask, as open(2) gives.
std::optional<mode_t> mode_for(const std::string& path, std::optional<mode_t> requested) {
  if (requested) return requested;
  struct stat existing {};
  if (::stat(path.c_str(), &existing) != 0 || !S_ISREG(existing.st_mode)) return std::nullopt;
  return existing.st_mode & 07777;
}

// The name through which an unnamed file open as `fd` is given a name.
std::string proc_fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// Whether /proc shows the file open as `fd` (it is not mounted everywhere,
// e.g. in a chroot): an unnamed file is named through it.
bool proc_shows(int fd) {
  struct stat by_fd {}, by_proc {};
  return ::fstat(fd, &by_fd) == 0 && ::stat(proc_fd_path(fd).c_str(), &by_proc) == 0 &&
         by_fd.st_dev == by_proc.st_dev && by_fd.st_ino == by_proc.st_ino;
}

// A fresh buffer of many MiB takes a page fault per 4 KiB page on first
// touch: for M (69 MB) the 17k faults cost more than everything else
// encode_snapshot does. Transparent huge pages make that one fault per
// 2 MiB where the system grants them on request (THP "madvise" mode, the
// Debian default). Only advice: memory stays the allocator's, and a refusal
// (EINVAL without THP) changes nothing.
AlignedBuffer fresh_buffer(std::size_t size) {
  AlignedBuffer buffer = AlignedBuffer::for_overwrite(size);
  constexpr std::uintptr_t kHugePage = 2 << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(buffer.data());
  const std::uintptr_t first = (begin + kHugePage - 1) / kHugePage * kHugePage;
  const std::uintptr_t last = (begin + size) / kHugePage * kHugePage;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  return buffer;
}

}  // namespace

Status check_file_mode(std::optional<mode_t> file_mode) {
  if (file_mode && (*file_mode & ~mode_t{0777}) != 0) {
    return Error::of(ErrorCode::invalid_argument, "file_mode must be permission bits, at most 0777");
  }
  return {};
}

MemorySink::MemorySink(std::size_t capacity) : buffer_(fresh_buffer(capacity)) {}

Status MemorySink::append(std::span<const std::uint8_t> bytes) {
  if (bytes.size() > buffer_.size() - position_) {
    AlignedBuffer grown = fresh_buffer(std::max<std::uint64_t>(2 * buffer_.size(), position_ + bytes.size()));
    if (position_ != 0) std::memcpy(grown.data(), buffer_.data(), position_);
    buffer_ = std::move(grown);
  }
  if (!bytes.empty()) std::memcpy(buffer_.data() + position_, bytes.data(), bytes.size());
  position_ += bytes.size();
  return {};
}

Status MemorySink::overwrite(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  std::memcpy(buffer_.data() + offset, bytes.data(), bytes.size());
  return {};
}

AlignedBuffer MemorySink::take() {
  buffer_.shrink_to(position_);
  return std::move(buffer_);
}

Result<std::unique_ptr<AtomicFileSink>> AtomicFileSink::create(const std::string& path, const FileOps& ops,
                                                               bool durable, std::optional<mode_t> file_mode) {
  // Everything the sink allocates is allocated before the temporary file
  // exists: out of memory after its creation would leave it behind, with
  // its descriptor open. From here on the sink owns the file and its
  // destructor removes it.
  auto sink = std::unique_ptr<AtomicFileSink>(new AtomicFileSink(path, ops, durable));
  // Created with the final bits (less the umask), then given them exactly:
  // the temporary file is never open to more than the finished one, so no
  // one can open it for reading in between and read the state later.
  const std::optional<mode_t> mode = mode_for(path, file_mode);
  remove_stale_temps(path, ops);
  BBSNAP_ASSIGN_OR_RETURN(const bool unnamed, sink->open_unnamed(mode.value_or(0666)));
  if (!unnamed) {
    BBSNAP_RETURN_IF_ERROR(sink->open_named(mode.value_or(0666)));
  }
  if (mode && ::fchmod(sink->fd_, *mode) != 0) return io_error("cannot set the mode of", sink->temp_description(), errno);
  return sink;
}

AtomicFileSink::AtomicFileSink(std::string path, const FileOps& ops, bool durable)
    : path_(std::move(path)), dir_(directory_of(path_)), ops_(ops), durable_(durable) {
  buffer_ = std::make_unique_for_overwrite<std::uint8_t[]>(kBlock);
}

AtomicFileSink::~AtomicFileSink() {
  if (!committed_) discard();
}

// The unnamed file, locked. False, with nothing left open, where the kernel
// or the file system has no O_TMPFILE (open(2): EOPNOTSUPP; EISDIR or
// EINVAL from kernels before it), or where /proc, through which the file
// would be named, does not show it: the named fallback is taken then.
Result<bool> AtomicFileSink::open_unnamed(mode_t mode) {
  fd_ = retry_on_eintr([&] { return ops_.open(dir_.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, mode); });
  if (fd_ < 0) {
    if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL) return false;
    return io_error("cannot create a temporary file in", dir_, errno);
  }
  if (!proc_shows(fd_)) {
    close_descriptors();
    return false;
  }
  // Locked before it has a name: no remover can ever take it for a dead writer's.
  if (retry_on_eintr([&] { return ops_.flock(fd_, LOCK_EX | LOCK_NB); }) != 0) {
    return io_error("cannot lock", temp_description(), errno);
  }
  BBSNAP_RETURN_IF_ERROR(keep_lock());
  return true;
}

// The named temporary file, created and locked. Between the two a remover
// of stale temporaries may take it as a dead writer's (its lock is free):
// then it is removed or about to be, and another name is tried.
Status AtomicFileSink::open_named(mode_t mode) {
  for (unsigned attempt = 0; attempt < kAttempts; ++attempt) {
    std::string temp = temp_path_for(path_, attempt);
    fd_ = retry_on_eintr([&] { return ops_.open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode); });
    if (fd_ < 0) {
      if (errno == EEXIST) continue;
      return io_error("cannot create temporary file", temp, errno);
    }
    if (retry_on_eintr([&] { return ops_.flock(fd_, LOCK_EX | LOCK_NB); }) != 0) {
      const int err = errno;
      if (err != EWOULDBLOCK) {
        // Refused by the file system, not taken by a remover: the name is ours to remove.
        temp_path_ = std::move(temp);
        return io_error("cannot lock temporary file", temp_path_, err);
      }
      close_descriptors();
      continue;
    }
    if (!still_names(temp, fd_)) {
      close_descriptors();
      continue;
    }
    temp_path_ = std::move(temp);
    return keep_lock();
  }
  return io_error("cannot find a free temporary name beside", path_, EEXIST);
}

// A second descriptor of the locked temporary file: the lock, proof to
// removers of stale temporaries that this writer is alive, must outlive the
// temporary name, and an unnamed file must outlive fd_, which is closed
// before the file is named and renamed.
Status AtomicFileSink::keep_lock() {
  lock_fd_ = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (lock_fd_ < 0) return io_error("cannot duplicate the descriptor of", temp_description(), errno);
  return {};
}

// Names the complete unnamed file beside the destination, to be renamed
// over it. Through /proc/self/fd with AT_SYMLINK_FOLLOW, the way open(2)
// gives for any caller: linkat(fd, "", ..., AT_EMPTY_PATH) needs
// CAP_DAC_READ_SEARCH (linkat(2)) on the kernels Debian 12 ships.
Status AtomicFileSink::name_unnamed() {
  const std::string unnamed = proc_fd_path(lock_fd_);
  for (unsigned attempt = 0; attempt < kAttempts; ++attempt) {
    std::string temp = temp_path_for(path_, attempt);
    if (retry_on_eintr([&] {
          return ops_.linkat(AT_FDCWD, unnamed.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW);
        }) == 0) {
      temp_path_ = std::move(temp);
      return {};
    }
    if (errno != EEXIST) return io_error("cannot name the temporary file as", temp, errno);
  }
  return io_error("cannot find a free temporary name beside", path_, EEXIST);
}

std::string AtomicFileSink::temp_description() const {
  return temp_path_.empty() ? "the temporary file in " + dir_ : temp_path_;
}

void AtomicFileSink::close_descriptors() {
  if (fd_ >= 0) ops_.close(fd_);
  if (lock_fd_ >= 0) ops_.close(lock_fd_);
  fd_ = lock_fd_ = -1;
}

// The name goes first, while the lock still tells removers that its writer
// is alive. An unnamed file vanishes with its last descriptor.
void AtomicFileSink::discard() {
  if (!temp_path_.empty()) ops_.unlink(temp_path_.c_str());
  close_descriptors();
}

// The buffer always starts at a block boundary of the file: it is written
// only when full, so the file's length is a multiple of kBlock between
// appends. Whole blocks of a large append go straight from the caller's
// memory; only its head (up to the next boundary) and tail are copied.
Status AtomicFileSink::append(std::span<const std::uint8_t> bytes) {
  position_ += bytes.size();
  while (!bytes.empty()) {
    if (buffered_ == 0 && bytes.size() >= kBlock) {
      const std::size_t whole_blocks = bytes.size() / kBlock * kBlock;
      BBSNAP_RETURN_IF_ERROR(write_all(bytes.first(whole_blocks)));
      bytes = bytes.subspan(whole_blocks);
      continue;
    }
    const std::size_t n = std::min(bytes.size(), kBlock - buffered_);
    std::memcpy(buffer_.get() + buffered_, bytes.data(), n);
    buffered_ += n;
    bytes = bytes.subspan(n);
    if (buffered_ == kBlock) {
      BBSNAP_RETURN_IF_ERROR(flush());
    }
  }
  return {};
}

Status AtomicFileSink::flush() {
  Status s = write_all({buffer_.get(), buffered_});
  buffered_ = 0;
  return s;
}

Status AtomicFileSink::write_all(std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ops_.write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot write", temp_description(), errno);
    if (n == 0) return io_error("cannot write (no progress)", temp_description(), EIO);
    bytes = bytes.subspan(static_cast<std::size_t>(n));  // a short write: go on with the rest
  }
  return {};
}

Status AtomicFileSink::overwrite(std::uint64_t offset, std::span<const std::uint8_t> bytes) {
  BBSNAP_RETURN_IF_ERROR(flush());
  while (!bytes.empty()) {
    ssize_t n = ops_.pwrite(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write", temp_description(), n < 0 ? errno : EIO);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return {};
}

Status AtomicFileSink::commit() {
  BBSNAP_RETURN_IF_ERROR(flush());
  // The data must be on disk before the rename makes it reachable under the
  // final name; otherwise a crash could leave the new name on a torn file.
  if (durable_ && retry_on_eintr([&] { return ops_.fsync(fd_); }) != 0) {
    return io_error("cannot fsync", temp_description(), errno);
  }
  int fd = fd_;
  fd_ = -1;
  // On Linux the descriptor is released even when close reports EINTR: not
  // retried (that could close another thread's new descriptor), not an error.
  if (ops_.close(fd) != 0 && errno != EINTR) return io_error("cannot close", temp_description(), errno);
  // An unnamed file gets a name only now, complete: a crash before this
  // leaves nothing behind; one between here and the rename, a complete file
  // under a temporary name, which the next write removes.
  if (temp_path_.empty()) {
    BBSNAP_RETURN_IF_ERROR(name_unnamed());
  }
  if (retry_on_eintr([&] { return ops_.rename(temp_path_.c_str(), path_.c_str()); }) != 0) {
    return io_error("cannot rename " + temp_path_ + " to", path_, errno);
  }
  committed_ = true;
  close_descriptors();  // the lock, now that the temporary name is gone
  // Makes the rename itself durable. If this fails the new file is already in
  // place and complete; the error says its name may not survive a power loss.
  return durable_ ? sync_directory() : Status{};
}

Status AtomicFileSink::sync_directory() {
  int fd = retry_on_eintr([&] { return ops_.open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0); });
  if (fd < 0) return io_error("cannot open directory", dir_, errno);
  int rc = retry_on_eintr([&] { return ops_.fsync(fd); });
  int err = errno;
  ops_.close(fd);
  if (rc != 0) return io_error("cannot fsync directory", dir_, err);
  return {};
}

}  // namespace bbsnap
