// bbsnap.h: checkpoint directories, thin over checkpoints.h. A generation
// is written through a bbsnap_writer (bbsnap_checkpoint_writer_begin), so
// that every field goes in by the functions that write a file; generation
// lists and commit reports hold copies of what the C++ API returned.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bbsnap/bbsnap.h"
#include "bbsnap/checkpoints.h"
#include "c/call.h"
#include "c/handles.h"
#include "c/writer_state.h"

using bbsnap::CheckpointWriter;
using bbsnap::CommitReport;
using bbsnap::Generation;
using bbsnap::GenerationWriter;
using bbsnap::PruneReport;
using bbsnap::Result;
using bbsnap::Status;
using bbsnap::c::Call;
using bbsnap::c::error_object;
using bbsnap::c::run;

namespace {

// `run` on a handle that must not be NULL (`what` names it in the refusal).
template <typename Handle, typename Body>
bbsnap_status with(const char* function, Handle* handle, const char* what, bbsnap_error** error, Body body) noexcept {
  return run(function, error, [&](const Call& call) -> Status {
    if (!handle) return call.invalid(std::string(what) + " is NULL");
    return body(call, *handle);
  });
}

// A list without skip reasons.
bbsnap_generations list_of(std::vector<Generation> generations) {
  const std::size_t count = generations.size();
  return bbsnap_generations{std::move(generations), std::vector<std::unique_ptr<bbsnap_error>>(count)};
}

Status check_index(const Call& call, const bbsnap_generations& list, std::size_t index) {
  if (index >= list.generations.size()) return call.out_of_range("generation", index, list.generations.size());
  return {};
}

// Retention now, for both prune functions: each list a new handle for the
// caller, *not_ours only where it is asked for (`not_ours` not nullptr).
// Nothing is handed out until every list is made.
Status prune_now(CheckpointWriter& writer, uint32_t keep, bbsnap_generations** removed,
                 bbsnap_generations** not_ours, uint32_t* intact_kept) {
  BBSNAP_ASSIGN_OR_RETURN(PruneReport report, writer.prune(keep));
  auto removed_list = std::make_unique<bbsnap_generations>(list_of(std::move(report.removed)));
  if (not_ours) *not_ours = std::make_unique<bbsnap_generations>(list_of(std::move(report.not_ours))).release();
  *removed = removed_list.release();
  *intact_kept = report.intact_kept;
  return {};
}

void put(const Generation& g, uint64_t* number, const char** path, size_t* path_length, uint64_t* size,
         int64_t* modified_unix_ns) {
  *number = g.number;
  *path = g.path.c_str();
  *path_length = g.path.size();
  *size = g.size;
  *modified_unix_ns = g.modified_unix_ns;
}

}  // namespace

extern "C" {

void bbsnap_generations_free(bbsnap_generations* generations) { delete generations; }

bbsnap_status bbsnap_generations_count(const bbsnap_generations* generations, size_t* count, bbsnap_error** error) {
  return with(__func__, generations, "the list", error,
              [&](const Call& call, const bbsnap_generations& list) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(count));
                *count = list.generations.size();
                return {};
              });
}

bbsnap_status bbsnap_generations_get(const bbsnap_generations* generations, size_t index, uint64_t* number,
                                     const char** path, size_t* path_length, uint64_t* size, int64_t* modified_unix_ns,
                                     bbsnap_error** error) {
  return with(__func__, generations, "the list", error,
              [&](const Call& call, const bbsnap_generations& list) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(number, path, path_length, size, modified_unix_ns));
                BBSNAP_RETURN_IF_ERROR(check_index(call, list, index));
                put(list.generations[index], number, path, path_length, size, modified_unix_ns);
                return {};
              });
}

bbsnap_status bbsnap_generations_skip_reason(const bbsnap_generations* generations, size_t index,
                                             const bbsnap_error** reason, bbsnap_error** error) {
  return with(__func__, generations, "the list", error,
              [&](const Call& call, const bbsnap_generations& list) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(reason));
                BBSNAP_RETURN_IF_ERROR(check_index(call, list, index));
                *reason = list.skip_reasons[index].get();
                return {};
              });
}

