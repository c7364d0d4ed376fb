// Full verification of a file, on one thread or several. The work is cut in
// items that need no order among them: first every section's metadata, then
// the slot values in runs of kEntriesPerRun entries. Threads claim items from
// a shared counter, so a thread that draws small items takes more of them.
#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "verify.h"

namespace bbsnap {
namespace {

using format::SectionKind;

// About 256 KiB of values at 4 KiB each: small enough to balance two cores on
// a 1 MiB snapshot, large enough that claiming an item costs nothing.
constexpr std::uint32_t kEntriesPerRun = 64;

// The error of the lowest-numbered failing item, so that the error reported
// does not depend on thread timing.
class FirstError {
 public:
  void record(std::uint64_t item, Status status) {
    std::lock_guard lock(mutex_);
    if (item < item_) {
      item_ = item;
      status_ = std::move(status);
    }
    failed_.store(true, std::memory_order_relaxed);
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  Status status() const { return status_; }

 private:
  std::mutex mutex_;
  std::uint64_t item_ = std::numeric_limits<std::uint64_t>::max();
  Status status_;
  std::atomic<bool> failed_{false};
};

// Runs work(item) for item in [0, items) on `threads` threads (the calling
// one included), each with its own `work = make_worker()`; stops claiming
// new items after a failure.
template <typename MakeWorker>
Status run_parallel(unsigned threads, std::uint64_t items, MakeWorker make_worker) {
  FirstError first;
  std::atomic<std::uint64_t> next{0};
  auto worker = [&] {
    auto work = make_worker();
    for (std::uint64_t item; !first.failed() && (item = next.fetch_add(1)) < items;) {
      if (Status s = work(item); !s) first.record(item, std::move(s));
    }
  };
  unsigned helpers = static_cast<unsigned>(std::min<std::uint64_t>(threads, items)) - 1;
  if (threads <= 1 || items <= 1) helpers = 0;
  std::vector<std::jthread> pool;
  pool.reserve(helpers);
  for (unsigned i = 0; i < helpers; ++i) pool.emplace_back(worker);
  worker();
  pool.clear();  // joins
  return first.status();
}

// Walks the slot chunks' runs in order. Each thread sees its claimed items
// in increasing order, so it moves forward through the chunks and mapping an
// item to its chunk costs O(1) amortized, without a table of runs.
class RunCursor {
 public:
  RunCursor(const Layout& layout, const fb::SlotIndex& index) : layout_(layout), summaries_(*index.chunks()) {}

  // The chunk section and entry range of run `item`.
  void locate(std::uint64_t item, std::uint32_t& section, std::uint32_t& begin, std::uint32_t& end) {
    while (item >= base_ + runs_in(chunk_)) base_ += runs_in(chunk_++);
    std::uint64_t count = summaries_.Get(chunk_)->slot_count();
    section = layout_.first_chunk + chunk_;
    begin = static_cast<std::uint32_t>((item - base_) * kEntriesPerRun);
    end = static_cast<std::uint32_t>(std::min<std::uint64_t>(count, begin + std::uint64_t{kEntriesPerRun}));
  }

  static std::uint64_t total_runs(const fb::SlotIndex& index) {
    std::uint64_t total = 0;
    for (const fb::SlotChunkSummary* s : *index.chunks()) total += (s->slot_count() + kEntriesPerRun - 1) / kEntriesPerRun;
    return total;
  }

 private:
  std::uint64_t runs_in(std::uint32_t chunk) const {
    return (summaries_.Get(chunk)->slot_count() + kEntriesPerRun - 1) / kEntriesPerRun;
  }
  const Layout& layout_;
  const flatbuffers::Vector<const fb::SlotChunkSummary*>& summaries_;
  std::uint32_t chunk_ = 0;
  std::uint64_t base_ = 0;  // the first run of chunk_
};

}  // namespace

Status verify_file(const Layout& layout, unsigned threads) {
  // The index first: every chunk is checked against its summary there.
  auto index_section = static_cast<std::uint32_t>(layout.singleton[static_cast<std::uint32_t>(SectionKind::slot_index)]);
  if (Status s = verify_section(layout, index_section, PayloadCheck::skip); !s) return s;
  Status metadata = run_parallel(threads, layout.entries.size(), [&] {
    return [&](std::uint64_t i) {
      auto section = static_cast<std::uint32_t>(i);
      return section == index_section ? Status{} : verify_section(layout, section, PayloadCheck::skip);
    };
  });
  if (!metadata) return metadata;

  const fb::SlotIndex& index = *section_root<fb::SlotIndex>(layout, index_section);
  if (!index.chunks()) return {};
  return run_parallel(threads, RunCursor::total_runs(index), [&] {
    return [&, cursor = RunCursor(layout, index)](std::uint64_t item) mutable {
      std::uint32_t section = 0, begin = 0, end = 0;
      cursor.locate(item, section, begin, end);
      return verify_slot_values(layout, section, begin, end);
    };
  });
}

}  // namespace bbsnap
