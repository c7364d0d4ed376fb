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
#include <vector>

#include "bbsnap/model.h"
#include "bbsnap/status.h"

namespace bbsnap::json {

// Reads a state document into the model.
//
// Refuses the whole document on its first problem, in document order, with
// ErrorCode::invalid_document and a one-line message that starts with the
// JSON path of the offending value, e.g.
// `$.framework.peer_governor.health[3][1]: expected u32, got 4294967296`.
// `section` is empty. `offset` is the byte offset in `document` for syntax
// errors (not JSON at all, or something after the document) and kNoOffset
// for documents that are JSON but not a state.
//
// Memory is proportional to the document; nesting deeper than the shape
// allows is refused as soon as it starts, whatever the depth. Throws nothing.
Result<TransientSnapshot> parse_state(std::string_view document);

// Writes JSON tokens to a stream as they come, never holding the document:
// canonical layout, two-space indentation, one member or element per line,
// empty containers as `{}` / `[]`, and a newline after the top-level value
// (the layout of shared/spec/examples/full.json).
//
// The caller drives it in document order: inside an object, key() before each
// value; the emitter only adds punctuation and white space. Strings must be
// valid UTF-8 (a malformed sequence is written as U+FFFD rather than
// producing invalid JSON). Throws nothing of its own; a failed write shows in
// the stream's state (unless the caller enabled exceptions on it).
class Emitter {
 public:
  explicit Emitter(std::ostream& out);

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  // The name of the next member of the current object.
  void key(std::string_view name);

  void value_u64(std::uint64_t value);
  void value_u32(std::uint32_t value);
  void value_bool(bool value);
  void value_null();
  void value_string(std::string_view text);
  // Bytes as a lowercase hex string.
  void value_hex(std::span<const std::uint8_t> bytes);

 private:
  void begin_value();
  void end_value();
  void open(char bracket);
  void close(char bracket);
  void write_indent();

  std::ostream& out_;
  // One entry per open container: whether it has a member or element yet.
  std::vector<bool> has_items_;
  bool after_key_ = false;
};

// Writes the canonical document for `state` to `out`: every key, in the order
// of the spec's "Shape" section, maps sorted, lowercase hex. Strings in the
// model must be valid UTF-8. Throws nothing of its own; check `out` afterwards.
void write_state(const TransientSnapshot& state, std::ostream& out);

// The canonical document for `state` as a string (see write_state).
std::string to_json(const TransientSnapshot& state);

}  // namespace bbsnap::json
