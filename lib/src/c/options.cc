// bbsnap.h: open options, write options and checkpoint options, thin
// holders of OpenOptions, WriteOptions and CheckpointOptions.
#include <memory>

#include "bbsnap/bbsnap.h"
#include "c/call.h"
#include "c/handles.h"

using bbsnap::Status;
using bbsnap::c::Call;
using bbsnap::c::run;

namespace {

// Sets *out to a new default T, or to NULL on failure.
template <typename T>
bbsnap_status make(const char* function, T** out, bbsnap_error** error) {
  if (out) *out = nullptr;
  return run(function, error, [&](const Call& call) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(out));
    *out = new T{};
    return {};
  });
}

// Runs `set(options)` on a non-NULL options object.
template <typename T, typename Set>
bbsnap_status change(const char* function, T* options, bbsnap_error** error, Set set) {
  return run(function, error, [&](const Call& call) -> Status {
    if (!options) return call.invalid("the options are NULL");
    return set(call, options->options);
  });
}

}  // namespace

extern "C" {

bbsnap_status bbsnap_open_options_new(bbsnap_open_options** out, bbsnap_error** error) {
  return make(__func__, out, error);
}

void bbsnap_open_options_free(bbsnap_open_options* options) { delete options; }

bbsnap_status bbsnap_open_options_set_verification(bbsnap_open_options* options, int verification,
                                                   bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call& call, bbsnap::OpenOptions& o) -> Status {
    switch (verification) {
      case BBSNAP_VERIFY_FULL: o.verification = bbsnap::Verification::full; return {};
      case BBSNAP_VERIFY_LAZY: o.verification = bbsnap::Verification::lazy; return {};
      case BBSNAP_VERIFY_TRUSTED: o.verification = bbsnap::Verification::trusted; return {};
    }
    return call.invalid("verification " + std::to_string(verification) + " is not full, lazy or trusted");
  });
}

bbsnap_status bbsnap_open_options_set_threads(bbsnap_open_options* options, uint32_t threads, bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::OpenOptions& o) -> Status {
    o.threads = threads;
    return {};
  });
}

bbsnap_status bbsnap_open_options_expect_spec_version(bbsnap_open_options* options, uint32_t spec_version,
                                                      bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::OpenOptions& o) -> Status {
    o.expected_spec_version = spec_version;
    return {};
  });
}

bbsnap_status bbsnap_open_options_accept_any_spec_version(bbsnap_open_options* options, bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::OpenOptions& o) -> Status {
    o.expected_spec_version.reset();
    return {};
  });
}

bbsnap_status bbsnap_open_options_set_load(bbsnap_open_options* options, int load, bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call& call, bbsnap::OpenOptions& o) -> Status {
    switch (load) {
      case BBSNAP_LOAD_MAP: o.load = bbsnap::Load::map; return {};
      case BBSNAP_LOAD_READ: o.load = bbsnap::Load::read; return {};
      case BBSNAP_LOAD_AUTOMATIC: o.load = bbsnap::Load::automatic; return {};
    }
    return call.invalid("load " + std::to_string(load) + " is not map, read or automatic");
  });
}

bbsnap_status bbsnap_open_options_set_prefault(bbsnap_open_options* options, bool prefault, bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::OpenOptions& o) -> Status {
    o.prefault = prefault;
    return {};
  });
}

bbsnap_status bbsnap_write_options_new(bbsnap_write_options** out, bbsnap_error** error) {
  return make(__func__, out, error);
}

void bbsnap_write_options_free(bbsnap_write_options* options) { delete options; }

bbsnap_status bbsnap_write_options_set_durable(bbsnap_write_options* options, bool durable, bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::WriteOptions& o) -> Status {
    o.durable = durable;
    return {};
  });
}

bbsnap_status bbsnap_write_options_set_file_mode(bbsnap_write_options* options, uint32_t mode,
                                                 bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call& call, bbsnap::WriteOptions& o) -> Status {
    // Refused here rather than at bbsnap_writer_create: the caller learns
    // which call was wrong.
    if ((mode & ~uint32_t{0777}) != 0) return call.invalid("file mode must be permission bits, at most 0777");
    o.file_mode = static_cast<mode_t>(mode);
    return {};
  });
}

bbsnap_status bbsnap_write_options_set_slots_per_chunk(bbsnap_write_options* options, uint32_t slots_per_chunk,
                                                       bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::WriteOptions& o) -> Status {
    o.slots_per_chunk = slots_per_chunk;
    return {};
  });
}

bbsnap_status bbsnap_checkpoint_options_new(bbsnap_checkpoint_options** out, bbsnap_error** error) {
  return make(__func__, out, error);
}

void bbsnap_checkpoint_options_free(bbsnap_checkpoint_options* options) { delete options; }

bbsnap_status bbsnap_checkpoint_options_set_keep(bbsnap_checkpoint_options* options, uint32_t keep,
                                                 bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::CheckpointOptions& o) -> Status {
    o.keep = keep;  // 0 is refused by CheckpointWriter::open, the one place that knows the rule
    return {};
  });
}

bbsnap_status bbsnap_checkpoint_options_set_retention(bbsnap_checkpoint_options* options, int retention,
                                                      bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call& call, bbsnap::CheckpointOptions& o) -> Status {
    switch (retention) {
      case BBSNAP_RETENTION_TABLE: o.retention = bbsnap::Retention::table; return {};
      case BBSNAP_RETENTION_FULL: o.retention = bbsnap::Retention::full; return {};
    }
    return call.invalid("retention " + std::to_string(retention) + " is not table or full");
  });
}

bbsnap_status bbsnap_checkpoint_options_set_write_options(bbsnap_checkpoint_options* options,
                                                          const bbsnap_write_options* write, bbsnap_error** error) {
  return change(__func__, options, error, [&](const Call&, bbsnap::CheckpointOptions& o) -> Status {
    o.write = write ? write->options : bbsnap::WriteOptions{};
    return {};
  });
}

}  // extern "C"
