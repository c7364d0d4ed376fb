// Writing a checkpoint directory: the single writer's lock, commit, and
// retention (checkpoints.h).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

#include "bbsnap/checkpoints.h"
#include "common/boundary.h"

namespace bbsnap {
namespace {

constexpr const char* kLockName = "bbsnap-checkpoints.lock";

const FileOps& ops_of(const WriteOptions& write) { return write.file_ops ? *write.file_ops : posix_file_ops(); }

Error io_error(const std::string& what, const std::string& path, int error) {
  return Error::of(ErrorCode::io, what + " " + path + ": " + std::strerror(error));
}

Status check_keep(std::uint32_t keep) {
  if (keep == 0) return Error::of(ErrorCode::invalid_argument, "keep is 0: retention must keep at least 1 generation");
  return {};
}

// Retention's test of one generation (checkpoints.h): any spec_version,
// mapped, so that a check reads only what its verification needs.
bool is_intact(const Generation& g, Retention retention, const FileOps& ops) {
  OpenOptions options;
  options.verification = retention == Retention::full ? Verification::full : Verification::lazy;
  options.load = Load::map;
  options.file_ops = &ops;
  options.expected_spec_version = std::nullopt;
  return Snapshot::open(g.path, options).ok();
}

}  // namespace

struct CheckpointWriter::Impl {
  std::string dir;
  CheckpointOptions options;
  int lock_fd = -1;
  // The generation begun and not yet committed or destroyed (begin): its
  // number is not on disk until its file is named, so no other commit may
  // take a number meanwhile.
  std::weak_ptr<const void> in_progress;

  const FileOps& ops() const { return ops_of(options.write); }
  ~Impl() {
    if (lock_fd >= 0) ops().close(lock_fd);  // releases the lock
  }

  Status lock() {
    const std::string path = dir + "/" + kLockName;
    lock_fd = ops().open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (lock_fd < 0) return io_error("cannot open the lock file", path, errno);
    if (ops().flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      if (error == EWOULDBLOCK) {
        return Error::of(ErrorCode::io, "another checkpoint writer holds the lock of " + dir + " (" + path + ")");
      }
      return io_error("cannot lock", path, error);
    }
    return {};
  }

  Result<PruneReport> prune(std::uint32_t keep) {
    if (Status s = check_keep(keep); !s) return std::move(s).error();
    Result<std::vector<Generation>> generations = list_generations(dir);
    if (!generations) return std::move(generations).error();
    PruneReport report;
    std::size_t kept = 0;  // generations[0, kept) stay
    while (kept < generations->size() && report.intact_kept < keep) {
      if (is_intact((*generations)[kept], options.retention, ops())) ++report.intact_kept;
      ++kept;
    }
    if (report.intact_kept < keep) return report;  // too few intact ones: keep everything
    for (std::size_t i = generations->size(); i-- > kept;) {
      const Generation& g = (*generations)[i];
      if (ops().unlink(g.path.c_str()) != 0 && errno != ENOENT) return io_error("cannot remove", g.path, errno);
      report.removed.push_back(g);
    }
    return report;
  }

  Status refuse_while_in_progress(const char* what) const {
    if (in_progress.expired()) return {};
    return Error::of(ErrorCode::invalid_argument, std::string(what) + " while a generation begun in " + dir +
                                                      " is being written: commit it or destroy it first");
  }

  // The number and path of the next generation: 1 + the highest present.
  Result<Generation> next_generation() const {
    Result<std::vector<Generation>> generations = list_generations(dir);
    if (!generations) return std::move(generations).error();
    const std::uint64_t newest = generations->empty() ? 0 : generations->front().number;
    if (newest == std::numeric_limits<std::uint64_t>::max()) {
      return Error::of(ErrorCode::limit_exceeded, "generation 18446744073709551615 exists in " + dir +
                                                      ": no number is left for the next one");
    }
    Generation next;
    next.number = newest + 1;
    next.path = dir + "/" + generation_file_name(next.number);
    return next;
  }

  // A generation's file is complete and named: its size and mtime, then retention.
  CommitReport committed(Generation generation) {
    CommitReport report;
    report.committed = std::move(generation);
    struct stat st {};
    if (::stat(report.committed.path.c_str(), &st) == 0) {
      report.committed.size = static_cast<std::uint64_t>(st.st_size);
      report.committed.modified_unix_ns =
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    }
    Result<PruneReport> pruned = prune(options.keep);
    if (pruned) {
      report.pruned = std::move(pruned).value();
    } else {
      report.prune_error = std::move(pruned).error();
    }
    return report;
  }

