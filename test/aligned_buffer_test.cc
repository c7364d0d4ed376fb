// AlignedBuffer (bbsnap/aligned_buffer.h): every way to make one gives
// 64-byte aligned bytes of the size asked, an empty one holds no memory,
// and shrink_to keeps the bytes where they are.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "bbsnap/aligned_buffer.h"

using bbsnap::AlignedBuffer;

namespace {

bool aligned(const AlignedBuffer& b) {
  return reinterpret_cast<std::uintptr_t>(b.data()) % AlignedBuffer::kAlignment == 0;
}

}  // namespace

TEST_CASE("aligned buffers: empty, zeroed, copied and for overwrite") {
  const AlignedBuffer empty;
  CHECK(empty.data() == nullptr);
  CHECK(empty.size() == 0);
  CHECK(AlignedBuffer(0).data() == nullptr);
  CHECK(AlignedBuffer::for_overwrite(0).data() == nullptr);
  CHECK(AlignedBuffer::copy_of({}).data() == nullptr);

  for (std::size_t size : {1u, 63u, 64u, 65u, 4097u}) {
    INFO(size << " bytes");
    const AlignedBuffer zeroed(size);
    CHECK(zeroed.size() == size);
    CHECK(aligned(zeroed));
    CHECK(std::vector<std::uint8_t>(zeroed.span().begin(), zeroed.span().end()) == std::vector<std::uint8_t>(size));

    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
    const AlignedBuffer copy = AlignedBuffer::copy_of(bytes);
    CHECK(aligned(copy));
    CHECK(std::vector<std::uint8_t>(copy.span().begin(), copy.span().end()) == bytes);

    const AlignedBuffer room = AlignedBuffer::for_overwrite(size);
    CHECK(room.size() == size);
    CHECK(aligned(room));
  }
}

TEST_CASE("aligned buffers: shrink_to keeps the first bytes in place, and nothing at 0") {
  std::vector<std::uint8_t> bytes(300);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i);
  AlignedBuffer buffer = AlignedBuffer::copy_of(bytes);
  const std::uint8_t* const at = buffer.data();

  buffer.shrink_to(1000);  // larger: no change
  CHECK(buffer.size() == 300);
  buffer.shrink_to(100);
  CHECK(buffer.size() == 100);
  CHECK(buffer.data() == at);
  CHECK(std::vector<std::uint8_t>(buffer.span().begin(), buffer.span().end()) ==
        std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 100));
  buffer.shrink_to(0);
  CHECK(buffer.size() == 0);
  CHECK(buffer.data() == nullptr);
}
