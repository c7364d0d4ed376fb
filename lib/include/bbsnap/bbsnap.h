/* The C ABI: bbsnap from C, and from languages that bind to C (a Rust -sys
 * crate, for one). Plain C11 that also compiles as C++; no C++ type,
 * exception or standard-library object crosses it. It is built on the C++
 * API (reader.h, writer.h, model.h, status.h, checkpoints.h) and keeps its
 * contracts, which those headers spell out in full.
 *
 * ---- Conventions (they hold for every function unless its comment says
 * otherwise)
 *
 * Handles. bbsnap_snapshot (an open file), bbsnap_writer (a write in
 * progress), bbsnap_open_options, bbsnap_write_options, bbsnap_error and
 * those of checkpoint directories (bbsnap_checkpoint_writer,
 * bbsnap_checkpoint_options, bbsnap_checkpoint_commit, bbsnap_generations)
 * are opaque: made by the library, freed by their own *_free function
 * (which accepts NULL), never copied. No struct's layout is part of the
 * ABI.
 *
 * Status and error. A function that can fail returns bbsnap_status:
 * BBSNAP_OK, or the code of what went wrong (the ErrorCode values of
 * status.h, each one higher: BBSNAP_IO is ErrorCode::io + 1). Its last
 * parameter, `bbsnap_error **error`, may be NULL; otherwise *error is set
 * to NULL on success and, on failure, to an error object with the code,
 * section, offset and message (bbsnap_error_*), which the caller frees with
 * bbsnap_error_free. If even the error object cannot be allocated, *error
 * is NULL and the status still says what went wrong. Functions that cannot
 * fail (the error accessors, the *_free functions, bbsnap_status_name,
 * bbsnap_section_kind_name) return their value directly.
 *
 * Misuse is an error, never a crash: a NULL handle or out-parameter, a
 * NULL pointer with a nonzero length, an index out of range, an enum value
 * outside its enum, a call on a finished writer all return
 * BBSNAP_INVALID_ARGUMENT (with no section and no offset) and change
 * nothing. (Pointers that are not NULL but point nowhere valid cannot be
 * detected: they are undefined behaviour, as anywhere in C.)
 *
 * Out-parameters are written only on success; on failure they keep their
 * values, except that a function making a handle sets *out to NULL.
 *
 * Inputs. Bytes are (const void *data, size_t length) and strings
 * (const char *data, size_t length): not NUL-terminated, may contain NUL;
 * NULL with length 0 is empty. The library copies what it keeps, so the
 * caller may reuse its buffers as soon as the call returns.
 *
 * Outputs point into the snapshot: a byte string as (const uint8_t *,
 * size_t), a string as (const char *, size_t) (UTF-8, followed by a NUL in
 * place, but it may contain NUL: use the length), a list of ids as
 * (const uint64_t *, size_t count), 8-byte aligned. They are valid while
 * the bbsnap_snapshot they came from lives (until bbsnap_snapshot_free),
 * for the mapped file or the caller's bytes (bbsnap_snapshot_open_bytes);
 * nothing is copied. The pointers are never NULL, even for an empty
 * output (length 0: a non-NULL pointer that must not be read), so a
 * binding can make a slice of them as they are.
 *
 * Indexes and counts are size_t; an index must be below the count its
 * collection's *_count function gives.
 *
 * Enumerations (bbsnap_status, bbsnap_verification, bbsnap_slot_state,
 * bbsnap_ingress_kind, bbsnap_retention) are int-sized, with the values
 * written here: a binding declares them as 32-bit integers. Where the
 * caller passes one in, the parameter is an int, so that any value can be
 * refused rather than be undefined behaviour in the library's C++.
 *
 * Lazy verification (reader.h). An accessor reads one section; in lazy
 * mode it checks that section on its first access and, while the section
 * is damaged, returns its error (code, section name, offset) on every
 * access, while the other sections stay readable. In full mode accessors
 * fail only for misuse; in trusted mode a damaged file is undefined
 * behaviour.
 *
 * Thread safety (as reader.h and writer.h). The reading functions may be
 * called on one bbsnap_snapshot from any number of threads at once;
 * bbsnap_snapshot_free needs exclusive access. A bbsnap_writer, a
 * bbsnap_checkpoint_writer and an options object are driven by one thread
 * at a time. An error object, a bbsnap_generations list and a
 * bbsnap_checkpoint_commit are immutable: readable from any thread.
 * Distinct handles are independent.
 *
 * Linking. The library is written in C++: the shared library brings its
 * C++ runtime along; a program that links libbbsnap.a from C also links
 * the C++ standard library (-lstdc++), as `pkg-config --static --libs
 * bbsnap` says.
 */
#ifndef BBSNAP_BBSNAP_H
#define BBSNAP_BBSNAP_H

#include <stddef.h>
#include <stdint.h>
#ifndef __cplusplus
#include <stdbool.h>
#endif

/* Exported from the shared library, which hides everything else (lib/meson.build). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The runtime's schema version this build restores (model.h kCurrentSpecVersion). */
#define BBSNAP_CURRENT_SPEC_VERSION 1u

/* bbsnap_error_offset when no file position applies (status.h kNoOffset). */
#define BBSNAP_NO_OFFSET UINT64_MAX

/* ==================================================================== status and errors */

/* What a call did: BBSNAP_OK, or ErrorCode + 1 (status.h explains each). */
typedef enum bbsnap_status {
  BBSNAP_OK = 0,
  BBSNAP_IO = 1,
  BBSNAP_BAD_MAGIC = 2,
  BBSNAP_UNSUPPORTED_FORMAT_VERSION = 3,
  BBSNAP_UNSUPPORTED_FEATURE = 4,
  BBSNAP_TRUNCATED = 5,
  BBSNAP_CHECKSUM_MISMATCH = 6,
  BBSNAP_NONZERO_PADDING = 7,
  BBSNAP_MALFORMED_SECTION = 8,
  BBSNAP_MISSING_SECTION = 9,
  BBSNAP_SPEC_VERSION_MISMATCH = 10,
  BBSNAP_LIMIT_EXCEEDED = 11,
  BBSNAP_INVALID_ARGUMENT = 12,
  BBSNAP_INVALID_DOCUMENT = 13,
  BBSNAP_OUT_OF_MEMORY = 14,
  BBSNAP_INTERNAL = 15
} bbsnap_status;

