// Schema evolution (FORMAT.md §4.3, §4.4, §9): files written by a NEWER
// bbsnap, read by this one.
//
// The newer writer is simulated with test/evolution/bbsnap_v1_1.fbs, which is
// schema/bbsnap.fbs plus two fields appended to `Framework` (one of a table
// type this reader does not know) and the root table of a new section kind.
// flatc compiles it at build time into namespace bbsnap::v1_1; the files are
// laid out and their checksums computed by the container builder
// (test/support/container_builder.h), from FORMAT.md.
//
// What this reader must do with them:
//   (a) a table with fields appended: read it, ignoring what it does not know;
//   (b) a section of a new kind without the required flag: skip it, while
//       Snapshot::sections() still lists it (for `bbsnap info`);
//   (c) a section of a new kind with the required flag: refuse the file with
//       unsupported_feature, naming the entry and the kind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "bbsnap_v1_1_generated.h"
#include "container_builder.h"
#include "random_state.h"
#include "require_ok.h"
#include "test_files.h"

using namespace bbsnap;
using bbsnap::testing::assemble;
using bbsnap::testing::find_piece;
using bbsnap::testing::full_example_state;
using bbsnap::testing::get_header;
using bbsnap::testing::make_piece;
using bbsnap::testing::Piece;
using bbsnap::testing::random_state;
using bbsnap::testing::SectionChecksums;
using bbsnap::testing::split;
using format::SectionEntry;
using format::SectionKind;

