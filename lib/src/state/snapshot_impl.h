// The state of an open Snapshot (reader.h), shared by the files that
// implement it: reader.cc (open, lookups, views) and decode.cc (to_model).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "bbsnap/reader.h"
#include "container/container.h"
#include "container/loaded_file.h"
#include "container/mapped_file.h"
#include "state/verify.h"

namespace bbsnap {

// Lazy mode: which sections have passed their check. One bit per section
// (128 bytes for 1M slots in 1024-slot chunks), allocated once at open and
// set by whichever thread checks a section first; sections that fail stay
// clear and are re-checked (and reported) on each access.
class CheckedSections {
 public:
  CheckedSections() = default;
  explicit CheckedSections(std::size_t sections)
      : words_(std::make_unique<std::atomic<std::uint64_t>[]>((sections + 63) / 64)) {}
  bool contains(std::uint32_t index) const { return words_[index / 64].load(std::memory_order_acquire) & bit(index); }
  void insert(std::uint32_t index) { words_[index / 64].fetch_or(bit(index), std::memory_order_release); }

 private:
  static std::uint64_t bit(std::uint32_t index) { return std::uint64_t{1} << (index % 64); }
  std::unique_ptr<std::atomic<std::uint64_t>[]> words_;
};

struct Snapshot::Impl {
  MappedFile mapping;  // Load::map only
  LoadedFile loaded;   // Load::read only (neither: from_bytes, the caller owns the bytes)
  Layout layout;
  OpenOptions options;
  Load load = Load::read;  // what open() chose
  mutable CheckedSections checked;  // lazy mode only
  // Load::read in lazy and trusted mode: which sections have been read.
  // Set once a section's read succeeded, under read_mutex (reads are rare,
  // once per section, and long: one lock is enough); a failed read leaves
  // it clear, and the next access reads again.
  mutable CheckedSections read_sections;
  mutable std::mutex read_mutex;
  bool reads_on_access = false;

  // Section `index`'s bytes are in layout.file (Load::read: read now if
  // they are not yet), then, lazy mode, checked.
  Status ensure(std::uint32_t index) const;
  Status read_section(std::uint32_t index) const;
  template <typename Root>
  Result<const Root*> root(format::SectionKind kind) const {
    return root_at<Root>(layout.index_of(kind));
  }
  template <typename Root>
  Result<const Root*> root_at(std::uint32_t index) const {
    BBSNAP_RETURN_IF_ERROR(ensure(index));
    return section_root<Root>(layout, index);
  }
  Status check_spec_version() const;
  // The value of `entry`, one of chunk section `section`'s entries (lazy
  // mode: its hash checked).
  Result<SlotLookup> value(std::uint32_t section, const fb::SlotEntry& entry) const;
  // Section `index`'s metadata is about to be read whole: one read-ahead.
  void will_read_metadata(std::uint32_t index) const {
    const format::SectionEntry& entry = layout.entries[index];
    mapping.will_need(entry.offset + entry.payload_length, entry.offset + entry.length);
  }
};

}  // namespace bbsnap