bbsnap_status bbsnap_checkpoints_list(const char* dir, bbsnap_generations** out, bbsnap_error** error) {
  if (out) *out = nullptr;
  return run(__func__, error, [&](const Call& call) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(out));
    if (!dir) return call.invalid("the directory is NULL");
    BBSNAP_ASSIGN_OR_RETURN(std::vector<Generation> listed, bbsnap::list_generations(dir));
    *out = std::make_unique<bbsnap_generations>(list_of(std::move(listed))).release();
    return {};
  });
}

bbsnap_status bbsnap_checkpoints_restore_newest(const char* dir, const bbsnap_open_options* options,
                                                bbsnap_snapshot** snapshot, bbsnap_generations** tried,
                                                bbsnap_error** error) {
  if (snapshot) *snapshot = nullptr;
  if (tried) *tried = nullptr;
  return run(__func__, error, [&](const Call& call) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(snapshot, tried));
    if (!dir) return call.invalid("the directory is NULL");
    BBSNAP_ASSIGN_OR_RETURN(std::optional<bbsnap::RestoredGeneration> restored,
                            bbsnap::restore_newest(dir, options ? options->options : bbsnap::OpenOptions{}));
    auto list = std::make_unique<bbsnap_generations>();
    std::unique_ptr<bbsnap_snapshot> opened;
    if (restored) {
      bbsnap::RestoredGeneration& r = *restored;
      for (bbsnap::SkippedGeneration& skipped : r.skipped) {
        list->generations.push_back(std::move(skipped.generation));
        list->skip_reasons.push_back(error_object(std::move(skipped.reason)));
      }
      list->generations.push_back(std::move(r.generation));
      list->skip_reasons.emplace_back();  // restored, not skipped
      opened = std::make_unique<bbsnap_snapshot>(bbsnap_snapshot{std::move(r.snapshot)});
    }
    *snapshot = opened.release();
    *tried = list.release();
    return {};
  });
}

bbsnap_status bbsnap_checkpoint_writer_open(const char* dir, const bbsnap_checkpoint_options* options,
                                            bbsnap_checkpoint_writer** out, bbsnap_error** error) {
  if (out) *out = nullptr;
  return run(__func__, error, [&](const Call& call) -> Status {
    BBSNAP_RETURN_IF_ERROR(call.outs(out));
    if (!dir) return call.invalid("the directory is NULL");
    BBSNAP_ASSIGN_OR_RETURN(CheckpointWriter writer,
                            CheckpointWriter::open(dir, options ? options->options : bbsnap::CheckpointOptions{}));
    *out = new bbsnap_checkpoint_writer{std::move(writer)};  // if this throws, the lock is released
    return {};
  });
}

void bbsnap_checkpoint_writer_free(bbsnap_checkpoint_writer* writer) { delete writer; }

bbsnap_status bbsnap_checkpoint_writer_begin(bbsnap_checkpoint_writer* writer, bbsnap_writer** out,
                                             bbsnap_error** error) {
  if (out) *out = nullptr;
  return with(__func__, writer, "the checkpoint writer", error,
              [&](const Call& call, bbsnap_checkpoint_writer& w) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(out));
                // Allocated first: running out of memory after begin would
                // create a temporary file only to remove it.
                auto made = std::make_unique<bbsnap_writer>();
                BBSNAP_ASSIGN_OR_RETURN(GenerationWriter generation, w.writer.begin());
                made->destination.emplace<GenerationWriter>(std::move(generation));
                *out = made.release();
                return {};
              });
}

