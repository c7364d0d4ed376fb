// The content rules of one section's metadata (FORMAT.md §5), checked on a
// FlatBuffer the Verifier has accepted. A Checker records the first rule the
// section breaks, with its byte offset; later checks become no-ops, so a
// check reads as a flat list of rules.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

#include "bbsnap/status.h"
#include "bbsnap_generated.h"
#include "container/container.h"
#include "state/path.h"
#include "state/text_check.h"

namespace bbsnap {

class Checker {
 public:
  Checker(const Layout& layout, std::uint32_t index)
      : layout_(layout), index_(index), content_budget_(layout.metadata(index).size()) {}

  bool ok() const { return status_.ok(); }
  Status status() const { return status_; }

  // `message` is text, or a callable making it: it is only built for a
  // broken rule, so checking allocates nothing. The check itself is inlined
  // (it runs for every table and string of the metadata), the error path
  // is not.
  template <typename Message>
  [[gnu::always_inline]] void require(bool rule, const void* where, Message&& message) {
    if (rule || !ok()) [[likely]] return;
    if constexpr (std::is_invocable_v<Message>) {
      broken(where, message());
    } else {
      broken(where, message);
    }
  }

  void fail(Status status) {
    if (ok()) status_ = std::move(status);
  }

  template <typename T>
  void aligned(const T* data, std::size_t alignment, const Path& path) {
    require(reinterpret_cast<std::uintptr_t>(data) % alignment == 0, data,
            [&] { return path.str() + " is not " + std::to_string(alignment) + "-byte aligned"; });
  }

  // A writer never shares a string or vector between two references, so
  // their contents add up to less than the buffer's size. A hostile buffer
  // pointing many offsets at one long string or vector would make checking
  // it, and copying it out in to_model(), quadratic: refused once the total
  // passes the size. This keeps every pass over a section linear in its size.
  void spend(const void* where, std::uint64_t bytes) {
    require(bytes <= content_budget_, where,
            "strings and vectors add up to more than the metadata's size: shared or overlapping contents");
    if (ok()) content_budget_ -= bytes;
  }

  // Byte strings start on a 16-byte boundary of the file. (An empty vector
  // has no first byte: FlatBuffers does not pad for it.)
  void bytes(const flatbuffers::Vector<std::uint8_t>* v, const Path& path) {
    if (!v) return;
    spend(v, 4 + std::uint64_t{v->size()});
    if (v->size() > 0) aligned(v->data(), format::kBytesAlignment, path);
  }
  void text(const flatbuffers::String* s, const Path& path) {
    if (!s) return;
    spend(s, 5 + std::uint64_t{s->size()});
    if (!ok()) return;
    require(is_utf8(std::string_view(s->c_str(), s->size())), s,
            [&] { return path.str() + " is not valid UTF-8"; });
  }
  // A vector of 8-byte scalars or structs, read in place.
  template <typename T>
  void words(const flatbuffers::Vector<T>* v, const Path& path) {
    if (!v) return;
    spend(v, 4 + std::uint64_t{v->size()} * sizeof(std::remove_pointer_t<T>));  // T is `const S*` for structs
    if (v->size() > 0) aligned(v->data(), 8, path);
  }
  // Map keys: strictly increasing, so binary search finds the one entry.
  template <typename Key>
  void increasing(const Key& previous, const Key& current, const void* where, const Path& path) {
    require(previous < current, where, [&] { return path.str() + ": keys are not sorted and unique"; });
  }
  // Padding in [begin, end) of the file must be zero.
  void zeros(std::uint64_t begin, std::uint64_t end) { fail(check_zero(layout_, begin, end, index_)); }

 private:
  [[gnu::cold, gnu::noinline]] void broken(const void* where, std::string text) {
    auto offset = static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(where) - layout_.file.data());
    status_ = Error::of(ErrorCode::malformed_section, std::move(text), layout_.section_name(index_), offset);
  }

  const Layout& layout_;
  std::uint32_t index_;
  std::uint64_t content_budget_;  // bytes of strings and vectors the buffer can still hold
  Status status_;
};

// FlatBuffers' Verifier with limits derived from the buffer's size. Distinct
// tables occupy distinct bytes and each needs at least 4, so a buffer of n
// bytes holds at most n/4 tables; a hostile buffer that points many offsets
// at one table makes the Verifier visit it again each time, and the same
// bound on visits keeps verification time linear in n. Every element that is
// not constant-time to verify is a table (schema/bbsnap.fbs), so this is the
// bound on all of the Verifier's work.
inline flatbuffers::Verifier::Options verifier_options(std::span<const std::uint8_t> metadata) {
  flatbuffers::Verifier::Options options;
  options.max_depth = format::kMaxFlatBufferDepth;
  options.max_tables = static_cast<flatbuffers::uoffset_t>(metadata.size() / 4 + 1);
  options.check_alignment = true;  // relative to the buffer, which is 64-aligned in the file
  options.check_nested_flatbuffers = false;
  return options;
}

template <typename Root>
std::string not_a_valid(const char* what) {
  return std::string("the ") + what + " is not a valid " + Root::GetFullyQualifiedName() + " FlatBuffer";
}

// A section's metadata as a FlatBuffer of `Root` (§7.3 step 4), then
// `rules(checker, root)`, its content rules.
template <typename Root, typename Rules>
Status check_root(const Layout& layout, std::uint32_t index, Rules rules) {
  Checker c(layout, index);
  std::span<const std::uint8_t> metadata = layout.metadata(index);
  flatbuffers::Verifier verifier(metadata.data(), metadata.size(), verifier_options(metadata));
  c.require(verifier.VerifyBuffer<Root>(nullptr), metadata.data(), [] { return not_a_valid<Root>("metadata"); });
  if (c.ok()) rules(c, *flatbuffers::GetRoot<Root>(metadata.data()));
  return c.status();
}

}  // namespace bbsnap
