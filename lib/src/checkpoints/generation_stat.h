// A generation's size and commit time (its file's mtime), from its stat.
#pragma once

#include <sys/stat.h>

#include "bbsnap/checkpoints.h"

namespace bbsnap {

inline void set_size_and_time(Generation& generation, const struct stat& st) {
  generation.size = static_cast<std::uint64_t>(st.st_size);
  generation.modified_unix_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace bbsnap
