#include "state/sections.h"

#include <array>
#include <cstddef>

#include "state/check_shape.h"
#include "state/decode_shape.h"
#include "state/encode_shape.h"
#include "state/shape.h"
#include "state/size_bound.h"
#include "state/slot_table.h"
#include "state/text_check.h"
#include "state/verify.h"

namespace bbsnap {

using format::SectionKind;
using shape::WholeSection;
using shape::WrappedSection;

namespace {

// How many entries `bbsnap info` counts in a part of the state: the
// elements of its lists and maps, and of those in the tables it holds
// directly (the framework's peer governor); not what is inside an element.
template <class T, class From>
std::uint64_t entries_of(const From& from) {
  if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::string> || std::is_same_v<T, Bytes> ||
                std::is_same_v<T, std::optional<std::uint64_t>>) {
    return 0;
  } else if constexpr (requires { typename T::value_type; }) {  // a list, a map or an optional list
    return from ? from->size() : 0;
  } else {
    static_assert(shape::TableShaped<T>);
    if (!from) return 0;
    return std::apply([&](const auto&... f) {
      return (std::uint64_t{0} + ... + entries_of<typename std::decay_t<decltype(f)>::MemberType>((from->*f.read)()));
    }, shape::Shape<T>::fields);
  }
}

// The row of a section that holds one member of the state, from its
// description in shape.h.
template <class Section>
struct StateSection {
  using Model = typename Section::Model;
  using Root = typename Section::Root;

  static const Root& root(const Layout& layout, std::uint32_t index) { return *section_root<Root>(layout, index); }
  static std::string_view name(const Layout& layout, std::uint32_t index) {
    return section_kind(layout.entries[index].kind)->name;
  }

  // Flattened: verifying thousands of small tables is most of a full open
  // of a small state, and in this file, with every other operation's
  // templates, GCC stops inlining the Verifier's table checks otherwise.
  [[gnu::flatten]] static Status check(const Layout& layout, std::uint32_t index) {
    return check_root<Root>(layout, index, [&](Checker& c, const Root& r) {
      check::check<Model>(c, Section::read(r), Path(name(layout, index)));
    });
  }
  static std::uint64_t entries(const Layout& layout, std::uint32_t index) {
    return entries_of<Model>(Section::read(root(layout, index)));
  }
  static encode::Buffer encode(encode::Builder& b, const TransientSnapshot& state) {
    return encode::finish(b, Section::root(b, encode::encode(b, state.*Section::member)));
  }
  static std::uint64_t size_bound(const TransientSnapshot& state) {
    // A wrapping root is a table of one field.
    return size_bound::kRoot + (Section::wrapped ? size_bound::table(1) : 0) + size_bound::bound(state.*Section::member);
  }
  static Status check_text(const TransientSnapshot& state, const Path& path) {
    return text::check(state.*Section::member, path);
  }
  static void decode(const Layout& layout, std::uint32_t index, TransientSnapshot& state) {
    decode::decode(Section::read(root(layout, index)), state.*Section::member);
  }
};

template <class Section>
constexpr SectionKindInfo state_section(SectionKind kind, std::string_view name) {
  using Row = StateSection<Section>;
  return {kind,        name,           Occurs::once,     false,       &Row::check, &Row::entries,
          &Row::encode, &Row::size_bound, &Row::check_text, &Row::decode};
}

template <auto Member, auto Read, auto Create>
using Wrapped = WrappedSection<Member, Read, Create>;
template <auto Member>
using Whole = WholeSection<Member>;
using S = TransientSnapshot;

constexpr SectionKindInfo kKinds[] = {
    {SectionKind::slot_chunk, "slot_chunk", Occurs::run, true, &check_slot_chunk, &slot_chunk_entries, nullptr,
     nullptr, nullptr, nullptr},
    {SectionKind::slot_index, "slot_index", Occurs::once, false, &check_slot_index, &slot_index_entries, nullptr,
     nullptr, nullptr, nullptr},
    state_section<Wrapped<&S::frontier, &fb::Frontier::items, &fb::CreateFrontier>>(SectionKind::frontier, "frontier"),
    state_section<Wrapped<&S::pending_async, &fb::PendingAsyncTable::entries, &fb::CreatePendingAsyncTable>>(
        SectionKind::pending_async, "pending_async"),
    state_section<Wrapped<&S::execution_state, &fb::ExecutionStateTable::entries, &fb::CreateExecutionStateTable>>(
        SectionKind::execution_state, "execution_state"),
    state_section<Whole<&S::framework>>(SectionKind::framework, "framework"),
    state_section<Whole<&S::bus>>(SectionKind::bus, "bus"),
    state_section<Wrapped<&S::ingress, &fb::Ingress::events, &fb::CreateIngress>>(SectionKind::ingress, "ingress"),
    state_section<Wrapped<&S::wire_states, &fb::WireStates::entries, &fb::CreateWireStates>>(SectionKind::wire_states,
                                                                                             "wire_states"),
    state_section<Wrapped<&S::pending_completions, &fb::PendingCompletions::entries, &fb::CreatePendingCompletions>>(
        SectionKind::pending_completions, "pending_completions"),
};

constexpr auto kRules = [] {
  std::array<KindRule, std::size(kKinds)> rules{};
  for (std::size_t i = 0; i < rules.size(); ++i) {
    rules[i] = {static_cast<std::uint32_t>(kKinds[i].kind), kKinds[i].name, kKinds[i].occurs};
  }
  return rules;
}();
static_assert(std::size(kKinds) == format::kMaxKnownKind, "a row for every kind of format.h");

constexpr SectionCatalog kCatalog{kRules};

}  // namespace

std::span<const SectionKindInfo> section_kinds() { return kKinds; }

const SectionKindInfo* section_kind(std::uint32_t kind) {
  for (const SectionKindInfo& row : kKinds) {
    if (static_cast<std::uint32_t>(row.kind) == kind) return &row;
  }
  return nullptr;
}

const SectionCatalog& section_catalog() { return kCatalog; }

}  // namespace bbsnap

namespace bbsnap::format {

std::string section_kind_name(std::uint32_t kind) { return section_catalog().name(kind); }

std::string_view known_section_kind_name(std::uint32_t kind) {
  const SectionKindInfo* row = section_kind(kind);
  return row ? row->name : std::string_view();  // the rows' names are string literals
}

}  // namespace bbsnap::format
