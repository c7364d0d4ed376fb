// bbsnap.h: opening a snapshot, and the container for tools (format
// version, bytes, section table, check_section).
#include <limits>
#include <memory>

#include "bbsnap/bbsnap.h"
#include "bbsnap/format.h"
#include "c/call.h"
#include "c/handles.h"

using bbsnap::Result;
using bbsnap::Snapshot;
using bbsnap::Status;
using bbsnap::c::Call;
using bbsnap::c::read;
using bbsnap::c::run;

namespace {

// Opens with `open(options)` and hands the snapshot out as a new handle.
template <typename Open>
bbsnap_status open_with(const char* function, const bbsnap_open_options* options, bbsnap_snapshot** out,
                        bbsnap_error** error, Open open) {
  if (out) *out = nullptr;
  return run(function, error, [&](const Call& call) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(out));
    BBSNAP_ASSIGN_OR_RETURN(Snapshot snapshot, open(call, options ? options->options : bbsnap::OpenOptions{}));
    *out = new bbsnap_snapshot{std::move(snapshot)};
    return {};
  });
}

}  // namespace

extern "C" {

bbsnap_status bbsnap_snapshot_open(const char* path, const bbsnap_open_options* options, bbsnap_snapshot** out,
                                   bbsnap_error** error) {
  return open_with(__func__, options, out, error,
                   [&](const Call& call, const bbsnap::OpenOptions& o) -> Result<Snapshot> {
                     if (!path) return call.invalid("the path is NULL");
                     return Snapshot::open(path, o);
                   });
}

bbsnap_status bbsnap_snapshot_open_bytes(const void* bytes, size_t length, const bbsnap_open_options* options,
                                         bbsnap_snapshot** out, bbsnap_error** error) {
  return open_with(__func__, options, out, error,
                   [&](const Call& call, const bbsnap::OpenOptions& o) -> Result<Snapshot> {
                     BBSNAP_RETURN_IF_ERROR(call.input(bytes, length, "bytes"));
                     return Snapshot::from_bytes({static_cast<const std::uint8_t*>(bytes), length}, o);
                   });
}

void bbsnap_snapshot_free(bbsnap_snapshot* snapshot) { delete snapshot; }

bbsnap_status bbsnap_snapshot_load(const bbsnap_snapshot* snapshot, int* load, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(load));
    *load = s.load() == bbsnap::Load::map ? BBSNAP_LOAD_MAP : BBSNAP_LOAD_READ;
    return {};
  });
}

bbsnap_status bbsnap_snapshot_spec_version(const bbsnap_snapshot* snapshot, uint32_t* spec_version,
                                           bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(spec_version));
    *spec_version = s.spec_version();
    return {};
  });
}

bbsnap_status bbsnap_snapshot_format_version(const bbsnap_snapshot* snapshot, uint32_t* format_version,
                                             bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(format_version));
    *format_version = s.header().format_version;
    return {};
  });
}

bbsnap_status bbsnap_snapshot_bytes(const bbsnap_snapshot* snapshot, const uint8_t** bytes, size_t* length,
                                    bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(bytes, length));
    bbsnap::c::put(s.bytes(), bytes, length);
    return {};
  });
}

bbsnap_status bbsnap_snapshot_section_count(const bbsnap_snapshot* snapshot, size_t* count, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(count));
    *count = s.sections().size();
    return {};
  });
}

bbsnap_status bbsnap_snapshot_section(const bbsnap_snapshot* snapshot, size_t index, uint32_t* kind,
                                      uint32_t* flags, uint64_t* offset, uint64_t* length,
                                      uint64_t* payload_length, uint64_t* checksum, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(kind, flags, offset, length, payload_length, checksum));
    if (index >= s.sections().size()) return call.out_of_range("section", index, s.sections().size());
    const bbsnap::format::SectionEntry& entry = s.sections()[index];
    *kind = entry.kind;
    *flags = entry.flags;
    *offset = entry.offset;
    *length = entry.length;
    *payload_length = entry.payload_length;
    *checksum = entry.checksum;
    return {};
  });
}

bbsnap_status bbsnap_snapshot_check_section(const bbsnap_snapshot* snapshot, size_t index, bbsnap_error** error) {
  return read(__func__, snapshot, error, [&](const Call& call, const Snapshot& s) -> Status {
    // Checked here: a size_t index cut to 32 bits could name another section.
    if (index >= s.sections().size()) return call.out_of_range("section", index, s.sections().size());
    return s.check_section(static_cast<std::uint32_t>(index));
  });
}

const char* bbsnap_section_kind_name(uint32_t kind) {
  const std::string_view name = bbsnap::format::known_section_kind_name(kind);
  return name.empty() ? nullptr : name.data();
}

}  // extern "C"
