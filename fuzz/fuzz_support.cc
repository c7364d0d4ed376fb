#include "fuzz_support.h"

#include <flatbuffers/flatbuffers.h>
#include <xxhash.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bbsnap::fuzz {

using format::Header;
using format::SectionEntry;

void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "\n==bbsnap fuzz== invariant broken: %s\n==bbsnap fuzz== %s\n", what, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

Input::Input(std::span<const std::uint8_t> bytes) : buffer_(AlignedBuffer::copy_of(bytes)), size_(bytes.size()) {}

// ---------------------------------------------------------------- reseal

namespace {

template <typename T>
T load(std::span<const std::uint8_t> file, std::uint64_t at) {
  T v;
  std::memcpy(&v, file.data() + at, sizeof v);
  return v;
}

template <typename T>
void store(std::span<std::uint8_t> file, std::uint64_t at, const T& v) {
  std::memcpy(file.data() + at, &v, sizeof v);
}

// The slot values of one slot chunk section, if its metadata is a FlatBuffer
// whose slot entries can be located: each value's hash, seeded as the
// file's format version says (format::value_hash_seed).
void reseal_values(std::span<std::uint8_t> file, const SectionEntry& e, std::uint32_t format_version) {
  std::uint64_t meta_at = e.offset + e.payload_length;
  std::uint64_t meta_len = e.length - e.payload_length;
  if (meta_at % 8 != 0) return;  // the accessors below read 4-byte offsets in place
  flatbuffers::Verifier::Options options;
  options.max_depth = 16;
  options.max_tables = static_cast<flatbuffers::uoffset_t>(meta_len / 4 + 1);
  flatbuffers::Verifier verifier(file.data() + meta_at, meta_len, options);
  if (!verifier.VerifyBuffer<fb::SlotChunk>(nullptr)) return;
  const auto* slots = flatbuffers::GetRoot<fb::SlotChunk>(file.data() + meta_at)->slots();
  if (!slots) return;
  // Entries are 48-byte structs: site, exec, value_offset, value_length,
  // value_hash (at 32), has_value (at 40). Read as bytes: the vector may
  // not be 8-byte aligned in a mutated file.
  auto base = static_cast<std::uint64_t>(reinterpret_cast<const std::uint8_t*>(slots->data()) - file.data());
  for (flatbuffers::uoffset_t i = 0; i < slots->size(); ++i) {
    std::uint64_t at = base + std::uint64_t{i} * 48;
    if (file[at + 40] == 0) continue;
    auto value_offset = load<std::uint64_t>(file, at + 16);
    auto value_length = load<std::uint64_t>(file, at + 24);
    if (value_offset > e.length || value_length > file.size()) continue;
    std::uint64_t start = e.offset + value_offset;
    if (start > file.size() || value_length > file.size() - start) continue;
    store<std::uint64_t>(file, at + 32, XXH3_64bits_withSeed(file.data() + start, value_length,
                                                             format::value_hash_seed(format_version, start)));
  }
}

}  // namespace

void reseal(std::span<std::uint8_t> file) {
  if (file.size() < sizeof(Header)) return;
  auto h = load<Header>(file, 0);
  std::uint64_t size = file.size();
  if (h.table_offset <= size) {
    std::uint64_t entries = (size - h.table_offset) / sizeof(SectionEntry);
    std::uint64_t count = std::min<std::uint64_t>(h.section_count, entries);
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint64_t at = h.table_offset + i * sizeof(SectionEntry);
      auto e = load<SectionEntry>(file, at);
      if (e.offset > size || e.length > size - e.offset || e.payload_length > e.length) continue;
      if (e.kind == static_cast<std::uint32_t>(format::SectionKind::slot_chunk)) reseal_values(file, e, h.format_version);
      std::uint64_t seed = XXH3_64bits(&e, format::kSectionSeedBytes);
      std::uint64_t sum = XXH3_64bits_withSeed(file.data() + e.offset + e.payload_length, e.length - e.payload_length, seed);
      store(file, at + offsetof(SectionEntry, checksum), sum);
    }
    h.table_checksum = XXH3_64bits_withSeed(file.data() + h.table_offset, size - h.table_offset, format::kTableSeed);
  }
  h.header_checksum = XXH3_64bits_withSeed(&h, format::kHeaderChecksummedBytes, format::kHeaderSeed);
  store(file, 0, h);
}

