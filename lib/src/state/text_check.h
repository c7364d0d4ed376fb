// The model's strings must be valid UTF-8 (model.h): a reader refuses a file
// with any other string, so the writer refuses to write one rather than
// produce a snapshot nobody can open.
#pragma once

#include <string_view>

#include "bbsnap/model.h"
#include "bbsnap/status.h"

namespace bbsnap {

// Whether `text` is valid UTF-8: the one check behind the writer's refusal
// (check_text) and the reader's (a file's strings).
bool is_utf8(std::string_view text);

// Every string of `state` (counter names, fired phases, event kinds, module
// and input names, NamedBytes names). invalid_argument naming the first one
// that is not valid UTF-8 and where it is, e.g. "ingress[3].module_name".
Status check_text(const TransientSnapshot& state);

}  // namespace bbsnap
