#include "state/text_check.h"

#include <simdjson.h>

#include <cstdint>
#include <string>

#include "state/sections.h"

namespace bbsnap {

// Names, kinds and phases are short and almost always ASCII; simdjson's
// validator costs a dispatched call and setup per string, more than the
// string itself, so ASCII is recognised here and the rest goes to simdjson.
bool is_utf8(std::string_view text) {
  std::uint8_t high_bits = 0;
  for (char ch : text) high_bits |= static_cast<std::uint8_t>(ch);
  return high_bits < 0x80 || simdjson::validate_utf8(text.data(), text.size());
}

namespace text {

// `path` is rendered only on failure: checking stays one pass over the bytes.
Status utf8(const std::string& text, const Path& path) {
  if (is_utf8(text)) return {};
  return Error::of(ErrorCode::invalid_argument, path.str() + " is not valid UTF-8: the format stores UTF-8 text only");
}

}  // namespace text

Status check_text(const TransientSnapshot& state) {
  for (const SectionKindInfo& kind : section_kinds()) {
    if (!kind.check_text) continue;
    BBSNAP_RETURN_IF_ERROR(kind.check_text(state, Path(kind.name)));
  }
  return {};
}

}  // namespace bbsnap
