// fuzz_json: any bytes -> json::parse_state. It must refuse (with
// invalid_document and a one-line message starting with a JSON path, or a
// syntax error's offset inside the document) or accept; json::read_state
// must do the same from a regular file (mapped, simdjson first) and from a
// pipe (read in pieces, nlohmann only); and what it accepts must survive
//   - write_state / to_json -> parse_state: the same state, and the canonical
//     text is a fixed point (writing the re-read state gives the same text);
//   - encode_snapshot -> Snapshot::from_bytes (full verification) -> to_model:
//     the same state.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/json.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "document_input.h"
#include "fuzz_support.h"

using namespace bbsnap;
using bbsnap::fuzz::describe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view document(reinterpret_cast<const char*>(data), size);
  Result<TransientSnapshot> state = json::parse_state(document);

  // Every way in gives the same outcome: the same state, or the same refusal.
  const std::string expected = testing::outcome(state);
  using Read = Result<TransientSnapshot> (*)(std::string_view, const json::ReadOptions&);
  const std::pair<const char*, Read> ways[] = {{"a regular file", testing::read_state_from_file},
                                               {"a pipe", testing::read_state_from_pipe}};
  for (const auto& [how, read] : ways) {
    Result<TransientSnapshot> other = read(document, {});
    FUZZ_CHECK(testing::outcome(other) == expected, std::string("read_state from ") + how + " gives " +
                                                        testing::outcome(other) + ", parse_state " + expected);
    FUZZ_CHECK(!state || *other == *state, std::string("read_state from ") + how + " gives another state");
  }
  if (!state) {
    const Error& e = state.error();
    FUZZ_CHECK(e.code == ErrorCode::invalid_document, "parse_state refused with another code: " + describe(e));
    FUZZ_CHECK(e.section.empty(), "parse_state refusal names a section: " + describe(e));
    FUZZ_CHECK(e.message.find('\n') == std::string::npos, "parse_state message is not one line: " + describe(e));
    FUZZ_CHECK(e.offset == kNoOffset || e.offset <= size, "parse_state offset past the document: " + describe(e));
    FUZZ_CHECK(e.offset != kNoOffset || e.message.starts_with("$"),
               "a refusal without a syntax offset does not start with a JSON path: " + describe(e));
    return 0;
  }

  // Text round trip, and the canonical text is a fixed point.
  std::ostringstream out;
  json::write_state(*state, out);
  FUZZ_CHECK(out.good(), "write_state failed on a string stream");
  std::string text = out.str();
  FUZZ_CHECK(text == json::to_json(*state).value(), "write_state and to_json differ");
  Result<TransientSnapshot> reread = json::parse_state(text);
  FUZZ_CHECK(reread.ok(), "parse_state refuses write_state's output: " + describe(reread.ok() ? Error{} : reread.error()) +
                              "\n" + text);
  FUZZ_CHECK(*reread == *state, "write_state -> parse_state changes the state:\n" + text);
  FUZZ_CHECK(json::to_json(*reread).value() == text, "the canonical text is not a fixed point");

  // Binary round trip.
  Result<AlignedBuffer> bytes = encode_snapshot(*state);
  FUZZ_CHECK(bytes.ok(), "encode_snapshot refused a parsed state: " + describe(bytes.ok() ? Error{} : bytes.error()));
  OpenOptions options;
  options.expected_spec_version = state->framework.spec_version;
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes->span(), options);
  FUZZ_CHECK(snapshot.ok(), "the snapshot of a parsed state is refused: " +
                                describe(snapshot.ok() ? Error{} : snapshot.error()));
  Result<TransientSnapshot> model = snapshot->to_model();
  FUZZ_CHECK(model.ok() && *model == *state, "a parsed state does not survive encode -> from_bytes -> to_model");
  return 0;
}
