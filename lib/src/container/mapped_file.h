// A whole file mapped read-only. The mapping, not a copy, is what a Snapshot
// reads: restore costs what is checked, not what is copied.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "bbsnap/status.h"
#include "container/file_handle.h"

namespace bbsnap {

class MappedFile {
 public:
  // `prefault`: populate the page tables (and read the file) up front.
  // The mapping keeps the file open: the handle may be closed.
  static Result<MappedFile> map(const FileHandle& file, bool prefault);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  ~MappedFile();

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

  // Access hints for the kernel's read-ahead: sequential while verifying the
  // whole file, random for lazy lookups (a cold first lookup then faults in
  // one page instead of a read-ahead window).
  // Sequential also asks for huge pages (MADV_HUGEPAGE): the kernel then
  // reads a cold file in 2 MiB folios, two at a time, and maps each with one
  // fault. Cold full open (bench, medians of 5, two runs): 1.1 MiB file
  // 0.99/0.98 -> 0.59/0.58 ms, 64 MiB 42.6/43.4 -> 39.3/39.0 ms; warm opens
  // unchanged. Never for lazy lookups: each cold lookup would read 4 MiB.
  void advise_sequential() const;
  void advise_random() const;

  // Reads `range` of a mapping front to back, one byte per 64 KiB (the
  // kernel's fault-around window), under the sequential hint. Full
  // verification reads each section's metadata before its payload (the
  // metadata comes after it in the file) and the section table (at the end)
  // first; on a cold file that order defeats the kernel's read-ahead and
  // measured 2.3x slower than one sequential read. Reading in file order
  // first lets read-ahead fetch the file in one pass; verification then
  // finds it in the page cache. On a cached file it costs a load per 64 KiB
  // and faults in, in order, the pages verification would fault anyway.
  // verify_file reads the whole mapping this way in 1 MiB pieces, ahead of
  // the checks: on several threads on one of them, while the others check
  // what it has passed; on one thread between its checks.
  static void read_in_file_order(std::span<const std::uint8_t> range);

  // The reader is about to read all of [begin, end): the section table at
  // open, and in lazy mode a section's metadata it checks or a slot value it
  // hashes. Under the random hint a cold range of 192 KiB would be 48
  // synchronous 4 KiB reads, one per page fault; MADV_WILLNEED asks for it
  // in one read-ahead. Cold lazy open + first lookup (bench
  // BM_OpenLazyLookupCold): 1 MiB file 2.2 -> 0.36-0.49 ms, 64 MiB 4.0 ->
  // 0.57-0.67 ms, 1 GiB 4.8 -> 0.72-0.86 ms. On cached pages it costs 2-3 us
  // a range (warm lazy open + lookup of the 1 GiB file: 48 -> 55 us), paid
  // once per section. Nothing for a range within one page, or without a
  // mapping (from_bytes).
  void will_need(std::uint64_t begin, std::uint64_t end) const;

 private:
  MappedFile(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  void unmap();
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace bbsnap
