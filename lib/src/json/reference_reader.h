// The reference reader of the state document: nlohmann's SAX parser driving
// the model's frames (json_reader.cc). It reads its input one byte at a time
// from a ByteSource, so it works on any input in bounded memory, and it
// defines every refusal's message, path and offset (json.h). The fast
// reader (fast_reader.h) gives way to it for anything but a valid document.
#pragma once

#include "bbsnap/model.h"
#include "bbsnap/status.h"
#include "json/byte_source.h"

namespace bbsnap::json {

// Reads the document from `source` to its end (or to its first problem).
// Errors: invalid_document (json.h's messages; the offset is the byte in
// the input for syntax errors), limit_exceeded (the source has more than its
// limit; offset: the limit), io (a read failed; the message is strerror's).
// Throws std::bad_alloc when memory runs out.
Result<TransientSnapshot> read_reference(ByteSource& source);

}  // namespace bbsnap::json
