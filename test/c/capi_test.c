/* The C ABI (bbsnap.h) from C: every function, its results, its errors and
 * its misuse. Compiled as C11 with -std=c11 -Wall -Wextra -Werror
 * -pedantic; runs in the test suite and under ASan/UBSan (scripts/sanitize),
 * where a crash, a leak or undefined behaviour on misuse fails it. The
 * round trips against the C++ library over random states and the golden
 * files are in capi_roundtrip_test.cc. */
/* mkdtemp, mkdir, umask, unlink, opendir, readlink: POSIX, hidden by -std=c11 without this. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka.h needs the four above. */
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bbsnap/bbsnap.h"

/* ==================================================================== helpers */

/* The error of the last call that failed; each check frees it. */
static bbsnap_error *err = NULL;

/* The call succeeded and handed back no error object. */
#define OK(call) expect_ok((call), #call, __FILE__, __LINE__)
/* The call failed with `code`, and its error object says so. */
#define FAILS(code, call) expect_failure((code), (call), #call, 0, __FILE__, __LINE__)
/* The call was refused as a misuse of the C ABI, and the message names the
 * function. */
#define MISUSE(call) expect_failure(BBSNAP_INVALID_ARGUMENT, (call), #call, 1, __FILE__, __LINE__)

static void expect_ok(bbsnap_status status, const char *call, const char *file, int line) {
  if (status != BBSNAP_OK || err != NULL) {
    print_error("%s: %s (%s)\n", call, bbsnap_status_name(status), bbsnap_error_to_string(err));
    bbsnap_error_free(err);
    err = NULL;
    _fail(file, line);
  }
}

/* Also checks the error object's fields that every error of `code` shares:
 * invalid_argument names no section and no offset; a misuse's message
 * names the function called. */
static void expect_failure(bbsnap_status code, bbsnap_status status, const char *call, int misuse, const char *file,
                           int line) {
  int good = status == code && err != NULL && bbsnap_error_code(err) == code &&
             strlen(bbsnap_error_message(err)) > 0 && strlen(bbsnap_error_to_string(err)) > 0;
  if (good && code == BBSNAP_INVALID_ARGUMENT) {
    good = strcmp(bbsnap_error_section(err), "") == 0 && bbsnap_error_offset(err) == BBSNAP_NO_OFFSET;
  }
  if (good && misuse) {
    char function[128];
    size_t length = strcspn(call, "(");
    if (length >= sizeof function) length = sizeof function - 1;
    memcpy(function, call, length);
    function[length] = '\0';
    good = strstr(bbsnap_error_message(err), function) != NULL;
  }
  if (!good) {
    print_error("%s: expected %s, got %s (%s)\n", call, bbsnap_status_name(code), bbsnap_status_name(status),
                bbsnap_error_to_string(err));
  }
  bbsnap_error_free(err);
  err = NULL;
  if (!good) _fail(file, line);
}

/* (data, length) equals the NUL-terminated-free byte string (want, want_length). */
static void expect_bytes(const void *data, size_t length, const void *want, size_t want_length) {
  assert_non_null(data);
  assert_int_equal(length, want_length);
  if (length) assert_memory_equal(data, want, length);
}
#define BYTES(data, length, literal) expect_bytes((data), (length), (literal), sizeof(literal) - 1)

static char dir[256];

static const char *path_in_dir(const char *name) {
  static char paths[8][512];
  static int next = 0;
  char *path = paths[next++ % 8];
  snprintf(path, sizeof paths[0], "%s/%s", dir, name);
  return path;
}

static int make_dir(void **state) {
  (void)state;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/bbsnap-capi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  return mkdtemp(dir) ? 0 : -1;
}

/* Every test removes what it writes: a directory left non-empty fails here. */
static int remove_dir(void **state) {
  (void)state;
  if (rmdir(dir) != 0) {
    print_error("%s is not empty: %s\n", dir, strerror(errno));
    return -1;
  }
  return 0;
}

static size_t file_size(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* The file's bytes in a 64-byte aligned buffer (free with free()). */
static uint8_t *read_aligned(const char *path, size_t *length) {
  *length = file_size(path);
  uint8_t *bytes = aligned_alloc(64, (*length + 63) / 64 * 64);
  assert_non_null(bytes);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fread(bytes, 1, *length, f), *length);
  fclose(f);
  return bytes;
}

static void write_file(const char *path, const uint8_t *bytes, size_t length) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(bytes, 1, length, f), length);
  assert_int_equal(fclose(f), 0);
}

static bbsnap_open_options *options_for(int verification) {
  bbsnap_open_options *options = NULL;
  OK(bbsnap_open_options_new(&options, &err));
  OK(bbsnap_open_options_set_verification(options, verification, &err));
  return options;
}

static bbsnap_snapshot *open_with(const char *path, int verification) {
  bbsnap_open_options *options = options_for(verification);
  bbsnap_snapshot *snapshot = NULL;
  OK(bbsnap_snapshot_open(path, options, &snapshot, &err));
  bbsnap_open_options_free(options);
  assert_non_null(snapshot);
  return snapshot;
}

/* ==================================================================== the reference state */

/* A state with every field, extremes and empties: written by
 * write_reference, read back field by field by check_reference. The slots
 * are in chunks of two, so that there are two chunks. */
#define MAX64 UINT64_MAX
#define MAX32 UINT32_MAX
static const uint8_t big_value[100] = {1, 2, 3, [99] = 0xff};
static const uint64_t sites[] = {1, 2, MAX64};
static const uint64_t tick_subscribers[] = {1, 2};

static void write_reference(const char *path) {
  bbsnap_write_options *options = NULL;
  OK(bbsnap_write_options_new(&options, &err));
  OK(bbsnap_write_options_set_slots_per_chunk(options, 2, &err));
  OK(bbsnap_write_options_set_durable(options, false, &err));
  bbsnap_writer *w = NULL;
  OK(bbsnap_writer_create(path, options, &w, &err));
  bbsnap_write_options_free(options);

  /* Fields before, between and after the slots; maps out of key order. */
  OK(bbsnap_writer_add_counter(w, "peers.connected", 15, 42, &err));
  OK(bbsnap_writer_add_slot(w, 1, 1, "one", 3, &err));
  OK(bbsnap_writer_add_empty_slot(w, 1, 2, &err));
  OK(bbsnap_writer_add_counter(w, "\xc3\xa9", 2, MAX64, &err));
  OK(bbsnap_writer_add_slot(w, 2, 0, NULL, 0, &err));
  OK(bbsnap_writer_add_slot(w, MAX64, MAX64, big_value, sizeof big_value, &err));
  OK(bbsnap_writer_add_counter(w, NULL, 0, 0, &err));

  OK(bbsnap_writer_add_frontier(w, 1, 2, &err));
  OK(bbsnap_writer_add_frontier(w, MAX64, 0, &err));
  OK(bbsnap_writer_add_pending_async(w, 7, 70, 71, sites, 3, false, 123, &err));
  OK(bbsnap_writer_add_pending_async(w, 5, 50, 51, NULL, 0, true, 0, &err));
  OK(bbsnap_writer_add_execution_state(w, 9, 3, &err));
  OK(bbsnap_writer_add_execution_state(w, 2, MAX32, &err));

  OK(bbsnap_writer_add_fired_phase(w, "start", 5, &err));
  OK(bbsnap_writer_add_fired_phase(w, "", 0, &err));
  OK(bbsnap_writer_add_address_book_entry(w, "\x01\x02", 2, 3, &err));
  OK(bbsnap_writer_add_address(w, "/ip4/1", 6, &err));
  OK(bbsnap_writer_add_address(w, NULL, 0, &err));
  OK(bbsnap_writer_add_address_book_entry(w, NULL, 0, 0, &err));
  OK(bbsnap_writer_add_blocklist_peer(w, "\x09", 1, &err));
  OK(bbsnap_writer_add_blocklist_peer(w, "", 0, &err));
  OK(bbsnap_writer_add_allowlist_peer(w, "\x07", 1, &err));
  OK(bbsnap_writer_enable_allowlist(w, &err)); /* keeps the peer added */
  OK(bbsnap_writer_add_health(w, "\x01", 1, 4, 5, true, &err));
  OK(bbsnap_writer_add_health(w, NULL, 0, 0, MAX64, false, &err));
  OK(bbsnap_writer_set_failure_threshold(w, 1, &err));
  OK(bbsnap_writer_set_failure_threshold(w, 3, &err)); /* the last one counts */
  OK(bbsnap_writer_add_backoff_entry(w, "\x02", 1, 1, 2, 3, &err));
  OK(bbsnap_writer_add_pending_outbound(w, "\xde\xad", 2, true, &err));
  OK(bbsnap_writer_add_pending_outbound(w, NULL, 0, false, &err));
  OK(bbsnap_writer_set_peer_id_bytes(w, "\x12\x20", 2, &err));
  OK(bbsnap_writer_set_next_command_id(w, 100, &err));
  OK(bbsnap_writer_set_next_exec_id(w, MAX64, &err));
  OK(bbsnap_writer_set_spec_version(w, BBSNAP_CURRENT_SPEC_VERSION, &err));

  OK(bbsnap_writer_add_event_subscription(w, "tick", 4, tick_subscribers, 2, &err));
  OK(bbsnap_writer_add_event_subscription(w, "none", 4, NULL, 0, &err));

  OK(bbsnap_writer_add_ingress_envelope(w, "\x01\x02\x03", 3, &err));
  OK(bbsnap_writer_add_ingress_app_event(w, "mod", 3, "in", 2, "\x04", 1, &err));
  OK(bbsnap_writer_add_ingress_invoke(w, "mod2", 4, &err));
  OK(bbsnap_writer_add_ingress_invoke_input(w, "a", 1, "\x05", 1, &err));
  OK(bbsnap_writer_add_ingress_invoke_input(w, "b", 1, NULL, 0, &err));
  OK(bbsnap_writer_add_ingress_timer_matured(w, 99, &err));
  OK(bbsnap_writer_add_ingress_completion(w, 8, &err));
  OK(bbsnap_writer_add_ingress_completion_result(w, "\x06", 1, &err));
  OK(bbsnap_writer_add_ingress_completion_result(w, NULL, 0, &err));

  OK(bbsnap_writer_add_wire_state(w, 3, "\x07\x07", 2, &err));
  OK(bbsnap_writer_add_wire_state(w, 1, NULL, 0, &err));

  OK(bbsnap_writer_add_pending_completion(w, 11, &err));
  OK(bbsnap_writer_add_pending_completion_result(w, "x", 1, "\x08", 1, &err));
  OK(bbsnap_writer_add_pending_completion(w, 12, &err));

  OK(bbsnap_writer_finish(w, &err));
  bbsnap_writer_free(w);
}

static void check_reference_slots(const bbsnap_snapshot *s) {
  bbsnap_slot_state state;
  const uint8_t *value;
  size_t length, count;
  uint64_t site, exec;

  OK(bbsnap_slot(s, 1, 1, &state, &value, &length, &err));
  assert_int_equal(state, BBSNAP_SLOT_VALUE);
  BYTES(value, length, "one");
  assert_int_equal((uintptr_t)value % 64, 0);
  OK(bbsnap_slot(s, 1, 2, &state, &value, &length, &err));
  assert_int_equal(state, BBSNAP_SLOT_EMPTY);
  expect_bytes(value, length, "", 0);
  OK(bbsnap_slot(s, 2, 0, &state, &value, &length, &err));
  assert_int_equal(state, BBSNAP_SLOT_VALUE);
  expect_bytes(value, length, "", 0);
  OK(bbsnap_slot(s, MAX64, MAX64, &state, &value, &length, &err));
  assert_int_equal(state, BBSNAP_SLOT_VALUE);
  expect_bytes(value, length, big_value, sizeof big_value);
  OK(bbsnap_slot(s, 1, 3, &state, &value, &length, &err));
  assert_int_equal(state, BBSNAP_SLOT_MISSING);
  expect_bytes(value, length, "", 0);
  OK(bbsnap_slot(s, 0, 0, &state, &value, &length, &err));
  assert_int_equal(state, BBSNAP_SLOT_MISSING);

  OK(bbsnap_slot_chunk_count(s, &count, &err));
  assert_int_equal(count, 2);
  const uint64_t want_site[] = {1, 1, 2, MAX64}, want_exec[] = {1, 2, 0, MAX64};
  const bbsnap_slot_state want_state[] = {BBSNAP_SLOT_VALUE, BBSNAP_SLOT_EMPTY, BBSNAP_SLOT_VALUE, BBSNAP_SLOT_VALUE};
  const size_t want_length[] = {3, 0, 0, sizeof big_value};
  for (size_t chunk = 0; chunk < 2; ++chunk) {
    OK(bbsnap_slot_chunk_slot_count(s, chunk, &count, &err));
    assert_int_equal(count, 2);
    for (size_t i = 0; i < 2; ++i) {
      OK(bbsnap_slot_chunk_slot(s, chunk, i, &site, &exec, &state, &value, &length, &err));
      assert_true(site == want_site[2 * chunk + i] && exec == want_exec[2 * chunk + i]);
      assert_int_equal(state, want_state[2 * chunk + i]);
      assert_non_null(value);
      assert_int_equal(length, want_length[2 * chunk + i]);
    }
  }
}

