// The model's strings must be valid UTF-8 (model.h): a reader refuses a file
// with any other string, so the writer refuses to write one rather than
// produce a snapshot nobody can open.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "bbsnap/model.h"
#include "bbsnap/status.h"
#include "state/path.h"
#include "state/shape.h"

namespace bbsnap {

// Whether `text` is valid UTF-8: the one check behind the writer's refusal
// (check_text) and the reader's (a file's strings).
bool is_utf8(std::string_view text);

// Every string of `state` (counter names, fired phases, event kinds, module
// and input names, NamedBytes names). invalid_argument naming the first one
// that is not valid UTF-8 and where it is, e.g. "ingress[3].module_name".
Status check_text(const TransientSnapshot& state);

namespace text {

template <class T>
struct HasText;
template <class T>
inline constexpr bool kHasText = HasText<T>::value;

// Whether a part of the state holds any string: the walk skips those that
// hold none (slot values, frontiers, ...) at no cost.
template <class T>
struct HasText {
  static constexpr bool value = [] {
    if constexpr (std::is_same_v<T, std::string>) {
      return true;
    } else if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, Bytes>) {
      return false;
    } else if constexpr (shape::TableShaped<T> || shape::StructShaped<T>) {
      return std::apply([](const auto&... f) { return (kHasText<typename std::decay_t<decltype(f)>::MemberType> || ...); },
                        shape::Shape<T>::fields);
    } else {
      return false;  // specialised below for containers
    }
  }();
};
template <class E>
struct HasText<std::vector<E>> : HasText<E> {};
template <class E>
struct HasText<std::optional<E>> : HasText<E> {};
template <class K, class V>
struct HasText<std::map<K, V>> : std::bool_constant<kHasText<K> || kHasText<V>> {};
template <class... A>
struct HasText<std::variant<A...>> : std::bool_constant<(kHasText<A> || ...)> {};

Status utf8(const std::string& text, const Path& path);

template <class T>
Status check(const T& value, const Path& path) {
  if constexpr (!kHasText<T>) {
    return {};
  } else if constexpr (std::is_same_v<T, std::string>) {
    return utf8(value, path);
  } else if constexpr (shape::Map<T>) {
    for (const auto& [key, v] : value) {
      BBSNAP_RETURN_IF_ERROR(check(key, path.key()));
      BBSNAP_RETURN_IF_ERROR(check(v, path));
    }
    return {};
  } else if constexpr (requires { value.has_value(); }) {
    return value ? check(*value, path) : Status{};
  } else if constexpr (requires { value.size(); value.begin(); }) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      BBSNAP_RETURN_IF_ERROR(check(value[i], path.element(i)));
    }
    return {};
  } else if constexpr (std::is_same_v<T, IngressEvent>) {
    return std::visit([&](const auto& alternative) { return check(alternative, path); }, value);
  } else {
    Status status;
    std::apply([&](const auto&... f) { ((status = status ? check(value.*f.member, path.field(f.name)) : status), ...); },
               shape::Shape<T>::fields);
    return status;
  }
}

}  // namespace text

}  // namespace bbsnap
