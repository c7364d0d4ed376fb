#include "bbsnap/atomic_file.h"

#include <utility>

#include "common/boundary.h"
#include "container/sink.h"

namespace bbsnap {

namespace {

Status spent() { return Error::of(ErrorCode::invalid_argument, "this file failed, was committed or was moved from"); }

}  // namespace

Result<AtomicFile> AtomicFile::create(const std::string& path, const AtomicFileOptions& options) {
  return guarded("creating a file", [&]() -> Result<AtomicFile> {
    BBSNAP_RETURN_IF_ERROR(check_file_mode(options.file_mode));
    const FileOps& ops = options.file_ops ? *options.file_ops : posix_file_ops();
    BBSNAP_ASSIGN_OR_RETURN(std::unique_ptr<AtomicFileSink> sink,
                            AtomicFileSink::create(path, ops, options.durable, options.file_mode));
    return AtomicFile(std::move(sink));
  });
}

AtomicFile::AtomicFile(std::unique_ptr<AtomicFileSink> sink) : sink_(std::move(sink)) {}
AtomicFile::AtomicFile(AtomicFile&&) noexcept = default;
AtomicFile& AtomicFile::operator=(AtomicFile&&) noexcept = default;
AtomicFile::~AtomicFile() = default;

Status AtomicFile::append(std::span<const std::uint8_t> bytes) {
  if (!sink_ || failed_) return spent();
  Status s = guarded("writing a file", [&] { return sink_->append(bytes); });
  failed_ = !s;
  return s;
}

Status AtomicFile::commit() {
  if (!sink_ || failed_) return spent();
  Status s = guarded("committing a file", [&] { return sink_->commit(); });
  failed_ = true;  // committed or not, the file takes no more bytes
  return s;
}

}  // namespace bbsnap