bbsnap_status bbsnap_checkpoint_writer_commit(bbsnap_checkpoint_writer* writer, bbsnap_writer* generation,
                                              bbsnap_checkpoint_commit** out, bbsnap_error** error) {
  if (out) *out = nullptr;
  bool attempted = false;
  const bbsnap_status status =
      bbsnap::c::write(__func__, generation, error, [&](const Call& call, bbsnap_writer& g) -> Status {
        BBSNAP_RETURN_IF_ERROR(call.outs(out));
        if (!writer) return call.invalid("the checkpoint writer is NULL");
        auto* begun = std::get_if<GenerationWriter>(&g.destination);
        if (!begun || !writer->writer.began(*begun)) {
          return call.invalid("the writer is not a generation in progress that this checkpoint writer began");
        }
        auto made = std::make_unique<bbsnap_checkpoint_commit>();
        attempted = true;
        BBSNAP_ASSIGN_OR_RETURN(CommitReport report, writer->writer.commit(*begun, g.rest));
        made->committed = std::move(report.committed);
        made->removed = list_of(std::move(report.pruned.removed));
        made->not_ours = list_of(std::move(report.pruned.not_ours));
        made->intact_kept = report.pruned.intact_kept;
        if (report.prune_error) made->prune_error = error_object(std::move(*report.prune_error));
        *out = made.release();
        return {};
      });
  // Spent whatever the result, as by bbsnap_writer_finish.
  if (attempted) generation->spend();
  return status;
}

bbsnap_status bbsnap_checkpoint_writer_prune_v2(bbsnap_checkpoint_writer* writer, uint32_t keep,
                                                bbsnap_generations** removed, bbsnap_generations** not_ours,
                                                uint32_t* intact_kept, bbsnap_error** error) {
  if (removed) *removed = nullptr;
  if (not_ours) *not_ours = nullptr;
  return with(__func__, writer, "the checkpoint writer", error,
              [&](const Call& call, bbsnap_checkpoint_writer& w) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(removed, not_ours, intact_kept));
                return prune_now(w.writer, keep, removed, not_ours, intact_kept);
              });
}

bbsnap_status bbsnap_checkpoint_writer_prune(bbsnap_checkpoint_writer* writer, uint32_t keep,
                                             bbsnap_generations** removed, uint32_t* intact_kept,
                                             bbsnap_error** error) {
  if (removed) *removed = nullptr;
  return with(__func__, writer, "the checkpoint writer", error,
              [&](const Call& call, bbsnap_checkpoint_writer& w) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(removed, intact_kept));
                return prune_now(w.writer, keep, removed, nullptr, intact_kept);
              });
}

bbsnap_status bbsnap_checkpoint_writer_wait_for_removals(bbsnap_checkpoint_writer* writer, bbsnap_error** error) {
  return with(__func__, writer, "the checkpoint writer", error,
              [&](const Call&, bbsnap_checkpoint_writer& w) -> Status {
                w.writer.wait_for_removals();
                return {};
              });
}

void bbsnap_checkpoint_commit_free(bbsnap_checkpoint_commit* commit) { delete commit; }

bbsnap_status bbsnap_checkpoint_commit_generation(const bbsnap_checkpoint_commit* commit, uint64_t* number,
                                                  const char** path, size_t* path_length, uint64_t* size,
                                                  int64_t* modified_unix_ns, bbsnap_error** error) {
  return with(__func__, commit, "the commit", error,
              [&](const Call& call, const bbsnap_checkpoint_commit& c) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(number, path, path_length, size, modified_unix_ns));
                put(c.committed, number, path, path_length, size, modified_unix_ns);
                return {};
              });
}

bbsnap_status bbsnap_checkpoint_commit_retention(const bbsnap_checkpoint_commit* commit,
                                                 const bbsnap_generations** removed, uint32_t* intact_kept,
                                                 const bbsnap_error** prune_error, bbsnap_error** error) {
  return with(__func__, commit, "the commit", error,
              [&](const Call& call, const bbsnap_checkpoint_commit& c) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(removed, intact_kept, prune_error));
                *removed = &c.removed;
                *intact_kept = c.intact_kept;
                *prune_error = c.prune_error.get();
                return {};
              });
}

bbsnap_status bbsnap_checkpoint_commit_not_ours(const bbsnap_checkpoint_commit* commit,
                                                const bbsnap_generations** not_ours, bbsnap_error** error) {
  return with(__func__, commit, "the commit", error,
              [&](const Call& call, const bbsnap_checkpoint_commit& c) -> Status {
                BBSNAP_RETURN_IF_ERROR(call.outs(not_ours));
                *not_ours = &c.not_ours;
                return {};
              });
}

}  // extern "C"