namespace {

namespace v1_1 = bbsnap::v1_1;

constexpr std::uint32_t kFramework = static_cast<std::uint32_t>(SectionKind::framework);
constexpr std::uint32_t kSlotIndex = static_cast<std::uint32_t>(SectionKind::slot_index);
constexpr std::uint32_t kSlotChunk = static_cast<std::uint32_t>(SectionKind::slot_chunk);
// The new section kind of the v1.1 schema (root `ReplicationLog`).
constexpr std::uint32_t kReplicationLog = 42;

Bytes encode(const TransientSnapshot& state, std::uint32_t slots_per_chunk = format::kDefaultSlotsPerChunk) {
  WriteOptions options;
  options.slots_per_chunk = slots_per_chunk;
  Result<AlignedBuffer> bytes = encode_snapshot(state, options);
  REQUIRE_OK(bytes);
  return Bytes(bytes->span().begin(), bytes->span().end());
}

Bytes finished(const flatbuffers::FlatBufferBuilder& b) {
  return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

// ---------------------------------------------------------------- the v1.1 writer

// What a v1.1 writer adds to the framework section.
struct FrameworkExtension {
  std::uint64_t checkpoint_epoch = 0;  // 0: not written (FlatBuffers omits defaults)
  bool has_origin = false;
  std::string origin_host;
  std::uint32_t origin_pid = 0;
};

// The framework section's metadata as a v1.1 writer writes it: the reference
// encoding (lib/src/state/encode.cc, FORMAT.md §5.1-§5.2: byte strings 16-aligned,
// every vector written) with the v1.1 classes, plus the appended fields.
Bytes encode_framework_v1_1(const Framework& f, const FrameworkExtension& extension) {
  namespace fb = v1_1;
  using flatbuffers::Offset;
  flatbuffers::FlatBufferBuilder b;
  auto bytes = [&](const Bytes& data) {
    b.ForceVectorAlignment(data.size(), 1, format::kBytesAlignment);
    return b.CreateVector(data.data(), data.size());
  };
  auto bytes_list = [&](const std::vector<Bytes>& list) {
    std::vector<Offset<fb::Bytes>> items;
    for (const Bytes& item : list) items.push_back(fb::CreateBytes(b, bytes(item)));
    return b.CreateVector(items);
  };

  std::vector<Offset<fb::Counter>> counters;
  for (const auto& [name, value] : f.counters) counters.push_back(fb::CreateCounter(b, b.CreateString(name), value));
  auto counters_offset = b.CreateVector(counters);
  auto fired_phases = b.CreateVectorOfStrings(f.fired_phases);
  std::vector<Offset<fb::AddressBookEntry>> address_book;
  for (const AddressBookEntry& e : f.address_book) {
    auto peer_id = bytes(e.peer_id);
    auto addresses = bytes_list(e.addresses);
    address_book.push_back(fb::CreateAddressBookEntry(b, peer_id, addresses, e.ref_count));
  }
  auto address_book_offset = b.CreateVector(address_book);

  const PeerGovernor& g = f.peer_governor;
  auto blocklist = bytes_list(g.blocklist);
  Offset<flatbuffers::Vector<Offset<fb::Bytes>>> allowlist = 0;  // absent: None
  if (g.allowlist) allowlist = bytes_list(*g.allowlist);
  std::vector<Offset<fb::PeerHealth>> health;
  for (const PeerHealth& h : g.health) {
    health.push_back(fb::CreatePeerHealth(b, bytes(h.peer), h.consecutive_failures, h.last_event_ns, h.down));
  }
  auto governor = fb::CreatePeerGovernor(b, blocklist, allowlist, b.CreateVector(health), g.failure_threshold);

  std::vector<Offset<fb::BackoffEntry>> backoff;
  for (const BackoffEntry& e : f.backoff_table) {
    backoff.push_back(fb::CreateBackoffEntry(b, bytes(e.peer), e.attempts, e.last_attempt_ns, e.next_retry_ns));
  }
  auto backoff_offset = b.CreateVector(backoff);
  std::vector<Offset<fb::PendingOutbound>> outbound;
  for (const PendingOutbound& e : f.pending_outbound) {
    outbound.push_back(fb::CreatePendingOutbound(b, bytes(e.envelope_bytes), e.redelivered));
  }
  auto outbound_offset = b.CreateVector(outbound);
  auto peer_id = bytes(f.peer_id_bytes);

  Offset<fb::CheckpointOrigin> origin = 0;
  if (extension.has_origin) {
    origin = fb::CreateCheckpointOrigin(b, b.CreateString(extension.origin_host), extension.origin_pid);
  }
  b.Finish(fb::CreateFramework(b, f.spec_version, counters_offset, fired_phases, address_book_offset, governor,
                               backoff_offset, outbound_offset, peer_id, f.next_command_id, f.next_exec_id,
                               extension.checkpoint_epoch, origin));
  return finished(b);
}

// The metadata of a v1.1 `ReplicationLog` section.
Bytes encode_replication_log() {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<v1_1::ReplicationEntry>> entries;
  for (std::uint64_t i = 0; i < 3; ++i) {
    const Bytes peer = {0x12, 0x20, static_cast<std::uint8_t>(i), 0xab};
    b.ForceVectorAlignment(peer.size(), 1, format::kBytesAlignment);
    auto peer_offset = b.CreateVector(peer.data(), peer.size());
    entries.push_back(v1_1::CreateReplicationEntry(b, peer_offset, 1000 * (i + 1)));
  }
  b.Finish(v1_1::CreateReplicationLog(b, b.CreateVector(entries)));
  return finished(b);
}

// A copy of `file` whose framework section is replaced by `metadata`, every
// checksum recomputed. The framework section comes after the slot chunks in
// the reference writer's order, so no slot value moves.
Bytes with_framework(const Bytes& file, const Bytes& metadata) {
  std::vector<Piece> pieces = split(file);
  const auto framework = find_piece(pieces, kFramework);
  REQUIRE(framework);
  Piece& p = pieces[*framework];
  REQUIRE(p.entry.payload_length == 0);
  p.body = metadata;
  return assemble(std::move(pieces));
}

// ---------------------------------------------------------------- reading

struct Opened {
  explicit Opened(std::span<const std::uint8_t> bytes, const OpenOptions& options = {})
      : buffer(AlignedBuffer::copy_of(bytes)), snapshot(Snapshot::from_bytes(buffer.span(), options)) {}
  AlignedBuffer buffer;  // must outlive the snapshot: declared first
  Result<Snapshot> snapshot;
};

OpenOptions in_mode(Verification mode, std::uint32_t spec_version = kCurrentSpecVersion) {
  OpenOptions options;
  options.verification = mode;
  options.expected_spec_version = spec_version;
  return options;
}

const char* mode_name(Verification mode) {
  switch (mode) {
    case Verification::full: return "full";
    case Verification::lazy: return "lazy";
    case Verification::trusted: return "trusted";
  }
  return "?";
}

constexpr Verification kModes[] = {Verification::full, Verification::lazy, Verification::trusted};

// Opens `file` in every mode and checks that it reads back as `state`.
void check_reads_as(const Bytes& file, const TransientSnapshot& state) {
  for (Verification mode : kModes) {
    INFO("verification " << mode_name(mode));
    Opened opened(file, in_mode(mode, state.framework.spec_version));
    REQUIRE_OK(opened.snapshot);
    const Snapshot& s = *opened.snapshot;
    CHECK(s.spec_version() == state.framework.spec_version);
    Result<TransientSnapshot> model = s.to_model();
    REQUIRE_OK(model);
    CHECK(*model == state);
    // The zero-copy accessors too.
    Result<const fb::Framework*> framework = s.framework();
    REQUIRE_OK(framework);
    CHECK((*framework)->next_exec_id() == state.framework.next_exec_id);
    for (const auto& [name, value] : state.framework.counters) {
      Result<std::optional<std::uint64_t>> counter = s.counter(name);
      REQUIRE_OK(counter);
      CHECK(*counter == std::optional<std::uint64_t>(value));
    }
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("evolution: the container builder reproduces the reference writer's files") {
  // The files below are only as good as the builder: split + assemble of a
  // reference file, with or without recomputing the section checksums, must
  // give back the same bytes.
  std::vector<std::pair<TransientSnapshot, std::uint32_t>> cases = {
      {TransientSnapshot{}, format::kDefaultSlotsPerChunk},
      {full_example_state(), format::kDefaultSlotsPerChunk},
      {full_example_state(), 1},
  };
  for (std::uint64_t seed = 1; seed <= 20; ++seed) cases.emplace_back(random_state(seed), 3);
  for (const auto& [state, slots_per_chunk] : cases) {
    const Bytes file = encode(state, slots_per_chunk);
    CHECK(assemble(split(file), SectionChecksums::keep) == file);
    CHECK(assemble(split(file), SectionChecksums::reseal) == file);
  }
}

TEST_CASE("evolution: test/evolution/bbsnap_v1_1.fbs is schema/bbsnap.fbs plus its marked lines") {
  // Otherwise a field added to bbsnap.fbs would collide with the "appended"
  // fields of the copy, and this test would stop testing evolution.
  std::istringstream copy(read_text(BBSNAP_EVOLUTION_SCHEMA));
  std::string expected;
  for (std::string line; std::getline(copy, line);) {
    if (line.find("+v1.1") != std::string::npos) continue;
    if (line == "namespace bbsnap.v1_1;") line = "namespace bbsnap.fb;";
    expected += line + "\n";
  }
  INFO("update test/evolution/bbsnap_v1_1.fbs: copy schema/bbsnap.fbs, then re-add the lines marked +v1.1");
  CHECK(expected == read_text(BBSNAP_SCHEMA));
}

TEST_CASE("evolution (a): fields appended to a table by a newer schema are ignored") {
  FrameworkExtension extension;
  extension.checkpoint_epoch = 0x0123456789abcdefULL;
  extension.has_origin = true;
  extension.origin_host = "node-7.example";
  extension.origin_pid = 4242;

  std::vector<TransientSnapshot> states = {full_example_state(), TransientSnapshot{}};
  for (std::uint64_t seed = 1; seed <= 40; ++seed) states.push_back(random_state(seed));
  for (std::size_t i = 0; i < states.size(); ++i) {
    INFO("state " << i);
    const TransientSnapshot& state = states[i];
    const Bytes v1 = encode(state);
    const Piece v1_framework = split(v1)[*find_piece(split(v1), kFramework)];

    // A v1.1 writer that sets no new field writes exactly what v1 writes (so
    // the v1.1 encoder here is faithful to the reference one) ...
    CHECK(encode_framework_v1_1(state.framework, {}) ==
          Bytes(v1_framework.metadata().begin(), v1_framework.metadata().end()));

    // ... and one that sets them writes a longer vtable and more data.
    const Bytes metadata = encode_framework_v1_1(state.framework, extension);
    const Bytes v1_1_file = with_framework(v1, metadata);
    REQUIRE(v1_1_file != v1);
    {
      // The new fields are really in the file: a v1.1 reader sees them.
      flatbuffers::Verifier verifier(metadata.data(), metadata.size());
      REQUIRE(verifier.VerifyBuffer<v1_1::Framework>(nullptr));
      const v1_1::Framework* f = flatbuffers::GetRoot<v1_1::Framework>(metadata.data());
      CHECK(f->checkpoint_epoch() == extension.checkpoint_epoch);
      REQUIRE(f->origin() != nullptr);
      CHECK(f->origin()->pid() == extension.origin_pid);
    }
    // This reader reads the state, in every mode, and nothing else.
    check_reads_as(v1_1_file, state);
  }

  SECTION("what an unknown field holds is neither read nor verified") {
    // FORMAT.md §9 and Appendix A: a field id beyond the reader's schema is
    // not read or verified, so even a string this reader would refuse as
    // malformed (invalid UTF-8, §5.1) passes when it is in a field it does not know.
    FrameworkExtension odd = extension;
    odd.origin_host = "\xff\xfe not UTF-8 \xc0\x80";
    const TransientSnapshot state = full_example_state();
    check_reads_as(with_framework(encode(state), encode_framework_v1_1(state.framework, odd)), state);
  }

  SECTION("the other way round: a newer reader reads an older file's missing fields as defaults") {
    const Bytes v1 = encode(full_example_state());
    const Piece framework = split(v1)[*find_piece(split(v1), kFramework)];
    flatbuffers::Verifier verifier(framework.metadata().data(), framework.metadata().size());
    REQUIRE(verifier.VerifyBuffer<v1_1::Framework>(nullptr));
    const v1_1::Framework* f = flatbuffers::GetRoot<v1_1::Framework>(framework.metadata().data());
    CHECK(f->checkpoint_epoch() == 0);
    CHECK(f->origin() == nullptr);
    CHECK(f->counters()->size() == full_example_state().framework.counters.size());
  }
}

TEST_CASE("evolution (b): a section of a new optional kind is skipped, and still listed") {
  const TransientSnapshot state = full_example_state();
  const Bytes v1 = encode(state, 2);  // two slot chunks
  const std::vector<Piece> pieces = split(v1);
  const Bytes log = encode_replication_log();
  {
    flatbuffers::Verifier verifier(log.data(), log.size());
    REQUIRE(verifier.VerifyBuffer<v1_1::ReplicationLog>(nullptr));
  }
  const Bytes payload(128, 0x5a);  // an area whose rules this reader cannot know

  struct Placement {
    const char* what;
    std::uint32_t at;  // table index of the new section
    bool with_payload;
  };
  const std::uint32_t after_chunks = *find_piece(pieces, kSlotIndex);
  const std::uint32_t last = static_cast<std::uint32_t>(pieces.size());
  REQUIRE(*find_piece(pieces, kSlotChunk) < after_chunks);
  for (const Placement& placement : {Placement{"after the slot chunks", after_chunks, false},
                                     Placement{"last", last, false},
                                     Placement{"last, with a payload area", last, true}}) {
    INFO(placement.what);
    std::vector<Piece> with_new = pieces;
    with_new.insert(with_new.begin() + placement.at,
                    make_piece(kReplicationLog, 0, log, placement.with_payload ? std::span(payload)
                                                                               : std::span<const std::uint8_t>{}));
    const Bytes file = assemble(with_new);

    check_reads_as(file, state);
    for (Verification mode : kModes) {
      INFO("verification " << mode_name(mode));
      Opened opened(file, in_mode(mode));
      REQUIRE_OK(opened.snapshot);
      const Snapshot& s = *opened.snapshot;
      // Listed as it is, for `bbsnap info`, under the name errors use.
      REQUIRE(s.sections().size() == pieces.size() + 1);
      const SectionEntry& e = s.sections()[placement.at];
      CHECK(e.kind == kReplicationLog);
      CHECK(e.flags == 0);
      CHECK(e.payload_length == (placement.with_payload ? payload.size() : 0));
      CHECK(e.length - e.payload_length == log.size());
      CHECK(format::section_kind_name(e.kind) == "kind_42");
      // Its metadata is where the entry says, untouched (a caller that knows
      // the kind can read it).
      const auto metadata = s.bytes().subspan(e.offset + e.payload_length, e.length - e.payload_length);
      CHECK(std::equal(metadata.begin(), metadata.end(), log.begin(), log.end()));
      if (mode != Verification::trusted) REQUIRE_OK(s.check_section(placement.at));
    }

    // Skipped, but its metadata checksum still counts (FORMAT.md §4.4).
    const SectionEntry placed = testing::get_entry(file, get_header(file).table_offset, placement.at);
    const std::uint64_t damaged_at = placed.offset + placed.payload_length + 3;
    Opened damaged(testing::with_flipped_byte(file, damaged_at).span());
    REQUIRE_FALSE(damaged.snapshot.ok());
    CHECK(damaged.snapshot.error().code == ErrorCode::checksum_mismatch);
    CHECK(damaged.snapshot.error().section == "kind_42");
    // Lazily opened, the damage shows only when the section is checked.
    Opened lazily(testing::with_flipped_byte(file, damaged_at).span(), in_mode(Verification::lazy));
    REQUIRE_OK(lazily.snapshot);
    Status check = lazily.snapshot->check_section(placement.at);
    REQUIRE_FALSE(check.ok());
    CHECK(check.error().code == ErrorCode::checksum_mismatch);
    Result<TransientSnapshot> model = lazily.snapshot->to_model();
    REQUIRE_OK(model);
    CHECK(*model == state);
  }

  SECTION("it may repeat") {
    std::vector<Piece> with_new = pieces;
    with_new.push_back(make_piece(kReplicationLog, 0, log));
    with_new.push_back(make_piece(kReplicationLog, 0, log, payload));
    with_new.push_back(make_piece(kReplicationLog + 1, 0, log));
    const Bytes file = assemble(with_new);
    check_reads_as(file, state);
    Opened opened(file);
    REQUIRE_OK(opened.snapshot);
    REQUIRE(opened.snapshot->sections().size() == pieces.size() + 3);
    CHECK(opened.snapshot->sections()[pieces.size() + 2].kind == kReplicationLog + 1);
  }
}

TEST_CASE("evolution (c): a section of a new required kind is refused with unsupported_feature") {
  const TransientSnapshot state = full_example_state();
  const Bytes v1 = encode(state);
  const std::vector<Piece> pieces = split(v1);
  const Bytes log = encode_replication_log();
  for (std::uint32_t at : {*find_piece(pieces, kSlotIndex), static_cast<std::uint32_t>(pieces.size())}) {
    INFO("new section at table index " << at);
    std::vector<Piece> with_new = pieces;
    with_new.insert(with_new.begin() + at, make_piece(kReplicationLog, format::kSectionRequired, log));
    const Bytes file = assemble(with_new);
    const std::uint64_t entry_offset = get_header(file).table_offset + std::uint64_t{at} * sizeof(SectionEntry);
    // Refused in every mode: the table entries are checked even in trusted mode.
    for (Verification mode : kModes) {
      INFO("verification " << mode_name(mode));
      Opened opened(file, in_mode(mode));
      REQUIRE_FALSE(opened.snapshot.ok());
      const Error& e = opened.snapshot.error();
      INFO(e.to_string());
      CHECK(e.code == ErrorCode::unsupported_feature);
      CHECK(e.section == "section_table[" + std::to_string(at) + "]");
      CHECK(e.offset == entry_offset);
      // A message that says what and why.
      CHECK(e.message.find("required section of unknown kind 42") != std::string::npos);
      CHECK(e.message.find("newer") != std::string::npos);
      CHECK(e.to_string().find("unsupported_feature") == 0);
    }
  }
}

TEST_CASE("evolution: the required flag is not required on kinds the reader knows (FORMAT.md §4.3)") {
  // The writer sets bit 0 on every section; a reader must not insist on it
  // for a kind it knows.
  const TransientSnapshot state = full_example_state();
  std::vector<Piece> pieces = split(encode(state));
  for (Piece& p : pieces) p.entry.flags = 0;
  check_reads_as(assemble(std::move(pieces)), state);
}
