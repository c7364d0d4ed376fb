// The reference reader: the state document into the model straight from
// nlohmann's SAX events, no DOM in between, and the first problem stops the
// parse with a message naming its JSON path.
//
// Every open object or array is a Frame that knows which part of the model it
// fills and accepts only what the shape allows there, so the frame stack is
// never deeper than the shape, and neither is nlohmann's own state (it stops
// as soon as a callback returns false).
#include "json/reference_reader.h"

#include <algorithm>
#include <concepts>
#include <cstring>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/canonical_decimal.h"
#include "json/byte_source.h"
#include "json/hex.h"
#include "json/json_shape.h"

namespace bbsnap::json {
namespace {

using shape::Object;
using shape::ObjectShape;
using shape::SlotEntry;
using shape::SlotTable;
using shape::Tuple;
using shape::field_index;
using shape::with_member;
using shape::TupleShape;

// ---- Scalars, as nlohmann reports them ----------------------------------

// An integer written with a minus sign (nlohmann reports every non-negative
// integer that fits in a u64 as unsigned).
struct Negative {
  std::int64_t value;
};

// A number with a fraction or exponent, or beyond the integer types: its raw
// text, so messages quote what the document says rather than a rounded double.
struct Inexact {
  const std::string* text;
};

// A string is passed by pointer so that the model can take it by move.
using Scalar = std::variant<std::nullptr_t, bool, std::uint64_t, Negative, Inexact, std::string*>;

// A message stays one short line however long the document's tokens are: a
// number or a member name is quoted up to kQuotedBytes, then cut at a UTF-8
// character boundary and followed by its full length.
constexpr std::size_t kQuotedBytes = 64;

std::string_view head_of(std::string_view text) {
  if (text.size() <= kQuotedBytes) return text;
  std::size_t cut = kQuotedBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return text.substr(0, cut);
}

std::string length_note(std::string_view text) {
  return text.size() <= kQuotedBytes ? "" : "... (" + std::to_string(text.size()) + " bytes)";
}

std::string describe(const Scalar& value) {
  struct Describe {
    std::string operator()(std::nullptr_t) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::uint64_t n) const { return std::to_string(n); }
    // nlohmann reports "-0" as the integer 0.
    std::string operator()(Negative n) const { return n.value == 0 ? "-0" : std::to_string(n.value); }
    std::string operator()(Inexact n) const { return std::string(head_of(*n.text)) + length_note(*n.text); }
    std::string operator()(std::string*) const { return "string"; }
  };
  return std::visit(Describe{}, value);
}

enum class Bracket { object, array };

std::string describe(Bracket bracket) { return bracket == Bracket::object ? "object" : "array"; }

// Why a value was refused; nullopt when it was accepted.
using Refusal = std::optional<std::string>;

template <class Got>
Refusal wrong_type(std::string_view expected, const Got& got) {
  return "expected " + std::string(expected) + ", got " + describe(got);
}

template <class T>
inline constexpr bool kIsVector = false;
template <class T>
inline constexpr bool kIsVector<std::vector<T>> = true;

// What a position holding a T expects, for "expected X, got Y".
template <class T>
std::string_view expected_name() {
  if constexpr (std::is_same_v<T, std::uint64_t>) return "u64";
  if constexpr (std::is_same_v<T, std::uint32_t>) return "u32";
  if constexpr (std::is_same_v<T, bool>) return "bool";
  if constexpr (std::is_same_v<T, std::string>) return "string";
  if constexpr (std::is_same_v<T, Bytes> || std::is_same_v<T, EnvelopeEvent>) return "hex string";
  if constexpr (kIsVector<T> || Tuple<T> || std::is_same_v<T, SlotTable>) return "array";
  return "object";
}

// ---- Frames: the open containers ----------------------------------------

class Frame {
 public:
  virtual ~Frame() = default;
  // Objects only: the next member's name; the frame may move from it.
  virtual Refusal key(std::string& name) = 0;
  // The next value (the current member's, or the next element) is a scalar.
  virtual Refusal scalar(const Scalar& value) = 0;
  // The next value opens a container; on success `child` holds its frame.
  virtual Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) = 0;
  // The container ends: the place to refuse what it lacks.
  virtual Refusal close() { return std::nullopt; }
};

class ArrayFrame : public Frame {
 public:
  // nlohmann reports keys only inside objects.
  Refusal key(std::string&) final { return "internal error: member name inside an array"; }
};

