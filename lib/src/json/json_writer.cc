// Writes the canonical state document: the Emitter lays out tokens as they
// come, and write_state walks the model along the shape tables.
#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <new>
#include <ostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "bbsnap/json.h"
#include "common/boundary.h"
#include "json/hex.h"
#include "json/json_shape.h"

namespace bbsnap::json {
namespace {

// nlohmann's serializer does the escaping, so strings are written exactly as
// the reader decodes them. `replace` turns a malformed UTF-8 sequence (a
// broken precondition) into U+FFFD instead of throwing mid-document.
std::string quoted(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// What every member name of the shape and most strings are: ASCII from
// U+0020 to U+007F but for `"` and `\`, which the escaping leaves as is.
bool written_as_is(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x20 && byte <= 0x7f && c != '"' && c != '\\';
  });
}

using DecimalBuffer = std::array<char, 20>;  // u64 max has 20 digits

// std::to_chars rather than `out << value`: the stream's locale could group
// digits ("1,234"), which would not be JSON.
std::string_view decimal(std::uint64_t value, DecimalBuffer& buffer) {
  const char* end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

}  // namespace

Emitter::Emitter(std::ostream& out) : out_(out) {}

void Emitter::begin_object() { open('{'); }
void Emitter::end_object() { close('}'); }
void Emitter::begin_array() { open('['); }
void Emitter::end_array() { close(']'); }

// Escaping allocates; out of memory, the stream goes bad like any failed
// write instead of an exception leaving the Emitter.
void Emitter::write_quoted(std::string_view text) {
  if (written_as_is(text)) {  // without nlohmann's copies: 3 names per slot
    out_.put('"');
    out_.write(text.data(), static_cast<std::streamsize>(text.size()));
    out_.put('"');
    return;
  }
  try {
    out_ << quoted(text);
  } catch (const std::bad_alloc&) {
    out_.setstate(std::ios::badbit);
  }
}

void Emitter::key(std::string_view name) {
  begin_value();
  write_quoted(name);
  out_ << ": ";
  after_key_ = true;
}

void Emitter::value_u64(std::uint64_t value) {
  DecimalBuffer buffer;
  begin_value();
  out_ << decimal(value, buffer);
  end_value();
}

void Emitter::value_u32(std::uint32_t value) { value_u64(value); }

void Emitter::value_bool(bool value) {
  begin_value();
  out_ << (value ? "true" : "false");
  end_value();
}

void Emitter::value_null() {
  begin_value();
  out_ << "null";
  end_value();
}

void Emitter::value_string(std::string_view text) {
  begin_value();
  write_quoted(text);
  end_value();
}

void Emitter::value_hex(std::span<const std::uint8_t> bytes) {
  // A fixed buffer: a value can be as large as the snapshot itself.
  std::array<char, 8192> chunk;
  begin_value();
  out_ << '"';
  while (!bytes.empty()) {
    const std::size_t count = std::min(bytes.size(), chunk.size() / 2);
    hex::encode(bytes.first(count), chunk.data());
    out_.write(chunk.data(), static_cast<std::streamsize>(2 * count));
    bytes = bytes.subspan(count);
  }
  out_ << '"';
  end_value();
}

// A member's value follows its key on the same line; anything else starts a
// new line, after a comma if the container already has an item.
void Emitter::begin_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  out_ << (innermost_has_items() ? ",\n" : "\n");
  set_innermost_has_items(true);
  write_indent();
}

void Emitter::end_value() {
  if (depth_ == 0) out_ << '\n';
}

void Emitter::open(char bracket) {
  begin_value();
  out_ << bracket;
  if (depth_ == kMaxDepth) out_.setstate(std::ios::badbit);  // a broken precondition: no valid JSON follows
  ++depth_;
  set_innermost_has_items(false);
}

// An empty container closes on its opening line: `[]`, `{}`.
void Emitter::close(char bracket) {
  assert(depth_ > 0 && !after_key_);
  const bool had_items = innermost_has_items();
  --depth_;
  if (had_items) {
    out_ << '\n';
    write_indent();
  }
  out_ << bracket;
  end_value();
}

void Emitter::write_indent() {
  // Through ostream::write, not an ostreambuf_iterator: the stream's own
  // functions turn the buffer's exceptions (out of memory) into badbit.
  static constexpr auto kSpaces = [] {
    std::array<char, 2 * kMaxDepth> spaces{};
    spaces.fill(' ');
    return spaces;
  }();
  out_.write(kSpaces.data(), 2 * std::min(depth_, kMaxDepth));
}

