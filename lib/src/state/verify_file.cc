// Full verification of a file, on one thread or several, as a pipeline:
// one thread faults a mapping in, in file order (see
// MappedFile::read_in_file_order); one checks the slot index and then every
// section's metadata in file order, each once the fault-in has passed its
// end; the others, and these two once done, check runs of slot values, each
// once its chunk's metadata has passed. The checking thread, when it has
// nothing to check yet, faults in the next piece itself. Faulting in (the
// kernel's work) then overlaps hashing (the memory's), and no check reads a
// page before the fault-in has, so a cold file is still read in file order.
// On one thread the checking thread is all there is: it alternates faulting
// in a piece and checking what that piece completed, while the kernel's
// read-ahead fetches the next pieces of a cold file. Checking everything
// only after faulting everything in left the disk idle during the checks: a
// cold open of 1M values of 64 bytes took 87-91 ms against 72-80 ms this
// way (pread of the file: 66-74 ms), warm opens the same either way.
//
// Bytes already in memory (from_bytes, a populated mapping) go through the
// same pipeline with nothing left to fault in.
#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "container/mapped_file.h"
#include "state/slot_table.h"
#include "state/verify.h"

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

// Faults in piece `piece` (of kFaultPiece bytes; the last may be shorter).
void fault_in_piece(std::span<const std::uint8_t> file, std::uint64_t piece) {
  const std::uint64_t at = piece * kFaultPiece;
  MappedFile::read_in_file_order(file.subspan(at, std::min<std::uint64_t>(kFaultPiece, file.size() - at)));
}

// The pipeline's fault-in: pieces claimed in file order by up to two
// threads (the faulting one, and the checking one when it would otherwise
// wait), with the length of the prefix known to be faulted in. Each thread
// publishes the piece it works on; every piece below the lowest of those
// and below the next unclaimed one is done. No table of pieces: the open
// allocates nothing that grows with the file.
class SharedFaultIn {
 public:
  enum Slot : unsigned { kFaulting = 0, kChecking = 1 };

  // `faulted`: the bytes are in memory already; every piece counts as done.
  SharedFaultIn(std::span<const std::uint8_t> file, std::uint64_t pieces, bool faulted)
      : file_(file), pieces_(pieces), next_(faulted ? pieces : 0) {}

  // Claims the next piece and faults it in; false once every piece is claimed.
  bool fault_next(Slot slot) {
    // A lower bound of the piece about to be claimed is published first, so
    // that faulted() never counts a claimed piece as done.
    working_[slot].store(next_.load());
    const std::uint64_t piece = next_.fetch_add(1);
    if (piece >= pieces_) {
      working_[slot].store(kIdle);
      return false;
    }
    working_[slot].store(piece);
    fault_in_piece(file_, piece);
    working_[slot].store(kIdle);
    finished_.fetch_add(1);
    finished_.notify_all();
    return true;
  }

  // Pieces [0, faulted()) are faulted in.
  std::uint64_t faulted() const {
    const std::uint64_t claimed = std::min(next_.load(), pieces_);  // read before working_
    return std::min({claimed, working_[0].load(), working_[1].load()});
  }

  // Whether bytes [0, end) of the file are faulted in.
  bool reached(std::uint64_t end) const { return faulted() * kFaultPiece >= end; }

  // Waiting for another piece to finish: read finished(), check again, then
  // wait_past() what was read.
  std::uint32_t finished() const { return finished_.load(); }
  void wait_past(std::uint32_t finished) const { finished_.wait(finished); }

 private:
  static constexpr std::uint64_t kIdle = std::numeric_limits<std::uint64_t>::max();
  const std::span<const std::uint8_t> file_;
  const std::uint64_t pieces_;
  std::atomic<std::uint64_t> next_;
  std::atomic<std::uint64_t> working_[2]{kIdle, kIdle};
  std::atomic<std::uint32_t> finished_{0};  // pieces done (mod 2^32), for waiting on
};

