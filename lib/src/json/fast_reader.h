// The fast reader of the state document: simdjson's On Demand API over the
// whole document in memory. It accepts a document or gives way, without
// saying why, to the reference reader (reference_reader.h), which then
// reports the refusal: so both read the same documents into the same state
// and every message, path and offset is the reference reader's. It gives
// way for anything unusual as well: a string or member name with an escape,
// a byte order mark, a document simdjson cannot take (over 4 GiB, or no
// memory for its index).
//
// Where its model of a rule could differ from nlohmann's (numbers, literals,
// strings), it accepts only what both accept alike; tests run the spec's
// examples, random documents and the fuzz corpus through both readers.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "bbsnap/model.h"

namespace bbsnap::json {

class PaddedMapping;

// `document` must be followed in memory by at least simdjson::SIMDJSON_PADDING
// readable bytes (any values). With a mapping (whose bytes() is
// `document`), the pages already read are given back as the reader goes
// on. nullopt: not accepted here. Throws std::bad_alloc when the state does
// not fit in memory.
std::optional<TransientSnapshot> read_fast(std::string_view document, PaddedMapping* mapping = nullptr);

}  // namespace bbsnap::json
