// Where a part of the state is, in the terms of the state document:
// "framework.counters[3].name", "ingress[1].module_name", "bus.event_subscriptions key".
// A chain of frames on the caller's stack, one per level walked, rendered
// only for a message: walking the state costs a few stores per level.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bbsnap {

class Path {
 public:
  explicit Path(std::string_view root) : name_(root) {}

  // Each returns a frame that refers to this one: use it while this lives.
  Path field(std::string_view name) const { return Path(this, Step::field, name, 0); }
  Path element(std::size_t index) const { return Path(this, Step::element, {}, index); }
  Path key() const { return Path(this, Step::key, {}, 0); }

  std::string str() const {
    std::string out = parent_ ? parent_->str() : std::string();
    switch (step_) {
      case Step::root: return std::string(name_);
      case Step::field: return out + "." + std::string(name_);
      case Step::element: return out + "[" + std::to_string(index_) + "]";
      case Step::key: return out + " key";
    }
    return out;
  }

 private:
  enum class Step { root, field, element, key };
  Path(const Path* parent, Step step, std::string_view name, std::size_t index)
      : parent_(parent), step_(step), name_(name), index_(index) {}

  const Path* parent_ = nullptr;
  Step step_ = Step::root;
  std::string_view name_;
  std::size_t index_ = 0;
};

}  // namespace bbsnap