// How a value of each model type is taken, as a scalar or as a container.
// All are declared before any is defined: the templates find the overloads
// for std and fundamental types only by ordinary lookup, which looks no
// further than their own definition.
Refusal take_scalar(std::uint64_t& out, const Scalar& value);
Refusal take_scalar(std::uint32_t& out, const Scalar& value);
Refusal take_scalar(bool& out, const Scalar& value);
Refusal take_scalar(std::string& out, const Scalar& value);
Refusal take_scalar(Bytes& out, const Scalar& value);
Refusal take_scalar(EnvelopeEvent& out, const Scalar& value);
template <class T>
Refusal take_scalar(std::optional<T>& out, const Scalar& value);
template <class T>
Refusal take_scalar(T& out, const Scalar& value);

Refusal take_open(Bytes& out, Bracket bracket, std::unique_ptr<Frame>& child);
Refusal take_open(SlotTable& out, Bracket bracket, std::unique_ptr<Frame>& child);
Refusal take_open(IngressEvent& out, Bracket bracket, std::unique_ptr<Frame>& child);
template <class T>
Refusal take_open(std::optional<T>& out, Bracket bracket, std::unique_ptr<Frame>& child);
template <class T>
Refusal take_open(std::vector<T>& out, Bracket bracket, std::unique_ptr<Frame>& child);
template <class K, class V>
Refusal take_open(std::map<K, V>& out, Bracket bracket, std::unique_ptr<Frame>& child);
template <Object T>
Refusal take_open(T& out, Bracket bracket, std::unique_ptr<Frame>& child);
template <Tuple T>
Refusal take_open(T& out, Bracket bracket, std::unique_ptr<Frame>& child);
template <class T>
Refusal take_open(T& out, Bracket bracket, std::unique_ptr<Frame>& child);

// A model struct written as an object. Absent members keep the model's
// defaults, which are the spec's defaults.
template <Object T>
class StructFrame final : public Frame {
 public:
  explicit StructFrame(T& object) : object_(object) {}

  Refusal key(std::string& name) override {
    const auto index = field_index<T>(name);
    if (!index) return "unknown key";
    const std::uint32_t bit = std::uint32_t{1} << *index;
    if (seen_ & bit) return "duplicate key";
    seen_ |= bit;
    current_ = *index;
    return std::nullopt;
  }

  Refusal scalar(const Scalar& value) override {
    return with_member<Refusal>(object_, ObjectShape<T>::fields, current_,
                       [&](auto& member) { return take_scalar(member, value); });
  }

  Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) override {
    return with_member<Refusal>(object_, ObjectShape<T>::fields, current_,
                       [&](auto& member) { return take_open(member, bracket, child); });
  }

 private:
  static_assert(std::tuple_size_v<decltype(ObjectShape<T>::fields)> <= 32, "seen_ has 32 bits");
  T& object_;
  std::uint32_t seen_ = 0;  // bit i: field i has had its value
  std::size_t current_ = 0;
};

// A Rust tuple: a JSON array of exactly its items.
template <Tuple T>
class TupleFrame final : public ArrayFrame {
 public:
  explicit TupleFrame(T& tuple) : tuple_(tuple) {}

  Refusal scalar(const Scalar& value) override {
    return with_next([&](auto& item) { return take_scalar(item, value); });
  }

  Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) override {
    return with_next([&](auto& item) { return take_open(item, bracket, child); });
  }

  Refusal close() override {
    if (next_ == kSize) return std::nullopt;
    return "expected " + std::to_string(kSize) + " items, got " + std::to_string(next_);
  }

 private:
  static constexpr std::size_t kSize = std::tuple_size_v<decltype(TupleShape<T>::items)>;

  template <class Visit>
  Refusal with_next(Visit&& visit) {
    if (next_ == kSize) return "one item too many: the tuple has " + std::to_string(kSize);
    return with_member<Refusal>(tuple_, TupleShape<T>::items, next_++, visit);
  }

  T& tuple_;
  std::size_t next_ = 0;
};

template <class T>
class ListFrame final : public ArrayFrame {
 public:
  explicit ListFrame(std::vector<T>& list) : list_(list) {}

  Refusal scalar(const Scalar& value) override { return take_scalar(list_.emplace_back(), value); }

  Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) override {
    return take_open(list_.emplace_back(), bracket, child);
  }

 private:
  std::vector<T>& list_;
};

template <class K, class V>
class MapFrame final : public Frame {
 public:
  explicit MapFrame(std::map<K, V>& map) : map_(map) {}

