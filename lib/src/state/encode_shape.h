// Encoding a shaped part of the state (shape.h) into a FlatBufferBuilder.
// Children are built before their parent, in the order of the parent's
// fields, and each table by its generated Create function: the bytes are
// those flatc's own code would build, so equal states give equal files.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "bbsnap/format.h"
#include "state/encode.h"
#include "state/shape.h"

namespace bbsnap::encode {

template <class T>
auto encode(Builder& b, const T& value);

namespace detail {

// Byte strings start on a kBytesAlignment boundary (FORMAT.md), so that an
// envelope can be used in place.
inline flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> bytes(Builder& b, const Bytes& data) {
  b.ForceVectorAlignment(data.size(), 1, format::kBytesAlignment);
  return b.CreateVector(data.data(), data.size());
}

// The encodings of `object`'s fields, in order (a braced list evaluates
// left to right: children are built in field order).
template <class S, class Object>
auto fields_of(Builder& b, const Object& object) {
  return std::apply([&](const auto&... f) { return std::tuple{encode(b, object.*f.member)...}; }, S::fields);
}

// `create` (the table's generated Create function) called with `prefix`
// (a map entry's key) and the encodings of S's fields of `object`.
template <class S, class Create, class... Prefix, class Object>
auto create_table(Builder& b, Create create, const Object& object, Prefix... prefix) {
  return std::apply([&](auto... encoded) { return create(b, prefix..., encoded...); }, fields_of<S>(b, object));
}

template <class S, class... Prefix, class Object>
auto make_struct(const Object& object, Prefix... prefix) {
  return std::apply([&](const auto&... f) { return typename S::Struct(prefix..., object.*f.member...); }, S::fields);
}

template <class Map>
auto map(Builder& b, const Map& entries) {
  using S = shape::Shape<Map>;
  using Value = typename Map::mapped_type;
  if constexpr (shape::MapOfEntryStructs<Map>) {
    std::vector<typename S::Struct> items;
    items.reserve(entries.size());
    for (const auto& [key, value] : entries) items.push_back(make_struct<shape::Shape<Value>>(value, key));
    return b.CreateVectorOfStructs(items);
  } else {
    std::vector<flatbuffers::Offset<typename S::Table>> items;
    items.reserve(entries.size());
    for (const auto& entry : entries) {
      auto key = encode(b, entry.first);
      if constexpr (shape::MapWithValueField<Map>) {
        auto value = encode(b, entry.*S::value.member);
        items.push_back(S::create(b, key, value));
      } else {
        items.push_back(create_table<shape::Shape<Value>>(b, S::create, entry.second, key));
      }
    }
    return b.CreateVector(items);
  }
}

template <class E>
auto sequence(Builder& b, const std::vector<E>& items) {
  if constexpr (std::is_same_v<E, std::string>) {
    return b.CreateVectorOfStrings(items);
  } else if constexpr (std::is_arithmetic_v<E>) {
    return b.CreateVector(items);
  } else if constexpr (shape::StructShaped<E>) {
    std::vector<typename shape::Shape<E>::Struct> structs;
    structs.reserve(items.size());
    for (const E& item : items) structs.push_back(make_struct<shape::Shape<E>>(item));
    return b.CreateVectorOfStructs(structs);
  } else {
    using Offset = decltype(encode(b, items.front()));
    std::vector<Offset> offsets;
    offsets.reserve(items.size());
    for (const E& item : items) offsets.push_back(encode(b, item));
    return b.CreateVector(offsets);
  }
}

template <class Event>
flatbuffers::Offset<fb::IngressItem> ingress_item(Builder& b, const Event& event) {
  return std::visit(
      [&](const auto& alternative) {
        using S = shape::Shape<std::decay_t<decltype(alternative)>>;
        auto table = create_table<S>(b, S::create, alternative);
        const auto type = static_cast<fb::IngressEvent>(event.index() + 1);
        return fb::CreateIngressItem(b, type, table.Union());
      },
      event);
}

}  // namespace detail

// The FlatBuffers value of one part of the state: a scalar, or the offset
// of what was built for it.
template <class T>
auto encode(Builder& b, const T& value) {
  if constexpr (std::is_arithmetic_v<T>) {
    return value;
  } else if constexpr (std::is_same_v<T, std::optional<std::uint64_t>>) {
    return value ? flatbuffers::Optional<std::uint64_t>(*value) : flatbuffers::Optional<std::uint64_t>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return b.CreateString(value);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return detail::bytes(b, value);
  } else if constexpr (std::is_same_v<T, std::vector<Bytes>>) {  // each one a Bytes table
    std::vector<flatbuffers::Offset<fb::Bytes>> items;
    items.reserve(value.size());
    for (const Bytes& item : value) items.push_back(fb::CreateBytes(b, detail::bytes(b, item)));
    return b.CreateVector(items);
  } else if constexpr (shape::Optional<T>) {  // None: an absent field
    using Offset = decltype(encode(b, *value));
    return value ? encode(b, *value) : Offset();
  } else if constexpr (shape::Map<T>) {
    return detail::map(b, value);
  } else if constexpr (shape::Vector<T>) {
    return detail::sequence(b, value);
  } else if constexpr (std::is_same_v<T, IngressEvent>) {
    return detail::ingress_item(b, value);
  } else {
    static_assert(shape::TableShaped<T>, "a part of the state without a shape");
    return detail::create_table<shape::Shape<T>>(b, shape::Shape<T>::create, value);
  }
}

}  // namespace bbsnap::encode
