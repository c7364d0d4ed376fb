// What a bbsnap_writer holds, and the boundary of its entry points
// (bbsnap.h, "writing"): one place that refuses a spent writer and spends
// it on any error other than invalid_argument.
#pragma once

#include <optional>

#include "bbsnap/bbsnap.h"
#include "bbsnap/model.h"
#include "bbsnap/writer.h"
#include "c/call.h"

struct bbsnap_writer {
  // The slots go to it as they come. Reset when the writer is spent: an
  // unfinished write's temporary file is removed at once.
  std::optional<bbsnap::SnapshotWriter> writer;
  // Every other field, kept until finish hands it to SnapshotWriter::finish.
  bbsnap::TransientSnapshot rest;
  bool spent = false;

  void spend() {
    spent = true;
    writer.reset();
    rest = {};
  }
};

namespace bbsnap::c {

// `run` for a writer's entry point: `body(call, writer)` on a writer that
// is not spent. An error other than invalid_argument (io, out of memory,
// limit_exceeded) spends it.
template <typename Body>
bbsnap_status write(const char* function, bbsnap_writer* writer, bbsnap_error** error, Body body) noexcept {
  const bbsnap_status status = run(function, error, [&](const Call& call) -> Status {
    if (!writer) return call.invalid("the writer is NULL");
    if (writer->spent) return call.invalid("the writer is finished, aborted or has failed");
    return body(call, *writer);
  });
  if (writer && status != BBSNAP_OK && status != BBSNAP_INVALID_ARGUMENT) writer->spend();
  return status;
}

}  // namespace bbsnap::c
