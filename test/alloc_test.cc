// Zero copy, measured: opening a snapshot and looking up 10,000 slots
// allocates the same for a 1 MiB and a 64 MiB snapshot. This binary
// replaces the global operator new to count every heap allocation.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <random>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "require_ok.h"
#include "test_files.h"
#include "workload.h"

namespace {

std::atomic<bool> counting{false};
std::atomic<std::uint64_t> allocations{0};
std::atomic<std::uint64_t> allocated_bytes{0};
// When set, allocations of this many bytes or more fail with std::bad_alloc.
std::atomic<std::size_t> refuse_from{~std::size_t{0}};

void* counted_alloc(std::size_t size, std::size_t alignment) {
  if (size >= refuse_from.load(std::memory_order_relaxed)) throw std::bad_alloc();
  if (counting.load(std::memory_order_relaxed)) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    allocated_bytes.fetch_add(size, std::memory_order_relaxed);
  }
  void* p = alignment <= alignof(std::max_align_t) ? std::malloc(size ? size : 1)
                                                   : std::aligned_alloc(alignment, (size + alignment - 1) / alignment * alignment);
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

void* operator new(std::size_t size) { return counted_alloc(size, 0); }
void* operator new[](std::size_t size) { return counted_alloc(size, 0); }
void* operator new(std::size_t size, std::align_val_t a) { return counted_alloc(size, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t size, std::align_val_t a) { return counted_alloc(size, static_cast<std::size_t>(a)); }
// The nothrow forms too (std::stable_sort's buffer, for one): otherwise the
// toolchain's would serve them, uncounted, and the replaced delete would free
// memory it did not allocate.
template <typename... Alignment>
void* counted_alloc_nothrow(std::size_t size, Alignment... a) noexcept {
  try {
    return counted_alloc(size, static_cast<std::size_t>(a)...);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc_nothrow(size, std::align_val_t{0}); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return counted_alloc_nothrow(size, std::align_val_t{0}); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_alloc_nothrow(size, a); }
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept { return counted_alloc_nothrow(size, a); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

using namespace bbsnap;

namespace {

struct Usage {
  std::uint64_t count;
  std::uint64_t bytes;
  std::size_t sections;
};

// Allocations made by open + 10,000 lookups (hits and misses) on a snapshot of `spec`.
Usage open_and_look_up(const bbsnap::testing::WorkloadSpec& spec, Verification mode) {
  bbsnap::testing::TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  const TransientSnapshot state = bbsnap::testing::make_workload(spec);
  REQUIRE_OK(write_snapshot(path, state, {.durable = false}));
  std::vector<SlotKey> keys;
  for (const auto& [key, value] : state.slot_table) keys.push_back(key);
  std::mt19937_64 rng(42);
  std::vector<SlotKey> probes;
  for (int i = 0; i < 10000; ++i) {
    SlotKey key = keys[rng() % keys.size()];
    if (i % 10 == 0) key.exec += 1u << 20;  // a miss
    probes.push_back(key);
  }

  OpenOptions options;
  options.verification = mode;
  // One-time process-wide set-up (simdjson picks its UTF-8 kernel on first
  // use) is not a per-snapshot cost: warm it up before counting.
  REQUIRE_OK(Snapshot::open(path, options));
  allocations = 0;
  allocated_bytes = 0;
  counting = true;
  std::uint64_t found = 0;
  std::size_t sections = 0;
  {
    Result<Snapshot> snapshot = Snapshot::open(path, options);
    if (snapshot) {
      sections = snapshot->sections().size();
      for (const SlotKey& key : probes) {
        Result<SlotLookup> slot = snapshot->slot(key);
        found += slot && slot->state != SlotLookup::State::missing;
      }
    }
  }
  counting = false;
  CHECK(found >= 8000);
  return {allocations.load(), allocated_bytes.load(), sections};
}

}  // namespace

TEST_CASE("open plus 10,000 lookups allocates the same for 1 MiB and 64 MiB") {
  for (Verification mode : {Verification::full, Verification::trusted}) {
    Usage small = open_and_look_up(bbsnap::testing::workload_small(), mode);
    Usage medium = open_and_look_up(bbsnap::testing::workload_medium(), mode);
    INFO("mode " << static_cast<int>(mode) << ": small " << small.count << " allocations / " << small.bytes
                 << " bytes, medium " << medium.count << " / " << medium.bytes);
    CHECK(small.count == medium.count);
    CHECK(small.bytes == medium.bytes);
    CHECK(small.count <= 2);
  }
}

TEST_CASE("lazy mode allocates one byte per section, nothing per slot or lookup") {
  Usage small = open_and_look_up(bbsnap::testing::workload_small(), Verification::lazy);
  Usage medium = open_and_look_up(bbsnap::testing::workload_medium(), Verification::lazy);
  INFO("small " << small.count << " / " << small.bytes << " bytes, " << small.sections << " sections; medium "
                << medium.count << " / " << medium.bytes << " bytes, " << medium.sections << " sections");
  CHECK(small.count == medium.count);
  CHECK(medium.bytes - small.bytes == medium.sections - small.sections);
}

TEST_CASE("running out of memory is an error value, not an exception") {
  TransientSnapshot state;
  state.slot_table[{1, 1}] = Bytes(1 << 20, 7);
  state.ingress.push_back(EnvelopeEvent{Bytes(1 << 20, 8)});
  Result<AlignedBuffer> bytes = encode_snapshot(state);
  REQUIRE_OK(bytes);
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes->span());
  REQUIRE_OK(snapshot);

  refuse_from = 1 << 19;  // the copies of the 1 MiB values cannot be made
  Result<TransientSnapshot> model = snapshot->to_model();
  Result<AlignedBuffer> encoded = encode_snapshot(state);
  refuse_from = ~std::size_t{0};

  REQUIRE_FALSE(model.ok());
  CHECK(model.error().code == ErrorCode::limit_exceeded);
  CHECK_THAT(model.error().message, Catch::Matchers::Contains("out of memory"));
  REQUIRE_FALSE(encoded.ok());
  CHECK(encoded.error().code == ErrorCode::limit_exceeded);
}