/* "ok", or the ErrorCode's name ("checksum_mismatch"); "unknown" for any
 * other value. A static string. */
const char *bbsnap_status_name(int status);

/* What a failed call reports (status.h Error). Immutable; freed by
 * bbsnap_error_free. Each accessor accepts NULL (no error) and then answers
 * BBSNAP_OK, "", BBSNAP_NO_OFFSET or 0. Strings are NUL-terminated and live
 * as long as the error object. */
typedef struct bbsnap_error bbsnap_error;

void bbsnap_error_free(bbsnap_error *error);
bbsnap_status bbsnap_error_code(const bbsnap_error *error);
/* e.g. "framework", "slot_chunk[3]", "section_table[2]"; "" when no section
 * applies (io, invalid_argument). */
const char *bbsnap_error_section(const bbsnap_error *error);
/* The absolute byte offset in the file, or BBSNAP_NO_OFFSET. */
uint64_t bbsnap_error_offset(const bbsnap_error *error);
/* One line for people, without the code, section and offset. */
const char *bbsnap_error_message(const bbsnap_error *error);
/* BBSNAP_CHECKSUM_MISMATCH: the value read from the file and the one
 * computed; 0 for every other code. */
uint64_t bbsnap_error_stored(const bbsnap_error *error);
uint64_t bbsnap_error_computed(const bbsnap_error *error);
/* Everything in one line: "checksum_mismatch in section ingress at offset
 * 4096: metadata checksum mismatch (stored ..., computed ...)". */
const char *bbsnap_error_to_string(const bbsnap_error *error);

/* ==================================================================== opening */

/* What is checked, and when (reader.h Verification). */
typedef enum bbsnap_verification {
  BBSNAP_VERIFY_FULL = 0,    /* everything, before open returns */
  BBSNAP_VERIFY_LAZY = 1,    /* each section on its first access, a value's hash on each */
  BBSNAP_VERIFY_TRUSTED = 2  /* nothing: for a file this process just wrote or verified */
} bbsnap_verification;

/* How open gets the file's bytes (reader.h Load). */
typedef enum bbsnap_load {
  BBSNAP_LOAD_MAP = 0,       /* mmap: a failing disk or a truncation raises SIGBUS */
  BBSNAP_LOAD_READ = 1,      /* pread into memory: such failures are errors */
  BBSNAP_LOAD_AUTOMATIC = 2  /* read on network and FUSE file systems, map elsewhere */
} bbsnap_load;

/* Open options (reader.h OpenOptions). A new one holds the defaults: full
 * verification, automatic load, 1 thread, expected spec_version
 * BBSNAP_CURRENT_SPEC_VERSION, no prefault. A NULL options pointer given to an open function means
 * these defaults. The open functions copy what they need: the options
 * object may be freed or changed once they return. */
typedef struct bbsnap_open_options bbsnap_open_options;

bbsnap_status bbsnap_open_options_new(bbsnap_open_options **out, bbsnap_error **error);
void bbsnap_open_options_free(bbsnap_open_options *options);
/* One of bbsnap_verification; any other value: BBSNAP_INVALID_ARGUMENT. */
bbsnap_status bbsnap_open_options_set_verification(bbsnap_open_options *options, int verification,
                                                   bbsnap_error **error);
/* Threads for full verification (0 counts as 1; at most one per 8 MiB of
 * file); ignored by lazy and trusted. */
bbsnap_status bbsnap_open_options_set_threads(bbsnap_open_options *options, uint32_t threads,
                                              bbsnap_error **error);
/* Open refuses a file stamped with another spec_version
 * (BBSNAP_SPEC_VERSION_MISMATCH), as a runtime restoring state must. */
bbsnap_status bbsnap_open_options_expect_spec_version(bbsnap_open_options *options, uint32_t spec_version,
                                                      bbsnap_error **error);
/* Open accepts any spec_version: for tools that inspect files
 * (bbsnap_snapshot_spec_version then says which). */
bbsnap_status bbsnap_open_options_accept_any_spec_version(bbsnap_open_options *options, bbsnap_error **error);
/* Read the whole file into the page cache while mapping it (MAP_POPULATE). */
bbsnap_status bbsnap_open_options_set_prefault(bbsnap_open_options *options, bool prefault, bbsnap_error **error);
/* One of bbsnap_load; any other value: BBSNAP_INVALID_ARGUMENT. */
bbsnap_status bbsnap_open_options_set_load(bbsnap_open_options *options, int load, bbsnap_error **error);

/* An open snapshot: a read-only view of one file, checked as its options
 * say (reader.h Snapshot). */
typedef struct bbsnap_snapshot bbsnap_snapshot;

/* Maps the file at `path` (NUL-terminated) and checks it. Errors as
 * Snapshot::open: io, bad_magic, unsupported_format_version, truncated,
 * checksum_mismatch, malformed_section, spec_version_mismatch, ...: the
 * first failing check in FORMAT.md's order, with its section and offset. */
bbsnap_status bbsnap_snapshot_open(const char *path, const bbsnap_open_options *options, bbsnap_snapshot **out,
                                   bbsnap_error **error);
/* The same on `length` bytes the caller holds: exactly the file, starting
 * on a 64-byte boundary (else BBSNAP_INVALID_ARGUMENT), kept alive and
 * unchanged until the snapshot is freed. */
bbsnap_status bbsnap_snapshot_open_bytes(const void *bytes, size_t length, const bbsnap_open_options *options,
                                         bbsnap_snapshot **out, bbsnap_error **error);
/* Unmaps the file: every pointer the snapshot handed out becomes invalid. */
void bbsnap_snapshot_free(bbsnap_snapshot *snapshot);

/* ==================================================================== the container, for tools */

