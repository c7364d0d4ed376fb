// What the C ABI's opaque handles hold (bbsnap.h). Each is a plain C++
// object made with new and freed by its *_free function; the C side only
// ever sees a pointer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bbsnap/bbsnap.h"
#include "bbsnap/checkpoints.h"
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

struct bbsnap_checkpoint_options {
  bbsnap::CheckpointOptions options;
};

struct bbsnap_checkpoint_writer {
  bbsnap::CheckpointWriter writer;
};

struct bbsnap_generations {
  std::vector<bbsnap::Generation> generations;
  // Beside each generation: why a restore skipped it, or nullptr. Error
  // objects, so that bbsnap_generations_skip_reason hands out a pointer
  // the error accessors read.
  std::vector<std::unique_ptr<bbsnap_error>> skip_reasons;
};

struct bbsnap_checkpoint_commit {
  bbsnap::Generation committed;
  bbsnap_generations removed;
  bbsnap_generations not_ours;
  std::uint32_t intact_kept = 0;
  std::unique_ptr<bbsnap_error> prune_error;  // nullptr: retention removed all it had to
};

namespace bbsnap::c {

// A new error object for `error`, its one-line text made once.
std::unique_ptr<bbsnap_error> error_object(Error error);

}  // namespace bbsnap::c