  Refusal key(std::string& name) override {
    std::optional<K> key;
    if constexpr (std::is_same_v<K, std::string>) {
      key = std::move(name);
    } else {
      key = parse_canonical_decimal<K>(name);  // one spelling per key
      if (!key) return "expected a " + std::string(expected_name<K>()) + " key in canonical decimal";
    }
    const auto [entry, inserted] = map_.try_emplace(std::move(*key));
    if (!inserted) return "duplicate key";
    value_ = &entry->second;
    return std::nullopt;
  }

  Refusal scalar(const Scalar& value) override { return take_scalar(*value_, value); }

  Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) override {
    return take_open(*value_, bracket, child);
  }

 private:
  std::map<K, V>& map_;
  V* value_ = nullptr;  // the current member's entry
};

// One slot_table element. It enters the table when it closes, once its
// (site, exec) pair is known, so a pair seen twice is refused.
class SlotEntryFrame final : public Frame {
 public:
  explicit SlotEntryFrame(SlotTable& table) : table_(table) {}

  Refusal key(std::string& name) override { return members_.key(name); }
  Refusal scalar(const Scalar& value) override { return members_.scalar(value); }
  Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) override {
    return members_.open(bracket, child);
  }

  Refusal close() override {
    const auto [slot, inserted] =
        table_.try_emplace(SlotKey{entry_.site, entry_.exec}, std::move(entry_.value));
    if (inserted) return std::nullopt;
    return "duplicate slot (site " + std::to_string(entry_.site) + ", exec " +
           std::to_string(entry_.exec) + ")";
  }

 private:
  SlotTable& table_;
  SlotEntry entry_;
  StructFrame<SlotEntry> members_{entry_};
};

class SlotListFrame final : public ArrayFrame {
 public:
  explicit SlotListFrame(SlotTable& table) : table_(table) {}

  Refusal scalar(const Scalar& value) override { return wrong_type("object", value); }

  Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) override {
    if (bracket != Bracket::object) return wrong_type("object", bracket);
    child = std::make_unique<SlotEntryFrame>(table_);
    return std::nullopt;
  }

 private:
  SlotTable& table_;
};

// An ingress event: an object with exactly one member, named for the variant.
class IngressEventFrame final : public Frame {
 public:
  explicit IngressEventFrame(IngressEvent& event) : event_(event) {}

  Refusal key(std::string& name) override {
    if (chosen_) {
      if (name == shape::kIngressVariants[event_.index()]) return "duplicate key";
      return "a second variant: an ingress event has exactly one member";
    }
    const auto& names = shape::kIngressVariants;
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) return "unknown ingress variant; expected " + variant_list();
    shape::emplace_variant(event_, static_cast<std::size_t>(found - names.begin()));
    chosen_ = true;
    return std::nullopt;
  }

  Refusal scalar(const Scalar& value) override {
    return std::visit([&](auto& payload) { return take_scalar(payload, value); }, event_);
  }

  Refusal open(Bracket bracket, std::unique_ptr<Frame>& child) override {
    return std::visit([&](auto& payload) { return take_open(payload, bracket, child); }, event_);
  }

  Refusal close() override {
    if (chosen_) return std::nullopt;
    return "expected one member naming the variant: " + variant_list();
  }

 private:
  static std::string variant_list() {
    std::string list;
    for (const auto name : shape::kIngressVariants) {
      list += list.empty() ? "" : ", ";
      list += name;
    }
    return list;
  }

  IngressEvent& event_;
  bool chosen_ = false;
};

// ---- Taking values ------------------------------------------------------

Refusal take_scalar(std::uint64_t& out, const Scalar& value) {
  const auto* number = std::get_if<std::uint64_t>(&value);
  if (!number) return wrong_type("u64", value);
  out = *number;
  return std::nullopt;
}

Refusal take_scalar(std::uint32_t& out, const Scalar& value) {
  const auto* number = std::get_if<std::uint64_t>(&value);
  if (!number || *number > std::numeric_limits<std::uint32_t>::max()) return wrong_type("u32", value);
  out = static_cast<std::uint32_t>(*number);
  return std::nullopt;
}

Refusal take_scalar(bool& out, const Scalar& value) {
  const auto* boolean = std::get_if<bool>(&value);
  if (!boolean) return wrong_type("bool", value);
  out = *boolean;
  return std::nullopt;
}

Refusal take_scalar(std::string& out, const Scalar& value) {
  auto* const* text = std::get_if<std::string*>(&value);
  if (!text) return wrong_type("string", value);
  out = std::move(**text);
  return std::nullopt;
}