/* How the bytes were loaded: BBSNAP_LOAD_MAP or BBSNAP_LOAD_READ (what
 * automatic chose; bbsnap_snapshot_open_bytes: read). */
bbsnap_status bbsnap_snapshot_load(const bbsnap_snapshot *snapshot, int *load, bbsnap_error **error);
/* Framework.spec_version, read at open (the expected one, if one was). */
bbsnap_status bbsnap_snapshot_spec_version(const bbsnap_snapshot *snapshot, uint32_t *spec_version,
                                           bbsnap_error **error);
/* The file's format version (format.h): 1 or 2. */
bbsnap_status bbsnap_snapshot_format_version(const bbsnap_snapshot *snapshot, uint32_t *format_version,
                                             bbsnap_error **error);
/* The whole file, in place. */
bbsnap_status bbsnap_snapshot_bytes(const bbsnap_snapshot *snapshot, const uint8_t **bytes, size_t *length,
                                    bbsnap_error **error);
/* The section table (format.h SectionEntry), in table order. */
bbsnap_status bbsnap_snapshot_section_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_snapshot_section(const bbsnap_snapshot *snapshot, size_t index, uint32_t *kind,
                                      uint32_t *flags, uint64_t *offset, uint64_t *length,
                                      uint64_t *payload_length, uint64_t *checksum, bbsnap_error **error);
/* Checks section `index` now, as lazy mode does on first access (reader.h
 * Snapshot::check_section), and returns its error. Full mode: already
 * checked, BBSNAP_OK. Trusted mode: BBSNAP_OK without checking anything. */
bbsnap_status bbsnap_snapshot_check_section(const bbsnap_snapshot *snapshot, size_t index, bbsnap_error **error);
/* "framework", "slot_chunk", ... for kinds 1..10 (format.h SectionKind);
 * NULL for any other kind. A static string. */
const char *bbsnap_section_kind_name(uint32_t kind);

/* ==================================================================== slot table */

/* The three states of a slot (reader.h SlotLookup). */
typedef enum bbsnap_slot_state {
  BBSNAP_SLOT_MISSING = 0,  /* no such slot */
  BBSNAP_SLOT_EMPTY = 1,    /* allocated but empty: Rust None */
  BBSNAP_SLOT_VALUE = 2     /* a value, possibly of zero bytes: Some(bytes) */
} bbsnap_slot_state;

/* The slot (site, exec). Its value, when *state is BBSNAP_SLOT_VALUE, is
 * (*value, *length) in place, 64-byte aligned; otherwise *length is 0.
 * Lazy mode checks slot_index and the slot's chunk on their first access,
 * and the value's hash on every call. */
bbsnap_status bbsnap_slot(const bbsnap_snapshot *snapshot, uint64_t site, uint64_t exec, bbsnap_slot_state *state,
                          const uint8_t **value, size_t *length, bbsnap_error **error);

/* The whole table, chunk by chunk in key order (every chunk holds at least
 * one slot, sorted by (site, exec)). Lazy mode checks slot_index and the
 * chunk on their first access, and a value's hash on every call that
 * hands it out. */
bbsnap_status bbsnap_slot_chunk_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_slot_chunk_slot_count(const bbsnap_snapshot *snapshot, size_t chunk, size_t *count,
                                           bbsnap_error **error);
/* Slot `index` of chunk `chunk`: never BBSNAP_SLOT_MISSING. */
bbsnap_status bbsnap_slot_chunk_slot(const bbsnap_snapshot *snapshot, size_t chunk, size_t index, uint64_t *site,
                                     uint64_t *exec, bbsnap_slot_state *state, const uint8_t **value,
                                     size_t *length, bbsnap_error **error);

/* ==================================================================== frontier, pending_async, execution_state */

/* The frontier queue, in order: (first, second) pairs. */
bbsnap_status bbsnap_frontier_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_frontier_get(const bbsnap_snapshot *snapshot, size_t index, uint64_t *first, uint64_t *second,
                                  bbsnap_error **error);

/* pending_async, by CommandId (increasing). An entry: op_ref, exec_id, its
 * output sites (NodeSiteIds, in order) and its deadline (*has_deadline
 * false: None, and *deadline_ns is 0; a deadline of 0 is Some(0)). */
bbsnap_status bbsnap_pending_async_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_pending_async_get(const bbsnap_snapshot *snapshot, size_t index, uint64_t *command_id,
                                       uint64_t *op_ref, uint64_t *exec_id, const uint64_t **output_sites,
                                       size_t *output_site_count, bool *has_deadline, uint64_t *deadline_ns,
                                       bbsnap_error **error);
/* The entry of `command_id`: *found false when there is none (the other
 * out-parameters are then left as they are). */
bbsnap_status bbsnap_pending_async(const bbsnap_snapshot *snapshot, uint64_t command_id, bool *found,
                                   uint64_t *op_ref, uint64_t *exec_id, const uint64_t **output_sites,
                                   size_t *output_site_count, bool *has_deadline, uint64_t *deadline_ns,
                                   bbsnap_error **error);

/* execution_state, by ExecId (increasing): outputs_written. */
bbsnap_status bbsnap_execution_state_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_execution_state_get(const bbsnap_snapshot *snapshot, size_t index, uint64_t *exec_id,
                                         uint32_t *outputs_written, bbsnap_error **error);
/* *found false: no entry for `exec_id` (*outputs_written left as it is). */
bbsnap_status bbsnap_execution_state(const bbsnap_snapshot *snapshot, uint64_t exec_id, bool *found,
                                     uint32_t *outputs_written, bbsnap_error **error);

/* ==================================================================== framework */

/* counters, by name (bytewise increasing). */
bbsnap_status bbsnap_counters_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_counters_get(const bbsnap_snapshot *snapshot, size_t index, const char **name,
                                  size_t *name_length, uint64_t *value, bbsnap_error **error);
/* The counter of exactly this name: *found false when there is none. */
bbsnap_status bbsnap_counter(const bbsnap_snapshot *snapshot, const char *name, size_t name_length, bool *found,
                             uint64_t *value, bbsnap_error **error);

