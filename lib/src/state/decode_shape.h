// Copying a shaped part of the state (shape.h) out of its verified
// FlatBuffers form into the owned model: the inverse of encode_shape.h.
// What the schema leaves absent reads as FORMAT.md §5.1 says: a null vector
// is empty, a null table the model's default, except where the model has
// an optional (PeerGovernor.allowlist, PendingAsync.deadline_ns): None.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "state/shape.h"

namespace bbsnap::decode {

template <class T, class From>
void decode(const From& from, T& to);

namespace detail {

// Every field of `S` from `from` (a table or struct) into `to`.
template <class S, class From, class To>
void fields(const From& from, To& to) {
  std::apply([&](const auto&... f) { (decode((from.*f.read)(), to.*f.member), ...); }, S::fields);
}

template <class E, class Item>
E element(const Item& item) {
  if constexpr (std::is_arithmetic_v<E>) {
    return item;
  } else {
    E out{};
    if constexpr (std::is_same_v<E, Bytes>) {
      decode(item->data(), out);  // each one a Bytes table
    } else if constexpr (shape::StructShaped<E>) {
      fields<shape::Shape<E>>(*item, out);
    } else {
      decode(item, out);
    }
    return out;
  }
}

template <class Map, class Vector>
void map(const Vector* entries, Map& to) {
  using S = shape::Shape<Map>;
  if (!entries) return;
  for (const auto* entry : *entries) {
    typename Map::key_type key{};
    decode((entry->*S::key.read)(), key);
    auto& value = to.emplace_hint(to.end(), std::move(key), typename Map::mapped_type{})->second;
    if constexpr (shape::MapWithValueField<Map>) {
      decode((entry->*S::value.read)(), value);
    } else {
      fields<shape::Shape<typename Map::mapped_type>>(*entry, value);
    }
  }
}

// The union's type is the alternative's index + 1.
template <std::size_t I = 0>
IngressEvent ingress_event(const fb::IngressItem& item) {
  if constexpr (I == std::variant_size_v<IngressEvent>) {
    return IngressEvent{};  // unreachable: verification refuses NONE and unknown types
  } else {
    using Alternative = std::variant_alternative_t<I, IngressEvent>;
    using Table = typename shape::Shape<Alternative>::Table;
    if (item.event_type() != static_cast<fb::IngressEvent>(I + 1)) return ingress_event<I + 1>(item);
    Alternative out;
    fields<shape::Shape<Alternative>>(*static_cast<const Table*>(item.event()), out);
    return out;
  }
}

}  // namespace detail

template <class T, class From>
void decode(const From& from, T& to) {
  if constexpr (std::is_arithmetic_v<T>) {
    to = from;
  } else if constexpr (std::is_same_v<T, std::optional<std::uint64_t>>) {
    to = from ? std::optional<std::uint64_t>(*from) : std::nullopt;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (from) to.assign(from->c_str(), from->size());
  } else if constexpr (std::is_same_v<T, Bytes>) {
    if (from) to.assign(from->data(), from->data() + from->size());
  } else if constexpr (shape::Optional<T>) {  // absent: None
    if (from) decode(from, to.emplace());
  } else if constexpr (shape::Map<T>) {
    detail::map(from, to);
  } else if constexpr (shape::Vector<T>) {
    using E = typename T::value_type;
    if (!from) return;
    to.reserve(from->size());
    for (const auto item : *from) to.push_back(detail::element<E>(item));
  } else if constexpr (std::is_same_v<T, IngressEvent>) {
    to = detail::ingress_event(*from);
  } else {
    static_assert(shape::TableShaped<T>, "a part of the state without a shape");
    if (from) detail::fields<shape::Shape<T>>(*from, to);
  }
}

}  // namespace bbsnap::decode
