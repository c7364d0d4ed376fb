// Files a hostile writer could craft: valid checksums, structure that lies.
// Each must be refused quickly, before any work or allocation grows past
// what the file's size justifies.
#include <catch2/catch.hpp>
#include <flatbuffers/flatbuffers.h>

#include <chrono>
#include <functional>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "bbsnap_generated.h"
#include "container_builder.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using namespace bbsnap::testing;

namespace {

// The empty state's file with the metadata of its section of `kind` replaced.
Bytes with_section(format::SectionKind kind, std::span<const std::uint8_t> metadata) {
  Result<AlignedBuffer> good = encode_snapshot(TransientSnapshot{});
  REQUIRE_OK(good);
  return with_metadata(good->span(), static_cast<std::uint32_t>(kind), metadata);
}

Bytes with_framework(std::span<const std::uint8_t> metadata) {
  return with_section(format::SectionKind::framework, metadata);
}

Error refusal(const Bytes& file, Verification mode = Verification::full) {
  AlignedBuffer buffer = AlignedBuffer::copy_of(file);
  OpenOptions options;
  options.verification = mode;
  Result<Snapshot> snapshot = Snapshot::from_bytes(buffer.span(), options);
  REQUIRE_FALSE(snapshot.ok());
  return snapshot.error();
}

}  // namespace

TEST_CASE("a hostile framework pointing many offsets at one long string is refused, not validated quadratically") {
  // 400 KB of metadata that would make a reader validate 100,000 x 64 KiB = 6.5 GB of UTF-8.
  flatbuffers::FlatBufferBuilder b;
  auto phase = b.CreateString(std::string(64 << 10, 'x'));
  std::vector<flatbuffers::Offset<flatbuffers::String>> phases(100'000, phase);
  auto fired = b.CreateVector(phases);
  fb::FrameworkBuilder framework(b);
  framework.add_spec_version(1);
  framework.add_fired_phases(fired);
  b.Finish(framework.Finish());
  const Bytes file = with_framework({b.GetBufferPointer(), b.GetSize()});

  auto check = [](const std::function<Error()>& refuse) {
    auto start = std::chrono::steady_clock::now();
    Error e = refuse();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(e.code == ErrorCode::malformed_section);
    CHECK(e.section == "framework");
    CHECK_THAT(e.message, Catch::Matchers::Contains("shared or overlapping"));
    CHECK(seconds < 0.5);
  };
  check([&] { return refusal(file); });
  // Lazy mode reads spec_version at open; the framework's first access checks the rest.
  AlignedBuffer buffer = AlignedBuffer::copy_of(file);
  Result<Snapshot> lazy = Snapshot::from_bytes(buffer.span(), {.verification = Verification::lazy});
  REQUIRE(lazy.ok());
  check([&] {
    Result<const fb::Framework*> framework = lazy->framework();
    REQUIRE_FALSE(framework.ok());
    return framework.error();
  });
}

TEST_CASE("a hostile framework sharing one large byte vector among many entries is refused") {
  // to_model() would copy the 1 MiB vector 50,000 times: 50 GB from 200 KB.
  flatbuffers::FlatBufferBuilder b;
  b.ForceVectorAlignment(1 << 20, 1, format::kBytesAlignment);
  auto peer = b.CreateVector(std::vector<std::uint8_t>(1 << 20, 0xab));
  std::vector<flatbuffers::Offset<fb::BackoffEntry>> entries;
  for (int i = 0; i < 50'000; ++i) entries.push_back(fb::CreateBackoffEntry(b, peer, 1, 2, 3));
  auto backoff = b.CreateVector(entries);
  fb::FrameworkBuilder framework(b);
  framework.add_spec_version(1);
  framework.add_backoff_table(backoff);
  b.Finish(framework.Finish());
  Error e = refusal(with_framework({b.GetBufferPointer(), b.GetSize()}));
  CHECK(e.code == ErrorCode::malformed_section);
  CHECK(e.section == "framework");
}

TEST_CASE("a section table entry of the reserved kind 0 is refused") {
  Result<AlignedBuffer> good = encode_snapshot(TransientSnapshot{});
  REQUIRE_OK(good);
  std::vector<Piece> pieces = split(good->span());
  flatbuffers::FlatBufferBuilder b;
  b.Finish(fb::CreateBus(b));
  pieces.push_back(make_piece(0, 0, {b.GetBufferPointer(), b.GetSize()}));  // optional: would be skipped if unknown
  Error e = refusal(assemble(std::move(pieces)));
  CHECK(e.code == ErrorCode::malformed_section);
  CHECK_THAT(e.message, Catch::Matchers::Contains("kind 0"));
}

TEST_CASE("an ingress event whose union names a variant but holds no value is refused, not dereferenced") {
  // Found by the independent Python reader: this crashed the C++ reader.
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<fb::IngressItem>> items{fb::CreateIngressItem(b, fb::IngressEvent::Envelope, 0)};
  b.Finish(fb::CreateIngress(b, b.CreateVector(items)));
  Error e = refusal(with_section(format::SectionKind::ingress, {b.GetBufferPointer(), b.GetSize()}));
  CHECK(e.code == ErrorCode::malformed_section);
  CHECK(e.section == "ingress");
  CHECK_THAT(e.message, Catch::Matchers::Contains("without its value"));
}

TEST_CASE("slot_value refuses an entry of another chunk instead of reading out of place") {
  TransientSnapshot state;
  state.slot_table[{1, 1}] = Bytes{1};
  state.slot_table[{2, 2}] = Bytes{2};
  Result<AlignedBuffer> bytes = encode_snapshot(state, {.slots_per_chunk = 1});
  REQUIRE_OK(bytes);
  Result<Snapshot> snapshot = Snapshot::from_bytes(bytes->span());
  REQUIRE_OK(snapshot);
  const fb::SlotEntry& second = *(*snapshot->slot_chunk(1))->slots()->Get(0);
  CHECK(snapshot->slot_value(1, second)->value[0] == 2);
  Result<SlotLookup> wrong = snapshot->slot_value(0, second);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == ErrorCode::invalid_argument);
  CHECK_FALSE(snapshot->slot_value(7, second).ok());
}

TEST_CASE("a verification mode outside the enum is refused, not taken as an unchecked open") {
  TransientSnapshot state;
  state.slot_table[{1, 1}] = Bytes{1};
  Result<AlignedBuffer> bytes = encode_snapshot(state);
  REQUIRE_OK(bytes);
  TempDir dir;
  REQUIRE_OK(write_snapshot(dir.file("s.bbsnap"), state));
  for (unsigned mode : {3u, 255u}) {
    INFO("verification " << mode);
    const OpenOptions options{.verification = static_cast<Verification>(mode)};
    for (const Result<Snapshot>& opened :
         {Snapshot::from_bytes(bytes->span(), options), Snapshot::open(dir.file("s.bbsnap"), options)}) {
      REQUIRE_FALSE(opened.ok());
      CHECK(opened.error().code == ErrorCode::invalid_argument);
      CHECK(opened.error().message.find("not full, lazy or trusted") != std::string::npos);
    }
  }
}