/* fired_phases, in order. */
bbsnap_status bbsnap_fired_phases_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_fired_phases_get(const bbsnap_snapshot *snapshot, size_t index, const char **phase,
                                      size_t *length, bbsnap_error **error);

/* address_book, in order: each entry's peer id, ref_count and number of
 * addresses; then each address (entry `index`, address `address`). */
bbsnap_status bbsnap_address_book_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_address_book_get(const bbsnap_snapshot *snapshot, size_t index, const uint8_t **peer_id,
                                      size_t *peer_id_length, uint64_t *ref_count, size_t *address_count,
                                      bbsnap_error **error);
bbsnap_status bbsnap_address_book_address(const bbsnap_snapshot *snapshot, size_t index, size_t address,
                                          const uint8_t **bytes, size_t *length, bbsnap_error **error);

/* peer_governor.blocklist, in order. */
bbsnap_status bbsnap_blocklist_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_blocklist_get(const bbsnap_snapshot *snapshot, size_t index, const uint8_t **peer,
                                   size_t *length, bbsnap_error **error);

/* peer_governor.allowlist: *is_some false is None (open policy, *count 0);
 * true is Some(list), which may be empty (nobody may communicate). */
bbsnap_status bbsnap_allowlist_count(const bbsnap_snapshot *snapshot, bool *is_some, size_t *count,
                                     bbsnap_error **error);
bbsnap_status bbsnap_allowlist_get(const bbsnap_snapshot *snapshot, size_t index, const uint8_t **peer,
                                   size_t *length, bbsnap_error **error);

/* peer_governor.health, in order: (peer, consecutive_failures,
 * last_event_ns, down). */
bbsnap_status bbsnap_health_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_health_get(const bbsnap_snapshot *snapshot, size_t index, const uint8_t **peer,
                                size_t *peer_length, uint32_t *consecutive_failures, uint64_t *last_event_ns,
                                bool *down, bbsnap_error **error);

/* peer_governor.failure_threshold. */
bbsnap_status bbsnap_failure_threshold(const bbsnap_snapshot *snapshot, uint32_t *failure_threshold,
                                       bbsnap_error **error);

/* backoff_table, in order. */
bbsnap_status bbsnap_backoff_table_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_backoff_table_get(const bbsnap_snapshot *snapshot, size_t index, const uint8_t **peer,
                                       size_t *peer_length, uint32_t *attempts, uint64_t *last_attempt_ns,
                                       uint64_t *next_retry_ns, bbsnap_error **error);

/* pending_outbound, in order. */
bbsnap_status bbsnap_pending_outbound_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_pending_outbound_get(const bbsnap_snapshot *snapshot, size_t index,
                                          const uint8_t **envelope_bytes, size_t *length, bool *redelivered,
                                          bbsnap_error **error);

/* peer_id_bytes, next_command_id, next_exec_id (spec_version:
 * bbsnap_snapshot_spec_version). */
bbsnap_status bbsnap_peer_id_bytes(const bbsnap_snapshot *snapshot, const uint8_t **bytes, size_t *length,
                                   bbsnap_error **error);
bbsnap_status bbsnap_next_command_id(const bbsnap_snapshot *snapshot, uint64_t *next_command_id,
                                     bbsnap_error **error);
bbsnap_status bbsnap_next_exec_id(const bbsnap_snapshot *snapshot, uint64_t *next_exec_id, bbsnap_error **error);

/* ==================================================================== bus */

/* bus.event_subscriptions, by event kind (bytewise increasing): each
 * kind's subscribers (NodeSiteIds, in order; possibly none). */
bbsnap_status bbsnap_event_subscriptions_count(const bbsnap_snapshot *snapshot, size_t *count,
                                               bbsnap_error **error);
bbsnap_status bbsnap_event_subscriptions_get(const bbsnap_snapshot *snapshot, size_t index, const char **event_kind,
                                             size_t *event_kind_length, const uint64_t **subscribers,
                                             size_t *subscriber_count, bbsnap_error **error);
/* The subscribers of exactly this event kind: *found false when the kind
 * is not there (present with no subscribers: found, count 0). */
bbsnap_status bbsnap_subscribers(const bbsnap_snapshot *snapshot, const char *event_kind, size_t event_kind_length,
                                 bool *found, const uint64_t **subscribers, size_t *subscriber_count,
                                 bbsnap_error **error);

/* ==================================================================== ingress */

/* The five variants of IngressEventSnapshot (the schema's union values). */
typedef enum bbsnap_ingress_kind {
  BBSNAP_INGRESS_ENVELOPE = 1,
  BBSNAP_INGRESS_APP_EVENT = 2,
  BBSNAP_INGRESS_INVOKE = 3,
  BBSNAP_INGRESS_TIMER_MATURED = 4,
  BBSNAP_INGRESS_COMPLETION = 5
} bbsnap_ingress_kind;

/* ingress, in order: each event's kind, then its fields through the
 * function of that kind (another kind's: BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_ingress_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_ingress_get(const bbsnap_snapshot *snapshot, size_t index, bbsnap_ingress_kind *kind,
                                 bbsnap_error **error);
bbsnap_status bbsnap_ingress_envelope(const bbsnap_snapshot *snapshot, size_t index, const uint8_t **bytes,
                                      size_t *length, bbsnap_error **error);
bbsnap_status bbsnap_ingress_app_event(const bbsnap_snapshot *snapshot, size_t index, const char **module_name,
                                       size_t *module_name_length, const char **input_name,
                                       size_t *input_name_length, const uint8_t **value_bytes,
                                       size_t *value_length, bbsnap_error **error);
/* An Invoke's module name and number of inputs; then each input
 * (name, bytes), in order. */
bbsnap_status bbsnap_ingress_invoke(const bbsnap_snapshot *snapshot, size_t index, const char **module_name,
                                    size_t *module_name_length, size_t *input_count, bbsnap_error **error);
