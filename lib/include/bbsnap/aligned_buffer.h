// An owned, 64-byte aligned byte buffer: what `encode_snapshot` returns and
// what `Snapshot::from_bytes` needs (a snapshot is read in place, so its
// first byte must be as aligned as the file's layout assumes).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap {

// Move-only. A Snapshot made with from_bytes(buffer.span()) points into the
// buffer: keep the buffer alive and unchanged for as long as that Snapshot
// lives (moving the buffer is fine: the bytes stay where they are).
class AlignedBuffer {
 public:
  static constexpr std::size_t kAlignment = 64;

  AlignedBuffer() = default;  // empty: data() is nullptr, size() 0
  // `size` zero bytes. Throws std::bad_alloc if they cannot be allocated
  // (this header is not behind the library's no-throw boundary).
  explicit AlignedBuffer(std::size_t size)
      : data_(size ? new (std::align_val_t{kAlignment}) std::uint8_t[size]() : nullptr), size_(size) {}
  // `size` bytes left uninitialized, for code that writes every one of them
  // before reading any (as std::make_unique_for_overwrite): no zeroing pass
  // over a buffer about to be filled. Throws std::bad_alloc like the
  // constructor.
  static AlignedBuffer for_overwrite(std::size_t size) {
    AlignedBuffer buffer;
    if (size) buffer.data_.reset(new (std::align_val_t{kAlignment}) std::uint8_t[size]);
    buffer.size_ = size;
    return buffer;
  }
  // An aligned copy of `bytes`, e.g. a snapshot read into ordinary memory,
  // for Snapshot::from_bytes. Throws std::bad_alloc like the constructor.
  static AlignedBuffer copy_of(std::span<const std::uint8_t> bytes) {
    AlignedBuffer buffer(bytes.size());
    if (!bytes.empty()) std::memcpy(buffer.data(), bytes.data(), bytes.size());
    return buffer;
  }

  // 64-byte aligned, or nullptr when size() is 0.
  std::uint8_t* data() { return data_.get(); }
  const std::uint8_t* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  std::span<std::uint8_t> span() { return {data(), size_}; }
  std::span<const std::uint8_t> span() const { return {data(), size_}; }

  // Keeps the first `size` bytes (no-op if size >= size()) without moving
  // them: the memory stays allocated, for a buffer filled less than expected.
  void shrink_to(std::size_t size) {
    if (size >= size_) return;
    size_ = size;
    if (size == 0) data_.reset();
  }

 private:
  struct Free {
    void operator()(std::uint8_t* p) const { ::operator delete[](p, std::align_val_t{kAlignment}); }
  };
  std::unique_ptr<std::uint8_t[], Free> data_;
  std::size_t size_ = 0;
};

}  // namespace bbsnap

#pragma GCC visibility pop
