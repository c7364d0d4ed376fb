// fuzz_open: any bytes -> Snapshot::from_bytes with full verification. The
// input is tried as it is, then with every checksum resealed (fuzz_support.h)
// so that mutations reach the structural checks. Whatever full verification
// accepts must then keep every promise of reader.h:
//   - no accessor fails: every section view, every slot chunk and slot value,
//     every lookup, check_section() of every section;
//   - lookups agree with to_model() for every key it holds, and report
//     neighbouring keys it does not hold as absent;
//   - lazy and trusted mode read the same views and the same model;
//   - the model written again (encode_snapshot) reads back as the same model,
//     in one chunk or many, and writing it twice gives the same bytes.
// Every input, accepted or not, is also opened as a mapped file on one and
// on two threads (verify_file.cc's pipeline, which from_bytes never runs):
// the outcome must be the same, down to the error's code, section, offset
// and message.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "bbsnap/aligned_buffer.h"
#include "bbsnap/reader.h"
#include "bbsnap/writer.h"
#include "fuzz_support.h"

using namespace bbsnap;
using bbsnap::fuzz::describe;
using bbsnap::fuzz::Digest;

namespace {

template <typename Map, typename Key>
bool holds(const Map& m, const Key& k) {
  return m.find(k) != m.end();
}

// Keys next to `k` (wrapping at the ends of the range).
template <typename T>
std::array<T, 2> neighbours(T k) {
  return {static_cast<T>(k + 1), static_cast<T>(k - 1)};
}

void check_lookups(const Snapshot& s, const TransientSnapshot& m) {
  // Slots.
  auto check_slot = [&](SlotKey key) {
    Result<SlotLookup> r = s.slot(key);
    FUZZ_CHECK(r.ok(), "slot() failed after full verification: " + describe(r.error()));
    auto it = m.slot_table.find(key);
    if (it == m.slot_table.end()) {
      FUZZ_CHECK(r->state == SlotLookup::State::missing, "slot() found a key the model does not hold");
    } else if (!it->second) {
      FUZZ_CHECK(r->state == SlotLookup::State::empty, "slot() differs from the model: expected empty");
    } else {
      FUZZ_CHECK(r->state == SlotLookup::State::value, "slot() differs from the model: expected a value");
      FUZZ_CHECK(std::equal(r->value.begin(), r->value.end(), it->second->begin(), it->second->end()),
                 "slot() value differs from the model");
    }
  };
  check_slot({0, 0});
  check_slot({~std::uint64_t{0}, ~std::uint64_t{0}});
  for (const auto& [key, value] : m.slot_table) {
    check_slot(key);
    for (std::uint64_t e : neighbours(key.exec)) check_slot({key.site, e});
    for (std::uint64_t site : neighbours(key.site)) check_slot({site, key.exec});
  }

  // Pending async ops.
  auto check_pending = [&](std::uint64_t id) {
    Result<const fb::PendingAsyncEntry*> r = s.pending_async(id);
    FUZZ_CHECK(r.ok(), "pending_async() failed after full verification: " + describe(r.error()));
    auto it = m.pending_async.find(id);
    if (it == m.pending_async.end()) {
      FUZZ_CHECK(*r == nullptr, "pending_async() found an id the model does not hold");
      return;
    }
    FUZZ_CHECK(*r != nullptr, "pending_async() missed an id of the model");
    const fb::PendingAsyncEntry& e = **r;
    FUZZ_CHECK(e.command_id() == id && e.op_ref() == it->second.op_ref && e.exec_id() == it->second.exec_id,
               "pending_async() entry differs from the model");
    std::optional<std::uint64_t> deadline;
    if (e.deadline_ns()) deadline = *e.deadline_ns();
    FUZZ_CHECK(deadline == it->second.deadline_ns, "pending_async() deadline differs from the model");
    std::vector<std::uint64_t> sites;
    if (e.output_sites()) sites.assign(e.output_sites()->begin(), e.output_sites()->end());
    FUZZ_CHECK(sites == it->second.output_sites, "pending_async() output sites differ from the model");
  };
  check_pending(0);
  check_pending(~std::uint64_t{0});
  for (const auto& [id, op] : m.pending_async) {
    check_pending(id);
    for (std::uint64_t n : neighbours(id)) check_pending(n);
  }

  // Execution states.
  auto check_exec = [&](std::uint64_t id) {
    Result<std::optional<std::uint32_t>> r = s.execution_state(id);
    FUZZ_CHECK(r.ok(), "execution_state() failed after full verification: " + describe(r.error()));
    auto it = m.execution_state.find(id);
    std::optional<std::uint32_t> expected;
    if (it != m.execution_state.end()) expected = it->second.outputs_written;
    FUZZ_CHECK(*r == expected, "execution_state() differs from the model");
  };
  check_exec(0);
  check_exec(~std::uint64_t{0});
  for (const auto& [id, st] : m.execution_state) {
    check_exec(id);
    for (std::uint64_t n : neighbours(id)) check_exec(n);
  }

  // Wire states.
  auto check_wire = [&](std::uint32_t component) {
    Result<std::optional<std::span<const std::uint8_t>>> r = s.wire_state(component);
    FUZZ_CHECK(r.ok(), "wire_state() failed after full verification: " + describe(r.error()));
    auto it = m.wire_states.find(component);
    FUZZ_CHECK(r->has_value() == (it != m.wire_states.end()), "wire_state() presence differs from the model");
    if (r->has_value()) {
      FUZZ_CHECK(std::equal((*r)->begin(), (*r)->end(), it->second.begin(), it->second.end()),
                 "wire_state() bytes differ from the model");
    }
  };
  check_wire(0);
  check_wire(~std::uint32_t{0});
  for (const auto& [component, bytes] : m.wire_states) {
    check_wire(component);
    for (std::uint32_t n : neighbours(component)) check_wire(n);
  }

  // Counters and subscriptions: string keys; neighbours are a prefix and an extension.
  auto check_counter = [&](const std::string& name) {
    Result<std::optional<std::uint64_t>> r = s.counter(name);
    FUZZ_CHECK(r.ok(), "counter() failed after full verification: " + describe(r.error()));
    auto it = m.framework.counters.find(name);
    std::optional<std::uint64_t> expected;
    if (it != m.framework.counters.end()) expected = it->second;
    FUZZ_CHECK(*r == expected, "counter(\"" + name + "\") differs from the model");
  };
  check_counter("");
  for (const auto& [name, value] : m.framework.counters) {
    check_counter(name);
    check_counter(name + std::string(1, '\0'));
    if (!name.empty()) check_counter(name.substr(0, name.size() - 1));
  }
  auto check_subscribers = [&](const std::string& kind) {
    Result<std::optional<std::span<const std::uint64_t>>> r = s.subscribers(kind);
    FUZZ_CHECK(r.ok(), "subscribers() failed after full verification: " + describe(r.error()));
    auto it = m.bus.event_subscriptions.find(kind);
    FUZZ_CHECK(r->has_value() == (it != m.bus.event_subscriptions.end()),
               "subscribers(\"" + kind + "\") presence differs from the model");
    if (r->has_value()) {
      FUZZ_CHECK(std::equal((*r)->begin(), (*r)->end(), it->second.begin(), it->second.end()),
                 "subscribers() differ from the model");
    }
  };
  check_subscribers("");
  for (const auto& [kind, sites] : m.bus.event_subscriptions) {
    check_subscribers(kind);
    check_subscribers(kind + "\x7f");
    if (!kind.empty()) check_subscribers(kind.substr(0, kind.size() - 1));
  }
}

// Everything a fully verified snapshot promises.
void check_accepted(std::span<const std::uint8_t> bytes, const Snapshot& s, std::uint32_t spec) {
  // The container.
  FUZZ_CHECK(s.bytes().data() == bytes.data() && s.bytes().size() == bytes.size(), "bytes() is not the input");
  FUZZ_CHECK(s.header().section_count == s.sections().size(), "header and sections() disagree");
  FUZZ_CHECK(s.spec_version() == spec, "spec_version() differs from the version the open expected");
  for (std::uint32_t i = 0; i < s.sections().size(); ++i) {
    Status st = s.check_section(i);
    FUZZ_CHECK(st.ok(), "check_section() failed after full verification: " + describe(st.error()));
  }
  Status past_end = s.check_section(static_cast<std::uint32_t>(s.sections().size()));
  FUZZ_CHECK(!past_end.ok() && past_end.error().code == ErrorCode::invalid_argument,
             "check_section() past the last section did not refuse");
  Result<const fb::SlotChunk*> no_chunk = s.slot_chunk(s.slot_chunk_count());
  FUZZ_CHECK(!no_chunk.ok() && no_chunk.error().code == ErrorCode::invalid_argument,
             "slot_chunk() past the last chunk did not refuse");

  // Every view, then the owned model and every lookup against it.
  Digest full_views;
  Status walked = fuzz::walk_all(s, full_views, /*strict=*/true);
  FUZZ_CHECK(walked.ok(), "a view failed after full verification");
  Result<TransientSnapshot> model = s.to_model();
  FUZZ_CHECK(model.ok(), "to_model() failed after full verification: " + describe(model.error()));
  FUZZ_CHECK(model->framework.spec_version == spec, "the model's spec_version differs from the file's");
  check_lookups(s, *model);

  // The other two modes read the same.
  for (Verification mode : {Verification::lazy, Verification::trusted}) {
    OpenOptions options;
    options.verification = mode;
    options.expected_spec_version = spec;
    Result<Snapshot> other = Snapshot::from_bytes(bytes, options);
    FUZZ_CHECK(other.ok(), "full verification accepts what another mode refuses: " + describe(other.error()));
    Digest views;
    FUZZ_CHECK(fuzz::walk_all(*other, views, /*strict=*/true).ok(), "a view failed in lazy or trusted mode");
    FUZZ_CHECK(views.value() == full_views.value(), "lazy or trusted views differ from full mode's");
    Result<TransientSnapshot> other_model = other->to_model();
    FUZZ_CHECK(other_model.ok() && *other_model == *model, "lazy or trusted to_model() differs from full mode's");
  }

  // Written again, the model reads back the same; equal states, equal bytes.
  Result<AlignedBuffer> again = encode_snapshot(*model);
  FUZZ_CHECK(again.ok(), "encode_snapshot() refused a restored model: " + describe(again.error()));
  OpenOptions options;
  options.expected_spec_version = spec;
  Result<Snapshot> reopened = Snapshot::from_bytes(again->span(), options);
  FUZZ_CHECK(reopened.ok(), "a re-encoded model is refused: " + describe(reopened.error()));
  Result<TransientSnapshot> remodel = reopened->to_model();
  FUZZ_CHECK(remodel.ok() && *remodel == *model, "a re-encoded model reads back differently");
  Result<AlignedBuffer> twice = encode_snapshot(*remodel);
  FUZZ_CHECK(twice.ok() && twice->size() == again->size() &&
                 std::equal(twice->span().begin(), twice->span().end(), again->span().begin()),
             "equal states encode to different bytes");
  // Small chunks: many slot chunk sections.
  WriteOptions small;
  small.slots_per_chunk = 2;
  Result<AlignedBuffer> chunked = encode_snapshot(*model, small);
  FUZZ_CHECK(chunked.ok(), "encode_snapshot(slots_per_chunk 2) refused a restored model");
  Result<Snapshot> rechunked = Snapshot::from_bytes(chunked->span(), options);
  FUZZ_CHECK(rechunked.ok(), "a re-encoded model in small chunks is refused: " + describe(rechunked.error()));
  Result<TransientSnapshot> rechunked_model = rechunked->to_model();
  FUZZ_CHECK(rechunked_model.ok() && *rechunked_model == *model, "a model re-encoded in small chunks differs");
}

// `bytes` in an anonymous in-memory file (memfd), opened by its path on
// `threads` threads even when small, against `in_memory`, the one-thread
// from_bytes.
void check_mapped(std::span<const std::uint8_t> bytes, const Result<Snapshot>& in_memory, unsigned threads) {
  const int fd = ::memfd_create("fuzz_open", MFD_CLOEXEC);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  for (std::size_t at = 0; at < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + at, bytes.size() - at);
    FUZZ_CHECK(n > 0, "writing the memfd failed");
    at += static_cast<std::size_t>(n);
  }
  OpenOptions options;
  options.expected_spec_version = std::nullopt;
  options.threads = threads;
  options.bytes_per_thread = 0;
  Result<Snapshot> mapped = Snapshot::open("/proc/self/fd/" + std::to_string(fd), options);
  ::close(fd);  // a mapping keeps the file
  const std::string on = std::to_string(threads) + " thread(s) on a mapped file";
  FUZZ_CHECK(mapped.ok() == in_memory.ok(),
             on + " and the bytes on one disagree: " + (mapped ? describe(in_memory.error()) : describe(mapped.error())));
  if (!mapped) {
    FUZZ_CHECK(fuzz::same_error(mapped.error(), in_memory.error()),
               on + " report " + describe(mapped.error()) + ", one thread on the bytes " + describe(in_memory.error()));
  }
}

void try_open(std::span<const std::uint8_t> bytes) {
  if (fuzz::known_bug(bytes)) return;
  std::uint32_t spec = 0;
  Result<Snapshot> s = fuzz::open_any_spec(bytes, OpenOptions{}, &spec);
  check_mapped(bytes, s, 1);
  check_mapped(bytes, s, 2);
  if (!s) {
    // Refusals name a code and, except for the caller's own mistakes, where.
    FUZZ_CHECK(s.error().code != ErrorCode::invalid_argument, "from_bytes refused an aligned buffer as invalid_argument");
    FUZZ_CHECK(!s.error().section.empty(), "a refusal names no section: " + describe(s.error()));
    FUZZ_CHECK(s.error().offset == kNoOffset || s.error().offset <= bytes.size(),
               "a refusal points past the end of the file: " + describe(s.error()));
    return;
  }
  check_accepted(bytes, *s, spec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Input raw({data, size});
  try_open(raw.span());
  fuzz::Input sealed({data, size});
  fuzz::reseal(sealed.span());
  if (!std::equal(sealed.span().begin(), sealed.span().end(), raw.span().begin())) try_open(sealed.span());
  return 0;
}
