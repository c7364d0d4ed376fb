// The model is filled along the shape tables (json_shape.h), one overload of
// read() per model type, as json_writer.cc writes it. Every read() returns
// false to give way; none says why.
#include "json/fast_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "common/canonical_decimal.h"
#include "json/hex.h"
#include "json/json_shape.h"
#include "json/padded_mapping.h"

namespace bbsnap::json {
namespace {

namespace ondemand = simdjson::ondemand;
using shape::Object;
using shape::ObjectShape;
using shape::SlotTable;
using shape::Tuple;
using shape::field_index;
using shape::with_member;
using shape::TupleShape;

// What every read() needs besides its value.
struct Input {
  const char* end;  // of the document
  PaddedMapping* mapping;
};

// A string's or member name's bytes as they stand in the document, from the
// first byte after its opening quote to the next quote. simdjson has checked
// that the string is closed, that the whole document is UTF-8 and that no
// string holds a raw control character.
bool raw_text(const Input& in, const char* start, std::string_view& text) {
  const void* quote = std::memchr(start, '"', static_cast<std::size_t>(in.end - start));
  if (quote == nullptr) return false;
  text = std::string_view(start, static_cast<std::size_t>(static_cast<const char*>(quote) - start));
  return true;
}

// Without a backslash, the raw bytes are the string.
bool unescaped_text(const Input& in, const char* start, std::string_view& text) {
  return raw_text(in, start, text) && text.find('\\') == std::string_view::npos;
}

bool read_text(const Input& in, ondemand::value value, std::string_view& text) {
  ondemand::raw_json_string raw;
  return !value.get_raw_json_string().get(raw) && unescaped_text(in, raw.raw(), text);
}

// Declared first, defined below: the templates find the overloads for std
// and fundamental types only by ordinary lookup, which looks no further than
// their own definition.
bool read(const Input& in, ondemand::value value, std::uint64_t& out);
bool read(const Input& in, ondemand::value value, std::uint32_t& out);
bool read(const Input& in, ondemand::value value, bool& out);
bool read(const Input& in, ondemand::value value, std::string& out);
bool read(const Input& in, ondemand::value value, Bytes& out);
bool read(const Input& in, ondemand::value value, EnvelopeEvent& out);
bool read(const Input& in, ondemand::value value, IngressEvent& out);
bool read(const Input& in, ondemand::value value, SlotTable& out);
template <class T>
bool read(const Input& in, ondemand::value value, std::optional<T>& out);
template <class T>
bool read(const Input& in, ondemand::value value, std::vector<T>& out);
template <class K, class V>
bool read(const Input& in, ondemand::value value, std::map<K, V>& out);
template <Object T>
bool read(const Input& in, ondemand::value value, T& out);
template <Tuple T>
bool read(const Input& in, ondemand::value value, T& out);
template <Object T>
bool read_members(const Input& in, ondemand::object object, T& out);

bool read(const Input&, ondemand::value value, std::uint64_t& out) { return !value.get_uint64().get(out); }

bool read(const Input&, ondemand::value value, std::uint32_t& out) {
  std::uint64_t number = 0;
  if (value.get_uint64().get(number) || number > std::numeric_limits<std::uint32_t>::max()) return false;
  out = static_cast<std::uint32_t>(number);
  return true;
}

bool read(const Input&, ondemand::value value, bool& out) { return !value.get_bool().get(out); }

bool read(const Input& in, ondemand::value value, std::string& out) {
  std::string_view text;
  if (!read_text(in, value, text)) return false;
  out.assign(text);
  return true;
}

// Decoded straight from the document: a hex digit is never escaped, and a
// backslash is not a digit.
bool read(const Input& in, ondemand::value value, Bytes& out) {
  ondemand::raw_json_string raw;
  std::string_view digits;
  if (value.get_raw_json_string().get(raw) || !raw_text(in, raw.raw(), digits) || digits.size() % 2 != 0) {
    return false;
  }
  out.resize(digits.size() / 2);
  return hex::decode(digits, out.data());
}

bool read(const Input& in, ondemand::value value, EnvelopeEvent& out) { return read(in, value, out.bytes); }

// Exactly one member, named for the variant.
bool read(const Input& in, ondemand::value value, IngressEvent& out) {
  ondemand::object object;
  if (value.get_object().get(object)) return false;
  bool chosen = false;
  for (auto member : object) {
    ondemand::field field;
    std::string_view name;
    if (chosen || std::move(member).get(field) || !unescaped_text(in, field.key().raw(), name)) return false;
    const auto& names = shape::kIngressVariants;
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) return false;
    shape::emplace_variant(out, static_cast<std::size_t>(found - names.begin()));
    chosen = true;
    if (!std::visit([&](auto& payload) { return read(in, field.value(), payload); }, out)) return false;
  }
  return chosen;
}

// Each slot enters the table whole, once its members are all read, so that
// a (site, exec) pair seen twice gives way.
bool read(const Input& in, ondemand::value value, SlotTable& out) {
  ondemand::array slots;
  if (value.get_array().get(slots)) return false;
  for (auto element : slots) {
    ondemand::value slot_value;
    ondemand::object slot;
    shape::SlotEntry entry;
    if (std::move(element).get(slot_value) || slot_value.get_object().get(slot) || !read_members(in, slot, entry)) {
      return false;
    }
    if (!out.try_emplace(SlotKey{entry.site, entry.exec}, std::move(entry.value)).second) return false;
    const char* position = nullptr;
    if (in.mapping && !slot_value.current_location().get(position)) in.mapping->release_before(position);
  }
  return true;
}

template <class T>
bool read(const Input& in, ondemand::value value, std::optional<T>& out) {
  bool null = false;
  if (value.is_null().get(null)) return false;
  if (null) {
    out.reset();
    return true;
  }
  return read(in, value, out.emplace());
}

template <class T>
bool read(const Input& in, ondemand::value value, std::vector<T>& out) {
  ondemand::array array;
  if (value.get_array().get(array)) return false;
  for (auto element : array) {
    ondemand::value item;
    if (std::move(element).get(item) || !read(in, item, out.emplace_back())) return false;
  }
  return true;
}

// Numeric keys in canonical decimal, one spelling per key.
template <class K, class V>
bool read(const Input& in, ondemand::value value, std::map<K, V>& out) {
  ondemand::object object;
  if (value.get_object().get(object)) return false;
  for (auto member : object) {
    ondemand::field field;
    std::string_view name;
    if (std::move(member).get(field) || !unescaped_text(in, field.key().raw(), name)) return false;
    std::optional<K> key;
    if constexpr (std::is_same_v<K, std::string>) {
      key.emplace(name);
    } else {
      key = parse_canonical_decimal<K>(name);
      if (!key) return false;
    }
    const auto [entry, inserted] = out.try_emplace(std::move(*key));
    if (!inserted || !read(in, field.value(), entry->second)) return false;
  }
  return true;
}

// Absent members keep the model's defaults, which are the spec's.
template <Object T>
bool read_members(const Input& in, ondemand::object object, T& out) {
  std::uint32_t seen = 0;  // bit i: field i has had its value
  for (auto member : object) {
    ondemand::field field;
    std::string_view name;
    if (std::move(member).get(field) || !unescaped_text(in, field.key().raw(), name)) return false;
    const auto index = field_index<T>(name);
    if (!index || (seen >> *index & 1) != 0) return false;
    seen |= std::uint32_t{1} << *index;
    ondemand::value value = field.value();
    if (!with_member<bool>(out, ObjectShape<T>::fields, *index, [&](auto& m) { return read(in, value, m); })) {
      return false;
    }
  }
  return true;
}

template <Object T>
bool read(const Input& in, ondemand::value value, T& out) {
  ondemand::object object;
  return !value.get_object().get(object) && read_members(in, object, out);
}

// A Rust tuple: an array of exactly its items.
template <Tuple T>
bool read(const Input& in, ondemand::value value, T& out) {
  constexpr std::size_t kSize = std::tuple_size_v<decltype(TupleShape<T>::items)>;
  ondemand::array array;
  if (value.get_array().get(array)) return false;
  std::size_t next = 0;
  for (auto element : array) {
    ondemand::value item;
    if (next == kSize || std::move(element).get(item)) return false;
    if (!with_member<bool>(out, TupleShape<T>::items, next++, [&](auto& m) { return read(in, item, m); })) return false;
  }
  return next == kSize;
}

bool read_document(std::string_view document, PaddedMapping* mapping, TransientSnapshot& state) {
  // nlohmann refuses a byte order mark with its own message.
  if (document.starts_with("\xEF\xBB\xBF")) return false;
  ondemand::parser parser;
  ondemand::document root;
  ondemand::object object;
  const Input in{document.data() + document.size(), mapping};
  // After the root object, only white space: no token left to locate.
  return !parser.iterate(document.data(), document.size(), document.size() + simdjson::SIMDJSON_PADDING).get(root) &&
         !root.get_object().get(object) && read_members(in, object, state) &&
         root.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

}  // namespace

std::optional<TransientSnapshot> read_fast(std::string_view document, PaddedMapping* mapping) {
  TransientSnapshot state;
  if (!read_document(document, mapping, state)) return std::nullopt;
  return state;
}

}  // namespace bbsnap::json
