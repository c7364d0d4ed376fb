// What a bbsnap_writer holds, and the boundary of its entry points
// (bbsnap.h, "writing"): one place that refuses a spent writer and spends
// it on any error other than invalid_argument.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <variant>

#include "bbsnap/bbsnap.h"
#include "bbsnap/checkpoints.h"
#include "bbsnap/model.h"
#include "bbsnap/writer.h"
#include "c/call.h"

struct bbsnap_writer {
  // Where the slots go as they come: a file (bbsnap_writer_create) or a
  // checkpoint generation (bbsnap_checkpoint_writer_begin), which only its
  // own finishing function commits. Emptied when the writer is spent: an
  // unfinished write's temporary file is removed at once.
  std::variant<std::monostate, bbsnap::SnapshotWriter, bbsnap::GenerationWriter> destination;
  // Every other field, kept until the finishing function hands it on.
  bbsnap::TransientSnapshot rest;
  bool spent = false;

  void spend() {
    spent = true;
    destination = std::monostate{};
    rest = {};
  }

  bbsnap::Status add_slot(bbsnap::SlotKey key, std::optional<std::span<const std::uint8_t>> value) {
    if (auto* file = std::get_if<bbsnap::SnapshotWriter>(&destination)) return file->add_slot(key, value);
    if (auto* generation = std::get_if<bbsnap::GenerationWriter>(&destination)) return generation->add_slot(key, value);
    // Not reached: `write` refuses a spent writer, the only one without a destination.
    return bbsnap::Error::of(bbsnap::ErrorCode::internal, "a slot for a writer without a destination");
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
