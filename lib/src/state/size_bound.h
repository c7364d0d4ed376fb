// Upper bounds of the metadata the encoder builds for a shaped part of the
// state, computed without building it. FlatBuffers cannot build a buffer of
// 2 GiB or more (its 32-bit offsets would silently wrap), so the writer
// refuses a section whose bound is past the limit before encoding it.
//
// By the layout FlatBuffers' builder gives: a table of n fields costs at
// most its fields, 8 bytes each (flatc's Create functions add them largest
// first, so padding between them stays within that), its soffset and
// alignment padding (4 + 7 + 4), its own vtable (4 + 2n, and 2 of padding;
// shared vtables make it less) and the 4-byte offset that refers to it from
// its parent. A string, byte string or vector costs its length prefix,
// terminator, reference and up to 15 bytes of alignment padding, plus its
// contents. test/size_bound_test.cc checks both that the bounds hold and
// that they stay within 4x of the truth for small elements.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "state/shape.h"

namespace bbsnap::size_bound {

constexpr std::uint64_t table(std::uint64_t fields) { return 25 + 10 * fields; }
inline constexpr std::uint64_t kBlob = 4 + 1 + 4 + 15;
// A section's buffer: its root offset, alignment and the root's vtable slack.
inline constexpr std::uint64_t kRoot = 64;

template <class T>
std::uint64_t bound(const T& value);

namespace detail {

template <class S>
constexpr std::uint64_t field_count() {
  return std::tuple_size_v<std::decay_t<decltype(S::fields)>>;
}

// A table's own cost and its fields' contents.
template <class S, class Object>
std::uint64_t fields(const Object& object, std::uint64_t extra_fields = 0) {
  return std::apply([&](const auto&... f) { return table(field_count<S>() + extra_fields) + (std::uint64_t{0} + ... + bound(object.*f.member)); },
                    S::fields);
}

}  // namespace detail

template <class T>
std::uint64_t bound(const T& value) {
  using namespace detail;
  if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::optional<std::uint64_t>>) {
    return 0;  // inside its table's fields
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, Bytes>) {
    return kBlob + value.size();
  } else if constexpr (shape::Optional<T>) {
    return value ? bound(*value) : 0;
  } else if constexpr (shape::Map<T>) {
    using S = shape::Shape<T>;
    using Value = typename T::mapped_type;
    if constexpr (shape::MapOfEntryStructs<T>) {
      return kBlob + sizeof(typename S::Struct) * value.size();
    } else {
      std::uint64_t total = kBlob;
      for (const auto& [key, v] : value) {
        if constexpr (shape::MapWithValueField<T>) {
          total += table(2) + bound(key) + bound(v);
        } else {
          total += bound(key) + fields<shape::Shape<Value>>(v, 1);
        }
      }
      return total;
    }
  } else if constexpr (shape::Vector<T>) {
    using E = typename T::value_type;
    if constexpr (std::is_arithmetic_v<E>) {
      return kBlob + sizeof(E) * value.size();
    } else if constexpr (shape::StructShaped<E>) {
      return kBlob + sizeof(typename shape::Shape<E>::Struct) * value.size();
    } else {
      std::uint64_t total = kBlob;
      for (const E& item : value) {
        if constexpr (std::is_same_v<E, Bytes>) total += table(1);  // each one a Bytes table
        total += bound(item);
      }
      return total;
    }
  } else if constexpr (std::is_same_v<T, IngressEvent>) {
    // The IngressItem (a union is two fields) and the variant's table.
    return table(2) + std::visit([](const auto& alternative) {
             return fields<shape::Shape<std::decay_t<decltype(alternative)>>>(alternative);
           }, value);
  } else {
    static_assert(shape::TableShaped<T>, "a part of the state without a shape");
    return fields<shape::Shape<T>>(value);
  }
}

}  // namespace bbsnap::size_bound