bool Emitter::innermost_has_items() const {
  return depth_ <= kMaxDepth && ((has_items_ >> (depth_ - 1)) & 1) != 0;
}

void Emitter::set_innermost_has_items(bool value) {
  if (depth_ > kMaxDepth) return;
  const std::uint64_t bit = std::uint64_t{1} << (depth_ - 1);
  has_items_ = value ? has_items_ | bit : has_items_ & ~bit;
}

namespace {

using shape::Object;
using shape::ObjectShape;
using shape::SlotTable;
using shape::Tuple;
using shape::TupleShape;

// One overload per model type. All are declared before any is defined:
// the templates find the overloads for std and fundamental types only by
// ordinary lookup, which looks no further than their own definition.
void write(Emitter& out, std::uint64_t value);
void write(Emitter& out, std::uint32_t value);
void write(Emitter& out, bool value);
void write(Emitter& out, const std::string& text);
void write(Emitter& out, const Bytes& bytes);
void write(Emitter& out, const EnvelopeEvent& event);
void write(Emitter& out, const IngressEvent& event);
void write(Emitter& out, const SlotTable& slots);
template <class T>
void write(Emitter& out, const std::optional<T>& value);
template <class T>
void write(Emitter& out, const std::vector<T>& list);
template <class K, class V>
void write(Emitter& out, const std::map<K, V>& map);
template <Object T>
void write(Emitter& out, const T& object);
template <Tuple T>
void write(Emitter& out, const T& tuple);

void write(Emitter& out, std::uint64_t value) { out.value_u64(value); }
void write(Emitter& out, std::uint32_t value) { out.value_u32(value); }
void write(Emitter& out, bool value) { out.value_bool(value); }
void write(Emitter& out, const std::string& text) { out.value_string(text); }
void write(Emitter& out, const Bytes& bytes) { out.value_hex(bytes); }

// Serde writes a newtype variant's payload bare: {"Envelope": "0a05..."}.
void write(Emitter& out, const EnvelopeEvent& event) { out.value_hex(event.bytes); }

void write(Emitter& out, const IngressEvent& event) {
  out.begin_object();
  out.key(shape::kIngressVariants[event.index()]);
  std::visit([&](const auto& payload) { write(out, payload); }, event);
  out.end_object();
}

// Member names and order as in ObjectShape<SlotEntry>, without copying each
// value into a SlotEntry.
void write(Emitter& out, const SlotTable& slots) {
  out.begin_array();
  for (const auto& [slot, value] : slots) {
    out.begin_object();
    out.key("site");
    out.value_u64(slot.site);
    out.key("exec");
    out.value_u64(slot.exec);
    out.key("value");
    write(out, value);
    out.end_object();
  }
  out.end_array();
}

template <class T>
void write(Emitter& out, const std::optional<T>& value) {
  if (value) {
    write(out, *value);
  } else {
    out.value_null();
  }
}

template <class T>
void write(Emitter& out, const std::vector<T>& list) {
  out.begin_array();
  for (const T& item : list) write(out, item);
  out.end_array();
}

// std::map iterates in the canonical order: numeric keys numerically, string
// keys by their bytes.
template <class K, class V>
void write(Emitter& out, const std::map<K, V>& map) {
  out.begin_object();
  for (const auto& [key, value] : map) {
    if constexpr (std::is_same_v<K, std::string>) {
      out.key(key);
    } else {
      DecimalBuffer buffer;
      out.key(decimal(key, buffer));
    }
    write(out, value);
  }
  out.end_object();
}

template <Object T>
void write(Emitter& out, const T& object) {
  out.begin_object();
  std::apply(
      [&](const auto&... field) { ((out.key(field.name), write(out, object.*field.member)), ...); },
      ObjectShape<T>::fields);
  out.end_object();
}

template <Tuple T>
void write(Emitter& out, const T& tuple) {
  out.begin_array();
  std::apply([&](const auto&... item) { (write(out, tuple.*item.member), ...); },
             TupleShape<T>::items);
  out.end_array();
}

}  // namespace

void write_state(const TransientSnapshot& state, std::ostream& out) {
  Emitter emitter(out);
  write(emitter, state);
}

Result<std::string> to_json(const TransientSnapshot& state) {
  return guarded("writing a state document", [&]() -> Result<std::string> {
    std::ostringstream out;
    write_state(state, out);
    // A string stream fails only when its buffer cannot grow.
    if (!out) return Error::of(ErrorCode::out_of_memory, "writing a state document: out of memory");
    return std::move(out).str();
  });
}

}  // namespace bbsnap::json