static void check_reference_tables(const bbsnap_snapshot *s) {
  size_t count, n;
  uint64_t a, b, deadline;
  uint32_t u;
  const uint64_t *ids;
  const uint8_t *bytes;
  const char *name;
  size_t name_length;
  bool flag, found;

  OK(bbsnap_frontier_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_frontier_get(s, 0, &a, &b, &err));
  assert_true(a == 1 && b == 2);
  OK(bbsnap_frontier_get(s, 1, &a, &b, &err));
  assert_true(a == MAX64 && b == 0);

  OK(bbsnap_pending_async_count(s, &count, &err));
  assert_int_equal(count, 2);
  uint64_t command_id;
  OK(bbsnap_pending_async_get(s, 0, &command_id, &a, &b, &ids, &n, &flag, &deadline, &err));
  assert_true(command_id == 5 && a == 50 && b == 51 && n == 0 && ids != NULL && flag && deadline == 0);
  OK(bbsnap_pending_async_get(s, 1, &command_id, &a, &b, &ids, &n, &flag, &deadline, &err));
  assert_true(command_id == 7 && a == 70 && b == 71 && n == 3 && !flag && deadline == 0);
  assert_memory_equal(ids, sites, sizeof sites);
  assert_int_equal((uintptr_t)ids % 8, 0);
  OK(bbsnap_pending_async(s, 7, &found, &a, &b, &ids, &n, &flag, &deadline, &err));
  assert_true(found && a == 70 && n == 3 && ids[2] == MAX64);
  a = 1234;
  OK(bbsnap_pending_async(s, 6, &found, &a, &b, &ids, &n, &flag, &deadline, &err));
  assert_true(!found && a == 1234);

  OK(bbsnap_execution_state_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_execution_state_get(s, 0, &a, &u, &err));
  assert_true(a == 2 && u == MAX32);
  OK(bbsnap_execution_state_get(s, 1, &a, &u, &err));
  assert_true(a == 9 && u == 3);
  OK(bbsnap_execution_state(s, 9, &found, &u, &err));
  assert_true(found && u == 3);
  OK(bbsnap_execution_state(s, 10, &found, &u, &err));
  assert_false(found);

  OK(bbsnap_wire_states_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_wire_states_get(s, 0, &u, &bytes, &n, &err));
  assert_int_equal(u, 1);
  expect_bytes(bytes, n, "", 0);
  OK(bbsnap_wire_states_get(s, 1, &u, &bytes, &n, &err));
  assert_int_equal(u, 3);
  BYTES(bytes, n, "\x07\x07");
  assert_int_equal((uintptr_t)bytes % 16, 0);
  OK(bbsnap_wire_state(s, 1, &found, &bytes, &n, &err));
  assert_true(found && n == 0 && bytes != NULL);
  OK(bbsnap_wire_state(s, 2, &found, &bytes, &n, &err));
  assert_false(found);

  OK(bbsnap_pending_completions_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_pending_completions_get(s, 0, &a, &n, &err));
  assert_true(a == 11 && n == 1);
  OK(bbsnap_pending_completions_result(s, 0, 0, &name, &name_length, &bytes, &n, &err));
  BYTES(name, name_length, "x");
  BYTES(bytes, n, "\x08");
  OK(bbsnap_pending_completions_get(s, 1, &a, &n, &err));
  assert_true(a == 12 && n == 0);
}

static void check_reference_framework(const bbsnap_snapshot *s) {
  size_t count, n, length;
  uint64_t a, b;
  uint32_t u;
  const uint8_t *bytes;
  const char *text;
  bool flag, found;

  OK(bbsnap_counters_count(s, &count, &err));
  assert_int_equal(count, 3);
  OK(bbsnap_counters_get(s, 0, &text, &length, &a, &err)); /* names sorted by their bytes */
  assert_true(length == 0 && a == 0 && text[0] == '\0');
  OK(bbsnap_counters_get(s, 1, &text, &length, &a, &err));
  BYTES(text, length, "peers.connected");
  assert_true(a == 42 && text[length] == '\0');
  OK(bbsnap_counters_get(s, 2, &text, &length, &a, &err));
  BYTES(text, length, "\xc3\xa9");
  assert_true(a == MAX64);
  OK(bbsnap_counter(s, "\xc3\xa9", 2, &found, &a, &err));
  assert_true(found && a == MAX64);
  OK(bbsnap_counter(s, NULL, 0, &found, &a, &err));
  assert_true(found && a == 0);
  OK(bbsnap_counter(s, "peers", 5, &found, &a, &err));
  assert_false(found);

  OK(bbsnap_fired_phases_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_fired_phases_get(s, 0, &text, &length, &err));
  BYTES(text, length, "start");
  OK(bbsnap_fired_phases_get(s, 1, &text, &length, &err));
  expect_bytes(text, length, "", 0);

  OK(bbsnap_address_book_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_address_book_get(s, 0, &bytes, &length, &a, &n, &err));
  BYTES(bytes, length, "\x01\x02");
  assert_true(a == 3 && n == 2);
  OK(bbsnap_address_book_address(s, 0, 0, &bytes, &length, &err));
  BYTES(bytes, length, "/ip4/1");
  OK(bbsnap_address_book_address(s, 0, 1, &bytes, &length, &err));
  expect_bytes(bytes, length, "", 0);
  OK(bbsnap_address_book_get(s, 1, &bytes, &length, &a, &n, &err));
  assert_true(length == 0 && a == 0 && n == 0);

  OK(bbsnap_blocklist_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_blocklist_get(s, 0, &bytes, &length, &err));
  BYTES(bytes, length, "\x09");
  OK(bbsnap_blocklist_get(s, 1, &bytes, &length, &err));
  expect_bytes(bytes, length, "", 0);
  OK(bbsnap_allowlist_count(s, &flag, &count, &err));
  assert_true(flag && count == 1);
  OK(bbsnap_allowlist_get(s, 0, &bytes, &length, &err));
  BYTES(bytes, length, "\x07");
  OK(bbsnap_health_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_health_get(s, 0, &bytes, &length, &u, &a, &flag, &err));
  BYTES(bytes, length, "\x01");
  assert_true(u == 4 && a == 5 && flag);
  OK(bbsnap_health_get(s, 1, &bytes, &length, &u, &a, &flag, &err));
  assert_true(length == 0 && u == 0 && a == MAX64 && !flag);
  OK(bbsnap_failure_threshold(s, &u, &err));
  assert_int_equal(u, 3);

  OK(bbsnap_backoff_table_count(s, &count, &err));
  assert_int_equal(count, 1);
  OK(bbsnap_backoff_table_get(s, 0, &bytes, &length, &u, &a, &b, &err));
  BYTES(bytes, length, "\x02");
  assert_true(u == 1 && a == 2 && b == 3);
  OK(bbsnap_pending_outbound_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_pending_outbound_get(s, 0, &bytes, &length, &flag, &err));
  BYTES(bytes, length, "\xde\xad");
  assert_true(flag);
  OK(bbsnap_pending_outbound_get(s, 1, &bytes, &length, &flag, &err));
  assert_true(length == 0 && !flag);

  OK(bbsnap_peer_id_bytes(s, &bytes, &length, &err));
  BYTES(bytes, length, "\x12\x20");
  OK(bbsnap_next_command_id(s, &a, &err));
  OK(bbsnap_next_exec_id(s, &b, &err));
  assert_true(a == 100 && b == MAX64);
  OK(bbsnap_snapshot_spec_version(s, &u, &err));
  assert_int_equal(u, BBSNAP_CURRENT_SPEC_VERSION);
}

static void check_reference_bus_and_ingress(const bbsnap_snapshot *s) {
  size_t count, n, length, name_length;
  uint64_t a;
  const uint64_t *ids;
  const uint8_t *bytes;
  const char *text, *name;
  bool found;
  bbsnap_ingress_kind kind;

  OK(bbsnap_event_subscriptions_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_event_subscriptions_get(s, 0, &text, &length, &ids, &n, &err));
  BYTES(text, length, "none");
  assert_true(n == 0 && ids != NULL);
  OK(bbsnap_event_subscriptions_get(s, 1, &text, &length, &ids, &n, &err));
  BYTES(text, length, "tick");
  assert_true(n == 2 && ids[0] == 1 && ids[1] == 2);
  OK(bbsnap_subscribers(s, "tick", 4, &found, &ids, &n, &err));
  assert_true(found && n == 2 && ids[1] == 2);
  OK(bbsnap_subscribers(s, "none", 4, &found, &ids, &n, &err));
  assert_true(found && n == 0 && ids != NULL);
  OK(bbsnap_subscribers(s, "tock", 4, &found, &ids, &n, &err));
  assert_false(found);

  OK(bbsnap_ingress_count(s, &count, &err));
  assert_int_equal(count, 5);
  const bbsnap_ingress_kind kinds[] = {BBSNAP_INGRESS_ENVELOPE, BBSNAP_INGRESS_APP_EVENT, BBSNAP_INGRESS_INVOKE,
                                       BBSNAP_INGRESS_TIMER_MATURED, BBSNAP_INGRESS_COMPLETION};
  for (size_t i = 0; i < 5; ++i) {
    OK(bbsnap_ingress_get(s, i, &kind, &err));
    assert_int_equal(kind, kinds[i]);
  }
  OK(bbsnap_ingress_envelope(s, 0, &bytes, &length, &err));
  BYTES(bytes, length, "\x01\x02\x03");
  const uint8_t *value;
  size_t value_length;
  OK(bbsnap_ingress_app_event(s, 1, &text, &length, &name, &name_length, &value, &value_length, &err));
  BYTES(text, length, "mod");
  BYTES(name, name_length, "in");
  BYTES(value, value_length, "\x04");
  OK(bbsnap_ingress_invoke(s, 2, &text, &length, &n, &err));
  BYTES(text, length, "mod2");
  assert_int_equal(n, 2);
  OK(bbsnap_ingress_invoke_input(s, 2, 0, &name, &name_length, &bytes, &length, &err));
  BYTES(name, name_length, "a");
  BYTES(bytes, length, "\x05");
  OK(bbsnap_ingress_invoke_input(s, 2, 1, &name, &name_length, &bytes, &length, &err));
  BYTES(name, name_length, "b");
  expect_bytes(bytes, length, "", 0);
  OK(bbsnap_ingress_timer_matured(s, 3, &a, &err));
  assert_int_equal(a, 99);
  OK(bbsnap_ingress_completion(s, 4, &a, &n, &err));
  assert_true(a == 8 && n == 2);
  OK(bbsnap_ingress_completion_result(s, 4, 0, &bytes, &length, &err));
  BYTES(bytes, length, "\x06");
  OK(bbsnap_ingress_completion_result(s, 4, 1, &bytes, &length, &err));
  expect_bytes(bytes, length, "", 0);
}

static void check_reference(const bbsnap_snapshot *s) {
  check_reference_slots(s);
  check_reference_tables(s);
  check_reference_framework(s);
  check_reference_bus_and_ingress(s);
}

/* ==================================================================== tests: reading and writing */

static void every_field_round_trips_in_every_mode(void **state) {
  (void)state;
  const char *path = path_in_dir("reference.bbsnap");
  write_reference(path);
  for (int mode = BBSNAP_VERIFY_FULL; mode <= BBSNAP_VERIFY_TRUSTED; ++mode) {
    bbsnap_snapshot *s = open_with(path, mode);
    check_reference(s);
    bbsnap_snapshot_free(s);
  }
  /* The same from bytes the caller holds. */
  size_t length;
  uint8_t *bytes = read_aligned(path, &length);
  bbsnap_snapshot *s = NULL;
  OK(bbsnap_snapshot_open_bytes(bytes, length, NULL, &s, &err));
  check_reference(s);
  const uint8_t *whole;
  size_t whole_length;
  OK(bbsnap_snapshot_bytes(s, &whole, &whole_length, &err));
  assert_ptr_equal(whole, bytes);
  assert_int_equal(whole_length, length);
  bbsnap_snapshot_free(s);
  free(bytes);
  assert_int_equal(unlink(path), 0);
}

static void the_empty_state_reads_as_empty(void **state) {
  (void)state;
  const char *path = path_in_dir("empty.bbsnap");
  bbsnap_writer *w = NULL;
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  OK(bbsnap_writer_finish(w, &err));
  bbsnap_writer_free(w);

  bbsnap_snapshot *s = open_with(path, BBSNAP_VERIFY_LAZY);
  size_t count;
  bool is_some = true;
  uint32_t u = 7;
  uint64_t a = 7;
  const uint8_t *bytes;
  bbsnap_status (*const counts[])(const bbsnap_snapshot *, size_t *, bbsnap_error **) = {
      bbsnap_slot_chunk_count,         bbsnap_frontier_count,        bbsnap_pending_async_count,
      bbsnap_execution_state_count,    bbsnap_counters_count,        bbsnap_fired_phases_count,
      bbsnap_address_book_count,       bbsnap_blocklist_count,       bbsnap_health_count,
      bbsnap_backoff_table_count,      bbsnap_pending_outbound_count, bbsnap_event_subscriptions_count,
      bbsnap_ingress_count,            bbsnap_wire_states_count,     bbsnap_pending_completions_count};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; ++i) {
    count = 99;
    OK(counts[i](s, &count, &err));
    assert_int_equal(count, 0);
  }
  OK(bbsnap_allowlist_count(s, &is_some, &count, &err));
  assert_true(!is_some && count == 0); /* None */
  OK(bbsnap_failure_threshold(s, &u, &err));
  assert_int_equal(u, 0);
  OK(bbsnap_next_command_id(s, &a, &err));
  assert_int_equal(a, 0);
  OK(bbsnap_peer_id_bytes(s, &bytes, &count, &err));
  expect_bytes(bytes, count, "", 0);
  OK(bbsnap_snapshot_spec_version(s, &u, &err));
  assert_int_equal(u, BBSNAP_CURRENT_SPEC_VERSION);
  bbsnap_slot_state slot;
  OK(bbsnap_slot(s, 0, 0, &slot, &bytes, &count, &err));
  assert_int_equal(slot, BBSNAP_SLOT_MISSING);
  bbsnap_snapshot_free(s);
  assert_int_equal(unlink(path), 0);
}

