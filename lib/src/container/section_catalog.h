// What the container needs to know of the section kinds, without knowing
// what they hold: each known kind's name and how often a file holds it. The
// layer above provides the catalog (state/sections.h); the container checks
// a file's section table against it (FORMAT.md §7.2 checks 13 and 14) and
// names sections with it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace bbsnap {

enum class Occurs : bool {
  once,  // exactly one section of the kind per file
  run,   // zero or more, consecutive in the table (slot chunks)
};

struct KindRule {
  std::uint32_t kind = 0;  // 1 and up; 0 is reserved
  std::string_view name;
  Occurs occurs = Occurs::once;
};

class SectionCatalog {
 public:
  // `rules` must outlive the catalog; each kind at most once.
  explicit constexpr SectionCatalog(std::span<const KindRule> rules) : rules_(rules) {}

  // The rule of a known kind; nullptr for an unknown kind (and for 0).
  const KindRule* find(std::uint32_t kind) const {
    for (const KindRule& rule : rules_) {
      if (rule.kind == kind) return &rule;
    }
    return nullptr;
  }
  std::span<const KindRule> rules() const { return rules_; }
  // "framework"; "kind_42" for an unknown kind.
  std::string name(std::uint32_t kind) const {
    const KindRule* rule = find(kind);
    return rule ? std::string(rule->name) : "kind_" + std::to_string(kind);
  }

 private:
  std::span<const KindRule> rules_;
};

}  // namespace bbsnap
