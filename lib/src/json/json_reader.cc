// The entry points that read a state document: memory or a file
// descriptor, through the reference reader (reference_reader.h).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bbsnap/json.h"
#include "common/boundary.h"
#include "json/byte_source.h"
#include "json/reference_reader.h"

namespace bbsnap::json {
namespace {

Error too_long(std::uint64_t limit) {
  return Error::of(ErrorCode::limit_exceeded,
                   "the document is longer than the limit of " + std::to_string(limit) + " bytes", {}, limit);
}

Result<TransientSnapshot> read_descriptor(int fd, const ReadOptions& options) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return Error::of(ErrorCode::io, std::strerror(errno));
  // A regular file read from its start says how long it is. (An empty one
  // may be a file of /proc, whose size says nothing.)
  if (S_ISREG(status.st_mode) && status.st_size > 0 && ::lseek(fd, 0, SEEK_CUR) == 0 &&
      static_cast<std::uint64_t>(status.st_size) > options.max_bytes) {
    return too_long(options.max_bytes);
  }
  ByteSource source(fd, options.max_bytes);
  return read_reference(source);
}

}  // namespace

Result<TransientSnapshot> parse_state(std::string_view document) {
  return guarded("reading a state document", [&] {
    ByteSource source(document);
    return read_reference(source);
  });
}

Result<TransientSnapshot> read_state(int fd, const ReadOptions& options) {
  return guarded("reading a state document", [&] { return read_descriptor(fd, options); });
}

}  // namespace bbsnap::json