static void an_enabled_allowlist_without_peers_is_some_empty(void **state) {
  (void)state;
  const char *path = path_in_dir("allowlist.bbsnap");
  bbsnap_writer *w = NULL;
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  OK(bbsnap_writer_enable_allowlist(w, &err));
  OK(bbsnap_writer_enable_allowlist(w, &err));
  OK(bbsnap_writer_finish(w, &err));
  bbsnap_writer_free(w);
  bbsnap_snapshot *s = open_with(path, BBSNAP_VERIFY_FULL);
  bool is_some = false;
  size_t count = 9;
  OK(bbsnap_allowlist_count(s, &is_some, &count, &err));
  assert_true(is_some && count == 0);
  bbsnap_snapshot_free(s);
  assert_int_equal(unlink(path), 0);
}

static void the_container_is_there_for_tools(void **state) {
  (void)state;
  const char *path = path_in_dir("container.bbsnap");
  write_reference(path);
  bbsnap_snapshot *s = open_with(path, BBSNAP_VERIFY_LAZY);
  uint32_t version;
  OK(bbsnap_snapshot_format_version(s, &version, &err));
  assert_int_equal(version, 2);
  size_t count;
  OK(bbsnap_snapshot_section_count(s, &count, &err));
  assert_int_equal(count, 11); /* ten kinds, two slot chunks, one of each other */
  uint64_t end = 64;
  size_t chunks = 0;
  for (size_t i = 0; i < count; ++i) {
    uint32_t kind, flags;
    uint64_t offset, length, payload_length, checksum;
    OK(bbsnap_snapshot_section(s, i, &kind, &flags, &offset, &length, &payload_length, &checksum, &err));
    assert_non_null(bbsnap_section_kind_name(kind));
    assert_true(offset >= end && offset % 64 == 0 && flags == 1);
    assert_true(payload_length == 0 || kind == 7);
    chunks += kind == 7;
    end = offset + length;
    OK(bbsnap_snapshot_check_section(s, i, &err));
  }
  assert_int_equal(chunks, 2);
  assert_true(end <= file_size(path));
  const uint8_t *bytes;
  size_t length;
  OK(bbsnap_snapshot_bytes(s, &bytes, &length, &err));
  assert_int_equal(length, file_size(path));
  assert_memory_equal(bytes, "\x89" "BBSNAP\n", 8);
  bbsnap_snapshot_free(s);

  assert_string_equal(bbsnap_section_kind_name(1), "framework");
  assert_string_equal(bbsnap_section_kind_name(7), "slot_chunk");
  assert_string_equal(bbsnap_section_kind_name(10), "wire_states");
  assert_null(bbsnap_section_kind_name(0));
  assert_null(bbsnap_section_kind_name(11));
  assert_null(bbsnap_section_kind_name(MAX32));
  assert_int_equal(unlink(path), 0);
}

static void write_options_are_applied(void **state) {
  (void)state;
  const char *path = path_in_dir("mode.bbsnap");
  const mode_t previous = umask(077);
  for (uint32_t mode = 0; mode <= 0777; mode += 0111) {
    bbsnap_write_options *options = NULL;
    OK(bbsnap_write_options_new(&options, &err));
    OK(bbsnap_write_options_set_file_mode(options, mode, &err));
    OK(bbsnap_write_options_set_durable(options, true, &err));
    bbsnap_writer *w = NULL;
    OK(bbsnap_writer_create(path, options, &w, &err));
    bbsnap_write_options_free(options);  /* the writer keeps what it needs */
    OK(bbsnap_writer_finish(w, &err));
    bbsnap_writer_free(w);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, mode);
  }
  umask(previous);
  assert_int_equal(unlink(path), 0);
}

static void open_options_are_applied(void **state) {
  (void)state;
  const char *path = path_in_dir("options.bbsnap");
  bbsnap_writer *w = NULL;
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  OK(bbsnap_writer_set_spec_version(w, 7, &err));
  OK(bbsnap_writer_finish(w, &err));
  bbsnap_writer_free(w);

  bbsnap_open_options *options = NULL;
  bbsnap_snapshot *s = NULL;
  OK(bbsnap_open_options_new(&options, &err));
  /* The default expects BBSNAP_CURRENT_SPEC_VERSION, in every mode. */
  FAILS(BBSNAP_SPEC_VERSION_MISMATCH, bbsnap_snapshot_open(path, options, &s, &err));
  FAILS(BBSNAP_SPEC_VERSION_MISMATCH, bbsnap_snapshot_open(path, NULL, &s, &err));
  assert_null(s);
  OK(bbsnap_open_options_set_verification(options, BBSNAP_VERIFY_TRUSTED, &err));
  FAILS(BBSNAP_SPEC_VERSION_MISMATCH, bbsnap_snapshot_open(path, options, &s, &err));
  OK(bbsnap_open_options_expect_spec_version(options, 7, &err));
  OK(bbsnap_snapshot_open(path, options, &s, &err));
  bbsnap_snapshot_free(s);
  OK(bbsnap_open_options_accept_any_spec_version(options, &err));
  OK(bbsnap_open_options_set_verification(options, BBSNAP_VERIFY_FULL, &err));
  OK(bbsnap_open_options_set_threads(options, 4, &err));
  OK(bbsnap_open_options_set_threads(options, 0, &err));
  OK(bbsnap_open_options_set_prefault(options, true, &err));
  OK(bbsnap_snapshot_open(path, options, &s, &err));
  uint32_t version = 0;
  OK(bbsnap_snapshot_spec_version(s, &version, &err));
  assert_int_equal(version, 7);
  bbsnap_snapshot_free(s);
  /* Each load mode, and which one was used. */
  int load = -1;
  OK(bbsnap_open_options_set_load(options, BBSNAP_LOAD_READ, &err));
  OK(bbsnap_snapshot_open(path, options, &s, &err));
  OK(bbsnap_snapshot_load(s, &load, &err));
  assert_int_equal(load, BBSNAP_LOAD_READ);
  OK(bbsnap_snapshot_spec_version(s, &version, &err));
  assert_int_equal(version, 7);
  bbsnap_snapshot_free(s);
  OK(bbsnap_open_options_set_load(options, BBSNAP_LOAD_MAP, &err));
  OK(bbsnap_snapshot_open(path, options, &s, &err));
  OK(bbsnap_snapshot_load(s, &load, &err));
  assert_int_equal(load, BBSNAP_LOAD_MAP);
  bbsnap_snapshot_free(s);
  OK(bbsnap_open_options_set_load(options, BBSNAP_LOAD_AUTOMATIC, &err));
  MISUSE(bbsnap_open_options_set_load(options, 3, &err));
  MISUSE(bbsnap_open_options_set_load(options, -1, &err));
  OK(bbsnap_open_options_expect_spec_version(options, 8, &err));
  FAILS(BBSNAP_SPEC_VERSION_MISMATCH, bbsnap_snapshot_open(path, options, &s, &err));
  bbsnap_open_options_free(options);
  assert_int_equal(unlink(path), 0);
}

/* ==================================================================== tests: errors from files */

static void errors_name_the_code_section_and_offset(void **state) {
  (void)state;
  bbsnap_snapshot *s = (bbsnap_snapshot *)&s; /* must become NULL */
  assert_int_equal(bbsnap_snapshot_open(path_in_dir("missing.bbsnap"), NULL, &s, &err), BBSNAP_IO);
  assert_null(s);
  assert_int_equal(bbsnap_error_code(err), BBSNAP_IO);
  assert_string_equal(bbsnap_error_section(err), "");
  assert_true(bbsnap_error_offset(err) == BBSNAP_NO_OFFSET);
  assert_non_null(strstr(bbsnap_error_message(err), "missing.bbsnap"));
  assert_true(strncmp(bbsnap_error_to_string(err), "io: ", 4) == 0);
  bbsnap_error_free(err);
  err = NULL;
  /* Without an error object the status still says what went wrong. */
  assert_int_equal(bbsnap_snapshot_open(path_in_dir("missing.bbsnap"), NULL, &s, NULL), BBSNAP_IO);

  const char *path = path_in_dir("not.bbsnap");
  write_file(path, (const uint8_t *)"not a snapshot, not at all; long enough to hold a header: 64 bytes", 66);
  FAILS(BBSNAP_BAD_MAGIC, bbsnap_snapshot_open(path, NULL, &s, &err));
  write_file(path, (const uint8_t *)"", 0);
  FAILS(BBSNAP_TRUNCATED, bbsnap_snapshot_open(path, NULL, &s, &err));
  assert_int_equal(unlink(path), 0);
}

/* The reference file with one byte of the ingress section's metadata
 * flipped: full open refuses it; lazy open reads everything else and
 * reports the damage, named, on every access to ingress. */
static void a_damaged_section_is_reported_where_it_is_touched(void **state) {
  (void)state;
  const char *path = path_in_dir("damaged.bbsnap");
  write_reference(path);
  size_t length;
  uint8_t *bytes = read_aligned(path, &length);
  bbsnap_snapshot *s = NULL;
  OK(bbsnap_snapshot_open_bytes(bytes, length, NULL, &s, &err));
  size_t count, ingress = 0;
  uint64_t offset = 0, section_length = 0, payload = 0, checksum;
  uint32_t kind, flags;
  OK(bbsnap_snapshot_section_count(s, &count, &err));
  for (size_t i = 0; i < count; ++i) {
    OK(bbsnap_snapshot_section(s, i, &kind, &flags, &offset, &section_length, &payload, &checksum, &err));
    if (kind == 3) {
      ingress = i;
      break;
    }
  }
  bbsnap_snapshot_free(s);
  bytes[offset + payload + section_length / 2] ^= 0x40;
  write_file(path, bytes, length);
  free(bytes);

  assert_int_equal(bbsnap_snapshot_open(path, NULL, &s, &err), BBSNAP_CHECKSUM_MISMATCH);
  assert_string_equal(bbsnap_error_section(err), "ingress");
  assert_true(bbsnap_error_offset(err) >= offset && bbsnap_error_offset(err) < offset + section_length);
  assert_true(bbsnap_error_stored(err) != bbsnap_error_computed(err));
  assert_true(bbsnap_error_stored(err) != 0 || bbsnap_error_computed(err) != 0);
  assert_non_null(strstr(bbsnap_error_to_string(err), "in section ingress"));
  const uint64_t full_offset = bbsnap_error_offset(err);
  bbsnap_error_free(err);
  err = NULL;

  s = open_with(path, BBSNAP_VERIFY_LAZY);
  check_reference_slots(s);
  check_reference_tables(s);
  check_reference_framework(s);
  for (int attempt = 0; attempt < 2; ++attempt) {
    assert_int_equal(bbsnap_ingress_count(s, &count, &err), BBSNAP_CHECKSUM_MISMATCH);
    assert_string_equal(bbsnap_error_section(err), "ingress");
    assert_true(bbsnap_error_offset(err) == full_offset);
    bbsnap_error_free(err);
    err = NULL;
  }
  FAILS(BBSNAP_CHECKSUM_MISMATCH, bbsnap_snapshot_check_section(s, ingress, &err));
  uint64_t at;
  FAILS(BBSNAP_CHECKSUM_MISMATCH, bbsnap_ingress_timer_matured(s, 3, &at, &err));
  OK(bbsnap_snapshot_check_section(s, 0, &err));
  bbsnap_snapshot_free(s);
  assert_int_equal(unlink(path), 0);
}

/* A slot value damaged in the payload area: lazy mode reports it at the
 * lookup, by its chunk, and by key. */
