// Zero copy, measured: opening a snapshot and looking up 10,000 slots
// allocates the same for a 1 MiB and a 64 MiB snapshot. This binary links
// bench/heap_count.cc, which replaces the global operator new to count every
// heap allocation.
#include <catch2/catch.hpp>

#include <filesystem>
#include <iterator>
#include <random>
#include <sstream>

#include "bbsnap/json.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "heap_count.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"
#include "workload.h"

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
  auto& heap = bbsnap::bench::heap_counters();
  const std::uint64_t allocations_before = heap.allocations.load();
  const std::uint64_t bytes_before = heap.bytes.load();
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
  const Usage usage{heap.allocations.load() - allocations_before, heap.bytes.load() - bytes_before, sections};
  CHECK(found >= 8000);
  return usage;
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

TEST_CASE("lazy mode allocates one bit per section (in 64-bit words), nothing per slot or lookup") {
  Usage small = open_and_look_up(bbsnap::testing::workload_small(), Verification::lazy);
  Usage medium = open_and_look_up(bbsnap::testing::workload_medium(), Verification::lazy);
  INFO("small " << small.count << " / " << small.bytes << " bytes, " << small.sections << " sections; medium "
                << medium.count << " / " << medium.bytes << " bytes, " << medium.sections << " sections");
  CHECK(small.count == medium.count);
  auto words = [](const Usage& usage) { return (usage.sections + 63) / 64; };
  CHECK(medium.bytes - small.bytes == 8 * (words(medium) - words(small)));
}

TEST_CASE("running out of memory is an error value, not an exception") {
  TransientSnapshot state;
  state.slot_table[{1, 1}] = Bytes(1 << 20, 7);
  state.ingress.push_back(EnvelopeEvent{Bytes(1 << 20, 8)});
  Result<AlignedBuffer> bytes = encode_snapshot(state);
  REQUIRE_OK(bytes);
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes->span());
  REQUIRE_OK(snapshot);

  auto& heap = bbsnap::bench::heap_counters();
  heap.refuse_from = 1 << 19;  // the copies of the 1 MiB values cannot be made
  Result<TransientSnapshot> model = snapshot->to_model();
  Result<AlignedBuffer> encoded = encode_snapshot(state);
  heap.refuse_from = ~std::size_t{0};

  REQUIRE_FALSE(model.ok());
  CHECK(model.error().code == ErrorCode::out_of_memory);
  CHECK_THAT(model.error().message, Catch::Matchers::Contains("out of memory"));
  REQUIRE_FALSE(encoded.ok());
  CHECK(encoded.error().code == ErrorCode::out_of_memory);
}

TEST_CASE("with every allocation refused, each entry point returns out of memory instead of terminating") {
  // Even the error's message cannot be allocated then: the library falls
  // back to one that fits in std::string's inline buffer.
  bbsnap::testing::TempDir dir;
  const std::string path = dir.file("s.bbsnap"), other_path = dir.file("t.bbsnap");
  const TransientSnapshot state = bbsnap::testing::full_example_state();
  REQUIRE_OK(write_snapshot(path, state, {.durable = false}));
  Result<AlignedBuffer> bytes = encode_snapshot(state);
  REQUIRE_OK(bytes);
  Result<Snapshot> opened = Snapshot::open(path);
  REQUIRE_OK(opened);
  const std::string document = json::to_json(state).value();
  std::ostringstream stream;

  auto& heap = bbsnap::bench::heap_counters();
  heap.refuse_from = 0;
  Result<Snapshot> open = Snapshot::open(path);
  Result<Snapshot> from_bytes = Snapshot::from_bytes(bytes->span());
  Result<TransientSnapshot> model = opened->to_model();
  Status written = write_snapshot(other_path, state, {.durable = false});
  Result<AlignedBuffer> encoded = encode_snapshot(state);
  Result<SnapshotWriter> writer = SnapshotWriter::create(other_path);
  Result<TransientSnapshot> parsed = json::parse_state(document);
  Result<std::string> text = json::to_json(state);
  json::write_state(state, stream);  // escaping a string allocates: the stream goes bad, nothing is thrown
  heap.refuse_from = ~std::size_t{0};

  CHECK(stream.bad());

  const std::vector<std::pair<const char*, const Error*>> errors = {
      {"open", open.ok() ? nullptr : &open.error()},
      {"from_bytes", from_bytes.ok() ? nullptr : &from_bytes.error()},
      {"to_model", model.ok() ? nullptr : &model.error()},
      {"write_snapshot", written.ok() ? nullptr : &written.error()},
      {"encode_snapshot", encoded.ok() ? nullptr : &encoded.error()},
      {"SnapshotWriter::create", writer.ok() ? nullptr : &writer.error()},
      {"parse_state", parsed.ok() ? nullptr : &parsed.error()},
      {"to_json", text.ok() ? nullptr : &text.error()},
  };
  for (const auto& [name, error] : errors) {
    INFO(name);
    REQUIRE(error != nullptr);
    CHECK(error->code == ErrorCode::out_of_memory);
    CHECK(error->message == "out of memory");
  }
  CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
}


TEST_CASE("out of memory while a writer is created leaves no temporary file and no open descriptor") {
  bbsnap::testing::TempDir dir;
  const std::string path = dir.file("s.bbsnap");
  const TransientSnapshot state = bbsnap::testing::full_example_state();
  REQUIRE_OK(write_snapshot(path, state, {.durable = false}));
  const auto fds = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator{});
  };
  const auto fds_before = fds();

  auto& heap = bbsnap::bench::heap_counters();
  heap.refuse_from = 1 << 20;  // the file writer's 2 MiB block buffer cannot be allocated; small things can
  Result<SnapshotWriter> writer = SnapshotWriter::create(dir.file("t.bbsnap"));
  Status written = write_snapshot(path, state);
  heap.refuse_from = ~std::size_t{0};

  REQUIRE_FALSE(writer.ok());
  CHECK(writer.error().code == ErrorCode::out_of_memory);
  REQUIRE_FALSE(written.ok());
  CHECK(written.error().code == ErrorCode::out_of_memory);
  CHECK(dir.entries() == std::vector<std::string>{"s.bbsnap"});
  CHECK(fds() == fds_before);
}

TEST_CASE("SnapshotWriter::finish refusing a slot table out of memory returns an error, not an exception") {
  bbsnap::testing::TempDir dir;
  Result<SnapshotWriter> writer = SnapshotWriter::create(dir.file("s.bbsnap"));
  REQUIRE_OK(writer);
  TransientSnapshot with_slots;
  with_slots.slot_table[{1, 1}] = Bytes{1};
  auto& heap = bbsnap::bench::heap_counters();
  heap.refuse_from = 0;
  Status finished = writer->finish(with_slots);  // its refusal's message cannot be built
  heap.refuse_from = ~std::size_t{0};
  REQUIRE_FALSE(finished.ok());
  CHECK(finished.error().code == ErrorCode::out_of_memory);
  CHECK(writer->finish({}).error().code == ErrorCode::invalid_argument);  // spent
}