// Starts up to `wanted` threads running `body`, and returns those that
// started. The kernel may refuse a thread (std::system_error: EAGAIN under a
// process or memory limit), or its state may not fit in memory
// (std::bad_alloc): the work is claimed from shared counters, so the
// threads that did start (the calling one at least) still do all of it,
// only more slowly. Leaving by an exception instead would join threads
// that wait for the ones never started.
template <typename Body>
std::vector<std::jthread> start_threads(unsigned wanted, const Body& body) {
  std::vector<std::jthread> started;
  try {
    started.reserve(wanted);
    for (unsigned i = 0; i < wanted; ++i) started.emplace_back(body, i);
  } catch (...) {
  }
  return started;
}

// The error of the lowest-numbered failing item, so that the error reported
// does not depend on thread timing.
//
// A check can also throw: std::bad_alloc while it builds an error's message.
// An exception must not leave a thread: out of a helper it would terminate
// the process, out of the calling thread it would join helpers waiting for
// it. It is kept instead, stops the work like an error, and status()
// rethrows it on the calling thread once every thread is done, for the
// library's boundary to turn into an error value.
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
  void record(std::exception_ptr exception) {
    std::lock_guard lock(mutex_);
    if (!exception_) exception_ = std::move(exception);
    failed_.store(true, std::memory_order_relaxed);
  }
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  Status status() const {
    if (exception_) std::rethrow_exception(exception_);
    return status_;
  }

 private:
  std::mutex mutex_;
  std::uint64_t item_ = std::numeric_limits<std::uint64_t>::max();
  Status status_;
  std::exception_ptr exception_;
  std::atomic<bool> failed_{false};
};

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
    section = layout_.run(SectionKind::slot_chunk).first + chunk_;
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
    const std::uint64_t payload = layout_.entries[layout_.run(SectionKind::slot_chunk).first + chunk].payload_length;
    return std::clamp<std::uint64_t>(payload / kRunBytes, 1, summaries_->Get(chunk)->slot_count());
  }
  const Layout& layout_;
  const flatbuffers::Vector<const fb::SlotChunkSummary*>* summaries_;
  std::uint32_t chunk_ = 0;
  std::uint64_t base_ = 0;  // the first run of chunk_
};

// The pipeline's shared state. Progress is published through atomics that
// threads wait on (std::atomic::wait): the fault-in's (only the checking
// thread waits for it), and how far the metadata has passed (the others
// wait for that). A failed metadata check sets the latter to kStopped,
// which wakes every waiter and lets no run start after it.
class Pipeline {
 public:
  Pipeline(const Layout& layout, std::uint64_t pieces, bool faulted, std::uint32_t index_section)
      : layout_(layout), fault_in_(layout.file, pieces, faulted), index_section_(index_section) {}

  // The faulting thread: pieces in file order, then runs of values.
  void fault_in_then_check_values() {
    while (!stopped() && fault_in_.fault_next(SharedFaultIn::kFaulting)) {
    }
    check_values();
  }

  // The checking thread: the slot index, then every other section's
  // metadata in file order, each once the fault-in has passed its end
  // (checking runs of values meanwhile, or faulting in pieces when there is
  // none), then runs of values. It stops at the first failure, as one
  // thread does, so the error is the same.
  void check_metadata_then_values() {
    if (Status s = verify_section(layout_, index_section_, PayloadCheck::skip); !s) return stop(0, std::move(s));
    RunCursor cursor(layout_, index());
    total_runs_ = cursor.total_runs();  // published with checked_
    publish(checked_, 1);
    const auto sections = static_cast<std::uint32_t>(layout_.entries.size());
    for (std::uint32_t section = 0; section < sections; ++section) {
      if (section != index_section_) {
        const format::SectionEntry& e = layout_.entries[section];
        while (!fault_in_.reached(e.offset + e.length)) {
          if (check_one_run(cursor, false) || fault_in_.fault_next(SharedFaultIn::kChecking)) continue;
          const std::uint32_t finished = fault_in_.finished();
          if (!fault_in_.reached(e.offset + e.length)) fault_in_.wait_past(finished);
        }
        if (Status s = verify_section(layout_, section, PayloadCheck::skip); !s) return stop(1 + section, std::move(s));
      }
      publish(checked_, section + 2);
    }
    while (check_one_run(cursor, true)) {
    }
  }