static void a_damaged_slot_value_is_reported_by_its_lookups(void **state) {
  (void)state;
  const char *path = path_in_dir("damaged-value.bbsnap");
  write_reference(path);
  size_t length;
  uint8_t *bytes = read_aligned(path, &length);
  bbsnap_snapshot *s = NULL;
  OK(bbsnap_snapshot_open_bytes(bytes, length, NULL, &s, &err));
  bbsnap_slot_state slot;
  const uint8_t *value;
  size_t value_length;
  OK(bbsnap_slot(s, 1, 1, &slot, &value, &value_length, &err));
  const size_t at = (size_t)(value - bytes);
  bbsnap_snapshot_free(s);
  bytes[at] ^= 1;

  bbsnap_open_options *lazy = options_for(BBSNAP_VERIFY_LAZY);
  OK(bbsnap_snapshot_open_bytes(bytes, length, lazy, &s, &err));
  bbsnap_open_options_free(lazy);
  FAILS(BBSNAP_CHECKSUM_MISMATCH, bbsnap_slot(s, 1, 1, &slot, &value, &value_length, &err));
  uint64_t site, exec;
  FAILS(BBSNAP_CHECKSUM_MISMATCH, bbsnap_slot_chunk_slot(s, 0, 0, &site, &exec, &slot, &value, &value_length, &err));
  OK(bbsnap_slot(s, MAX64, MAX64, &slot, &value, &value_length, &err));
  bbsnap_snapshot_free(s);
  free(bytes);
  assert_int_equal(unlink(path), 0);
}

/* ==================================================================== tests: the writer's contract */