Refusal take_scalar(Bytes& out, const Scalar& value) {
  auto* const* text_ptr = std::get_if<std::string*>(&value);
  if (!text_ptr) return wrong_type("hex string", value);
  const std::string& text = **text_ptr;
  if (text.size() % 2 != 0) return "expected hex string, got odd length " + std::to_string(text.size());
  out.resize(text.size() / 2);
  if (!hex::decode(text, out.data())) {
    return "expected hex string, got a non-hex character at index " + std::to_string(hex::first_non_digit(text));
  }
  return std::nullopt;
}

// Serde writes a newtype variant's payload bare: {"Envelope": "0a05..."}.
Refusal take_scalar(EnvelopeEvent& out, const Scalar& value) { return take_scalar(out.bytes, value); }

template <class T>
Refusal take_scalar(std::optional<T>& out, const Scalar& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) {
    out.reset();
    return std::nullopt;
  }
  return take_scalar(out.emplace(), value);
}

// Every type without an overload above is a container.
template <class T>
Refusal take_scalar(T&, const Scalar& value) {
  return wrong_type(expected_name<T>(), value);
}

// A vector of bytes is a hex string, not an array of numbers.
Refusal take_open(Bytes&, Bracket bracket, std::unique_ptr<Frame>&) {
  return wrong_type("hex string", bracket);
}

template <class NewFrame, class T>
Refusal open_as(Bracket expected, T& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  if (bracket != expected) return wrong_type(expected_name<T>(), bracket);
  child = std::make_unique<NewFrame>(out);
  return std::nullopt;
}

Refusal take_open(SlotTable& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  return open_as<SlotListFrame>(Bracket::array, out, bracket, child);
}

Refusal take_open(IngressEvent& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  return open_as<IngressEventFrame>(Bracket::object, out, bracket, child);
}

template <class T>
Refusal take_open(std::optional<T>& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  return take_open(out.emplace(), bracket, child);
}

template <class T>
Refusal take_open(std::vector<T>& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  return open_as<ListFrame<T>>(Bracket::array, out, bracket, child);
}

template <class K, class V>
Refusal take_open(std::map<K, V>& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  return open_as<MapFrame<K, V>>(Bracket::object, out, bracket, child);
}

template <Object T>
Refusal take_open(T& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  return open_as<StructFrame<T>>(Bracket::object, out, bracket, child);
}

template <Tuple T>
Refusal take_open(T& out, Bracket bracket, std::unique_ptr<Frame>& child) {
  return open_as<TupleFrame<T>>(Bracket::array, out, bracket, child);
}

// Every type without an overload above is a scalar.
template <class T>
Refusal take_open(T&, Bracket bracket, std::unique_ptr<Frame>&) {
  return wrong_type(expected_name<T>(), bracket);
}

// ---- The SAX handler ----------------------------------------------------

