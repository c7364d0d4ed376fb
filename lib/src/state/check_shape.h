// The content rules of a shaped part of the state (shape.h), on its
// FlatBuffers form once the Verifier has accepted the buffer (FORMAT.md §5):
// strings are UTF-8, byte strings 16-aligned, vectors of 8-byte scalars and
// structs 8-aligned, struct padding zero, map keys strictly increasing, a
// union holds one of its variants; and contents never add up to more than
// the buffer (Checker::spend). Rules are checked in field order, element by
// element, so the first broken one is the one FORMAT.md §7.3 names.
#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "state/checker.h"
#include "state/shape.h"

namespace bbsnap::check {

template <class T, class From>
void check(Checker& c, const From& from, const Path& path);

namespace detail {

template <class S, class From>
void fields(Checker& c, const From& from, const Path& path) {
  std::apply(
      [&](const auto&... f) {
        (check<typename std::decay_t<decltype(f)>::MemberType>(c, (from.*f.read)(), path.field(f.name)), ...);
      },
      S::fields);
}

// The sizes of a struct's fields, in order; a map entry's key comes first.
template <class S, class... Key>
constexpr auto field_sizes() {
  return std::apply(
      [](const auto&... f) {
        return std::array<std::size_t, sizeof...(Key) + sizeof...(f)>{
            sizeof(Key)..., sizeof(typename std::decay_t<decltype(f)>::MemberType)...};
      },
      S::fields);
}

// The bytes of a struct no field covers: FlatBuffers lays its scalar fields
// out in order, each at its own alignment, and pads the end to the struct's.
template <class Struct, std::size_t N>
constexpr std::array<bool, sizeof(Struct)> padding_of(const std::array<std::size_t, N>& sizes) {
  std::array<bool, sizeof(Struct)> padding{};
  padding.fill(true);
  std::size_t offset = 0;
  for (std::size_t size : sizes) {
    offset = (offset + size - 1) / size * size;
    for (std::size_t i = 0; i < size; ++i) padding[offset + i] = false;
    offset += size;
  }
  return padding;
}

template <std::size_t N>
constexpr bool any(const std::array<bool, N>& bits) {
  for (bool bit : bits) {
    if (bit) return true;
  }
  return false;
}

// Padding must be zero; each run of it is reported at its first byte.
template <class Struct, std::size_t N>
void struct_padding(Checker& c, const Struct& item, const std::array<bool, N>& padding) {
  const auto* raw = reinterpret_cast<const std::uint8_t*>(&item);
  for (std::size_t i = 0; i < N; ++i) {
    if (!padding[i] || (i > 0 && padding[i - 1])) continue;
    bool zero = true;
    for (std::size_t j = i; j < N && padding[j]; ++j) zero &= raw[j] == 0;
    c.require(zero, raw + i, "struct padding is not zero");
  }
}

// A key as it orders: strings bytewise, numbers by value.
inline std::string_view ordered(const flatbuffers::String* key) {
  return key ? std::string_view(key->c_str(), key->size()) : std::string_view();
}
template <class Number>
Number ordered(Number key) {
  return key;
}

template <class Map, class Vector>
void map(Checker& c, const Vector* entries, const Path& path) {
  using S = shape::Shape<Map>;
  using Value = typename Map::mapped_type;
  if constexpr (shape::MapOfEntryStructs<Map>) c.words(entries, path);
  if (!entries) return;
  for (flatbuffers::uoffset_t i = 0; i < entries->size() && c.ok(); ++i) {
    const auto* entry = entries->Get(i);
    const Path at = path.element(i);
    check<typename Map::key_type>(c, (entry->*S::key.read)(), at.field(S::key.name));
    if constexpr (shape::MapOfEntryStructs<Map>) {
      static constexpr auto padding =
          padding_of<typename S::Struct>(field_sizes<shape::Shape<Value>, typename Map::key_type>());
      if constexpr (any(padding)) struct_padding(c, *entry, padding);
    } else if constexpr (shape::MapWithValueField<Map>) {
      check<Value>(c, (entry->*S::value.read)(), at.field(S::value.name));
    } else {
      fields<shape::Shape<Value>>(c, *entry, at);
    }
    if (i > 0) {
      c.increasing(ordered((entries->Get(i - 1)->*S::key.read)()), ordered((entry->*S::key.read)()), entry, path);
    }
  }
}

template <class E, class Vector>
void sequence(Checker& c, const Vector* items, const Path& path) {
  if constexpr (std::is_arithmetic_v<E>) {
    c.words(items, path);
  } else if constexpr (shape::StructShaped<E>) {
    c.words(items, path);
    if (!items) return;
    static constexpr auto padding = padding_of<typename shape::Shape<E>::Struct>(field_sizes<shape::Shape<E>>());
    if constexpr (any(padding)) {
      for (const auto* item : *items) struct_padding(c, *item, padding);
    }
  } else {
    if (!items) return;
    for (flatbuffers::uoffset_t i = 0; i < items->size() && c.ok(); ++i) {
      if constexpr (std::is_same_v<E, Bytes>) {
        c.bytes(items->Get(i)->data(), path.element(i));  // each one a Bytes table
      } else {
        check<E>(c, items->Get(i), path.element(i));
      }
    }
  }
}

template <std::size_t I = 0>
void ingress_event(Checker& c, const fb::IngressItem& item, const Path& path) {
  if constexpr (I == std::variant_size_v<IngressEvent>) {
    c.require(false, &item, [&] {
      return path.str() + ": ingress event of unknown variant " + std::to_string(static_cast<int>(item.event_type()));
    });
  } else {
    using Alternative = std::variant_alternative_t<I, IngressEvent>;
    using Table = typename shape::Shape<Alternative>::Table;
    if (item.event_type() != static_cast<fb::IngressEvent>(I + 1)) return ingress_event<I + 1>(c, item, path);
    fields<shape::Shape<Alternative>>(c, *static_cast<const Table*>(item.event()), path);
  }
}

}  // namespace detail

template <class T, class From>
void check(Checker& c, const From& from, const Path& path) {
  if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::optional<std::uint64_t>>) {
    return;  // the Verifier checked that it lies inside the buffer
  } else if constexpr (std::is_same_v<T, std::string>) {
    c.text(from, path);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    c.bytes(from, path);
  } else if constexpr (shape::Optional<T>) {
    check<typename T::value_type>(c, from, path);
  } else if constexpr (shape::Map<T>) {
    detail::map<T>(c, from, path);
  } else if constexpr (shape::Vector<T>) {
    detail::sequence<typename T::value_type>(c, from, path);
  } else if constexpr (std::is_same_v<T, IngressEvent>) {
    // The Verifier accepts a union whose value is absent; a variant without
    // its fields is not an event.
    c.require(from->event() != nullptr || from->event_type() == fb::IngressEvent::NONE, from,
              [&] { return path.str() + ": ingress event without its value"; });
    if (c.ok()) detail::ingress_event(c, *from, path);
  } else {
    static_assert(shape::TableShaped<T>, "a part of the state without a shape");
    if (from) detail::fields<shape::Shape<T>>(c, *from, path);
  }
}

}  // namespace bbsnap::check