  Result<CommitReport> commit(const TransientSnapshot& state) {
    if (Status s = refuse_while_in_progress("commit"); !s) return std::move(s).error();
    Result<Generation> next = next_generation();
    if (!next) return std::move(next).error();
    if (Status s = write_snapshot(next->path, state, options.write); !s) return std::move(s).error();
    return committed(std::move(next).value());
  }
};

GenerationWriter::GenerationWriter(std::shared_ptr<const void> ticket, SnapshotWriter writer, Generation generation)
    : ticket_(std::move(ticket)), writer_(std::move(writer)), generation_(std::move(generation)) {}
GenerationWriter::GenerationWriter(GenerationWriter&&) noexcept = default;
GenerationWriter& GenerationWriter::operator=(GenerationWriter&&) noexcept = default;
GenerationWriter::~GenerationWriter() = default;

Status GenerationWriter::add_slot(SlotKey key, std::optional<std::span<const std::uint8_t>> value) {
  return writer_.add_slot(key, value);
}

CheckpointWriter::CheckpointWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CheckpointWriter::CheckpointWriter(CheckpointWriter&&) noexcept = default;
CheckpointWriter& CheckpointWriter::operator=(CheckpointWriter&&) noexcept = default;
CheckpointWriter::~CheckpointWriter() = default;

Result<CheckpointWriter> CheckpointWriter::open(const std::string& dir, const CheckpointOptions& options) {
  return guarded("CheckpointWriter::open", [&]() -> Result<CheckpointWriter> {
    if (Status s = check_keep(options.keep); !s) return std::move(s).error();
    if (options.retention != Retention::table && options.retention != Retention::full) {
      return Error::of(ErrorCode::invalid_argument,
                       "retention is " + std::to_string(static_cast<unsigned>(options.retention)) + ", not table or full");
    }
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    impl->options = options;
    if (Status s = impl->lock(); !s) return std::move(s).error();
    return CheckpointWriter(std::move(impl));
  });
}

Result<CommitReport> CheckpointWriter::commit(const TransientSnapshot& state) {
  return guarded("CheckpointWriter::commit", [&]() -> Result<CommitReport> {
    if (!impl_) return Error::of(ErrorCode::invalid_argument, "commit on a moved-from CheckpointWriter");
    return impl_->commit(state);
  });
}

// begin and commit(generation, rest) touch GenerationWriter's members,
// which its friend CheckpointWriter may, and its Impl may not.
Result<GenerationWriter> CheckpointWriter::begin() {
  return guarded("CheckpointWriter::begin", [&]() -> Result<GenerationWriter> {
    if (!impl_) return Error::of(ErrorCode::invalid_argument, "begin on a moved-from CheckpointWriter");
    if (Status s = impl_->refuse_while_in_progress("begin"); !s) return std::move(s).error();
    Result<Generation> next = impl_->next_generation();
    if (!next) return std::move(next).error();
    Result<SnapshotWriter> writer = SnapshotWriter::create(next->path, impl_->options.write);
    if (!writer) return std::move(writer).error();
    // Any object will do: only its identity and its lifetime matter.
    std::shared_ptr<const void> ticket = std::make_shared<const char>('\0');
    impl_->in_progress = ticket;
    return GenerationWriter(std::move(ticket), std::move(writer).value(), std::move(next).value());
  });
}

Result<CommitReport> CheckpointWriter::commit(GenerationWriter& generation, const TransientSnapshot& rest) {
  return guarded("CheckpointWriter::commit", [&]() -> Result<CommitReport> {
    if (!impl_) return Error::of(ErrorCode::invalid_argument, "commit on a moved-from CheckpointWriter");
    if (!began(generation)) {
      return Error::of(ErrorCode::invalid_argument, "commit of a generation that this writer of " + impl_->dir +
                                                        " did not begin, or that was committed");
    }
    // Spent whatever the result, as SnapshotWriter::finish is: `finishing`
    // holds the ticket until the generation is committed or has failed.
    GenerationWriter finishing = std::move(generation);
    if (Status s = finishing.writer_.finish(rest); !s) return std::move(s).error();
    return impl_->committed(std::move(finishing.generation_));
  });
}

bool CheckpointWriter::began(const GenerationWriter& generation) const {
  return impl_ && generation.ticket_ && impl_->in_progress.lock() == generation.ticket_;
}

Result<PruneReport> CheckpointWriter::prune(std::uint32_t keep) {
  return guarded("CheckpointWriter::prune", [&]() -> Result<PruneReport> {
    if (!impl_) return Error::of(ErrorCode::invalid_argument, "prune on a moved-from CheckpointWriter");
    return impl_->prune(keep);
  });
}

const std::string& CheckpointWriter::dir() const {
  static const std::string none;
  return impl_ ? impl_->dir : none;
}

}  // namespace bbsnap