// ---------------------------------------------------------------- known bugs

namespace {

// BBSNAP_FUZZ_UNMASK=1: no mask for known bugs (known_bug()).
bool unmasked() {
  static const bool value = [] {
    const char* v = std::getenv("BBSNAP_FUZZ_UNMASK");
    return v != nullptr && v[0] != '\0' && v[0] != '0';
  }();
  return value;
}

}  // namespace

bool known_bug(std::span<const std::uint8_t> file) {
  if (unmasked() || file.empty()) return false;
  // No known bug at the moment. A mask is a function of the file that
  // recognises the inputs reaching the bug (see fuzz/regressions/README.md
  // for the two masks there were).
  return false;
}

// ---------------------------------------------------------------- Digest

void Digest::add(std::uint64_t v) {
  h_ ^= v;
  h_ *= 0x100000001b3ULL;
  h_ ^= h_ >> 29;
}

void Digest::add(std::span<const std::uint8_t> bytes) {
  add(bytes.size());
  std::uint64_t x = 0;
  for (std::uint8_t b : bytes) x = (x ^ b) * 0x100000001b3ULL;
  add(x);
}

void Digest::add(std::string_view text) {
  add(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void Digest::add(const Error& e) {
  add(0xe77e77e7ULL);
  add(static_cast<std::uint64_t>(e.code));
  add(e.section);
  add(e.offset);
  add(e.message);
  add(e.stored);
  add(e.computed);
}

// ---------------------------------------------------------------- views

namespace {

template <typename Vec, typename F>
void each(Digest& d, const Vec* v, F f) {
  if (!v) {
    d.add(~std::uint64_t{0});
    return;
  }
  d.add(v->size());
  for (auto element : *v) f(element);
}

void bytes_list(Digest& d, const flatbuffers::Vector<flatbuffers::Offset<fb::Bytes>>* v) {
  each(d, v, [&](const fb::Bytes* b) { d.add(as_span(b->data())); });
}

void named_list(Digest& d, const flatbuffers::Vector<flatbuffers::Offset<fb::NamedBytes>>* v) {
  each(d, v, [&](const fb::NamedBytes* b) {
    d.add(as_view(b->name()));
    d.add(as_span(b->data()));
  });
}

}  // namespace

void walk(Digest& d, const fb::Framework& f) {
  d.add(f.spec_version());
  each(d, f.counters(), [&](const fb::Counter* c) {
    d.add(as_view(c->name()));
    d.add(c->value());
  });
  each(d, f.fired_phases(), [&](const flatbuffers::String* s) { d.add(as_view(s)); });
  each(d, f.address_book(), [&](const fb::AddressBookEntry* e) {
    d.add(as_span(e->peer_id()));
    bytes_list(d, e->addresses());
    d.add(e->ref_count());
  });
  if (const fb::PeerGovernor* g = f.peer_governor()) {
    bytes_list(d, g->blocklist());
    bytes_list(d, g->allowlist());
    each(d, g->health(), [&](const fb::PeerHealth* h) {
      d.add(as_span(h->peer()));
      d.add(h->consecutive_failures());
      d.add(h->last_event_ns());
      d.add(h->down());
    });
    d.add(g->failure_threshold());
  } else {
    d.add(0x9090);
  }
  each(d, f.backoff_table(), [&](const fb::BackoffEntry* e) {
    d.add(as_span(e->peer()));
    d.add(e->attempts());
    d.add(e->last_attempt_ns());
    d.add(e->next_retry_ns());
  });
  each(d, f.pending_outbound(), [&](const fb::PendingOutbound* e) {
    d.add(as_span(e->envelope_bytes()));
    d.add(e->redelivered());
  });
  d.add(as_span(f.peer_id_bytes()));
  d.add(f.next_command_id());
  d.add(f.next_exec_id());
}

void walk(Digest& d, const fb::Bus& b) {
  each(d, b.event_subscriptions(), [&](const fb::EventSubscription* s) {
    d.add(as_view(s->event_kind()));
    each(d, s->subscribers(), [&](std::uint64_t site) { d.add(site); });
  });
}

void walk(Digest& d, const fb::Ingress& ingress) {
  each(d, ingress.events(), [&](const fb::IngressItem* item) {
    d.add(static_cast<std::uint64_t>(item->event_type()));
    switch (item->event_type()) {
      case fb::IngressEvent::Envelope:
        FUZZ_CHECK(item->event_as_Envelope() != nullptr, "verified Envelope without its table");
        d.add(as_span(item->event_as_Envelope()->bytes()));
        return;
      case fb::IngressEvent::AppEvent: {
        const fb::AppEvent* e = item->event_as_AppEvent();
        FUZZ_CHECK(e != nullptr, "verified AppEvent without its table");
        d.add(as_view(e->module_name()));
        d.add(as_view(e->input_name()));
        d.add(as_span(e->value_bytes()));
        return;
      }
      case fb::IngressEvent::Invoke: {
        const fb::Invoke* e = item->event_as_Invoke();
        FUZZ_CHECK(e != nullptr, "verified Invoke without its table");
        d.add(as_view(e->module_name()));
        named_list(d, e->inputs());
        return;
      }
      case fb::IngressEvent::TimerMatured:
        FUZZ_CHECK(item->event_as_TimerMatured() != nullptr, "verified TimerMatured without its table");
        d.add(item->event_as_TimerMatured()->at_ns());
        return;
      case fb::IngressEvent::Completion: {
        const fb::Completion* e = item->event_as_Completion();
        FUZZ_CHECK(e != nullptr, "verified Completion without its table");
        d.add(e->cmd_id());
        bytes_list(d, e->results());
        return;
      }
      case fb::IngressEvent::NONE:
        break;
    }
    fail("a verified ingress section holds an event of no known variant",
         std::to_string(static_cast<int>(item->event_type())));
  });
}

void walk(Digest& d, const fb::PendingCompletions& p) {
  each(d, p.entries(), [&](const fb::PendingCompletion* c) {
    d.add(c->cmd_id());
    named_list(d, c->results());
  });
}

void walk(Digest& d, const fb::Frontier& f) {
  each(d, f.items(), [&](const fb::FrontierItem* i) {
    d.add(i->first());
    d.add(i->second());
  });
}

void walk(Digest& d, const fb::PendingAsyncTable& t) {
  each(d, t.entries(), [&](const fb::PendingAsyncEntry* e) {
    d.add(e->command_id());
    d.add(e->op_ref());
    d.add(e->exec_id());
    each(d, e->output_sites(), [&](std::uint64_t site) { d.add(site); });
    d.add(e->deadline_ns().has_value());
    d.add(e->deadline_ns().value_or(0));
  });
}

void walk(Digest& d, const fb::ExecutionStateTable& t) {
  each(d, t.entries(), [&](const fb::ExecutionStateEntry* e) {
    d.add(e->exec_id());
    d.add(e->outputs_written());
  });
}

void walk(Digest& d, const fb::WireStates& w) {
  each(d, w.entries(), [&](const fb::WireState* e) {
    d.add(e->component());
    d.add(as_span(e->bytes()));
  });
}

Status walk_chunk(const Snapshot& s, std::uint32_t chunk, Digest& d, bool strict) {
  Result<const fb::SlotChunk*> root = s.slot_chunk(chunk);
  if (!root) {
    FUZZ_CHECK(!strict, "slot_chunk(" + std::to_string(chunk) + ") failed: " + describe(root.error()));
    d.add(root.error());
    return std::move(root).error();
  }
  const auto* slots = (*root)->slots();
  FUZZ_CHECK(slots != nullptr && slots->size() > 0, "a verified slot chunk without slots");
  d.add(slots->size());
  std::span<const std::uint8_t> file = s.bytes();
  for (const fb::SlotEntry* e : *slots) {
    d.add(e->site());
    d.add(e->exec());
    d.add(e->has_value());
    d.add(e->value_offset());
    d.add(e->value_length());
    d.add(e->value_hash());
    Result<SlotLookup> v = s.slot_value(chunk, *e);
    if (!v) {
      FUZZ_CHECK(!strict, "slot_value failed: " + describe(v.error()));
      d.add(v.error());
      return std::move(v).error();
    }
    if (!e->has_value()) {
      FUZZ_CHECK(v->state == SlotLookup::State::empty && v->value.empty(), "an empty slot read as a value");
    } else {
      FUZZ_CHECK(v->state == SlotLookup::State::value, "a slot with a value read as empty");
      FUZZ_CHECK(v->value.size() == e->value_length(), "a value's span differs from its length");
      // In place: inside the file, 64-byte aligned.
      FUZZ_CHECK(v->value.empty() || (v->value.data() >= file.data() &&
                                      v->value.data() + v->value.size() <= file.data() + file.size()),
                 "a slot value span outside the file");
      FUZZ_CHECK(reinterpret_cast<std::uintptr_t>(v->value.data()) % 64 == 0 || v->value.empty(),
                 "a slot value not 64-byte aligned");
    }
    d.add(static_cast<std::uint64_t>(v->state));
    d.add(v->value);
  }
  return {};
}

Status walk_all(const Snapshot& s, Digest& d, bool strict) {
  Status first;
  auto view = [&](const char* name, auto result) {
    if (result) {
      FUZZ_CHECK(*result != nullptr, std::string(name) + "() returned a null view");
      walk(d, **result);
      return;
    }
    FUZZ_CHECK(!strict, std::string(name) + "() failed: " + describe(result.error()));
    d.add(result.error());
    if (first) first = result.error();
  };
  view("framework", s.framework());
  view("bus", s.bus());
  view("ingress", s.ingress());
  view("pending_completions", s.pending_completions());
  view("frontier", s.frontier());
  view("pending_async_table", s.pending_async_table());
  view("execution_state_table", s.execution_state_table());
  view("wire_states", s.wire_states());
  d.add(s.slot_chunk_count());
  for (std::uint32_t c = 0; c < s.slot_chunk_count(); ++c) {
    Status st = walk_chunk(s, c, d, strict);
    if (!st && first) first = st;
  }
  return first;
}

// ---------------------------------------------------------------- errors, open

std::string describe(const Error& e) {
  return e.to_string() + " [code " + std::string(to_string(e.code)) + ", section '" + e.section + "', offset " +
         std::to_string(e.offset) + ", stored " + std::to_string(e.stored) + ", computed " +
         std::to_string(e.computed) + "]";
}

bool same_error(const Error& a, const Error& b) {
  return a.code == b.code && a.section == b.section && a.offset == b.offset && a.message == b.message &&
         a.stored == b.stored && a.computed == b.computed;
}

Result<Snapshot> open_any_spec(std::span<const std::uint8_t> bytes, OpenOptions options, std::uint32_t* spec) {
  options.expected_spec_version = std::nullopt;
  Result<Snapshot> r = Snapshot::from_bytes(bytes, options);
  if (spec) *spec = r ? r->spec_version() : kCurrentSpecVersion;
  if (!r) {
    FUZZ_CHECK(r.error().code != ErrorCode::spec_version_mismatch,
               "spec_version_mismatch while accepting any spec_version: " + describe(r.error()));
    return r;
  }
  // Expecting another version refuses the file, naming the framework (a
  // trusted open: the mode's other checks passed already).
  OpenOptions other = options;
  other.verification = Verification::trusted;
  other.expected_spec_version = r->spec_version() + 1;  // wraps at the maximum: still another version
  Result<Snapshot> refused = Snapshot::from_bytes(bytes, other);
  FUZZ_CHECK(!refused && refused.error().code == ErrorCode::spec_version_mismatch && refused.error().section == "framework",
             "expecting another spec_version did not refuse the file with spec_version_mismatch");
  return r;
}

}  // namespace bbsnap::fuzz