// JSON path syntax as documented in json.h.
void append_member(std::string& path, const std::string& name) {
  const auto identifier_char = [](char c) {
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  const bool identifier = !name.empty() && name.size() <= kQuotedBytes && !(name[0] >= '0' && name[0] <= '9') &&
                          std::all_of(name.begin(), name.end(), identifier_char);
  if (identifier) {
    path += '.';
    path += name;
  } else {
    path += '[';
    path += nlohmann::json(std::string(head_of(name))).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    path += length_note(name);
    path += ']';
  }
}

// nlohmann's message, less its exception id and the "last read" token: that
// token can be as long as the document and can hold the invalid UTF-8 that
// made it fail, so it has no place in a one-line message.
std::string syntax_message(const char* what) {
  std::string_view message(what);
  if (message.starts_with('[')) message.remove_prefix(std::min(message.find("] ") + 2, message.size()));
  return std::string(message.substr(0, message.find("; last read: ")));
}

Error refused(std::string message, std::uint64_t offset = kNoOffset) {
  return Error{.code = ErrorCode::invalid_document, .section = {}, .offset = offset, .message = std::move(message)};
}

class Handler {
 public:
  explicit Handler(TransientSnapshot& state) : state_(state) {}

  // nlohmann's SAX interface: returning false stops the parse.
  bool null() { return on_scalar(nullptr); }
  bool boolean(bool value) { return on_scalar(value); }
  bool number_integer(std::int64_t value) { return on_scalar(Negative{value}); }
  bool number_unsigned(std::uint64_t value) { return on_scalar(value); }
  bool number_float(double, const std::string& text) { return on_scalar(Inexact{&text}); }
  bool string(std::string& text) { return on_scalar(&text); }
  // Only the binary formats (CBOR, ...) produce these.
  bool binary(nlohmann::json::binary_t&) { return accept("internal error: binary value", levels_.size()); }
  bool start_object(std::size_t) { return on_open(Bracket::object); }
  bool start_array(std::size_t) { return on_open(Bracket::array); }
  bool end_object() { return on_close(); }
  bool end_array() { return on_close(); }

  bool key(std::string& name) {
    Level& level = levels_.back();
    level.key = name;  // before the frame may move from it
    return accept(level.frame->key(name), levels_.size());
  }

  // The path names the innermost open container: nlohmann's message says
  // where in it, by line and column.
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::json::exception& e) {
    // A number beyond a double's range (1e400) is valid JSON that nlohmann
    // cannot represent. No position in the shape takes a fraction or an
    // exponent, so it is refused as the value it is, like any other.
    if (e.id == kNumberOverflow && !on_scalar(Inexact{&token})) return false;
    const std::size_t depth = levels_.empty() ? 0 : levels_.size() - 1;
    // nlohmann counts the first byte as position 1.
    error_ = refused(path(depth) + ": " + syntax_message(e.what()), position == 0 ? 0 : position - 1);
    return false;
  }

  // Precondition: the parse failed.
  Error take_error() { return std::move(error_); }

 private:
  static constexpr int kNumberOverflow = 406;  // nlohmann's out_of_range.406

  struct Level {
    std::unique_ptr<Frame> frame;
    Bracket bracket;
    std::size_t items = 0;  // arrays: elements begun so far
    std::string key;        // objects: the current member's name
  };

  bool on_scalar(const Scalar& value) {
    if (levels_.empty()) return accept(take_scalar(state_, value), 0);
    begin_value();
    return accept(levels_.back().frame->scalar(value), levels_.size());
  }

  bool on_open(Bracket bracket) {
    std::unique_ptr<Frame> child;
    Refusal refusal;
    if (levels_.empty()) {
      refusal = take_open(state_, bracket, child);
    } else {
      begin_value();
      refusal = levels_.back().frame->open(bracket, child);
    }
    if (!accept(std::move(refusal), levels_.size())) return false;
    levels_.push_back(Level{.frame = std::move(child), .bracket = bracket, .items = 0, .key = {}});
    return true;
  }

  bool on_close() {
    Refusal refusal = levels_.back().frame->close();
    levels_.pop_back();
    return accept(std::move(refusal), levels_.size());
  }

  void begin_value() {
    if (levels_.back().bracket == Bracket::array) ++levels_.back().items;
  }

  // Records the refusal, if any, at the path through the first `depth`
  // levels' current members or elements.
  bool accept(Refusal refusal, std::size_t depth) {
    if (!refusal) return true;
    error_ = refused(path(depth) + ": " + *refusal);
    return false;
  }

  std::string path(std::size_t depth) const {
    std::string text = "$";
    for (std::size_t i = 0; i < depth; ++i) {
      const Level& level = levels_[i];
      if (level.bracket == Bracket::array) {
        text += '[' + std::to_string(level.items - 1) + ']';
      } else {
        append_member(text, level.key);
      }
    }
    return text;
  }

  TransientSnapshot& state_;
  std::vector<Level> levels_;
  Error error_;
};

}  // namespace

Result<TransientSnapshot> read_reference(ByteSource& source) {
  // nlohmann skips a UTF-8 byte order mark; the spec's grammar has none.
  if (source.starts_with("\xEF\xBB\xBF")) return refused("$: byte order mark before the document", 0);

  TransientSnapshot state;
  Handler handler(state);
  const bool parsed = nlohmann::json::sax_parse(ByteIterator(source), ByteIterator(), &handler);
  // Where the input ended early, the parser saw an end that is not the
  // document's: that is the error, whatever the parser made of it.
  switch (source.end()) {
    case ByteSource::End::limit:
      return Error::of(ErrorCode::limit_exceeded,
                       "the document is longer than the limit of " + std::to_string(source.limit()) + " bytes",
                       {}, source.limit());
    case ByteSource::End::read_error:
      return Error::of(ErrorCode::io, std::strerror(source.read_errno()));
    case ByteSource::End::not_yet:
      // nlohmann takes a NUL byte for the end of the input. A raw NUL is
      // valid nowhere in JSON, so after a successful parse one can only
      // follow the document: it is the last byte the parser took.
      if (parsed) return refused("$: NUL byte after the document", source.consumed() - 1);
      break;
    case ByteSource::End::end_of_input:
      break;
  }
  if (!parsed) return handler.take_error();
  return state;
}

}  // namespace bbsnap::json