bbsnap_status bbsnap_ingress_invoke_input(const bbsnap_snapshot *snapshot, size_t index, size_t input,
                                          const char **name, size_t *name_length, const uint8_t **bytes,
                                          size_t *length, bbsnap_error **error);
bbsnap_status bbsnap_ingress_timer_matured(const bbsnap_snapshot *snapshot, size_t index, uint64_t *at_ns,
                                           bbsnap_error **error);
/* A Completion's cmd_id and number of results; then each result, in order. */
bbsnap_status bbsnap_ingress_completion(const bbsnap_snapshot *snapshot, size_t index, uint64_t *cmd_id,
                                        size_t *result_count, bbsnap_error **error);
bbsnap_status bbsnap_ingress_completion_result(const bbsnap_snapshot *snapshot, size_t index, size_t result,
                                               const uint8_t **bytes, size_t *length, bbsnap_error **error);

/* ==================================================================== wire_states, pending_completions */

/* wire_states, by component (increasing). Non-empty bytes are 16-byte aligned. */
bbsnap_status bbsnap_wire_states_count(const bbsnap_snapshot *snapshot, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_wire_states_get(const bbsnap_snapshot *snapshot, size_t index, uint32_t *component,
                                     const uint8_t **bytes, size_t *length, bbsnap_error **error);
/* The component's wire state: *found false when it has none (an entry may
 * hold zero bytes: found, length 0). */
bbsnap_status bbsnap_wire_state(const bbsnap_snapshot *snapshot, uint32_t component, bool *found,
                                const uint8_t **bytes, size_t *length, bbsnap_error **error);

/* pending_completions, in order: each one's cmd_id and number of results;
 * then each result (name, payload), in order. */
bbsnap_status bbsnap_pending_completions_count(const bbsnap_snapshot *snapshot, size_t *count,
                                               bbsnap_error **error);
bbsnap_status bbsnap_pending_completions_get(const bbsnap_snapshot *snapshot, size_t index, uint64_t *cmd_id,
                                             size_t *result_count, bbsnap_error **error);
bbsnap_status bbsnap_pending_completions_result(const bbsnap_snapshot *snapshot, size_t index, size_t result,
                                                const char **name, size_t *name_length, const uint8_t **bytes,
                                                size_t *length, bbsnap_error **error);

/* ==================================================================== writing */

/* Write options (writer.h WriteOptions). A new one holds the defaults:
 * durable, the mode rule of writer.h (keep the replaced file's bits, else
 * 0666 less the umask), 1024 slots per chunk. NULL given to
 * bbsnap_writer_create means these defaults; it copies them, so the
 * options object may be freed or changed once it returns. */
typedef struct bbsnap_write_options bbsnap_write_options;

bbsnap_status bbsnap_write_options_new(bbsnap_write_options **out, bbsnap_error **error);
void bbsnap_write_options_free(bbsnap_write_options *options);
/* false: no fsync of the file and its directory, for scratch files only. */
bbsnap_status bbsnap_write_options_set_durable(bbsnap_write_options *options, bool durable, bbsnap_error **error);
/* The new file's permission bits, exactly (not less the umask, not those
 * of the file it replaces); at most 0777, else BBSNAP_INVALID_ARGUMENT. */
bbsnap_status bbsnap_write_options_set_file_mode(bbsnap_write_options *options, uint32_t mode,
                                                 bbsnap_error **error);
/* Slots per slot_chunk section; out of range (0, or beyond about 44.7
 * million) is refused by bbsnap_writer_create. Part of what "equal states,
 * equal bytes" assumes. */
bbsnap_status bbsnap_write_options_set_slots_per_chunk(bbsnap_write_options *options, uint32_t slots_per_chunk,
                                                       bbsnap_error **error);

/* A streaming write (writer.h SnapshotWriter): atomic (a temporary file
 * beside `path`, renamed over it by bbsnap_writer_finish; until then, and
 * whatever fails, the destination keeps its previous content) and
 * deterministic: equal states give byte-identical files, the same bytes
 * as the C++ write_snapshot, whatever order the map entries (counters,
 * pending_async, ...) were added in.
 *
 * Order: the slots in strictly increasing (site, exec) order, each
 * written to the file as it comes; the other fields in any order, before
 * or between the slots (lists keep the order of their adds, maps are
 * sorted by key); then bbsnap_writer_finish, or bbsnap_writer_abort /
 * bbsnap_writer_free to abandon the write.
 *
 * Errors. BBSNAP_INVALID_ARGUMENT refuses the one call (a key out of
 * order, a duplicate map key, a NULL pointer with a nonzero length) and
 * leaves the writer usable. Any other error (io, limit_exceeded,
 * out_of_memory) spends the writer, as does finish or abort: every later
 * call returns BBSNAP_INVALID_ARGUMENT, and only bbsnap_writer_free is
 * left to do. Strings must be valid UTF-8 (model.h): finish refuses the
 * state otherwise, naming the field.
 *
 * Memory: the slot values go to the file as they are added (the writer
 * keeps 48 bytes per slot of the open chunk); every other field is copied
 * and kept until finish. */
typedef struct bbsnap_writer bbsnap_writer;

/* Removes what dead writers left beside `path` (NUL-terminated) and
 * creates the temporary file (writer.h: unnamed where the file system
 * allows it). Errors: io (no such directory, no permission),
 * invalid_argument (slots_per_chunk). */
bbsnap_status bbsnap_writer_create(const char *path, const bbsnap_write_options *options, bbsnap_writer **out,
                                   bbsnap_error **error);
/* Abandons an unfinished write (its temporary file is removed) and frees
 * the writer. */
void bbsnap_writer_free(bbsnap_writer *writer);
/* Writes every other field and commits the file: fsync, name, rename,
 * directory fsync (writer.h: if only the last fails, the new file is in
 * place but io is returned). The writer is spent afterwards, whatever the
 * result. A checkpoint generation's writer (bbsnap_checkpoint_writer_begin)
 * is refused (BBSNAP_INVALID_ARGUMENT): bbsnap_checkpoint_writer_commit
 * commits it. */
bbsnap_status bbsnap_writer_finish(bbsnap_writer *writer, bbsnap_error **error);
/* Abandons the write now: the temporary file is removed, the destination
 * untouched, the writer spent. On a spent writer: BBSNAP_INVALID_ARGUMENT
 * (a finished write is committed, not undone). */
bbsnap_status bbsnap_writer_abort(bbsnap_writer *writer, bbsnap_error **error);

/* The slot (site, exec) with a value: Some(bytes), zero bytes allowed. */
bbsnap_status bbsnap_writer_add_slot(bbsnap_writer *writer, uint64_t site, uint64_t exec, const void *value,
                                     size_t length, bbsnap_error **error);
/* The slot (site, exec), allocated but empty: None. */
bbsnap_status bbsnap_writer_add_empty_slot(bbsnap_writer *writer, uint64_t site, uint64_t exec,
                                           bbsnap_error **error);

/* Appends (first, second) to the frontier. */
bbsnap_status bbsnap_writer_add_frontier(bbsnap_writer *writer, uint64_t first, uint64_t second,
                                         bbsnap_error **error);
/* The pending_async entry of `command_id` (a second one:
 * BBSNAP_INVALID_ARGUMENT); has_deadline false: None (deadline_ns ignored). */
bbsnap_status bbsnap_writer_add_pending_async(bbsnap_writer *writer, uint64_t command_id, uint64_t op_ref,
                                              uint64_t exec_id, const uint64_t *output_sites,
                                              size_t output_site_count, bool has_deadline, uint64_t deadline_ns,
                                              bbsnap_error **error);
/* The execution_state entry of `exec_id` (a second one: BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_writer_add_execution_state(bbsnap_writer *writer, uint64_t exec_id, uint32_t outputs_written,
                                                bbsnap_error **error);

/* framework.counters[name] = value (a second one of that name:
 * BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_writer_add_counter(bbsnap_writer *writer, const char *name, size_t name_length,
                                        uint64_t value, bbsnap_error **error);
/* Appends to framework.fired_phases. */
bbsnap_status bbsnap_writer_add_fired_phase(bbsnap_writer *writer, const char *phase, size_t length,
                                            bbsnap_error **error);
/* Appends an address_book entry with no address yet ... */
bbsnap_status bbsnap_writer_add_address_book_entry(bbsnap_writer *writer, const void *peer_id,
                                                   size_t peer_id_length, uint64_t ref_count,
                                                   bbsnap_error **error);
/* ... and an address to the entry added last (none yet: BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_writer_add_address(bbsnap_writer *writer, const void *address, size_t length,
                                        bbsnap_error **error);
/* Appends to peer_governor.blocklist. */
bbsnap_status bbsnap_writer_add_blocklist_peer(bbsnap_writer *writer, const void *peer, size_t length,
                                               bbsnap_error **error);
/* Makes peer_governor.allowlist Some, with the peers added to it so far:
 * Some(empty), nobody may communicate, if none is. Without this call or
 * bbsnap_writer_add_allowlist_peer, the allowlist is None (open policy). */
bbsnap_status bbsnap_writer_enable_allowlist(bbsnap_writer *writer, bbsnap_error **error);
/* Appends to the allowlist, making it Some. */
bbsnap_status bbsnap_writer_add_allowlist_peer(bbsnap_writer *writer, const void *peer, size_t length,
                                               bbsnap_error **error);
/* Appends to peer_governor.health. */
bbsnap_status bbsnap_writer_add_health(bbsnap_writer *writer, const void *peer, size_t peer_length,
                                       uint32_t consecutive_failures, uint64_t last_event_ns, bool down,
                                       bbsnap_error **error);
/* Appends to framework.backoff_table. */
bbsnap_status bbsnap_writer_add_backoff_entry(bbsnap_writer *writer, const void *peer, size_t peer_length,
                                              uint32_t attempts, uint64_t last_attempt_ns, uint64_t next_retry_ns,
                                              bbsnap_error **error);
/* Appends to framework.pending_outbound. */
bbsnap_status bbsnap_writer_add_pending_outbound(bbsnap_writer *writer, const void *envelope_bytes, size_t length,
                                                 bool redelivered, bbsnap_error **error);
/* The scalars and byte strings of the framework, each 0 / empty unless set
 * (spec_version: BBSNAP_CURRENT_SPEC_VERSION unless set); set twice, the
 * last value counts. */
bbsnap_status bbsnap_writer_set_failure_threshold(bbsnap_writer *writer, uint32_t failure_threshold,
                                                  bbsnap_error **error);
bbsnap_status bbsnap_writer_set_peer_id_bytes(bbsnap_writer *writer, const void *bytes, size_t length,
                                              bbsnap_error **error);
bbsnap_status bbsnap_writer_set_next_command_id(bbsnap_writer *writer, uint64_t next_command_id,
                                                bbsnap_error **error);
bbsnap_status bbsnap_writer_set_next_exec_id(bbsnap_writer *writer, uint64_t next_exec_id, bbsnap_error **error);
bbsnap_status bbsnap_writer_set_spec_version(bbsnap_writer *writer, uint32_t spec_version, bbsnap_error **error);

/* bus.event_subscriptions[event_kind] = subscribers (a second one of that
 * kind: BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_writer_add_event_subscription(bbsnap_writer *writer, const char *event_kind,
                                                   size_t event_kind_length, const uint64_t *subscribers,
                                                   size_t subscriber_count, bbsnap_error **error);

/* Appends an ingress event of each kind. An Invoke's inputs and a
 * Completion's results are added after it, each to the ingress event added
 * last (which must be of that kind, else BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_writer_add_ingress_envelope(bbsnap_writer *writer, const void *bytes, size_t length,
                                                 bbsnap_error **error);
bbsnap_status bbsnap_writer_add_ingress_app_event(bbsnap_writer *writer, const char *module_name,
                                                  size_t module_name_length, const char *input_name,
                                                  size_t input_name_length, const void *value_bytes,
                                                  size_t value_length, bbsnap_error **error);
bbsnap_status bbsnap_writer_add_ingress_invoke(bbsnap_writer *writer, const char *module_name,
                                               size_t module_name_length, bbsnap_error **error);
bbsnap_status bbsnap_writer_add_ingress_invoke_input(bbsnap_writer *writer, const char *name, size_t name_length,
                                                     const void *bytes, size_t length, bbsnap_error **error);
bbsnap_status bbsnap_writer_add_ingress_timer_matured(bbsnap_writer *writer, uint64_t at_ns, bbsnap_error **error);
bbsnap_status bbsnap_writer_add_ingress_completion(bbsnap_writer *writer, uint64_t cmd_id, bbsnap_error **error);
bbsnap_status bbsnap_writer_add_ingress_completion_result(bbsnap_writer *writer, const void *bytes, size_t length,
                                                          bbsnap_error **error);

/* wire_states[component] = bytes (a second one: BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_writer_add_wire_state(bbsnap_writer *writer, uint32_t component, const void *bytes,
                                           size_t length, bbsnap_error **error);

/* Appends a pending completion; then its results, each to the pending
 * completion added last (none yet: BBSNAP_INVALID_ARGUMENT). */
bbsnap_status bbsnap_writer_add_pending_completion(bbsnap_writer *writer, uint64_t cmd_id, bbsnap_error **error);
bbsnap_status bbsnap_writer_add_pending_completion_result(bbsnap_writer *writer, const char *name,
                                                          size_t name_length, const void *bytes, size_t length,
                                                          bbsnap_error **error);

/* ==================================================================== checkpoint directories */

/* A directory of numbered generations of one runtime's state, the newest
 * of which that opens is what a cold start restores (checkpoints.h, which
 * spells out the rules; FORMAT.md section 14, the layout). Generation N is
 * the snapshot file "<dir>/<N in 20 decimal digits>.bbsnap"; a commit
 * writes generation 1 + the highest present, completely and durably, and
 * only then applies retention; one writer per directory (an flock on
 * "<dir>/bbsnap-checkpoints.lock"); readers take no lock. */

/* How retention decides that a generation is intact (checkpoints.h Retention). */
typedef enum bbsnap_retention {
  BBSNAP_RETENTION_TABLE = 0, /* its header and section table verify: two small reads */
  BBSNAP_RETENTION_FULL = 1   /* every byte verifies: a read of each kept generation */
} bbsnap_retention;

/* A list of generations (checkpoints.h Generation), newest first unless
 * said otherwise: each one's number, path ("<dir>/<20 digits>.bbsnap", as
 * a string output: NUL-terminated in place), size in bytes and mtime
 * (nanoseconds since the Unix epoch: when it was committed). Immutable:
 * readable from any thread. What it hands out lives as long as the list. */
typedef struct bbsnap_generations bbsnap_generations;

void bbsnap_generations_free(bbsnap_generations *generations);
bbsnap_status bbsnap_generations_count(const bbsnap_generations *generations, size_t *count, bbsnap_error **error);
bbsnap_status bbsnap_generations_get(const bbsnap_generations *generations, size_t index, uint64_t *number,
                                     const char **path, size_t *path_length, uint64_t *size,
                                     int64_t *modified_unix_ns, bbsnap_error **error);
/* Why a restore skipped generation `index`: the error its open returned,
 * an error object owned by the list (read it with bbsnap_error_*, do not
 * free it). NULL for a generation that was not skipped: the one restored,
 * and those of every other list. */
bbsnap_status bbsnap_generations_skip_reason(const bbsnap_generations *generations, size_t index,
                                             const bbsnap_error **reason, bbsnap_error **error);

/* The generations of `dir` (NUL-terminated), newest first: regular files
 * with a generation's name (symbolic links and every other name are
 * foreign). Errors: io (the directory cannot be listed). */
bbsnap_status bbsnap_checkpoints_list(const char *dir, bbsnap_generations **out, bbsnap_error **error);

/* Opens the newest generation of `dir` that bbsnap_snapshot_open accepts
 * with `options` (NULL: the defaults, full verification). On success,
 * *snapshot is that generation, a snapshot like any other, and *tried the
 * generations tried, newest first: each one skipped, with the error that
 * made the restore skip it (bbsnap_generations_skip_reason), then the one
 * restored, last. A directory without generations (a first start) is no
 * error: BBSNAP_OK with *snapshot NULL and *tried empty. Errors: io (the
 * directory cannot be listed); when generations exist and none opens, the
 * newest one's error, its message naming that generation and how many were
 * tried. */
bbsnap_status bbsnap_checkpoints_restore_newest(const char *dir, const bbsnap_open_options *options,
                                                bbsnap_snapshot **snapshot, bbsnap_generations **tried,
                                                bbsnap_error **error);

/* Checkpoint options (checkpoints.h CheckpointOptions). A new one holds the
 * defaults: keep 3, BBSNAP_RETENTION_TABLE, the default write options. NULL
 * given to bbsnap_checkpoint_writer_open means these defaults; it copies
 * them, so the options object may be freed or changed once it returns. */
typedef struct bbsnap_checkpoint_options bbsnap_checkpoint_options;

bbsnap_status bbsnap_checkpoint_options_new(bbsnap_checkpoint_options **out, bbsnap_error **error);
void bbsnap_checkpoint_options_free(bbsnap_checkpoint_options *options);
/* The intact generations retention keeps: at least 1 (0 is refused by
 * bbsnap_checkpoint_writer_open). */
bbsnap_status bbsnap_checkpoint_options_set_keep(bbsnap_checkpoint_options *options, uint32_t keep,
                                                 bbsnap_error **error);
/* One of bbsnap_retention; any other value: BBSNAP_INVALID_ARGUMENT. */
bbsnap_status bbsnap_checkpoint_options_set_retention(bbsnap_checkpoint_options *options, int retention,
                                                      bbsnap_error **error);
/* How each generation is written: a copy of `write` (NULL: the defaults). */
bbsnap_status bbsnap_checkpoint_options_set_write_options(bbsnap_checkpoint_options *options,
                                                          const bbsnap_write_options *write, bbsnap_error **error);

/* The one writer of a checkpoint directory (checkpoints.h
 * CheckpointWriter): it holds the directory's lock until it is freed. */
typedef struct bbsnap_checkpoint_writer bbsnap_checkpoint_writer;

/* Creates nothing but the lock file (if absent) in `dir` (NUL-terminated),
 * and takes its lock. Errors: io (no such directory, no permission, or
 * another writer, in any process, holds the lock), invalid_argument (keep
 * 0). The write options are checked by each bbsnap_checkpoint_writer_begin. */
bbsnap_status bbsnap_checkpoint_writer_open(const char *dir, const bbsnap_checkpoint_options *options,
                                            bbsnap_checkpoint_writer **out, bbsnap_error **error);
/* Releases the lock. A generation it began and did not commit is left to
 * be abandoned (bbsnap_writer_free): no writer commits it any more. */
void bbsnap_checkpoint_writer_free(bbsnap_checkpoint_writer *writer);

/* Begins the next generation: *out is a streaming writer of generation
 * 1 + the highest present (bbsnap_writer_*, as above: its temporary file
 * is seen by no reader), which bbsnap_checkpoint_writer_commit commits
 * (bbsnap_writer_finish refuses it: BBSNAP_INVALID_ARGUMENT) and
 * bbsnap_writer_abort or bbsnap_writer_free abandons. One at a time: while
 * a begun generation is alive (neither committed nor freed), begin is
 * refused with BBSNAP_INVALID_ARGUMENT, since its number is not on disk
 * until it is committed. Errors: those of bbsnap_writer_create, io (the
 * directory cannot be listed), limit_exceeded (generation 2^64 - 1 exists). */
bbsnap_status bbsnap_checkpoint_writer_begin(bbsnap_checkpoint_writer *writer, bbsnap_writer **out,
                                             bbsnap_error **error);

/* What a commit did (checkpoints.h CommitReport). Immutable: readable from
 * any thread; what it hands out lives as long as it does. */
typedef struct bbsnap_checkpoint_commit bbsnap_checkpoint_commit;

/* Commits `generation`, which this writer began and which is alive (any
 * other bbsnap_writer: BBSNAP_INVALID_ARGUMENT, and nothing changes):
 * writes its other fields and commits its file as bbsnap_writer_finish
 * does, then applies retention. `generation` is spent afterwards, whatever
 * the result: only bbsnap_writer_free is left to do. Errors: those of
 * bbsnap_writer_finish (the generation is then not committed, except after
 * a failed directory fsync). A removal that fails is no error: the
 * generation is committed, *out reports the failure, and the next commit's
 * retention retries. */
bbsnap_status bbsnap_checkpoint_writer_commit(bbsnap_checkpoint_writer *writer, bbsnap_writer *generation,
                                              bbsnap_checkpoint_commit **out, bbsnap_error **error);
void bbsnap_checkpoint_commit_free(bbsnap_checkpoint_commit *commit);
/* The generation committed, as bbsnap_generations_get gives one. */
bbsnap_status bbsnap_checkpoint_commit_generation(const bbsnap_checkpoint_commit *commit, uint64_t *number,
                                                  const char **path, size_t *path_length, uint64_t *size,
                                                  int64_t *modified_unix_ns, bbsnap_error **error);
/* Its retention: the generations removed (oldest first, a list owned by
 * the report: do not free it), how many intact generations it counted
 * among those kept (at most keep), and the error of the removal that
 * failed (owned by the report; NULL when none did). */
bbsnap_status bbsnap_checkpoint_commit_retention(const bbsnap_checkpoint_commit *commit,
                                                 const bbsnap_generations **removed, uint32_t *intact_kept,
                                                 const bbsnap_error **prune_error, bbsnap_error **error);
/* The generations its retention did not remove though they are older than
 * those kept, because bbsnap did not write them: a file under a
 * generation's name that does not begin with the snapshot magic (or cannot
 * be read) is someone else's, and stays (checkpoints.h PruneReport
 * not_ours). Oldest first, a list owned by the report: do not free it. */
bbsnap_status bbsnap_checkpoint_commit_not_ours(const bbsnap_checkpoint_commit *commit,
                                                const bbsnap_generations **not_ours, bbsnap_error **error);

/* Retention now, keeping `keep` intact generations (at least 1, else
 * BBSNAP_INVALID_ARGUMENT) in place of the options' keep: *removed is a new
 * list of the generations removed, oldest first, and *not_ours a new list
 * of those it did not remove as not bbsnap's, as
 * bbsnap_checkpoint_commit_not_ours says, oldest first; *intact_kept as
 * above. Errors: io (the directory cannot be listed, or the first removal
 * that failed: those before it are done). */
bbsnap_status bbsnap_checkpoint_writer_prune_v2(bbsnap_checkpoint_writer *writer, uint32_t keep,
                                                bbsnap_generations **removed, bbsnap_generations **not_ours,
                                                uint32_t *intact_kept, bbsnap_error **error);
/* bbsnap_checkpoint_writer_prune_v2 without *not_ours (the signature
 * programs linked against libbbsnap.so.0 call). */
bbsnap_status bbsnap_checkpoint_writer_prune(bbsnap_checkpoint_writer *writer, uint32_t keep,
                                             bbsnap_generations **removed, uint32_t *intact_kept,
                                             bbsnap_error **error);

/* Commit and prune remove a generation's name at once; the kernel frees
 * the file (its pages and blocks: tens of milliseconds for a large one)
 * when its last descriptor closes, which a background thread of the writer
 * does, so that a commit does not wait for it (checkpoints.h
 * CheckpointWriter::wait_for_removals). Returns once every file removed so
 * far is freed: before measuring the disk, say. bbsnap_checkpoint_writer_free
 * waits too. Errors: none but misuse (and internal, should a lock of the
 * library fail). */
bbsnap_status bbsnap_checkpoint_writer_wait_for_removals(bbsnap_checkpoint_writer *writer, bbsnap_error **error);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif /* BBSNAP_BBSNAP_H */
