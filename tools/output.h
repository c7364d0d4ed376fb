// Where a command's text output goes: standard output, or a file that
// appears whole or not at all.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <streambuf>
#include <string>
#include <vector>

#include "bbsnap/atomic_file.h"
#include "bbsnap/status.h"

namespace bbsnap::tool {

// A buffered std::streambuf that hands full buffers to `write` and keeps the
// first error it returns, so that a full disk or a closed pipe is reported.
class BufferedOut final : public std::streambuf {
 public:
  using Write = std::function<Status(std::span<const std::uint8_t>)>;
  explicit BufferedOut(Write write);
  ~BufferedOut() override;
  const std::optional<Error>& error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override;
  int sync() override;

 private:
  bool flush_buffer();
  Write write_;
  std::optional<Error> error_;
  std::vector<char> buffer_;
};

// Text output to standard output (`path` empty or "-") or to `path`.
//
// For a path, the bytes go through the library's AtomicFile (atomic_file.h,
// the crash-safe path write_snapshot uses): a temporary file beside `path` (unnamed where
// the file system allows it; what dead writers left there is removed first:
// writer.h), which commit() fsyncs, renames over `path` and makes durable
// with an fsync of the directory; the new file keeps the mode of the one it
// replaces. Without a successful commit() the temporary is removed and
// `path` keeps whatever it held.
class Output {
 public:
  static Result<std::unique_ptr<Output>> open(const std::string& path);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::ostream& stream() { return stream_; }
  // False once a write has failed (the rest of the output is pointless).
  bool good() const { return !buf_.error() && stream_.good(); }
  // Flushes; for a file, fsync + rename + directory fsync. Errors: io.
  Status commit();

 private:
  explicit Output(std::optional<AtomicFile> file);  // nullopt: standard output

  std::optional<AtomicFile> file_;
  BufferedOut buf_;
  std::ostream stream_;
};

}  // namespace bbsnap::tool
