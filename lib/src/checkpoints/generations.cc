// Reading a checkpoint directory: listing its generations and restoring the
// newest that opens (checkpoints.h). Readers take no lock.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "bbsnap/checkpoints.h"
#include "checkpoints/generation_stat.h"
#include "common/boundary.h"
#include "common/io_error.h"

namespace bbsnap {
namespace {

// A restore that finds a listed generation gone (removed by a commit's
// retention meanwhile) lists again: retention removes a generation only
// when newer ones exist, which this listing did not see. Each round needs a
// commit to have run meanwhile, so this bound is only ever reached by a
// writer committing faster than a reader can open one file.
constexpr int kListingRounds = 16;

bool is_gone(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) != 0 && errno == ENOENT;
}

Result<std::vector<Generation>> list(const std::string& dir) {
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return io_error("cannot list", dir, errno);
  std::vector<Generation> found;
  // readdir reports an error only through errno, which the lstat below may
  // have set for a file removed since it was listed: cleared before each call.
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(listing);
    if (entry == nullptr) break;
    const std::optional<std::uint64_t> number = parse_generation_file_name(entry->d_name);
    if (!number) continue;
    Generation g;
    g.number = *number;
    g.path = dir + "/" + entry->d_name;
    struct stat st {};
    // Regular files only, no link followed; one removed since readdir is skipped.
    if (::lstat(g.path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    set_size_and_time(g, st);
    found.push_back(std::move(g));
  }
  const int read_error = errno;
  ::closedir(listing);
  if (read_error != 0) return io_error("cannot list", dir, read_error);
  std::sort(found.begin(), found.end(), [](const Generation& a, const Generation& b) { return a.number > b.number; });
  return found;
}

// One pass over a listing: the newest generation that opens, or nullopt
// when one of them vanished (list again) or none opens (`failure` says why).
std::optional<RestoredGeneration> restore_from(const std::vector<Generation>& generations, const OpenOptions& options,
                                               std::vector<SkippedGeneration>& skipped, bool& vanished) {
  skipped.clear();
  vanished = false;
  for (const Generation& g : generations) {
    Result<Snapshot> opened = Snapshot::open(g.path, options);
    if (opened) return RestoredGeneration{g, std::move(opened).value(), std::move(skipped)};
    if (opened.error().code == ErrorCode::io && is_gone(g.path)) {
      vanished = true;
      return std::nullopt;
    }
    skipped.push_back({g, std::move(opened).error()});
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<Generation>> list_generations(const std::string& dir) {
  return guarded("list_generations", [&] { return list(dir); });
}

Result<std::optional<RestoredGeneration>> restore_newest(const std::string& dir, const OpenOptions& options) {
  return guarded("restore_newest", [&]() -> Result<std::optional<RestoredGeneration>> {
    std::vector<SkippedGeneration> skipped;
    for (int round = 1;; ++round) {
      BBSNAP_ASSIGN_OR_RETURN(const std::vector<Generation> generations, list(dir));
      if (generations.empty()) return std::optional<RestoredGeneration>{};
      bool vanished = false;
      std::optional<RestoredGeneration> restored = restore_from(generations, options, skipped, vanished);
      if (restored) return std::optional<RestoredGeneration>(std::move(restored));
      if (vanished && round < kListingRounds) continue;
      if (skipped.empty()) {
        return Error::of(ErrorCode::io, "every generation of " + dir + " was removed while it was being restored");
      }
      Error newest = std::move(skipped.front().reason);
      newest.message = "none of the " + std::to_string(skipped.size()) + " generations of " + dir +
                       " opens; the newest, " + skipped.front().generation.path + ": " + newest.message;
      return newest;
    }
  });
}

}  // namespace bbsnap
