/* Writes a snapshot with a few slots and a counter through the C ABI,
 * reads it back (fully verified, then lazily) and checks every value.
 * Exits non-zero on any error or mismatch, saying which.
 *
 *   bbsnap-consumer-c PATH */
#include <bbsnap/bbsnap.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;

static void check(int ok, const char *what, const char *mode) {
  if (!ok) {
    fprintf(stderr, "MISMATCH: %s (%s)\n", what, mode);
    ++failures;
  }
}

/* Reports a failed call with its error, and frees the error. */
static int failed(bbsnap_status status, bbsnap_error *error, const char *what) {
  if (status == BBSNAP_OK) return 0;
  fprintf(stderr, "%s failed: %s\n", what, bbsnap_error_to_string(error));
  bbsnap_error_free(error);
  return 1;
}

static const uint8_t deadbeef[] = {0xde, 0xad, 0xbe, 0xef};

static int write_state(const char *path) {
  bbsnap_error *error = NULL;
  bbsnap_writer *writer = NULL;
  if (failed(bbsnap_writer_create(path, NULL, &writer, &error), error, "bbsnap_writer_create")) return 1;
  bbsnap_status s = bbsnap_writer_add_slot(writer, 7, 1, deadbeef, sizeof deadbeef, &error);
  if (s == BBSNAP_OK) s = bbsnap_writer_add_empty_slot(writer, 7, 2, &error); /* allocated but empty */
  if (s == BBSNAP_OK) s = bbsnap_writer_add_slot(writer, 7, 3, NULL, 0, &error); /* Some(empty) */
  if (s == BBSNAP_OK) s = bbsnap_writer_add_counter(writer, "peers.connected", 15, 4, &error);
  if (s == BBSNAP_OK) s = bbsnap_writer_add_frontier(writer, 1, 2, &error);
  if (s == BBSNAP_OK) s = bbsnap_writer_finish(writer, &error);
  bbsnap_writer_free(writer);
  return failed(s, error, "writing");
}

static int read_state(const char *path, int verification, const char *mode) {
  bbsnap_error *error = NULL;
  bbsnap_open_options *options = NULL;
  bbsnap_snapshot *snapshot = NULL;
  if (failed(bbsnap_open_options_new(&options, &error), error, "bbsnap_open_options_new")) return 1;
  bbsnap_status s = bbsnap_open_options_set_verification(options, verification, &error);
  if (s == BBSNAP_OK) s = bbsnap_snapshot_open(path, options, &snapshot, &error);
  bbsnap_open_options_free(options);
  if (failed(s, error, "opening")) return 1;

  /* The lookups below pass NULL for the error object: a mismatch is reported
   * by its status alone. */
  bbsnap_slot_state state;
  const uint8_t *value;
  size_t length;
  s = bbsnap_slot(snapshot, 7, 1, &state, &value, &length, NULL);
  check(s == BBSNAP_OK && state == BBSNAP_SLOT_VALUE && length == 4 && memcmp(value, deadbeef, 4) == 0,
        "slot (7, 1) should hold its 4 bytes", mode);
  check(s == BBSNAP_OK && (uintptr_t)value % 64 == 0, "slot (7, 1) should be 64-byte aligned", mode);
  s = bbsnap_slot(snapshot, 7, 2, &state, &value, &length, NULL);
  check(s == BBSNAP_OK && state == BBSNAP_SLOT_EMPTY, "slot (7, 2) should be allocated but empty", mode);
  s = bbsnap_slot(snapshot, 7, 3, &state, &value, &length, NULL);
  check(s == BBSNAP_OK && state == BBSNAP_SLOT_VALUE && length == 0, "slot (7, 3) should be Some(empty)", mode);
  s = bbsnap_slot(snapshot, 999, 999, &state, &value, &length, NULL);
  check(s == BBSNAP_OK && state == BBSNAP_SLOT_MISSING, "slot (999, 999) should be missing", mode);

  bool found = false;
  uint64_t counter = 0;
  s = bbsnap_counter(snapshot, "peers.connected", 15, &found, &counter, NULL);
  check(s == BBSNAP_OK && found && counter == 4, "counter peers.connected", mode);
  uint64_t first = 0, second = 0;
  size_t count = 0;
  s = bbsnap_frontier_count(snapshot, &count, NULL);
  if (s == BBSNAP_OK) s = bbsnap_frontier_get(snapshot, 0, &first, &second, NULL);
  check(s == BBSNAP_OK && count == 1 && first == 1 && second == 2, "frontier", mode);
  bbsnap_snapshot_free(snapshot);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s PATH\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  if (write_state(path) != 0) return 1;
  if (read_state(path, BBSNAP_VERIFY_FULL, "full") != 0) return 1;
  if (read_state(path, BBSNAP_VERIFY_LAZY, "lazy") != 0) return 1;
  if (failures != 0) {
    fprintf(stderr, "%d mismatches\n", failures);
    return 1;
  }
  printf("ok: wrote and read back 3 slots and a counter through the C ABI (%s)\n", path);
  return 0;
}