static void a_write_is_atomic_and_can_be_abandoned(void **state) {
  (void)state;
  const char *path = path_in_dir("atomic.bbsnap");
  write_reference(path);
  const size_t before = file_size(path);
  bbsnap_writer *w = NULL;
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  OK(bbsnap_writer_add_slot(w, 1, 1, "x", 1, &err));
  OK(bbsnap_writer_abort(w, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_abort(w, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_finish(w, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_slot(w, 2, 2, "x", 1, &err));
  bbsnap_writer_free(w);
  assert_int_equal(file_size(path), before);

  /* Freed unfinished: abandoned too. */
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  OK(bbsnap_writer_add_counter(w, "c", 1, 1, &err));
  bbsnap_writer_free(w);
  assert_int_equal(file_size(path), before);

  /* A state finish refuses (a counter name that is not UTF-8): the
   * destination is untouched and the writer spent. */
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  OK(bbsnap_writer_add_counter(w, "\xff", 1, 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_finish(w, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_counter(w, "d", 1, 1, &err));
  bbsnap_writer_free(w);
  assert_int_equal(file_size(path), before);
  bbsnap_snapshot *s = open_with(path, BBSNAP_VERIFY_FULL);
  check_reference(s);
  bbsnap_snapshot_free(s);

  /* Nothing but the destination is left in the directory. */
  assert_int_equal(unlink(path), 0);
}

static void a_refused_call_leaves_the_writer_usable(void **state) {
  (void)state;
  const char *path = path_in_dir("refused.bbsnap");
  bbsnap_writer *w = NULL;
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  /* Each refusal before any field is added. */
  MISUSE(bbsnap_writer_add_address(w, "a", 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_ingress_invoke_input(w, "a", 1, "b", 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_ingress_completion_result(w, "a", 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_pending_completion_result(w, "a", 1, "b", 1, &err));

  OK(bbsnap_writer_add_slot(w, 5, 5, "v", 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_slot(w, 5, 5, "v", 1, &err));  /* not above */
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_empty_slot(w, 5, 4, &err));    /* below */
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_slot(w, 4, 9, "v", 1, &err));  /* below */
  OK(bbsnap_writer_add_empty_slot(w, 5, 6, &err));

  OK(bbsnap_writer_add_pending_async(w, 1, 0, 0, NULL, 0, false, 0, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_pending_async(w, 1, 9, 9, NULL, 0, false, 0, &err));
  OK(bbsnap_writer_add_execution_state(w, 1, 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_execution_state(w, 1, 2, &err));
  OK(bbsnap_writer_add_counter(w, "c", 1, 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_counter(w, "c", 1, 2, &err));
  OK(bbsnap_writer_add_event_subscription(w, "k", 1, NULL, 0, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_event_subscription(w, "k", 1, NULL, 0, &err));
  OK(bbsnap_writer_add_wire_state(w, 1, "w", 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_wire_state(w, 1, "x", 1, &err));

  /* The last ingress event decides where inputs and results go. */
  OK(bbsnap_writer_add_ingress_completion(w, 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_ingress_invoke_input(w, "a", 1, "b", 1, &err));
  OK(bbsnap_writer_add_ingress_invoke(w, "m", 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_add_ingress_completion_result(w, "a", 1, &err));
  OK(bbsnap_writer_add_ingress_invoke_input(w, "a", 1, "b", 1, &err));

  /* NULL with a length, in every input of a function that takes several. */
  MISUSE(bbsnap_writer_add_ingress_app_event(w, NULL, 1, "i", 1, "v", 1, &err));
  MISUSE(bbsnap_writer_add_ingress_app_event(w, "m", 1, NULL, 1, "v", 1, &err));
  MISUSE(bbsnap_writer_add_ingress_app_event(w, "m", 1, "i", 1, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_event_subscription(w, NULL, 1, NULL, 0, &err));
  MISUSE(bbsnap_writer_add_event_subscription(w, "j", 1, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_pending_async(w, 2, 0, 0, NULL, 1, false, 0, &err));

  OK(bbsnap_writer_finish(w, &err));
  bbsnap_writer_free(w);

  /* Only what was accepted is in the file. */
  bbsnap_snapshot *s = open_with(path, BBSNAP_VERIFY_FULL);
  size_t count;
  uint64_t op_ref = 7, exec_id, deadline;
  const uint64_t *ids;
  bool found, has_deadline;
  OK(bbsnap_pending_async(s, 1, &found, &op_ref, &exec_id, &ids, &count, &has_deadline, &deadline, &err));
  assert_true(found && op_ref == 0);
  OK(bbsnap_ingress_count(s, &count, &err));
  assert_int_equal(count, 2);
  OK(bbsnap_event_subscriptions_count(s, &count, &err));
  assert_int_equal(count, 1);
  OK(bbsnap_slot_chunk_slot_count(s, 0, &count, &err));
  assert_int_equal(count, 2);
  bbsnap_snapshot_free(s);
  assert_int_equal(unlink(path), 0);
}

static void writer_creation_errors(void **state) {
  (void)state;
  bbsnap_writer *w = (bbsnap_writer *)&w;
  FAILS(BBSNAP_IO, bbsnap_writer_create(path_in_dir("no-such-dir/s.bbsnap"), NULL, &w, &err));
  assert_null(w);
  bbsnap_write_options *options = NULL;
  OK(bbsnap_write_options_new(&options, &err));
  OK(bbsnap_write_options_set_slots_per_chunk(options, 0, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_writer_create(path_in_dir("s.bbsnap"), options, &w, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_write_options_set_file_mode(options, 01000, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_write_options_set_file_mode(options, 04755, &err));
  bbsnap_write_options_free(options);
  assert_false(file_exists(path_in_dir("s.bbsnap")));
}

/* ==================================================================== tests: misuse */

static void status_names_and_null_errors(void **state) {
  (void)state;
  assert_string_equal(bbsnap_status_name(BBSNAP_OK), "ok");
  assert_string_equal(bbsnap_status_name(BBSNAP_IO), "io");
  assert_string_equal(bbsnap_status_name(BBSNAP_BAD_MAGIC), "bad_magic");
  assert_string_equal(bbsnap_status_name(BBSNAP_UNSUPPORTED_FORMAT_VERSION), "unsupported_format_version");
  assert_string_equal(bbsnap_status_name(BBSNAP_UNSUPPORTED_FEATURE), "unsupported_feature");
  assert_string_equal(bbsnap_status_name(BBSNAP_TRUNCATED), "truncated");
  assert_string_equal(bbsnap_status_name(BBSNAP_CHECKSUM_MISMATCH), "checksum_mismatch");
  assert_string_equal(bbsnap_status_name(BBSNAP_NONZERO_PADDING), "nonzero_padding");
  assert_string_equal(bbsnap_status_name(BBSNAP_MALFORMED_SECTION), "malformed_section");
  assert_string_equal(bbsnap_status_name(BBSNAP_MISSING_SECTION), "missing_section");
  assert_string_equal(bbsnap_status_name(BBSNAP_SPEC_VERSION_MISMATCH), "spec_version_mismatch");
  assert_string_equal(bbsnap_status_name(BBSNAP_LIMIT_EXCEEDED), "limit_exceeded");
  assert_string_equal(bbsnap_status_name(BBSNAP_INVALID_ARGUMENT), "invalid_argument");
  assert_string_equal(bbsnap_status_name(BBSNAP_INVALID_DOCUMENT), "invalid_document");
  assert_string_equal(bbsnap_status_name(BBSNAP_OUT_OF_MEMORY), "out_of_memory");
  assert_string_equal(bbsnap_status_name(BBSNAP_INTERNAL), "internal");
  assert_string_equal(bbsnap_status_name(16), "unknown");
  assert_string_equal(bbsnap_status_name(-1), "unknown");

  assert_int_equal(bbsnap_error_code(NULL), BBSNAP_OK);
  assert_string_equal(bbsnap_error_section(NULL), "");
  assert_true(bbsnap_error_offset(NULL) == BBSNAP_NO_OFFSET);
  assert_string_equal(bbsnap_error_message(NULL), "");
  assert_true(bbsnap_error_stored(NULL) == 0 && bbsnap_error_computed(NULL) == 0);
  assert_string_equal(bbsnap_error_to_string(NULL), "");
  bbsnap_error_free(NULL);
  bbsnap_open_options_free(NULL);
  bbsnap_write_options_free(NULL);
  bbsnap_snapshot_free(NULL);
  bbsnap_writer_free(NULL);
}

static void options_refuse_misuse(void **state) {
  (void)state;
  MISUSE(bbsnap_open_options_new(NULL, &err));
  MISUSE(bbsnap_write_options_new(NULL, &err));
  MISUSE(bbsnap_open_options_set_verification(NULL, BBSNAP_VERIFY_LAZY, &err));
  MISUSE(bbsnap_open_options_set_threads(NULL, 2, &err));
  MISUSE(bbsnap_open_options_expect_spec_version(NULL, 1, &err));
  MISUSE(bbsnap_open_options_accept_any_spec_version(NULL, &err));
  MISUSE(bbsnap_open_options_set_prefault(NULL, true, &err));
  MISUSE(bbsnap_write_options_set_durable(NULL, true, &err));
  MISUSE(bbsnap_write_options_set_file_mode(NULL, 0600, &err));
  MISUSE(bbsnap_write_options_set_slots_per_chunk(NULL, 1, &err));
  bbsnap_open_options *options = NULL;
  OK(bbsnap_open_options_new(&options, &err));
  MISUSE(bbsnap_open_options_set_verification(options, 3, &err));
  MISUSE(bbsnap_open_options_set_verification(options, -1, &err));
  bbsnap_open_options_free(options);
}

static void opening_refuses_misuse(void **state) {
  (void)state;
  const char *path = path_in_dir("open-misuse.bbsnap");
  write_reference(path);
  bbsnap_snapshot *s = (bbsnap_snapshot *)&s;
  MISUSE(bbsnap_snapshot_open(NULL, NULL, &s, &err));
  assert_null(s);
  MISUSE(bbsnap_snapshot_open(path, NULL, NULL, &err));
  MISUSE(bbsnap_snapshot_open_bytes(NULL, 64, NULL, &s, &err));
  FAILS(BBSNAP_TRUNCATED, bbsnap_snapshot_open_bytes(NULL, 0, NULL, &s, &err));
  size_t length;
  uint8_t *bytes = read_aligned(path, &length);
  MISUSE(bbsnap_snapshot_open_bytes(bytes, length, NULL, NULL, &err));
  /* Not on a 64-byte boundary. */
  uint8_t *shifted = aligned_alloc(64, (length + 127) / 64 * 64); /* a multiple of 64, as C11 asks */
  assert_non_null(shifted);
  memcpy(shifted + 8, bytes, length);
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_snapshot_open_bytes(shifted + 8, length, NULL, &s, &err));
  /* A byte past the file. */
  memcpy(shifted, bytes, length);
  FAILS(BBSNAP_MALFORMED_SECTION, bbsnap_snapshot_open_bytes(shifted, length + 1, NULL, &s, &err));
  free(shifted);
  free(bytes);
  assert_int_equal(unlink(path), 0);
}

/* Every reading function: a NULL snapshot, a NULL out-parameter, and
 * (for the *_get kind) an index out of range. */
static void reading_refuses_misuse(void **state) {
  (void)state;
  const char *path = path_in_dir("read-misuse.bbsnap");
  write_reference(path);
  bbsnap_snapshot *s = open_with(path, BBSNAP_VERIFY_LAZY);
  const bbsnap_snapshot *no = NULL;
  size_t n, m;
  uint64_t a, b, c;
  uint32_t u, v;
  const uint8_t *bytes;
  const char *text, *text2;
  const uint64_t *ids;
  bool flag, flag2;
  bbsnap_slot_state slot;
  bbsnap_ingress_kind kind;
  const uint8_t *bytes2;
  size_t n2, n3;

  /* The container. */
  MISUSE(bbsnap_snapshot_spec_version(no, &u, &err));
  MISUSE(bbsnap_snapshot_spec_version(s, NULL, &err));
  MISUSE(bbsnap_snapshot_format_version(no, &u, &err));
  MISUSE(bbsnap_snapshot_format_version(s, NULL, &err));
  MISUSE(bbsnap_snapshot_bytes(no, &bytes, &n, &err));
  MISUSE(bbsnap_snapshot_bytes(s, NULL, &n, &err));
  MISUSE(bbsnap_snapshot_bytes(s, &bytes, NULL, &err));
  MISUSE(bbsnap_snapshot_section_count(no, &n, &err));
  MISUSE(bbsnap_snapshot_section_count(s, NULL, &err));
  MISUSE(bbsnap_snapshot_section(no, 0, &u, &v, &a, &b, &c, &a, &err));
  MISUSE(bbsnap_snapshot_section(s, 0, &u, &v, &a, &b, &c, NULL, &err));
  MISUSE(bbsnap_snapshot_section(s, 11, &u, &v, &a, &b, &c, &a, &err));
  MISUSE(bbsnap_snapshot_section(s, SIZE_MAX, &u, &v, &a, &b, &c, &a, &err));
  MISUSE(bbsnap_snapshot_check_section(no, 0, &err));
  MISUSE(bbsnap_snapshot_check_section(s, 11, &err));
  MISUSE(bbsnap_snapshot_check_section(s, (size_t)1 << 32, &err));

  /* Slots. */
  MISUSE(bbsnap_slot(no, 1, 1, &slot, &bytes, &n, &err));
  MISUSE(bbsnap_slot(s, 1, 1, NULL, &bytes, &n, &err));
  MISUSE(bbsnap_slot(s, 1, 1, &slot, NULL, &n, &err));
  MISUSE(bbsnap_slot(s, 1, 1, &slot, &bytes, NULL, &err));
  MISUSE(bbsnap_slot_chunk_count(no, &n, &err));
  MISUSE(bbsnap_slot_chunk_count(s, NULL, &err));
  MISUSE(bbsnap_slot_chunk_slot_count(no, 0, &n, &err));
  MISUSE(bbsnap_slot_chunk_slot_count(s, 0, NULL, &err));
  MISUSE(bbsnap_slot_chunk_slot_count(s, 2, &n, &err));
  MISUSE(bbsnap_slot_chunk_slot_count(s, ((size_t)1 << 32) + 1, &n, &err));
  MISUSE(bbsnap_slot_chunk_slot(no, 0, 0, &a, &b, &slot, &bytes, &n, &err));
  MISUSE(bbsnap_slot_chunk_slot(s, 0, 0, &a, NULL, &slot, &bytes, &n, &err));
  MISUSE(bbsnap_slot_chunk_slot(s, 2, 0, &a, &b, &slot, &bytes, &n, &err));
  MISUSE(bbsnap_slot_chunk_slot(s, 0, 2, &a, &b, &slot, &bytes, &n, &err));
  MISUSE(bbsnap_slot_chunk_slot(s, ((size_t)1 << 32), 0, &a, &b, &slot, &bytes, &n, &err));

  /* frontier, pending_async, execution_state. */
  MISUSE(bbsnap_frontier_count(no, &n, &err));
  MISUSE(bbsnap_frontier_count(s, NULL, &err));
  MISUSE(bbsnap_frontier_get(no, 0, &a, &b, &err));
  MISUSE(bbsnap_frontier_get(s, 0, NULL, &b, &err));
  MISUSE(bbsnap_frontier_get(s, 2, &a, &b, &err));
  MISUSE(bbsnap_pending_async_count(no, &n, &err));
  MISUSE(bbsnap_pending_async_count(s, NULL, &err));
  MISUSE(bbsnap_pending_async_get(no, 0, &a, &b, &c, &ids, &n, &flag, &a, &err));
  MISUSE(bbsnap_pending_async_get(s, 0, &a, &b, &c, &ids, &n, &flag, NULL, &err));
  MISUSE(bbsnap_pending_async_get(s, 0, NULL, &b, &c, &ids, &n, &flag, &a, &err));
  MISUSE(bbsnap_pending_async_get(s, 2, &a, &b, &c, &ids, &n, &flag, &a, &err));
  MISUSE(bbsnap_pending_async(no, 7, &flag, &b, &c, &ids, &n, &flag2, &a, &err));
  MISUSE(bbsnap_pending_async(s, 7, NULL, &b, &c, &ids, &n, &flag2, &a, &err));
  MISUSE(bbsnap_pending_async(s, 7, &flag, &b, &c, NULL, &n, &flag2, &a, &err));
  MISUSE(bbsnap_execution_state_count(no, &n, &err));
  MISUSE(bbsnap_execution_state_count(s, NULL, &err));
  MISUSE(bbsnap_execution_state_get(no, 0, &a, &u, &err));
  MISUSE(bbsnap_execution_state_get(s, 0, &a, NULL, &err));
  MISUSE(bbsnap_execution_state_get(s, 2, &a, &u, &err));
  MISUSE(bbsnap_execution_state(no, 9, &flag, &u, &err));
  MISUSE(bbsnap_execution_state(s, 9, NULL, &u, &err));
  MISUSE(bbsnap_execution_state(s, 9, &flag, NULL, &err));

  /* The framework. */
  MISUSE(bbsnap_counters_count(no, &n, &err));
  MISUSE(bbsnap_counters_count(s, NULL, &err));
  MISUSE(bbsnap_counters_get(no, 0, &text, &n, &a, &err));
  MISUSE(bbsnap_counters_get(s, 0, &text, &n, NULL, &err));
  MISUSE(bbsnap_counters_get(s, 3, &text, &n, &a, &err));
  MISUSE(bbsnap_counter(no, "c", 1, &flag, &a, &err));
  MISUSE(bbsnap_counter(s, "c", 1, NULL, &a, &err));
  MISUSE(bbsnap_counter(s, "c", 1, &flag, NULL, &err));
  MISUSE(bbsnap_counter(s, NULL, 1, &flag, &a, &err));
  MISUSE(bbsnap_fired_phases_count(no, &n, &err));
  MISUSE(bbsnap_fired_phases_count(s, NULL, &err));
  MISUSE(bbsnap_fired_phases_get(no, 0, &text, &n, &err));
  MISUSE(bbsnap_fired_phases_get(s, 0, NULL, &n, &err));
  MISUSE(bbsnap_fired_phases_get(s, 2, &text, &n, &err));
  MISUSE(bbsnap_address_book_count(no, &n, &err));
  MISUSE(bbsnap_address_book_count(s, NULL, &err));
  MISUSE(bbsnap_address_book_get(no, 0, &bytes, &n, &a, &m, &err));
  MISUSE(bbsnap_address_book_get(s, 0, &bytes, &n, &a, NULL, &err));
  MISUSE(bbsnap_address_book_get(s, 2, &bytes, &n, &a, &m, &err));
  MISUSE(bbsnap_address_book_address(no, 0, 0, &bytes, &n, &err));
  MISUSE(bbsnap_address_book_address(s, 0, 0, &bytes, NULL, &err));
  MISUSE(bbsnap_address_book_address(s, 2, 0, &bytes, &n, &err));
  MISUSE(bbsnap_address_book_address(s, 0, 2, &bytes, &n, &err));
  MISUSE(bbsnap_address_book_address(s, 1, 0, &bytes, &n, &err));
  MISUSE(bbsnap_blocklist_count(no, &n, &err));
  MISUSE(bbsnap_blocklist_count(s, NULL, &err));
  MISUSE(bbsnap_blocklist_get(no, 0, &bytes, &n, &err));
  MISUSE(bbsnap_blocklist_get(s, 0, NULL, &n, &err));
  MISUSE(bbsnap_blocklist_get(s, 2, &bytes, &n, &err));
  MISUSE(bbsnap_allowlist_count(no, &flag, &n, &err));
  MISUSE(bbsnap_allowlist_count(s, NULL, &n, &err));
  MISUSE(bbsnap_allowlist_count(s, &flag, NULL, &err));
  MISUSE(bbsnap_allowlist_get(no, 0, &bytes, &n, &err));
  MISUSE(bbsnap_allowlist_get(s, 0, &bytes, NULL, &err));
  MISUSE(bbsnap_allowlist_get(s, 1, &bytes, &n, &err));
  MISUSE(bbsnap_health_count(no, &n, &err));
  MISUSE(bbsnap_health_count(s, NULL, &err));
  MISUSE(bbsnap_health_get(no, 0, &bytes, &n, &u, &a, &flag, &err));
  MISUSE(bbsnap_health_get(s, 0, &bytes, &n, &u, &a, NULL, &err));
  MISUSE(bbsnap_health_get(s, 2, &bytes, &n, &u, &a, &flag, &err));
  MISUSE(bbsnap_failure_threshold(no, &u, &err));
  MISUSE(bbsnap_failure_threshold(s, NULL, &err));
  MISUSE(bbsnap_backoff_table_count(no, &n, &err));
  MISUSE(bbsnap_backoff_table_count(s, NULL, &err));
  MISUSE(bbsnap_backoff_table_get(no, 0, &bytes, &n, &u, &a, &b, &err));
  MISUSE(bbsnap_backoff_table_get(s, 0, &bytes, &n, &u, &a, NULL, &err));
  MISUSE(bbsnap_backoff_table_get(s, 1, &bytes, &n, &u, &a, &b, &err));
  MISUSE(bbsnap_pending_outbound_count(no, &n, &err));
  MISUSE(bbsnap_pending_outbound_count(s, NULL, &err));
  MISUSE(bbsnap_pending_outbound_get(no, 0, &bytes, &n, &flag, &err));
  MISUSE(bbsnap_pending_outbound_get(s, 0, &bytes, &n, NULL, &err));
  MISUSE(bbsnap_pending_outbound_get(s, 2, &bytes, &n, &flag, &err));
  MISUSE(bbsnap_peer_id_bytes(no, &bytes, &n, &err));
  MISUSE(bbsnap_peer_id_bytes(s, &bytes, NULL, &err));
  MISUSE(bbsnap_next_command_id(no, &a, &err));
  MISUSE(bbsnap_next_command_id(s, NULL, &err));
  MISUSE(bbsnap_next_exec_id(no, &a, &err));
  MISUSE(bbsnap_next_exec_id(s, NULL, &err));

  /* The bus. */
  MISUSE(bbsnap_event_subscriptions_count(no, &n, &err));
  MISUSE(bbsnap_event_subscriptions_count(s, NULL, &err));
  MISUSE(bbsnap_event_subscriptions_get(no, 0, &text, &n, &ids, &m, &err));
  MISUSE(bbsnap_event_subscriptions_get(s, 0, &text, &n, &ids, NULL, &err));
  MISUSE(bbsnap_event_subscriptions_get(s, 2, &text, &n, &ids, &m, &err));
  MISUSE(bbsnap_subscribers(no, "tick", 4, &flag, &ids, &n, &err));
  MISUSE(bbsnap_subscribers(s, "tick", 4, NULL, &ids, &n, &err));
  MISUSE(bbsnap_subscribers(s, "tick", 4, &flag, &ids, NULL, &err));
  MISUSE(bbsnap_subscribers(s, NULL, 4, &flag, &ids, &n, &err));

  /* Ingress: also each kind's function on an event of another kind. */
  MISUSE(bbsnap_ingress_count(no, &n, &err));
  MISUSE(bbsnap_ingress_count(s, NULL, &err));
  MISUSE(bbsnap_ingress_get(no, 0, &kind, &err));
  MISUSE(bbsnap_ingress_get(s, 0, NULL, &err));
  MISUSE(bbsnap_ingress_get(s, 5, &kind, &err));
  MISUSE(bbsnap_ingress_envelope(no, 0, &bytes, &n, &err));
  MISUSE(bbsnap_ingress_envelope(s, 0, &bytes, NULL, &err));
  MISUSE(bbsnap_ingress_envelope(s, 1, &bytes, &n, &err));
  MISUSE(bbsnap_ingress_envelope(s, 5, &bytes, &n, &err));
  MISUSE(bbsnap_ingress_app_event(no, 1, &text, &n, &text2, &m, &bytes, &n2, &err));
  MISUSE(bbsnap_ingress_app_event(s, 1, &text, &n, &text2, &m, &bytes, NULL, &err));
  MISUSE(bbsnap_ingress_app_event(s, 0, &text, &n, &text2, &m, &bytes, &n2, &err));
  MISUSE(bbsnap_ingress_invoke(no, 2, &text, &n, &m, &err));
  MISUSE(bbsnap_ingress_invoke(s, 2, &text, &n, NULL, &err));
  MISUSE(bbsnap_ingress_invoke(s, 3, &text, &n, &m, &err));
  MISUSE(bbsnap_ingress_invoke_input(no, 2, 0, &text, &n, &bytes, &m, &err));
  MISUSE(bbsnap_ingress_invoke_input(s, 2, 0, &text, &n, &bytes, NULL, &err));
  MISUSE(bbsnap_ingress_invoke_input(s, 2, 2, &text, &n, &bytes, &m, &err));
  MISUSE(bbsnap_ingress_invoke_input(s, 4, 0, &text, &n, &bytes, &m, &err));
  MISUSE(bbsnap_ingress_timer_matured(no, 3, &a, &err));
  MISUSE(bbsnap_ingress_timer_matured(s, 3, NULL, &err));
  MISUSE(bbsnap_ingress_timer_matured(s, 4, &a, &err));
  MISUSE(bbsnap_ingress_completion(no, 4, &a, &n, &err));
  MISUSE(bbsnap_ingress_completion(s, 4, &a, NULL, &err));
  MISUSE(bbsnap_ingress_completion(s, 0, &a, &n, &err));
  MISUSE(bbsnap_ingress_completion_result(no, 4, 0, &bytes, &n, &err));
  MISUSE(bbsnap_ingress_completion_result(s, 4, 0, NULL, &n, &err));
  MISUSE(bbsnap_ingress_completion_result(s, 4, 2, &bytes, &n, &err));
  MISUSE(bbsnap_ingress_completion_result(s, 2, 0, &bytes, &n, &err));

  /* wire_states, pending_completions. */
  MISUSE(bbsnap_wire_states_count(no, &n, &err));
  MISUSE(bbsnap_wire_states_count(s, NULL, &err));
  MISUSE(bbsnap_wire_states_get(no, 0, &u, &bytes, &n, &err));
  MISUSE(bbsnap_wire_states_get(s, 0, &u, &bytes, NULL, &err));
  MISUSE(bbsnap_wire_states_get(s, 2, &u, &bytes, &n, &err));
  MISUSE(bbsnap_wire_state(no, 3, &flag, &bytes, &n, &err));
  MISUSE(bbsnap_wire_state(s, 3, NULL, &bytes, &n, &err));
  MISUSE(bbsnap_wire_state(s, 3, &flag, &bytes, NULL, &err));
  MISUSE(bbsnap_pending_completions_count(no, &n, &err));
  MISUSE(bbsnap_pending_completions_count(s, NULL, &err));
  MISUSE(bbsnap_pending_completions_get(no, 0, &a, &n, &err));
  MISUSE(bbsnap_pending_completions_get(s, 0, &a, NULL, &err));
  MISUSE(bbsnap_pending_completions_get(s, 2, &a, &n, &err));
  MISUSE(bbsnap_pending_completions_result(no, 0, 0, &text, &n, &bytes2, &n3, &err));
  MISUSE(bbsnap_pending_completions_result(s, 0, 0, &text, &n, &bytes2, NULL, &err));
  MISUSE(bbsnap_pending_completions_result(s, 0, 1, &text, &n, &bytes2, &n3, &err));
  MISUSE(bbsnap_pending_completions_result(s, 1, 0, &text, &n, &bytes2, &n3, &err));
  MISUSE(bbsnap_pending_completions_result(s, 2, 0, &text, &n, &bytes2, &n3, &err));

  /* Out-parameters keep their values on failure. */
  a = 12345;
  MISUSE(bbsnap_frontier_get(s, 2, &a, &b, &err));
  assert_int_equal(a, 12345);

  /* And after all that, the snapshot still reads. */
  check_reference(s);
  bbsnap_snapshot_free(s);
  assert_int_equal(unlink(path), 0);
  (void)flag2;
}

/* Every writing function on a NULL writer, on NULL with a nonzero length,
 * and on a finished writer. */
static void writing_refuses_misuse(void **state) {
  (void)state;
  const char *path = path_in_dir("write-misuse.bbsnap");
  bbsnap_writer *w = NULL;
  OK(bbsnap_writer_create(path, NULL, &w, &err));
  MISUSE(bbsnap_writer_create(path, NULL, NULL, &err));
  bbsnap_writer *spent = NULL;
  OK(bbsnap_writer_create(path_in_dir("spent.bbsnap"), NULL, &spent, &err));
  OK(bbsnap_writer_finish(spent, &err));
  bbsnap_writer *const writers[] = {NULL, spent};
  for (size_t i = 0; i < 2; ++i) {
    bbsnap_writer *x = writers[i];
    MISUSE(bbsnap_writer_finish(x, &err));
    MISUSE(bbsnap_writer_abort(x, &err));
    MISUSE(bbsnap_writer_add_slot(x, 1, 1, "v", 1, &err));
    MISUSE(bbsnap_writer_add_empty_slot(x, 1, 1, &err));
    MISUSE(bbsnap_writer_add_frontier(x, 1, 1, &err));
    MISUSE(bbsnap_writer_add_pending_async(x, 1, 1, 1, NULL, 0, false, 0, &err));
    MISUSE(bbsnap_writer_add_execution_state(x, 1, 1, &err));
    MISUSE(bbsnap_writer_add_counter(x, "c", 1, 1, &err));
    MISUSE(bbsnap_writer_add_fired_phase(x, "p", 1, &err));
    MISUSE(bbsnap_writer_add_address_book_entry(x, "p", 1, 1, &err));
    MISUSE(bbsnap_writer_add_address(x, "a", 1, &err));
    MISUSE(bbsnap_writer_add_blocklist_peer(x, "p", 1, &err));
    MISUSE(bbsnap_writer_enable_allowlist(x, &err));
    MISUSE(bbsnap_writer_add_allowlist_peer(x, "p", 1, &err));
    MISUSE(bbsnap_writer_add_health(x, "p", 1, 1, 1, true, &err));
    MISUSE(bbsnap_writer_add_backoff_entry(x, "p", 1, 1, 1, 1, &err));
    MISUSE(bbsnap_writer_add_pending_outbound(x, "e", 1, true, &err));
    MISUSE(bbsnap_writer_set_failure_threshold(x, 1, &err));
    MISUSE(bbsnap_writer_set_peer_id_bytes(x, "p", 1, &err));
    MISUSE(bbsnap_writer_set_next_command_id(x, 1, &err));
    MISUSE(bbsnap_writer_set_next_exec_id(x, 1, &err));
    MISUSE(bbsnap_writer_set_spec_version(x, 1, &err));
    MISUSE(bbsnap_writer_add_event_subscription(x, "k", 1, NULL, 0, &err));
    MISUSE(bbsnap_writer_add_ingress_envelope(x, "e", 1, &err));
    MISUSE(bbsnap_writer_add_ingress_app_event(x, "m", 1, "i", 1, "v", 1, &err));
    MISUSE(bbsnap_writer_add_ingress_invoke(x, "m", 1, &err));
    MISUSE(bbsnap_writer_add_ingress_invoke_input(x, "n", 1, "b", 1, &err));
    MISUSE(bbsnap_writer_add_ingress_timer_matured(x, 1, &err));
    MISUSE(bbsnap_writer_add_ingress_completion(x, 1, &err));
    MISUSE(bbsnap_writer_add_ingress_completion_result(x, "r", 1, &err));
    MISUSE(bbsnap_writer_add_wire_state(x, 1, "w", 1, &err));
    MISUSE(bbsnap_writer_add_pending_completion(x, 1, &err));
    MISUSE(bbsnap_writer_add_pending_completion_result(x, "n", 1, "b", 1, &err));
  }
  bbsnap_writer_free(spent);
  assert_int_equal(unlink(path_in_dir("spent.bbsnap")), 0);

  /* NULL with a nonzero length, on a usable writer: refused, and it stays usable. */
  OK(bbsnap_writer_add_address_book_entry(w, "p", 1, 1, &err));
  OK(bbsnap_writer_add_ingress_invoke(w, "m", 1, &err));
  OK(bbsnap_writer_add_pending_completion(w, 1, &err));
  MISUSE(bbsnap_writer_add_slot(w, 1, 1, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_counter(w, NULL, 1, 1, &err));
  MISUSE(bbsnap_writer_add_fired_phase(w, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_address_book_entry(w, NULL, 1, 1, &err));
  MISUSE(bbsnap_writer_add_address(w, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_blocklist_peer(w, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_allowlist_peer(w, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_health(w, NULL, 1, 1, 1, true, &err));
  MISUSE(bbsnap_writer_add_backoff_entry(w, NULL, 1, 1, 1, 1, &err));
  MISUSE(bbsnap_writer_add_pending_outbound(w, NULL, 1, true, &err));
  MISUSE(bbsnap_writer_set_peer_id_bytes(w, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_ingress_envelope(w, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_ingress_invoke(w, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_ingress_invoke_input(w, NULL, 1, "b", 1, &err));
  MISUSE(bbsnap_writer_add_ingress_invoke_input(w, "n", 1, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_wire_state(w, 1, NULL, 1, &err));
  MISUSE(bbsnap_writer_add_pending_completion_result(w, NULL, 1, "b", 1, &err));
  MISUSE(bbsnap_writer_add_pending_completion_result(w, "n", 1, NULL, 1, &err));
  OK(bbsnap_writer_add_ingress_completion(w, 1, &err));
  MISUSE(bbsnap_writer_add_ingress_completion_result(w, NULL, 1, &err));
  OK(bbsnap_writer_finish(w, &err));
  bbsnap_writer_free(w);

  /* The refused calls added nothing. */
  bbsnap_snapshot *s = open_with(path, BBSNAP_VERIFY_FULL);
  size_t count;
  bool is_some;
  OK(bbsnap_counters_count(s, &count, &err));
  assert_int_equal(count, 0);
  OK(bbsnap_allowlist_count(s, &is_some, &count, &err));
  assert_false(is_some);
  OK(bbsnap_address_book_get(s, 0, &(const uint8_t *){NULL}, &(size_t){0}, &(uint64_t){0}, &count, &err));
  assert_int_equal(count, 0);
  bbsnap_snapshot_free(s);
  assert_int_equal(unlink(path), 0);
}

/* ==================================================================== tests: checkpoint directories */

/* A checkpoint directory `name` inside the test's directory, its path in
 * `path`: made by make_checkpoint_dir, removed with its generations and
 * lock file by remove_checkpoint_dir. */
#define CHECKPOINT_PATH_SIZE 512
static void make_checkpoint_dir(char *path, const char *name) {
  snprintf(path, CHECKPOINT_PATH_SIZE, "%s/%s", dir, name);
  assert_int_equal(mkdir(path, 0700), 0);
}

static void remove_checkpoint_dir(const char *path) {
  bbsnap_generations *all = NULL;
  size_t count = 0, path_length;
  uint64_t number, size;
  int64_t modified;
  const char *generation;
  OK(bbsnap_checkpoints_list(path, &all, &err));
  OK(bbsnap_generations_count(all, &count, &err));
  for (size_t i = 0; i < count; ++i) {
    OK(bbsnap_generations_get(all, i, &number, &generation, &path_length, &size, &modified, &err));
    assert_int_equal(unlink(generation), 0);
  }
  bbsnap_generations_free(all);
  char lock[600];
  snprintf(lock, sizeof lock, "%s/bbsnap-checkpoints.lock", path);
  unlink(lock); /* absent when no writer was opened */
  assert_int_equal(rmdir(path), 0);
}

/* A checkpoint writer keeping `keep` generations, with scratch writes. */
static bbsnap_checkpoint_writer *open_checkpoints(const char *path, uint32_t keep, int retention) {
  bbsnap_checkpoint_options *options = NULL;
  OK(bbsnap_checkpoint_options_new(&options, &err));
  OK(bbsnap_checkpoint_options_set_keep(options, keep, &err));
  OK(bbsnap_checkpoint_options_set_retention(options, retention, &err));
  bbsnap_write_options *write = NULL;
  OK(bbsnap_write_options_new(&write, &err));
  OK(bbsnap_write_options_set_durable(write, false, &err));
  OK(bbsnap_checkpoint_options_set_write_options(options, write, &err));
  bbsnap_write_options_free(write); /* copied */
  bbsnap_checkpoint_writer *writer = NULL;
  OK(bbsnap_checkpoint_writer_open(path, options, &writer, &err));
  bbsnap_checkpoint_options_free(options);
  assert_non_null(writer);
  return writer;
}

/* Commits the next generation, its slot (1, 1) holding `value`. */
static bbsnap_checkpoint_commit *commit_value(bbsnap_checkpoint_writer *writer, const char *value) {
  bbsnap_writer *generation = NULL;
  OK(bbsnap_checkpoint_writer_begin(writer, &generation, &err));
  OK(bbsnap_writer_add_slot(generation, 1, 1, value, strlen(value), &err));
  OK(bbsnap_writer_add_counter(generation, "c", 1, 7, &err));
  bbsnap_checkpoint_commit *commit = NULL;
  OK(bbsnap_checkpoint_writer_commit(writer, generation, &commit, &err));
  bbsnap_writer_free(generation);
  assert_non_null(commit);
  return commit;
}

static void expect_slot_value(const bbsnap_snapshot *s, const char *want) {
  bbsnap_slot_state state;
  const uint8_t *value;
  size_t length;
  OK(bbsnap_slot(s, 1, 1, &state, &value, &length, &err));
  assert_int_equal(state, BBSNAP_SLOT_VALUE);
  expect_bytes(value, length, want, strlen(want));
}

/* Generation `index` of `list` has `number` and names its file in `in`. */
static void expect_generation(const bbsnap_generations *list, size_t index, uint64_t number, const char *in) {
  uint64_t got, size;
  const char *path;
  size_t path_length;
  int64_t modified;
  OK(bbsnap_generations_get(list, index, &got, &path, &path_length, &size, &modified, &err));
  assert_int_equal(got, number);
  char want[600];
  snprintf(want, sizeof want, "%s/%020llu.bbsnap", in, (unsigned long long)number);
  assert_string_equal(path, want);
  assert_int_equal(path_length, strlen(want));
  assert_true(modified > 0);
  assert_true(size >= 64);
}

static size_t count_of(const bbsnap_generations *list) {
  size_t count = 0;
  OK(bbsnap_generations_count(list, &count, &err));
  return count;
}

static void a_checkpoint_directory_commits_restores_and_lists(void **state) {
  (void)state;
  char ckpt[CHECKPOINT_PATH_SIZE];
  make_checkpoint_dir(ckpt, "checkpoints");

  /* No generation yet: a first start, not an error. */
  bbsnap_snapshot *s = (bbsnap_snapshot *)&s; /* must become NULL */
  bbsnap_generations *tried = NULL, *listed = NULL;
  OK(bbsnap_checkpoints_restore_newest(ckpt, NULL, &s, &tried, &err));
  assert_null(s);
  assert_int_equal(count_of(tried), 0);
  bbsnap_generations_free(tried);
  OK(bbsnap_checkpoints_list(ckpt, &listed, &err));
  assert_int_equal(count_of(listed), 0);
  bbsnap_generations_free(listed);

  bbsnap_checkpoint_writer *writer = open_checkpoints(ckpt, 2, BBSNAP_RETENTION_FULL);
  const char *const values[] = {"one", "two", "three"};
  for (uint64_t g = 1; g <= 3; ++g) {
    bbsnap_checkpoint_commit *commit = commit_value(writer, values[g - 1]);
    uint64_t number, size;
    const char *path;
    size_t path_length;
    int64_t modified;
    OK(bbsnap_checkpoint_commit_generation(commit, &number, &path, &path_length, &size, &modified, &err));
    assert_int_equal(number, g);
    assert_int_equal(size, file_size(path));
    assert_true(modified > 0 && path_length == strlen(path));
    const bbsnap_generations *removed = NULL;
    uint32_t intact_kept = 0;
    const bbsnap_error *prune_error = (const bbsnap_error *)&err; /* must become NULL */
    OK(bbsnap_checkpoint_commit_retention(commit, &removed, &intact_kept, &prune_error, &err));
    assert_null(prune_error);
    assert_int_equal(intact_kept, g < 2 ? g : 2);
    assert_int_equal(count_of(removed), g == 3 ? 1 : 0);
    if (g == 3) expect_generation(removed, 0, 1, ckpt);
    bbsnap_checkpoint_commit_free(commit);
  }

  /* Newest first, no skip reasons in a listing. */
  OK(bbsnap_checkpoints_list(ckpt, &listed, &err));
  assert_int_equal(count_of(listed), 2);
  expect_generation(listed, 0, 3, ckpt);
  expect_generation(listed, 1, 2, ckpt);
  const bbsnap_error *reason = (const bbsnap_error *)&err;
  OK(bbsnap_generations_skip_reason(listed, 1, &reason, &err));
  assert_null(reason);
  bbsnap_generations_free(listed);

  /* The newest restores, as a snapshot like any other, in any mode. */
  for (int mode = BBSNAP_VERIFY_FULL; mode <= BBSNAP_VERIFY_LAZY; ++mode) {
    bbsnap_open_options *options = options_for(mode);
    OK(bbsnap_checkpoints_restore_newest(ckpt, options, &s, &tried, &err));
    bbsnap_open_options_free(options);
    expect_slot_value(s, "three");
    uint64_t counter;
    bool found;
    OK(bbsnap_counter(s, "c", 1, &found, &counter, &err));
    assert_true(found && counter == 7);
    assert_int_equal(count_of(tried), 1);
    expect_generation(tried, 0, 3, ckpt);
    reason = (const bbsnap_error *)&err;
    OK(bbsnap_generations_skip_reason(tried, 0, &reason, &err));
    assert_null(reason);
    bbsnap_generations_free(tried);
    bbsnap_snapshot_free(s);
  }

  /* Retention on demand. */
  bbsnap_generations *removed = NULL;
  uint32_t intact_kept = 0;
  OK(bbsnap_checkpoint_writer_prune(writer, 1, &removed, &intact_kept, &err));
  assert_int_equal(intact_kept, 1);
  assert_int_equal(count_of(removed), 1);
  expect_generation(removed, 0, 2, ckpt);
  bbsnap_generations_free(removed);
  OK(bbsnap_checkpoints_list(ckpt, &listed, &err));
  assert_int_equal(count_of(listed), 1);
  bbsnap_generations_free(listed);

  bbsnap_checkpoint_writer_free(writer);
  remove_checkpoint_dir(ckpt);
}

/* Flips a byte of the header of generation `number` of `in`. */
static void damage_generation(const char *in, uint64_t number) {
  char path[600];
  snprintf(path, sizeof path, "%s/%020llu.bbsnap", in, (unsigned long long)number);
  size_t length;
  uint8_t *bytes = read_aligned(path, &length);
  bytes[8] ^= 0x40;
  write_file(path, bytes, length);
  free(bytes);
}

static void a_restore_skips_damaged_generations_and_says_why(void **state) {
  (void)state;
  char ckpt[CHECKPOINT_PATH_SIZE];
  make_checkpoint_dir(ckpt, "checkpoints");
  bbsnap_checkpoint_writer *writer = open_checkpoints(ckpt, 3, BBSNAP_RETENTION_TABLE);
  bbsnap_checkpoint_commit_free(commit_value(writer, "one"));
  bbsnap_checkpoint_commit_free(commit_value(writer, "two"));
  damage_generation(ckpt, 2);

  bbsnap_snapshot *s = NULL;
  bbsnap_generations *tried = NULL;
  OK(bbsnap_checkpoints_restore_newest(ckpt, NULL, &s, &tried, &err));
  expect_slot_value(s, "one");
  bbsnap_snapshot_free(s);
  assert_int_equal(count_of(tried), 2);
  expect_generation(tried, 0, 2, ckpt);
  const bbsnap_error *reason = NULL;
  OK(bbsnap_generations_skip_reason(tried, 0, &reason, &err));
  assert_non_null(reason);
  assert_true(bbsnap_error_code(reason) != BBSNAP_OK);
  assert_string_equal(bbsnap_error_section(reason), "header");
  expect_generation(tried, 1, 1, ckpt);
  OK(bbsnap_generations_skip_reason(tried, 1, &reason, &err));
  assert_null(reason);
  bbsnap_generations_free(tried);

  /* Retention counts intact generations only: with fewer than keep, it removes nothing. */
  bbsnap_checkpoint_commit *commit = commit_value(writer, "three");
  const bbsnap_generations *removed;
  uint32_t intact_kept;
  const bbsnap_error *prune_error;
  OK(bbsnap_checkpoint_commit_retention(commit, &removed, &intact_kept, &prune_error, &err));
  assert_int_equal(intact_kept, 2);
  assert_int_equal(count_of(removed), 0);
  bbsnap_checkpoint_commit_free(commit);

  /* None opens: the newest one's error, naming it and how many were tried. */
  damage_generation(ckpt, 3);
  damage_generation(ckpt, 1);
  s = (bbsnap_snapshot *)&s;
  tried = (bbsnap_generations *)&tried;
  const bbsnap_status status = bbsnap_checkpoints_restore_newest(ckpt, NULL, &s, &tried, &err);
  assert_true(status != BBSNAP_OK && status == bbsnap_error_code(err));
  assert_null(s);
  assert_null(tried);
  assert_non_null(strstr(bbsnap_error_message(err), "none of the 3 generations"));
  assert_non_null(strstr(bbsnap_error_message(err), "00000000000000000003.bbsnap"));
  bbsnap_error_free(err);
  err = NULL;

  bbsnap_checkpoint_writer_free(writer);
  remove_checkpoint_dir(ckpt);
}

/* A file bbsnap did not write, under the name of a generation older than
 * those kept: reported as not ours, by a commit and by a prune, and left
 * in place. */
static void a_generation_bbsnap_did_not_write_is_reported_and_kept(void **state) {
  (void)state;
  char ckpt[CHECKPOINT_PATH_SIZE];
  make_checkpoint_dir(ckpt, "checkpoints");
  char foreign[600];
  snprintf(foreign, sizeof foreign, "%s/%020llu.bbsnap", ckpt, 1ULL);
  uint8_t text[100];
  memset(text, 'x', sizeof text); /* not the snapshot magic; 64 bytes and more, as expect_generation wants */
  write_file(foreign, text, sizeof text);

  bbsnap_checkpoint_writer *writer = open_checkpoints(ckpt, 1, BBSNAP_RETENTION_TABLE);
  const bbsnap_generations *removed = NULL, *not_ours = NULL;
  uint32_t intact_kept = 0;
  const bbsnap_error *prune_error = NULL;
  for (uint64_t g = 2; g <= 3; ++g) {
    bbsnap_checkpoint_commit *commit = commit_value(writer, "v");
    OK(bbsnap_checkpoint_commit_retention(commit, &removed, &intact_kept, &prune_error, &err));
    assert_null(prune_error);
    assert_int_equal(intact_kept, 1);
    assert_int_equal(count_of(removed), g == 3 ? 1 : 0); /* generation 2, which bbsnap wrote */
    if (g == 3) expect_generation(removed, 0, 2, ckpt);
    OK(bbsnap_checkpoint_commit_not_ours(commit, &not_ours, &err));
    assert_int_equal(count_of(not_ours), 1);
    expect_generation(not_ours, 0, 1, ckpt);
    bbsnap_checkpoint_commit_free(commit);
    assert_true(file_exists(foreign));
  }

  bbsnap_generations *pruned = NULL, *kept = NULL;
  OK(bbsnap_checkpoint_writer_prune_v2(writer, 1, &pruned, &kept, &intact_kept, &err));
  assert_int_equal(intact_kept, 1);
  assert_int_equal(count_of(pruned), 0);
  assert_int_equal(count_of(kept), 1);
  expect_generation(kept, 0, 1, ckpt);
  bbsnap_generations_free(pruned);
  bbsnap_generations_free(kept);
  assert_true(file_exists(foreign));
  assert_int_equal(file_size(foreign), sizeof text);

  /* keep 0: refused, and both lists set to NULL as prune sets *removed. */
  pruned = (bbsnap_generations *)&pruned;
  kept = (bbsnap_generations *)&kept;
  intact_kept = 5;
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_checkpoint_writer_prune_v2(writer, 0, &pruned, &kept, &intact_kept, &err));
  assert_true(pruned == NULL && kept == NULL && intact_kept == 5);

  bbsnap_checkpoint_writer_free(writer);
  remove_checkpoint_dir(ckpt); /* the foreign file too: it has a generation's name */
}

/* Descriptors of this process that point at removed files in the
 * checkpoint directory `name` (make_checkpoint_dir's): Linux's
 * /proc/self/fd links, which end in " (deleted)". They name the real path
 * (TMPDIR may be a symbolic link), so the directory is matched by its last
 * two names, which mkdtemp made unique. */
static int open_removed_files_in(const char *name) {
  char tail[600];
  snprintf(tail, sizeof tail, "%s/%s/", strrchr(dir, '/'), name);
  const char suffix[] = " (deleted)";
  const size_t suffix_length = sizeof suffix - 1;
  DIR *fds = opendir("/proc/self/fd");
  assert_non_null(fds);
  int count = 0;
  for (struct dirent *entry; (entry = readdir(fds)) != NULL;) {
    char link[300], target[1024];
    snprintf(link, sizeof link, "/proc/self/fd/%s", entry->d_name);
    const ssize_t length = readlink(link, target, sizeof target - 1);
    if (length < 0) continue; /* "." and ".." */
    target[length] = '\0';
    const size_t n = (size_t)length;
    if (strstr(target, tail) && n >= suffix_length && strcmp(target + n - suffix_length, suffix) == 0) ++count;
  }
  closedir(fds);
  return count;
}

static void removed_generations_are_freed_once_wait_for_removals_returns(void **state) {
  (void)state;
  char ckpt[CHECKPOINT_PATH_SIZE];
  make_checkpoint_dir(ckpt, "checkpoints");
  bbsnap_checkpoint_writer *writer = open_checkpoints(ckpt, 1, BBSNAP_RETENTION_TABLE);
  for (uint64_t g = 1; g <= 5; ++g) {
    bbsnap_checkpoint_commit *commit = commit_value(writer, "v");
    const bbsnap_generations *removed;
    uint32_t intact_kept;
    const bbsnap_error *prune_error;
    OK(bbsnap_checkpoint_commit_retention(commit, &removed, &intact_kept, &prune_error, &err));
    assert_int_equal(count_of(removed), g > 1 ? 1 : 0);
    bbsnap_checkpoint_commit_free(commit);
    char previous[600];
    snprintf(previous, sizeof previous, "%s/%020llu.bbsnap", ckpt, (unsigned long long)(g - 1));
    assert_false(file_exists(previous)); /* the name goes at once */
  }
  OK(bbsnap_checkpoint_writer_wait_for_removals(writer, &err));
  assert_int_equal(open_removed_files_in("checkpoints"), 0);
  OK(bbsnap_checkpoint_writer_wait_for_removals(writer, &err)); /* nothing left to wait for */
  bbsnap_checkpoint_writer_free(writer);
  remove_checkpoint_dir(ckpt);
}

static void a_checkpoint_writer_refuses_what_breaks_its_rules(void **state) {
  (void)state;
  /* No such directory. */
  const char *missing = path_in_dir("no-such-dir");
  bbsnap_checkpoint_writer *writer = (bbsnap_checkpoint_writer *)&writer; /* must become NULL */
  FAILS(BBSNAP_IO, bbsnap_checkpoint_writer_open(missing, NULL, &writer, &err));
  assert_null(writer);
  bbsnap_generations *list = (bbsnap_generations *)&list;
  FAILS(BBSNAP_IO, bbsnap_checkpoints_list(missing, &list, &err));
  assert_null(list);
  bbsnap_snapshot *s = (bbsnap_snapshot *)&s;
  bbsnap_generations *tried = (bbsnap_generations *)&tried;
  FAILS(BBSNAP_IO, bbsnap_checkpoints_restore_newest(missing, NULL, &s, &tried, &err));
  assert_null(s);
  assert_null(tried);

  char ckpt[CHECKPOINT_PATH_SIZE];
  make_checkpoint_dir(ckpt, "checkpoints");
  /* keep 0, at open and at prune. */
  bbsnap_checkpoint_options *options = NULL;
  OK(bbsnap_checkpoint_options_new(&options, &err));
  OK(bbsnap_checkpoint_options_set_keep(options, 0, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_checkpoint_writer_open(ckpt, options, &writer, &err));
  bbsnap_checkpoint_options_free(options);
  writer = open_checkpoints(ckpt, 1, BBSNAP_RETENTION_TABLE);
  bbsnap_generations *removed = NULL;
  uint32_t intact_kept = 5;
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_checkpoint_writer_prune(writer, 0, &removed, &intact_kept, &err));
  assert_true(removed == NULL && intact_kept == 5);

  /* One writer per directory. */
  bbsnap_checkpoint_writer *second = NULL;
  assert_int_equal(bbsnap_checkpoint_writer_open(ckpt, NULL, &second, &err), BBSNAP_IO);
  assert_null(second);
  assert_non_null(strstr(bbsnap_error_message(err), "another checkpoint writer holds the lock"));
  bbsnap_error_free(err);
  err = NULL;

  /* One generation in progress at a time, committed by its writer only. */
  bbsnap_writer *generation = NULL, *another = (bbsnap_writer *)&another;
  bbsnap_checkpoint_commit *commit = NULL;
  OK(bbsnap_checkpoint_writer_begin(writer, &generation, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_checkpoint_writer_begin(writer, &another, &err));
  assert_null(another);
  MISUSE(bbsnap_writer_finish(generation, &err));
  OK(bbsnap_writer_add_slot(generation, 1, 1, "v", 1, &err)); /* still usable */
  bbsnap_writer *plain = NULL;
  OK(bbsnap_writer_create(path_in_dir("plain.bbsnap"), NULL, &plain, &err));
  MISUSE(bbsnap_checkpoint_writer_commit(writer, plain, &commit, &err));
  assert_null(commit);
  bbsnap_writer_free(plain); /* abandoned: no file */
  char other_dir[CHECKPOINT_PATH_SIZE];
  make_checkpoint_dir(other_dir, "other");
  bbsnap_checkpoint_writer *other = open_checkpoints(other_dir, 1, BBSNAP_RETENTION_TABLE);
  MISUSE(bbsnap_checkpoint_writer_commit(other, generation, &commit, &err));
  bbsnap_checkpoint_writer_free(other);
  remove_checkpoint_dir(other_dir);
  /* Abandoned, its number is free again. */
  OK(bbsnap_writer_abort(generation, &err));
  bbsnap_writer_free(generation);
  bbsnap_checkpoint_commit *first = commit_value(writer, "v");
  uint64_t number, size;
  const char *path;
  size_t path_length;
  int64_t modified;
  OK(bbsnap_checkpoint_commit_generation(first, &number, &path, &path_length, &size, &modified, &err));
  assert_int_equal(number, 1);
  bbsnap_checkpoint_commit_free(first);

  /* Committed, a generation is spent. */
  OK(bbsnap_checkpoint_writer_begin(writer, &generation, &err));
  OK(bbsnap_checkpoint_writer_commit(writer, generation, &commit, &err));
  bbsnap_checkpoint_commit_free(commit);
  commit = NULL;
  MISUSE(bbsnap_writer_add_slot(generation, 2, 2, "v", 1, &err));
  MISUSE(bbsnap_checkpoint_writer_commit(writer, generation, &commit, &err));
  bbsnap_writer_free(generation);
  /* A commit that fails (a name that is not UTF-8) spends it and commits nothing. */
  OK(bbsnap_checkpoint_writer_begin(writer, &generation, &err));
  OK(bbsnap_writer_add_counter(generation, "\xff", 1, 1, &err));
  FAILS(BBSNAP_INVALID_ARGUMENT, bbsnap_checkpoint_writer_commit(writer, generation, &commit, &err));
  assert_null(commit);
  MISUSE(bbsnap_writer_add_counter(generation, "d", 1, 1, &err));
  bbsnap_writer_free(generation);
  OK(bbsnap_checkpoints_list(ckpt, &list, &err));
  assert_int_equal(count_of(list), 1); /* keep 1: generation 2 only */
  expect_generation(list, 0, 2, ckpt);
  bbsnap_generations_free(list);

  /* A generation outlives its writer, but no later writer commits it. */
  OK(bbsnap_checkpoint_writer_begin(writer, &generation, &err));
  bbsnap_checkpoint_writer_free(writer);
  writer = open_checkpoints(ckpt, 1, BBSNAP_RETENTION_TABLE);
  MISUSE(bbsnap_checkpoint_writer_commit(writer, generation, &commit, &err));
  bbsnap_writer_free(generation);
  bbsnap_checkpoint_writer_free(writer);
  remove_checkpoint_dir(ckpt);
}

/* Every checkpoint function on NULL handles and out-parameters, indexes
 * out of range and enum values outside their enum. */
static void checkpoints_refuse_misuse(void **state) {
  (void)state;
  bbsnap_generations *list = NULL;
  size_t n;
  uint64_t a, b;
  const char *text;
  int64_t t;
  uint32_t u;
  const bbsnap_error *reason;
  MISUSE(bbsnap_checkpoints_list(NULL, &list, &err));
  MISUSE(bbsnap_checkpoints_list(dir, NULL, &err));
  OK(bbsnap_checkpoints_list(dir, &list, &err)); /* the test's directory: no generations */
  MISUSE(bbsnap_generations_count(NULL, &n, &err));
  MISUSE(bbsnap_generations_count(list, NULL, &err));
  MISUSE(bbsnap_generations_get(NULL, 0, &a, &text, &n, &b, &t, &err));
  MISUSE(bbsnap_generations_get(list, 0, &a, &text, &n, &b, &t, &err));
  MISUSE(bbsnap_generations_get(list, 0, &a, NULL, &n, &b, &t, &err));
  MISUSE(bbsnap_generations_skip_reason(NULL, 0, &reason, &err));
  MISUSE(bbsnap_generations_skip_reason(list, 0, &reason, &err));
  MISUSE(bbsnap_generations_skip_reason(list, 0, NULL, &err));
  bbsnap_generations_free(list);
  bbsnap_generations_free(NULL);

  bbsnap_snapshot *s = NULL;
  bbsnap_generations *tried = NULL;
  MISUSE(bbsnap_checkpoints_restore_newest(NULL, NULL, &s, &tried, &err));
  MISUSE(bbsnap_checkpoints_restore_newest(dir, NULL, NULL, &tried, &err));
  MISUSE(bbsnap_checkpoints_restore_newest(dir, NULL, &s, NULL, &err));

  bbsnap_checkpoint_options *options = NULL;
  MISUSE(bbsnap_checkpoint_options_new(NULL, &err));
  OK(bbsnap_checkpoint_options_new(&options, &err));
  MISUSE(bbsnap_checkpoint_options_set_keep(NULL, 1, &err));
  MISUSE(bbsnap_checkpoint_options_set_retention(NULL, BBSNAP_RETENTION_TABLE, &err));
  MISUSE(bbsnap_checkpoint_options_set_retention(options, 2, &err));
  MISUSE(bbsnap_checkpoint_options_set_retention(options, -1, &err));
  MISUSE(bbsnap_checkpoint_options_set_write_options(NULL, NULL, &err));
  OK(bbsnap_checkpoint_options_set_write_options(options, NULL, &err)); /* the defaults */
  bbsnap_checkpoint_options_free(options);
  bbsnap_checkpoint_options_free(NULL);

  bbsnap_checkpoint_writer *writer = NULL;
  MISUSE(bbsnap_checkpoint_writer_open(NULL, NULL, &writer, &err));
  MISUSE(bbsnap_checkpoint_writer_open(dir, NULL, NULL, &err)); /* refused before the lock file is made */
  char ckpt[CHECKPOINT_PATH_SIZE];
  make_checkpoint_dir(ckpt, "checkpoints");
  writer = open_checkpoints(ckpt, 1, BBSNAP_RETENTION_TABLE);
  bbsnap_writer *generation = NULL;
  MISUSE(bbsnap_checkpoint_writer_begin(NULL, &generation, &err));
  MISUSE(bbsnap_checkpoint_writer_begin(writer, NULL, &err));
  OK(bbsnap_checkpoint_writer_begin(writer, &generation, &err));
  bbsnap_checkpoint_commit *commit = NULL;
  MISUSE(bbsnap_checkpoint_writer_commit(NULL, generation, &commit, &err));
  MISUSE(bbsnap_checkpoint_writer_commit(writer, NULL, &commit, &err));
  MISUSE(bbsnap_checkpoint_writer_commit(writer, generation, NULL, &err));
  OK(bbsnap_checkpoint_writer_commit(writer, generation, &commit, &err)); /* refusals changed nothing */
  bbsnap_writer_free(generation);
  bbsnap_generations *removed = NULL;
  MISUSE(bbsnap_checkpoint_writer_prune(NULL, 1, &removed, &u, &err));
  MISUSE(bbsnap_checkpoint_writer_prune(writer, 1, NULL, &u, &err));
  MISUSE(bbsnap_checkpoint_writer_prune(writer, 1, &removed, NULL, &err));
  bbsnap_generations *not_ours = NULL;
  MISUSE(bbsnap_checkpoint_writer_prune_v2(NULL, 1, &removed, &not_ours, &u, &err));
  MISUSE(bbsnap_checkpoint_writer_prune_v2(writer, 1, NULL, &not_ours, &u, &err));
  MISUSE(bbsnap_checkpoint_writer_prune_v2(writer, 1, &removed, NULL, &u, &err));
  MISUSE(bbsnap_checkpoint_writer_prune_v2(writer, 1, &removed, &not_ours, NULL, &err));
  MISUSE(bbsnap_checkpoint_writer_wait_for_removals(NULL, &err));

  const bbsnap_generations *retained;
  const bbsnap_error *prune_error;
  MISUSE(bbsnap_checkpoint_commit_generation(NULL, &a, &text, &n, &b, &t, &err));
  MISUSE(bbsnap_checkpoint_commit_generation(commit, &a, &text, &n, &b, NULL, &err));
  MISUSE(bbsnap_checkpoint_commit_retention(NULL, &retained, &u, &prune_error, &err));
  MISUSE(bbsnap_checkpoint_commit_retention(commit, &retained, &u, NULL, &err));
  MISUSE(bbsnap_checkpoint_commit_not_ours(NULL, &retained, &err));
  MISUSE(bbsnap_checkpoint_commit_not_ours(commit, NULL, &err));
  bbsnap_checkpoint_commit_free(commit);
  bbsnap_checkpoint_commit_free(NULL);
  bbsnap_checkpoint_writer_free(writer);
  bbsnap_checkpoint_writer_free(NULL);
  remove_checkpoint_dir(ckpt);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(status_names_and_null_errors),
      cmocka_unit_test(every_field_round_trips_in_every_mode),
      cmocka_unit_test(the_empty_state_reads_as_empty),
      cmocka_unit_test(an_enabled_allowlist_without_peers_is_some_empty),
      cmocka_unit_test(the_container_is_there_for_tools),
      cmocka_unit_test(write_options_are_applied),
      cmocka_unit_test(open_options_are_applied),
      cmocka_unit_test(errors_name_the_code_section_and_offset),
      cmocka_unit_test(a_damaged_section_is_reported_where_it_is_touched),
      cmocka_unit_test(a_damaged_slot_value_is_reported_by_its_lookups),
      cmocka_unit_test(a_write_is_atomic_and_can_be_abandoned),
      cmocka_unit_test(a_refused_call_leaves_the_writer_usable),
      cmocka_unit_test(writer_creation_errors),
      cmocka_unit_test(options_refuse_misuse),
      cmocka_unit_test(opening_refuses_misuse),
      cmocka_unit_test(reading_refuses_misuse),
      cmocka_unit_test(writing_refuses_misuse),
      cmocka_unit_test(a_checkpoint_directory_commits_restores_and_lists),
      cmocka_unit_test(a_restore_skips_damaged_generations_and_says_why),
      cmocka_unit_test(a_generation_bbsnap_did_not_write_is_reported_and_kept),
      cmocka_unit_test(removed_generations_are_freed_once_wait_for_removals_returns),
      cmocka_unit_test(a_checkpoint_writer_refuses_what_breaks_its_rules),
      cmocka_unit_test(checkpoints_refuse_misuse),
  };
  return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
