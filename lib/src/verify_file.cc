// Full verification of a file, on one thread or several. The work is cut in
// phases of items that need no order among them: the mapping's pages in file
// order (to fault them in; see MappedFile::read_in_file_order), every
// section's metadata, then the slot values in runs of about kRunBytes.
// Threads claim items of a phase from a shared counter, so a thread that
// draws small items takes more of them, and meet at a barrier before the
// next phase: the threads are started once per file, not once per phase.
#include <algorithm>
#include <atomic>
#include <barrier>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "mapped_file.h"
#include "verify.h"

namespace bbsnap {
namespace {

using format::SectionKind;

// Slot values are checked in runs of about this many bytes of payload: small
// enough to balance two cores on an 8 MiB snapshot, large enough that
// claiming a run from the shared counter (a cache line the threads pass
// back and forth) is lost in its work. Runs counted in entries were too
// small for small values: 64 values of 64 bytes made claiming cost as much
// as checking, and two threads verified 1M such values no faster than one.
constexpr std::uint64_t kRunBytes = 256 << 10;

// Faulting in the mapping goes in pieces this large: threads taking turns
// keep the reads close to file order for the kernel's read-ahead.
constexpr std::uint64_t kFaultPiece = 1 << 20;

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

// One phase: `items()` says how many items it has (asked once the phases
// before it are done, so it may read what they verified) and
// `make_worker()` gives each thread a callable checking one item, with any
// state of its own. Plain lambdas rather than std::function: full
// verification allocates nothing on one thread.
template <typename Items, typename MakeWorker>
struct Phase {
  Items items;
  MakeWorker make_worker;
};
// Spelled out for clang before 17, which does not deduce aggregates' arguments.
template <typename Items, typename MakeWorker>
Phase(Items, MakeWorker) -> Phase<Items, MakeWorker>;

// Runs the phases in order on `threads` threads (the calling one included).
// Items are numbered across phases in order, so the first error in that
// numbering is the one a single thread finds; no phase starts after a
// failure.
template <typename... Phases>
Status run_phases(unsigned threads, const Phases&... phases) {
  FirstError first;
  std::atomic<std::uint64_t> next{0};  // the next unclaimed item of the phase
  // Whether to stop is decided once per phase, by the barrier's completion
  // step while every thread waits, and read by all after it. Each thread
  // asking first.failed() itself after the barrier would let a fast thread
  // start the next phase and fail in it before a slow one woke up: the slow
  // one would then leave, and the fast one wait for it at the next barrier
  // forever.
  bool stop = false;
  std::barrier phase_done(static_cast<std::ptrdiff_t>(std::max(1u, threads)), [&]() noexcept {
    stop = first.failed();
    next.store(0, std::memory_order_relaxed);
  });
  auto worker = [&] {
    std::uint64_t base = 0;  // items of the phases before
    auto run = [&](const auto& phase) {
      if (stop) return;
      const std::uint64_t items = phase.items();
      auto work = phase.make_worker();
      for (std::uint64_t item; !first.failed() && (item = next.fetch_add(1)) < items;) {
        if (Status s = work(item); !s) first.record(base + item, std::move(s));
      }
      base += items;
      phase_done.arrive_and_wait();
    };
    (run(phases), ...);
  };
  std::vector<std::jthread> helpers;
  helpers.reserve(threads > 1 ? threads - 1 : 0);
  for (unsigned i = 1; i < threads; ++i) helpers.emplace_back(worker);
  worker();
  helpers.clear();  // joins
  return first.status();
}

// Walks the slot chunks' runs in order. A chunk's entries are split into as
// many runs of equal entry counts as its payload area holds kRunBytes (at
// least one), which balances bytes as far as the values' sizes are even.
// Each thread sees its claimed items in increasing order, so it moves
// forward through the chunks and mapping an item to its chunk costs O(1)
// amortized, without a table of runs.
class RunCursor {
 public:
  // No run is located in an index without chunks (total_runs is 0).
  RunCursor(const Layout& layout, const fb::SlotIndex& index) : layout_(layout), summaries_(index.chunks()) {}

  // The chunk section and entry range of run `item`.
  void locate(std::uint64_t item, std::uint32_t& section, std::uint32_t& begin, std::uint32_t& end) {
    while (item >= base_ + runs_in(chunk_)) base_ += runs_in(chunk_++);
    const std::uint64_t count = summaries_->Get(chunk_)->slot_count();
    const std::uint64_t runs = runs_in(chunk_), run = item - base_;
    section = layout_.first_chunk + chunk_;
    begin = static_cast<std::uint32_t>(run * count / runs);
    end = static_cast<std::uint32_t>((run + 1) * count / runs);
  }

  std::uint64_t total_runs() const {
    std::uint64_t total = 0;
    if (!summaries_) return 0;
    for (std::uint32_t chunk = 0; chunk < summaries_->size(); ++chunk) total += runs_in(chunk);
    return total;
  }

 private:
  // Verified before any run is located: slot_count > 0 and equal to the
  // chunk's entry count, so a run holds at least one entry.
  std::uint64_t runs_in(std::uint32_t chunk) const {
    const std::uint64_t payload = layout_.entries[layout_.first_chunk + chunk].payload_length;
    return std::clamp<std::uint64_t>(payload / kRunBytes, 1, summaries_->Get(chunk)->slot_count());
  }
  const Layout& layout_;
  const flatbuffers::Vector<const fb::SlotChunkSummary*>* summaries_;
  std::uint32_t chunk_ = 0;
  std::uint64_t base_ = 0;  // the first run of chunk_
};

}  // namespace

Status verify_file(const Layout& layout, unsigned threads, FaultIn fault_in) {
  const std::span<const std::uint8_t> file = layout.file;
  const std::uint64_t pieces = fault_in == FaultIn::in_file_order ? (file.size() + kFaultPiece - 1) / kFaultPiece : 0;
  const auto index_section =
      static_cast<std::uint32_t>(layout.singleton[static_cast<std::uint32_t>(SectionKind::slot_index)]);
  const auto index = [&]() -> const fb::SlotIndex& { return *section_root<fb::SlotIndex>(layout, index_section); };

  // The index first (every chunk is checked against its summary there),
  // while the other threads fault in the mapping.
  const Phase index_and_fault_in{
      [&] { return 1 + pieces; },
      [&] {
        return [&](std::uint64_t item) {
          if (item == 0) return verify_section(layout, index_section, PayloadCheck::skip);
          const std::uint64_t at = (item - 1) * kFaultPiece;
          MappedFile::read_in_file_order(file.subspan(at, std::min<std::uint64_t>(kFaultPiece, file.size() - at)));
          return Status{};
        };
      }};
  const Phase metadata{[&] { return layout.entries.size(); },
                       [&] {
                         return [&](std::uint64_t item) {
                           auto section = static_cast<std::uint32_t>(item);
                           if (section == index_section) return Status{};
                           return verify_section(layout, section, PayloadCheck::skip);
                         };
                       }};
  const Phase slot_values{[&] { return RunCursor(layout, index()).total_runs(); },
                          [&] {
                            return [&, cursor = RunCursor(layout, index())](std::uint64_t item) mutable {
                              std::uint32_t section = 0, begin = 0, end = 0;
                              cursor.locate(item, section, begin, end);
                              return verify_slot_values(layout, section, begin, end);
                            };
                          }};
  return run_phases(threads, index_and_fault_in, metadata, slot_values);
}

}  // namespace bbsnap
