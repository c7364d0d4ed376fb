// Writing a checkpoint directory: the single writer's lock, commit, and
// retention (checkpoints.h).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <tuple>

#include "bbsnap/checkpoints.h"
#include "checkpoints/deferred_close.h"
#include "checkpoints/generation_stat.h"
#include "common/boundary.h"
#include "common/io_error.h"

namespace bbsnap {
namespace {

constexpr const char* kLockName = "bbsnap-checkpoints.lock";

const FileOps& ops_of(const WriteOptions& write) { return write.file_ops ? *write.file_ops : posix_file_ops(); }

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

using FileIdentity = std::tuple<std::uint64_t, std::uint64_t, std::int64_t>;
FileIdentity identity_of(const Generation& g) { return {g.number, g.size, g.modified_unix_ns}; }

}  // namespace

struct CheckpointWriter::Impl {
  std::string dir;
  CheckpointOptions options;
  int lock_fd = -1;
  DeferredClose removed_files;  // the last descriptors of removed generations
  // Generations this writer committed or found intact among the kept ones,
  // by number, size and mtime (a file replaced by hand differs in them).
  std::set<FileIdentity> known_intact;
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
    BBSNAP_RETURN_IF_ERROR(check_keep(keep));
    BBSNAP_ASSIGN_OR_RETURN(const std::vector<Generation> generations, list_generations(dir));
    return retain(generations, keep, /*trust_known=*/false);
  }

  // Retention over `generations` (newest first). With `trust_known` (a
  // commit), a generation this writer wrote or already found intact counts
  // as intact without being opened again: a commit's retention then costs
  // one listing and the removal in the steady state, whatever `keep` is,
  // not `keep` opens.
  Result<PruneReport> retain(const std::vector<Generation>& generations, std::uint32_t keep, bool trust_known) {
    PruneReport report;
    std::set<FileIdentity> still_known;
    std::size_t kept = 0;  // generations[0, kept) stay
    while (kept < generations.size() && report.intact_kept < keep) {
      const Generation& g = generations[kept];
      const FileIdentity id = identity_of(g);
      if ((trust_known && known_intact.contains(id)) || is_intact(g, options.retention, ops())) {
        ++report.intact_kept;
        still_known.insert(id);
      }
      ++kept;
    }
    known_intact = std::move(still_known);
    if (report.intact_kept < keep) return report;  // too few intact ones: keep everything
    for (std::size_t i = generations.size(); i-- > kept;) {
      const Generation& g = generations[i];
      BBSNAP_ASSIGN_OR_RETURN(const Removal removal, remove(g.path));
      if (removal == Removal::removed) report.removed.push_back(g);
      if (removal == Removal::not_ours) report.not_ours.push_back(g);
    }
    return report;
  }

  // Removes the name at once and leaves freeing the file to removed_files
  // (deferred_close.h), if the file is one bbsnap wrote: it begins with the
  // format's magic, damaged or not. Anything else under a generation's name
  // (it cannot be read, or it is not a snapshot file) is not removed: that
  // is someone else's file. Not behind FileOps: the descriptor is read for
  // the magic and held, nothing else.
  enum class Removal { removed, not_ours, gone };
  Result<Removal> remove(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? Removal::gone : Removal::not_ours;
    std::array<std::uint8_t, format::kMagic.size()> magic{};
    if (::pread(fd, magic.data(), magic.size(), 0) != static_cast<ssize_t>(magic.size()) || magic != format::kMagic) {
      ::close(fd);
      return Removal::not_ours;
    }
    if (ops().unlink(path.c_str()) != 0) {
      const int error = errno;
      ::close(fd);
      if (error == ENOENT) return Removal::gone;
      return io_error("cannot remove", path, error);
    }
    removed_files.close_later(fd);
    return Removal::removed;
  }

  Status refuse_while_in_progress(const char* what) const {
    if (in_progress.expired()) return {};
    return Error::of(ErrorCode::invalid_argument, std::string(what) + " while a generation begun in " + dir +
                                                      " is being written: commit it or destroy it first");
  }

