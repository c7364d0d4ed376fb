// bbsnap.h: the streaming writer's life (create, finish, abort, free) and
// its slots, which go to the file as they come.
#include <memory>
#include <optional>
#include <span>
#include <variant>

#include "bbsnap/bbsnap.h"
#include "c/call.h"
#include "c/writer_state.h"

using bbsnap::Result;
using bbsnap::SnapshotWriter;
using bbsnap::Status;
using bbsnap::c::Call;
using bbsnap::c::run;
using bbsnap::c::write;

extern "C" {

bbsnap_status bbsnap_writer_create(const char* path, const bbsnap_write_options* options, bbsnap_writer** out,
                                   bbsnap_error** error) {
  if (out) *out = nullptr;
  return run(__func__, error, [&](const Call& call) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(out));
    if (!path) return call.invalid("the path is NULL");
    // Allocated first: running out of memory after the temporary file
    // exists would leave it behind.
    auto made = std::make_unique<bbsnap_writer>();
    BBSNAP_ASSIGN_OR_RETURN(SnapshotWriter writer,
                            SnapshotWriter::create(path, options ? options->options : bbsnap::WriteOptions{}));
    made->destination.emplace<SnapshotWriter>(std::move(writer));
    *out = made.release();
    return {};
  });
}

void bbsnap_writer_free(bbsnap_writer* writer) { delete writer; }

bbsnap_status bbsnap_writer_finish(bbsnap_writer* writer, bbsnap_error** error) {
  bool attempted = false;
  const bbsnap_status status = write(__func__, writer, error, [&](const Call& call, bbsnap_writer& w) -> Status {
    auto* file = std::get_if<SnapshotWriter>(&w.destination);
    if (!file) return call.invalid("it writes a checkpoint generation, which bbsnap_checkpoint_writer_commit commits");
    attempted = true;
    return file->finish(w.rest);
  });
  // Spent whatever the result (a state refused for its strings too), as
  // SnapshotWriter::finish is.
  if (attempted) writer->spend();
  return status;
}

bbsnap_status bbsnap_writer_abort(bbsnap_writer* writer, bbsnap_error** error) {
  return write(__func__, writer, error, [&](const Call&, bbsnap_writer& w) -> Status {
    w.spend();  // the destination's destruction removes its temporary file
    return {};
  });
}

bbsnap_status bbsnap_writer_add_slot(bbsnap_writer* writer, uint64_t site, uint64_t exec, const void* value,
                                     size_t length, bbsnap_error** error) {
  return write(__func__, writer, error, [&](const Call& call, bbsnap_writer& w) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.input(value, length, "value"));
    const std::span<const std::uint8_t> bytes(static_cast<const std::uint8_t*>(value), length);
    return w.add_slot({site, exec}, bytes);
  });
}

bbsnap_status bbsnap_writer_add_empty_slot(bbsnap_writer* writer, uint64_t site, uint64_t exec,
                                           bbsnap_error** error) {
  return write(__func__, writer, error, [&](const Call&, bbsnap_writer& w) -> Status {
    return w.add_slot({site, exec}, std::nullopt);
  });
}

}  // extern "C"
