#include "container/stale_temps.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

#include "container/temp_name.h"

namespace bbsnap {
namespace {

// Removes `temp` if no live writer holds its lock. The name is removed only
// while this holds the lock of the file it names: then no writer owns that
// file (a writer never releases its lock while its file has a name), and no
// other remover can unlink the name meanwhile.
void remove_if_unlocked(const std::string& temp, const FileOps& ops) {
  struct stat named {};
  if (::lstat(temp.c_str(), &named) != 0 || !S_ISREG(named.st_mode)) return;  // only regular files, no link followed
  // Open for writing where allowed: NFS emulates flock with a byte-range
  // lock, and an exclusive one needs a descriptor open for writing.
  // O_NONBLOCK: an open that would wait (a file leased by another process) fails instead.
  constexpr int kFlags = O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  int fd = ops.open(temp.c_str(), O_RDWR | kFlags, 0);
  if (fd < 0 && errno == EACCES) fd = ops.open(temp.c_str(), O_RDONLY | kFlags, 0);
  if (fd < 0) return;
  if (ops.flock(fd, LOCK_EX | LOCK_NB) == 0 && still_names(temp, fd)) ops.unlink(temp.c_str());
  ops.close(fd);  // releases the lock, after the name is gone
}

}  // namespace

bool still_names(const std::string& temp, int fd) {
  struct stat by_fd {}, by_name {};
  return ::fstat(fd, &by_fd) == 0 && ::lstat(temp.c_str(), &by_name) == 0 && by_fd.st_dev == by_name.st_dev &&
         by_fd.st_ino == by_name.st_ino;
}

void remove_stale_temps(const std::string& path, const FileOps& ops) {
  const std::string dir = directory_of(path);
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) return;
  while (const dirent* entry = ::readdir(listing)) {
    if (entry->d_type != DT_REG && entry->d_type != DT_UNKNOWN) continue;
    if (!is_temp_name_of_this_kernel(path, entry->d_name)) continue;
    remove_if_unlocked(dir + "/" + entry->d_name, ops);
  }
  ::closedir(listing);
}

}  // namespace bbsnap