  // The next generation (1 + the highest present) and the listing it was
  // found in, which the commit's retention reuses: this writer holds the
  // lock, so no other commit changes the directory meanwhile.
  struct Next {
    Generation generation;
    std::vector<Generation> listing;  // newest first
  };
  Result<Next> next_generation() const {
    BBSNAP_ASSIGN_OR_RETURN(std::vector<Generation> generations, list_generations(dir));
    const std::uint64_t newest = generations.empty() ? 0 : generations.front().number;
    if (newest == std::numeric_limits<std::uint64_t>::max()) {
      return Error::of(ErrorCode::limit_exceeded, "generation 18446744073709551615 exists in " + dir +
                                                      ": no number is left for the next one");
    }
    Next next;
    next.generation.number = newest + 1;
    next.generation.path = dir + "/" + generation_file_name(next.generation.number);
    next.listing = std::move(generations);
    return next;
  }

  CommitReport committed_without_retention(Generation generation) {
    CommitReport report;
    report.committed = std::move(generation);
    struct stat st {};
    if (::stat(report.committed.path.c_str(), &st) == 0) set_size_and_time(report.committed, st);
    return report;
  }

  // Its file is complete and named: its size and mtime, then retention over
  // the listing with it.
  CommitReport committed(Next next) {
    CommitReport report = committed_without_retention(std::move(next.generation));
    next.listing.insert(next.listing.begin(), report.committed);
    known_intact.insert(identity_of(report.committed));  // intact by construction
    Result<PruneReport> pruned = retain(next.listing, options.keep, /*trust_known=*/true);
    if (pruned) {
      report.pruned = std::move(pruned).value();
    } else {
      report.prune_error = std::move(pruned).error();
    }
    return report;
  }

  // A streamed generation: prune() may have run since begin() listed the
  // directory, so its retention lists it again (without the new one).
  CommitReport committed_streamed(Generation generation) {
    Next next;
    next.generation = std::move(generation);
    Result<std::vector<Generation>> listing = list_generations(dir);
    if (!listing) {
      CommitReport report = committed_without_retention(std::move(next.generation));
      report.prune_error = std::move(listing).error();
      return report;
    }
    for (Generation& g : *listing) {
      if (g.number != next.generation.number) next.listing.push_back(std::move(g));
    }
    return committed(std::move(next));
  }

  Result<CommitReport> commit(const TransientSnapshot& state) {
    BBSNAP_RETURN_IF_ERROR(refuse_while_in_progress("commit"));
    BBSNAP_ASSIGN_OR_RETURN(Next next, next_generation());
    BBSNAP_RETURN_IF_ERROR(write_snapshot(next.generation.path, state, options.write));
    return committed(std::move(next));
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
    BBSNAP_RETURN_IF_ERROR(check_keep(options.keep));
    if (options.retention != Retention::table && options.retention != Retention::full) {
      return Error::of(ErrorCode::invalid_argument,
                       "retention is " + std::to_string(static_cast<unsigned>(options.retention)) + ", not table or full");
    }
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    impl->options = options;
    BBSNAP_RETURN_IF_ERROR(impl->lock());
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
    BBSNAP_RETURN_IF_ERROR(impl_->refuse_while_in_progress("begin"));
    BBSNAP_ASSIGN_OR_RETURN(Impl::Next next, impl_->next_generation());
    BBSNAP_ASSIGN_OR_RETURN(SnapshotWriter writer, SnapshotWriter::create(next.generation.path, impl_->options.write));
    // Any object will do: only its identity and its lifetime matter.
    std::shared_ptr<const void> ticket = std::make_shared<const char>('\0');
    impl_->in_progress = ticket;
    return GenerationWriter(std::move(ticket), std::move(writer), std::move(next.generation));
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
    BBSNAP_RETURN_IF_ERROR(finishing.writer_.finish(rest));
    return impl_->committed_streamed(std::move(finishing.generation_));
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

void CheckpointWriter::wait_for_removals() {
  if (impl_) impl_->removed_files.wait_idle();
}

const std::string& CheckpointWriter::dir() const {
  static const std::string none;
  return impl_ ? impl_->dir : none;
}

}  // namespace bbsnap
