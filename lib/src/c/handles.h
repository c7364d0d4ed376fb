// What the C ABI's opaque handles hold (bbsnap.h). Each is a plain C++
// object made with new and freed by its *_free function; the C side only
// ever sees a pointer.
#pragma once

#include <string>

#include "bbsnap/bbsnap.h"
#include "bbsnap/reader.h"
#include "bbsnap/status.h"
#include "bbsnap/writer.h"

struct bbsnap_error {
  bbsnap::Error error;
  std::string text;  // error.to_string(), made once: bbsnap_error_to_string returns a pointer into it
};

struct bbsnap_open_options {
  bbsnap::OpenOptions options;
};

struct bbsnap_snapshot {
  bbsnap::Snapshot snapshot;
};

struct bbsnap_write_options {
  bbsnap::WriteOptions options;
};
