// Where a command's text output goes: standard output, or a file that
// appears whole or not at all.
#pragma once

#include <memory>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "bbsnap/status.h"

namespace bbsnap::tool {

// A buffered std::streambuf over a file descriptor that remembers the first
// write error (errno), so that a full disk or a closed pipe is reported.
class FdBuf final : public std::streambuf {
 public:
  explicit FdBuf(int fd);
  ~FdBuf() override;
  int error() const { return error_; }

 protected:
  int_type overflow(int_type ch) override;
  int sync() override;

 private:
  bool flush_buffer();
  int fd_;
  int error_ = 0;
  std::vector<char> buffer_;
};

// Text output to standard output (`path` empty or "-") or to `path`.
//
// For a path, the bytes go to a temporary file beside it ("<path>.tmp.*"),
// which commit() fsyncs, renames over `path` and makes durable with an fsync
// of the directory; without a successful commit() the temporary is removed
// and `path` keeps whatever it held. The library's atomic sink is internal,
// so this repeats its few steps for text.
class Output {
 public:
  static Result<std::unique_ptr<Output>> open(const std::string& path);
  ~Output();
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;

  std::ostream& stream() { return stream_; }
  // False once a write has failed (the rest of the output is pointless).
  bool good() const { return buf_.error() == 0 && stream_.good(); }
  // Flushes; for a file, fsync + rename + directory fsync. Errors: io.
  Status commit();

 private:
  Output(std::string path, std::string temp_path, int fd);
  Error write_error() const;

  std::string path_;       // empty: standard output
  std::string temp_path_;  // empty: standard output, or committed
  int fd_;
  FdBuf buf_;
  std::ostream stream_;
};

}  // namespace bbsnap::tool
