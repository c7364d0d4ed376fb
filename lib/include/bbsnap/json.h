// The state document: a `TransientSnapshot` as JSON, as specified in
// shared/spec/STATE-JSON.md. `bbsnap pack` reads it, `bbsnap dump` writes it.
//
// Paths in error messages start at `$` (the document). An object member whose
// name is an identifier ([A-Za-z_][A-Za-z0-9_]*) is written `.name`; any other
// member name, including every numeric map key, is written `["name"]` with
// JSON string escaping; an array element is written `[index]`, from 0:
//
//   $.framework.peer_governor.health[3][1]
//   $.execution_state["1"].outputs_written
//   $.framework.counters["peers.connected"]
#pragma once

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>

#include "bbsnap/model.h"
#include "bbsnap/status.h"

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap::json {

// Reads a state document into the model.
//
// Refuses the whole document on its first problem, in document order, with
// ErrorCode::invalid_document and a one-line message that starts with the
// JSON path of the offending value, e.g.
// `$.framework.peer_governor.health[3][1]: expected u32, got 4294967296`.
// A member name or number longer than 64 bytes is quoted by its first 64
// bytes (cut at a character boundary) and its length, as in
// `$.framework.counters["<64 bytes>"... (N bytes)]: ...`.
// `section` is empty. `offset` is the byte offset in `document` for syntax
// errors (not JSON at all, or something after the document) and kNoOffset
// for documents that are JSON but not a state.
//
// Two readers share this contract: simdjson's On Demand parser reads a
// valid document, and for anything else nlohmann's SAX parser, which
// defines every refusal, reads it again up to its first problem. The first
// needs a copy of the document with padding; memory is proportional to the
// document. Nesting deeper than the shape allows is refused as soon as it
// starts, whatever the depth; running out of memory is out_of_memory
// ("... out of memory"). Throws nothing.
// The result owns its data (nothing points into `document`); its strings
// are valid UTF-8, so it can be written as is. A missing member takes its
// empty value, except framework.spec_version, which defaults to
// kCurrentSpecVersion. Thread-safe: no shared state.
Result<TransientSnapshot> parse_state(std::string_view document);

// The longest document read_state() takes unless told otherwise: 64 GiB,
// the document of a state of about 32 GiB of values.
inline constexpr std::uint64_t kDefaultMaxDocumentBytes = std::uint64_t{64} << 30;

struct ReadOptions {
  // A longer input is refused with limit_exceeded (offset: this limit).
  std::uint64_t max_bytes = kDefaultMaxDocumentBytes;
};

// Reads a state document from the file descriptor `fd`, from its current
// offset to its end, with parse_state()'s refusals and offsets. The
// descriptor stays open.
//
// A regular file read from its start is mapped, not copied, and simdjson
// reads it first. Its first pass reads the whole file: the process's peak
// resident memory is at least the file's pages (the file's own, which the
// kernel can reclaim), and an invalid file is read whole before it is
// refused; then the pages already parsed leave the process's memory as the
// state is built. For anything simdjson does not accept (an invalid
// document, an escape, a file over 4 GiB), nlohmann's SAX parser reads the
// mapping again from its start, up to its first problem. A regular file
// longer than `max_bytes` is refused before it is read.
// Anything else (a pipe, FIFO, socket, terminal or device) is read in
// 64 KiB pieces by nlohmann's SAX parser only: memory is the state, the
// longest string of the document and a fixed buffer, and an invalid
// document is refused after at most one piece past the byte that makes it
// invalid, however long the input; more than `max_bytes` is refused as soon
// as it is passed. A read blocks until its writer writes or closes, as
// read(2) does.
//
// Errors: those of parse_state(); limit_exceeded (longer than max_bytes;
// offset max_bytes); io (fstat or read failed; the message is strerror's
// text, e.g. "Is a directory"). A mapped file truncated by another process
// while it is read raises SIGBUS, as any mapping does. Throws nothing.
Result<TransientSnapshot> read_state(int fd, const ReadOptions& options = {});

// Writes JSON tokens to a stream as they come, never holding the document:
// canonical layout, two-space indentation, one member or element per line,
// empty containers as `{}` / `[]`, and a newline after the top-level value
// (the layout of shared/spec/examples/full.json). At most 64 containers
// open at once (the state document nests 6 deep).
//
// The caller drives it in document order: inside an object, key() before each
// value; the emitter only adds punctuation and white space. Strings must be
// valid UTF-8 (a malformed sequence is written as U+FFFD rather than
// producing invalid JSON). Throws nothing of its own: a failed write, running
// out of memory while escaping a string, or a 65th open container sets the
// stream's badbit (and throws only if the caller enabled exceptions on the
// stream); what was written after that is not a valid document.
//
// Preconditions, checked only by assert(): begin_*/end_* balanced and
// matching; inside an object exactly one key() before each value; no key()
// inside an array or at the top level; one top-level value. Breaking them
// gives invalid JSON (or undefined behaviour, for an end_* with nothing open).
//
// Lifetimes: the Emitter keeps a reference to `out`, which must outlive it;
// it keeps nothing else. Every string_view and span passed in is written
// before the call returns, so values can come straight from a Snapshot's
// zero-copy views: the Snapshot must be alive during each call that passes
// one of its views, not for the Emitter's lifetime. Not thread-safe: one
// thread per Emitter (and per stream).
//
// String escaping (keys and values), canonical: `"` and `\` as `\"` and
// `\\`; U+0008, U+000C, U+000A, U+000D, U+0009 as `\b` `\f` `\n` `\r`
// `\t`; every other character below U+0020 as a backslash, `u` and four
// lowercase hex digits (`001f` for U+001F); everything else, including
// non-ASCII characters, U+007F and `/`, as is (raw UTF-8).
class Emitter {
 public:
  explicit Emitter(std::ostream& out);  // writes nothing until the first token

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // The name of the next member of the current object (UTF-8, escaped as
  // above). Numeric map keys are passed as their decimal text.
  void key(std::string_view name);

  // Decimal, without sign, grouping or exponent, whatever the stream's locale.
  void value_u64(std::uint64_t value);
  void value_u32(std::uint32_t value);
  void value_bool(bool value);
  void value_null();
  void value_string(std::string_view text);  // UTF-8, escaped as above
  // Bytes as a lowercase hex string, written in pieces: memory stays small
  // whatever the size of `bytes`.
  void value_hex(std::span<const std::uint8_t> bytes);

 private:
  void begin_value();
  void end_value();
  void open(char bracket);
  void close(char bracket);
  void write_indent();
  void write_quoted(std::string_view text);
  bool innermost_has_items() const;
  void set_innermost_has_items(bool value);

  static constexpr unsigned kMaxDepth = 64;
  std::ostream& out_;
  // Bit d - 1: whether the open container at depth d has a member or
  // element yet. Bits, not a vector: the Emitter allocates nothing itself.
  std::uint64_t has_items_ = 0;
  unsigned depth_ = 0;
  bool after_key_ = false;
};

// Writes the canonical document for `state` to `out`: every key, in the order
// of the spec's "Shape" section, maps sorted, lowercase hex, the Emitter's
// layout and escaping. Strings in the model must be valid UTF-8 (otherwise
// U+FFFD replaces the malformed bytes and the document no longer matches
// the state). Throws nothing of its own (see Emitter); check `out` afterwards.
void write_state(const TransientSnapshot& state, std::ostream& out);

// The canonical document for `state` as a string (see write_state). Errors:
// out_of_memory ("writing a state document: out of memory") when the
// document does not fit in memory. Throws nothing.
Result<std::string> to_json(const TransientSnapshot& state);

}  // namespace bbsnap::json

#pragma GCC visibility pop
