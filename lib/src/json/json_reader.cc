// The entry points that read a state document: where each input goes, the
// fast reader or the reference reader (fast_reader.h, reference_reader.h).
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <new>

#include "bbsnap/json.h"
#include "common/boundary.h"
#include "json/byte_source.h"
#include "json/fast_reader.h"
#include "json/padded_mapping.h"
#include "json/reference_reader.h"

namespace bbsnap::json {
namespace {

// A copy with simdjson's padding, or nothing when the copy does not fit in
// memory: the reference reader needs none.
std::optional<TransientSnapshot> read_fast_copy(std::string_view document) {
  std::unique_ptr<char[]> padded(new (std::nothrow) char[document.size() + simdjson::SIMDJSON_PADDING]);
  if (!padded) return std::nullopt;
  std::memcpy(padded.get(), document.data(), document.size());
  std::memset(padded.get() + document.size(), 0, simdjson::SIMDJSON_PADDING);
  return read_fast({padded.get(), document.size()});
}

Error too_long(std::uint64_t limit) {
  return Error::of(ErrorCode::limit_exceeded,
                   "the document is longer than the limit of " + std::to_string(limit) + " bytes", {}, limit);
}

Result<TransientSnapshot> read_descriptor(int fd, const ReadOptions& options) {
  struct stat status {};
  if (::fstat(fd, &status) != 0) return Error::of(ErrorCode::io, std::strerror(errno));
  // A regular file from its start can be mapped. (An empty one may be a
  // file of /proc, whose size says nothing: it is read.)
  if (S_ISREG(status.st_mode) && status.st_size > 0 && ::lseek(fd, 0, SEEK_CUR) == 0) {
    const auto size = static_cast<std::uint64_t>(status.st_size);
    if (size > options.max_bytes) return too_long(options.max_bytes);
    if (Result<PaddedMapping> mapping = PaddedMapping::map(fd, size, simdjson::SIMDJSON_PADDING)) {
      if (std::optional<TransientSnapshot> state = read_fast(mapping->bytes(), &*mapping)) return std::move(*state);
      ByteSource source(mapping->bytes(), &*mapping);
      return read_reference(source);
    }
    // Not mappable (a file system without mmap): read like a pipe.
  }
  ByteSource source(fd, options.max_bytes);
  return read_reference(source);
}

}  // namespace

Result<TransientSnapshot> parse_state(std::string_view document) {
  return guarded("reading a state document", [&]() -> Result<TransientSnapshot> {
    if (std::optional<TransientSnapshot> state = read_fast_copy(document)) return std::move(*state);
    ByteSource source(document);
    return read_reference(source);
  });
}

Result<TransientSnapshot> read_state(int fd, const ReadOptions& options) {
  return guarded("reading a state document", [&] { return read_descriptor(fd, options); });
}

}  // namespace bbsnap::json