  // The other threads (and the faulting one, once done).
  void check_values() {
    std::uint32_t checked = 0;
    while ((checked = checked_.load(std::memory_order_acquire)) == 0) checked_.wait(0, std::memory_order_acquire);
    if (checked == kStopped) return;
    RunCursor cursor(layout_, index());
    while (check_one_run(cursor, true)) {
    }
  }

  // Runs one thread's part (one of the three above); an exception stops
  // every thread as a failed check does, and status() rethrows it.
  void run(void (Pipeline::*part)()) {
    try {
      (this->*part)();
    } catch (...) {
      first_.record(std::current_exception());
      publish(checked_, kStopped);
    }
  }

  Status status() const { return first_.status(); }

 private:
  static constexpr std::uint32_t kStopped = std::numeric_limits<std::uint32_t>::max();

  // Claims and checks the next run of values, if any is left and no check
  // has failed. A run waits for its chunk's metadata to pass (`wait`), or is
  // left unclaimed (returns false).
  bool check_one_run(RunCursor& cursor, bool wait) {
    for (;;) {
      if (values_failed_.load(std::memory_order_relaxed)) return false;
      const std::uint32_t checked = checked_.load(std::memory_order_acquire);
      if (checked == kStopped) return false;
      std::uint64_t run = next_run_.load(std::memory_order_relaxed);
      if (run >= total_runs_) return false;
      std::uint32_t section = 0, begin = 0, end = 0;
      cursor.locate(run, section, begin, end);
      if (checked < section + 2) {  // the chunk's metadata has not passed yet
        if (!wait) return false;
        checked_.wait(checked, std::memory_order_acquire);
        continue;
      }
      if (!next_run_.compare_exchange_weak(run, run + 1, std::memory_order_relaxed)) continue;
      if (Status s = verify_slot_values(layout_, section, begin, end); !s) {
        first_.record(1 + layout_.entries.size() + run, std::move(s));
        values_failed_.store(true, std::memory_order_relaxed);
      }
      return true;
    }
  }

  const fb::SlotIndex& index() const { return *section_root<fb::SlotIndex>(layout_, index_section_); }
  bool stopped() const { return checked_.load(std::memory_order_acquire) == kStopped; }
  static void publish(std::atomic<std::uint32_t>& counter, std::uint32_t value) {
    counter.store(value, std::memory_order_release);
    counter.notify_all();
  }
  void stop(std::uint64_t item, Status status) {
    first_.record(item, std::move(status));
    publish(checked_, kStopped);
  }

  const Layout& layout_;
  SharedFaultIn fault_in_;
  const std::uint32_t index_section_;
  FirstError first_;
  std::atomic<std::uint32_t> checked_{0};  // 1: the index passed; s + 2: sections 0..s passed
  std::uint64_t total_runs_ = 0;           // set before checked_ leaves 0
  std::atomic<std::uint64_t> next_run_{0};
  std::atomic<bool> values_failed_{false};  // no more runs; the metadata goes on
};

}  // namespace

Status verify_file(const Layout& layout, unsigned threads, FaultIn fault_in) {
  const std::uint64_t pieces = (layout.file.size() + kFaultPiece - 1) / kFaultPiece;
  Pipeline pipeline(layout, pieces, fault_in == FaultIn::no, layout.index_of(SectionKind::slot_index));
  {
    // Without the faulting thread, the checking one faults in every piece
    // itself; without the others, fewer threads check values.
    const std::vector<std::jthread> helpers = start_threads(std::max(1u, threads) - 1, [&](unsigned helper) {
      pipeline.run(helper == 0 ? &Pipeline::fault_in_then_check_values : &Pipeline::check_values);
    });
    pipeline.run(&Pipeline::check_metadata_then_values);
  }  // joins
  return pipeline.status();
}

}  // namespace bbsnap
