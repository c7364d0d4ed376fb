#include "state/verify.h"

#include <array>
#include <bit>
#include <cstring>
#include <tuple>
#include <type_traits>

#include "bbsnap/reader.h"
#include "container/checksum.h"
#include "state/text_check.h"

namespace bbsnap {

using format::SectionKind;
template <typename T>
using Vector = flatbuffers::Vector<T>;
template <typename T>
using TableVector = flatbuffers::Vector<flatbuffers::Offset<T>>;

namespace {

std::string_view key_of(const flatbuffers::String* s) { return as_view(s); }

// Records the first rule a section breaks; later checks become no-ops, so a
// check function reads as a flat list of rules.
class Checker {
 public:
  Checker(const Layout& layout, std::uint32_t index)
      : layout_(layout), index_(index), content_budget_(layout.metadata(index).size()) {}

  bool ok() const { return status_.ok(); }
  Status status() const { return status_; }

  // `message` is text, or a callable making it: it is only built for a
  // broken rule, so checking allocates nothing. The check itself is inlined
  // (it runs for every table and string of the metadata), the error path
  // is not.
  template <typename Message>
  [[gnu::always_inline]] void require(bool rule, const void* where, Message&& message) {
    if (rule || !ok()) [[likely]] return;
    if constexpr (std::is_invocable_v<Message>) {
      broken(where, message());
    } else {
      broken(where, message);
    }
  }

  void fail(Status status) {
    if (ok()) status_ = std::move(status);
  }

  template <typename T>
  void aligned(const T* data, std::size_t alignment, const char* what) {
    require(reinterpret_cast<std::uintptr_t>(data) % alignment == 0, data,
            [&] { return std::string(what) + " is not " + std::to_string(alignment) + "-byte aligned"; });
  }

  // A writer never shares a string or vector between two references, so
  // their contents add up to less than the buffer's size. A hostile buffer
  // pointing many offsets at one long string or vector would make checking
  // it, and copying it out in to_model(), quadratic: refused once the total
  // passes the size. This keeps every pass over a section linear in its size.
  void spend(const void* where, std::uint64_t bytes) {
    require(bytes <= content_budget_, where,
            "strings and vectors add up to more than the metadata's size: shared or overlapping contents");
    if (ok()) content_budget_ -= bytes;
  }

  // Byte strings start on a 16-byte boundary of the file. (An empty vector
  // has no first byte: FlatBuffers does not pad for it.)
  void bytes(const Vector<std::uint8_t>* v, const char* what) {
    if (!v) return;
    spend(v, 4 + std::uint64_t{v->size()});
    if (v->size() > 0) aligned(v->data(), format::kBytesAlignment, what);
  }
  void bytes_list(const TableVector<fb::Bytes>* list, const char* what) {
    if (!list) return;
    for (const fb::Bytes* item : *list) bytes(item->data(), what);
  }
  void text(const flatbuffers::String* s, const char* what) {
    if (!s) return;
    spend(s, 5 + std::uint64_t{s->size()});
    if (!ok()) return;
    require(is_utf8(as_view(s)), s, [&] { return std::string(what) + " is not valid UTF-8"; });
  }
  void named_list(const TableVector<fb::NamedBytes>* list, const char* what) {
    if (!list) return;
    for (const fb::NamedBytes* item : *list) {
      text(item->name(), what);
      bytes(item->data(), what);
    }
  }
  // A vector of 8-byte scalars or structs, read in place.
  template <typename T>
  void words(const Vector<T>* v, const char* what) {
    if (!v) return;
    spend(v, 4 + std::uint64_t{v->size()} * sizeof(std::remove_pointer_t<T>));  // T is `const S*` for structs
    if (v->size() > 0) aligned(v->data(), 8, what);
  }
  // Map keys: strictly increasing, so binary search finds the one entry.
  template <typename Key>
  void increasing(const Key& previous, const Key& current, const void* where, const char* what) {
    require(previous < current, where, [&] { return std::string(what) + " are not sorted and unique"; });
  }
  // Padding in [begin, end) of the file must be zero.
  void zeros(std::uint64_t begin, std::uint64_t end) { fail(check_zero(layout_, begin, end, index_)); }

 private:
  [[gnu::cold, gnu::noinline]] void broken(const void* where, std::string text) {
    auto offset = static_cast<std::uint64_t>(static_cast<const std::uint8_t*>(where) - layout_.file.data());
    status_ = Error::of(ErrorCode::malformed_section, std::move(text), layout_.section_name(index_), offset);
  }

  const Layout& layout_;
  std::uint32_t index_;
  std::uint64_t content_budget_;  // bytes of strings and vectors the buffer can still hold
  Status status_;
};

// FlatBuffers' Verifier with limits derived from the buffer's size. Distinct
// tables occupy distinct bytes and each needs at least 4, so a buffer of n
// bytes holds at most n/4 tables; a hostile buffer that points many offsets
// at one table makes the Verifier visit it again each time, and the same
// bound on visits keeps verification time linear in n. Every element that is
// not constant-time to verify is a table (schema/bbsnap.fbs), so this is the
// bound on all of the Verifier's work.
flatbuffers::Verifier::Options verifier_options(std::span<const std::uint8_t> metadata) {
  flatbuffers::Verifier::Options options;
  options.max_depth = format::kMaxFlatBufferDepth;
  options.max_tables = static_cast<flatbuffers::uoffset_t>(metadata.size() / 4 + 1);
  options.check_alignment = true;  // relative to the buffer, which is 64-aligned in the file
  options.check_nested_flatbuffers = false;
  return options;
}

template <typename Root>
bool verify_flatbuffer(std::span<const std::uint8_t> metadata) {
  flatbuffers::Verifier verifier(metadata.data(), metadata.size(), verifier_options(metadata));
  return verifier.VerifyBuffer<Root>(nullptr);
}

template <typename Root>
std::string not_a_valid(const char* what) {
  return std::string("the ") + what + " is not a valid " + Root::GetFullyQualifiedName() + " FlatBuffer";
}

void check_framework(Checker& c, const fb::Framework& f) {
  if (const auto* counters = f.counters()) {
    for (flatbuffers::uoffset_t i = 0; i < counters->size() && c.ok(); ++i) {
      c.text(counters->Get(i)->name(), "counter name");
      if (i > 0) c.increasing(key_of(counters->Get(i - 1)->name()), key_of(counters->Get(i)->name()),
                              counters->Get(i), "counter names");
    }
  }
  if (const auto* phases = f.fired_phases()) {
    for (const flatbuffers::String* phase : *phases) c.text(phase, "fired phase");
  }
  if (const auto* book = f.address_book()) {
    for (const fb::AddressBookEntry* e : *book) {
      c.bytes(e->peer_id(), "address book peer_id");
      c.bytes_list(e->addresses(), "address book address");
    }
  }
  if (const fb::PeerGovernor* g = f.peer_governor()) {
    c.bytes_list(g->blocklist(), "blocklist entry");
    c.bytes_list(g->allowlist(), "allowlist entry");
    if (const auto* health = g->health()) {
      for (const fb::PeerHealth* h : *health) c.bytes(h->peer(), "health peer");
    }
  }
  if (const auto* backoff = f.backoff_table()) {
    for (const fb::BackoffEntry* e : *backoff) c.bytes(e->peer(), "backoff peer");
  }
  if (const auto* outbound = f.pending_outbound()) {
    for (const fb::PendingOutbound* e : *outbound) c.bytes(e->envelope_bytes(), "pending outbound envelope");
  }
  c.bytes(f.peer_id_bytes(), "peer_id_bytes");
}

void check_bus(Checker& c, const fb::Bus& bus) {
  const auto* subscriptions = bus.event_subscriptions();
  if (!subscriptions) return;
  for (flatbuffers::uoffset_t i = 0; i < subscriptions->size() && c.ok(); ++i) {
    const fb::EventSubscription* s = subscriptions->Get(i);
    c.text(s->event_kind(), "event kind");
    c.words(s->subscribers(), "subscribers");
    if (i > 0) c.increasing(key_of(subscriptions->Get(i - 1)->event_kind()), key_of(s->event_kind()), s, "event kinds");
  }
}

void check_ingress_item(Checker& c, const fb::IngressItem& item) {
  switch (item.event_type()) {
    case fb::IngressEvent::Envelope:
      c.bytes(item.event_as_Envelope()->bytes(), "envelope");
      return;
    case fb::IngressEvent::AppEvent: {
      const fb::AppEvent* e = item.event_as_AppEvent();
      c.text(e->module_name(), "module name");
      c.text(e->input_name(), "input name");
      c.bytes(e->value_bytes(), "app event value");
      return;
    }
    case fb::IngressEvent::Invoke:
      c.text(item.event_as_Invoke()->module_name(), "module name");
      c.named_list(item.event_as_Invoke()->inputs(), "invoke input");
      return;
    case fb::IngressEvent::TimerMatured:
      return;
    case fb::IngressEvent::Completion:
      c.bytes_list(item.event_as_Completion()->results(), "completion result");
      return;
    case fb::IngressEvent::NONE:
      break;
  }
  c.require(false, &item, [&] {
    return "ingress event of unknown variant " + std::to_string(static_cast<int>(item.event_type()));
  });
}

void check_ingress(Checker& c, const fb::Ingress& ingress) {
  const auto* events = ingress.events();
  if (!events) return;
  for (flatbuffers::uoffset_t i = 0; i < events->size() && c.ok(); ++i) {
    const fb::IngressItem* item = events->Get(i);
    // The Verifier accepts a union whose value is absent; a variant without its fields is not an event.
    c.require(item->event() != nullptr || item->event_type() == fb::IngressEvent::NONE, item,
              "ingress event without its value");
    if (c.ok()) check_ingress_item(c, *item);
  }
}

void check_pending_completions(Checker& c, const fb::PendingCompletions& completions) {
  if (const auto* entries = completions.entries()) {
    for (const fb::PendingCompletion* e : *entries) c.named_list(e->results(), "completion result");
  }
}

void check_frontier(Checker& c, const fb::Frontier& frontier) { c.words(frontier.items(), "frontier"); }

void check_pending_async(Checker& c, const fb::PendingAsyncTable& table) {
  const auto* entries = table.entries();
  if (!entries) return;
  for (flatbuffers::uoffset_t i = 0; i < entries->size() && c.ok(); ++i) {
    const fb::PendingAsyncEntry* e = entries->Get(i);
    c.words(e->output_sites(), "output sites");
    if (i > 0) c.increasing(entries->Get(i - 1)->command_id(), e->command_id(), e, "pending_async command ids");
  }
}

void check_execution_state(Checker& c, const fb::ExecutionStateTable& table) {
  const auto* entries = table.entries();
  c.words(entries, "execution state entries");
  if (!entries) return;
  for (flatbuffers::uoffset_t i = 0; i < entries->size() && c.ok(); ++i) {
    const fb::ExecutionStateEntry* e = entries->Get(i);
    const auto* raw = reinterpret_cast<const std::uint8_t*>(e);
    c.require(raw[12] == 0 && raw[13] == 0 && raw[14] == 0 && raw[15] == 0, raw + 12, "struct padding is not zero");
    if (i > 0) c.increasing(entries->Get(i - 1)->exec_id(), e->exec_id(), e, "execution_state exec ids");
  }
}

void check_wire_states(Checker& c, const fb::WireStates& wire_states) {
  const auto* entries = wire_states.entries();
  if (!entries) return;
  for (flatbuffers::uoffset_t i = 0; i < entries->size() && c.ok(); ++i) {
    const fb::WireState* e = entries->Get(i);
    c.bytes(e->bytes(), "wire state");
    if (i > 0) c.increasing(entries->Get(i - 1)->component(), e->component(), e, "wire state components");
  }
}

// Slot keys in (site, exec) order as one 128-bit number: a compare of two is
// two instructions and no branch, where a tuple's branches on equal sites
// (common: one site, many execs). This runs once per slot of the file.
using SlotOrder = unsigned __int128;
SlotOrder order_of(std::uint64_t site, std::uint64_t exec) { return SlotOrder{site} << 64 | exec; }
SlotOrder key_of(const fb::SlotEntry& e) { return order_of(e.site(), e.exec()); }
SlotOrder first_key(const fb::SlotChunkSummary& s) { return order_of(s.first_site(), s.first_exec()); }
SlotOrder last_key(const fb::SlotChunkSummary& s) { return order_of(s.last_site(), s.last_exec()); }

void check_slot_index(Checker& c, const Layout& layout, const fb::SlotIndex& index) {
  const auto* chunks = index.chunks();
  std::uint32_t count = chunks ? chunks->size() : 0;
  c.require(count == layout.chunk_count, &index, [&] {
    return "the index lists " + std::to_string(count) + " chunks, the file has " + std::to_string(layout.chunk_count);
  });
  c.words(chunks, "chunk summaries");
  for (std::uint32_t i = 0; i < count && c.ok(); ++i) {
    const fb::SlotChunkSummary* s = chunks->Get(i);
    c.require(s->slot_count() > 0 && !(last_key(*s) < first_key(*s)), s, "chunk summary with no slots");
    if (i > 0) c.increasing(last_key(*chunks->Get(i - 1)), first_key(*s), s, "slot chunks");
  }
}

// The rules of one slot entry, written once for two uses: `rule(holds,
// where, message)` returns `holds`. The loop over every entry of a chunk
// passes a plain conjunction (no branch per rule: this runs once per slot of
// the file); only for an entry that breaks a rule is it run again with the
// Checker, to say which rule and at which byte.
//
// A slot's value, when present, is at the first 64-byte boundary after the
// previous value; absent values are all zeros. So the placement of every
// byte of the payload area is fixed, and the area holds nothing unchecked.
template <typename Rule>
bool slot_entry_rules(const fb::SlotEntry* previous, const fb::SlotEntry& e, std::uint64_t payload_length,
                      std::uint64_t& cursor, Rule&& rule) {
  const auto* raw = reinterpret_cast<const std::uint8_t*>(&e);
  std::uint64_t flags = 0;  // has_value, then 7 bytes of struct padding
  std::memcpy(&flags, raw + 40, 8);
  bool ok = true;
  if (previous) ok &= rule(key_of(*previous) < key_of(e), &e, "slot keys are not sorted and unique");
  ok &= rule((flags & 0xFE) == 0, raw + 40, "has_value is neither 0 nor 1");
  const std::uint64_t padding = flags >> 8;
  ok &= rule(padding == 0, raw + 41 + (padding ? std::countr_zero(padding) / 8 : 0), "struct padding is not zero");
  if (!e.has_value()) {
    return ok & rule((e.value_offset() | e.value_length() | e.value_hash()) == 0, &e,
                     "an empty slot with a value offset, length or hash");
  }
  ok &= rule(e.value_offset() == format::align_up(cursor), &e, [&] {
    return "value at payload offset " + std::to_string(e.value_offset()) + ", expected " +
           std::to_string(format::align_up(cursor));
  });
  ok &= rule(e.value_length() <= payload_length - std::min(e.value_offset(), payload_length), &e,
             [&] { return "value of " + std::to_string(e.value_length()) + " bytes runs past the payload area"; });
  cursor = e.value_offset() + e.value_length();
  return ok;
}

void check_slot_chunk(Checker& c, const Layout& layout, std::uint32_t index, const fb::SlotChunk& chunk) {
  const format::SectionEntry& section = layout.entries[index];
  const auto* slots = chunk.slots();
  const auto* summaries = section_root<fb::SlotIndex>(
      layout, static_cast<std::uint32_t>(layout.singleton[static_cast<int>(SectionKind::slot_index)]))->chunks();
  const fb::SlotChunkSummary* summary = summaries->Get(index - layout.first_chunk);
  std::uint64_t count = slots ? slots->size() : 0;
  c.require(count == summary->slot_count() && count > 0, &chunk, "the chunk's slot count differs from the index");
  c.words(slots, "slots");
  if (!c.ok()) return;
  c.require(key_of(*slots->Get(0)) == first_key(*summary) && key_of(*slots->Get(slots->size() - 1)) == last_key(*summary),
            &chunk, "the chunk's first or last key differs from the index");
  if (!c.ok()) return;
  const auto holds = [](bool rule, const void*, auto&&) { return rule; };
  const auto report = [&](bool rule, const void* where, auto&& message) {
    c.require(rule, where, message);
    return rule;
  };
  const fb::SlotEntry* previous = nullptr;
  std::uint64_t cursor = 0;
  for (const fb::SlotEntry* e : *slots) {
    const std::uint64_t before = cursor;
    if (!slot_entry_rules(previous, *e, section.payload_length, cursor, holds)) {
      cursor = before;
      slot_entry_rules(previous, *e, section.payload_length, cursor, report);
      return;
    }
    previous = e;
  }
  c.require(format::align_up(cursor) == section.payload_length, &chunk, [&] {
    return "the payload area is " + std::to_string(section.payload_length) + " bytes, its values end at " +
           std::to_string(cursor);
  });
}

Status check_checksum(const Layout& layout, std::uint32_t index) {
  const format::SectionEntry& entry = layout.entries[index];
  std::uint64_t computed = checksum::section(entry, layout.metadata(index));
  if (computed == entry.checksum) return {};
  Error e = Error::of(ErrorCode::checksum_mismatch, "metadata checksum mismatch", layout.section_name(index),
                      entry.offset + entry.payload_length);
  e.stored = entry.checksum;
  e.computed = computed;
  return e;
}

// FORMAT.md §7.3 steps 1..3: the gap before the section, its checksum, and
// no payload area where the kind has none.
Status check_placement_and_checksum(const Layout& layout, std::uint32_t index) {
  const format::SectionEntry& entry = layout.entries[index];
  if (Status s = check_zero(layout, layout.gap_start(index), entry.offset, index); !s) return s;
  if (Status s = check_checksum(layout, index); !s) return s;
  bool has_payload_rules = entry.kind == static_cast<std::uint32_t>(SectionKind::slot_chunk);
  if (entry.payload_length != 0 && !has_payload_rules && format::is_known_kind(entry.kind)) {
    return Error::of(ErrorCode::malformed_section, "this kind of section has no payload area",
                     layout.section_name(index), entry.offset);
  }
  return {};
}

template <typename Root, typename Check>
Status check_root(const Layout& layout, std::uint32_t index, Check check) {
  Checker c(layout, index);
  std::span<const std::uint8_t> metadata = layout.metadata(index);
  c.require(verify_flatbuffer<Root>(metadata), metadata.data(), [] { return not_a_valid<Root>("metadata"); });
  if (c.ok()) check(c, *section_root<Root>(layout, index));
  return c.status();
}

}  // namespace

Status verify_slot_value(const Layout& layout, std::uint32_t index, const fb::SlotEntry& entry) {
  const format::SectionEntry& section = layout.entries[index];
  std::uint64_t start = section.offset + entry.value_offset();
  std::uint64_t computed = checksum::value(layout.file.subspan(start, entry.value_length()),
                                          format::value_hash_seed(layout.header.format_version, start));
  if (computed == entry.value_hash()) return {};
  Error e = Error::of(ErrorCode::checksum_mismatch,
                      "value of slot (" + std::to_string(entry.site()) + ", " + std::to_string(entry.exec()) +
                          ") does not match its hash",
                      layout.section_name(index), start);
  e.stored = entry.value_hash();
  e.computed = computed;
  return e;
}

namespace {

// The padding after a value runs from its end to the next 64-byte boundary,
// inside one aligned block of the payload area (the chunk's metadata check
// placed every value there). This runs once per value of the file, so it is
// branch-free: the whole block is read as eight words ANDed with a mask that
// is 0x00 over the value's bytes and 0xFF over the padding (a loop starting
// at the value's end mispredicted its exit on every value). check_zero names
// the byte on failure.
constexpr auto kPaddingMasks = [] {
  std::array<std::uint8_t, 2 * format::kAlignment> masks{};  // 64 x 0x00, then 64 x 0xFF
  for (std::size_t i = format::kAlignment; i < masks.size(); ++i) masks[i] = 0xFF;
  return masks;
}();

bool padding_after_is_zero(const std::uint8_t* file, std::uint64_t value_end) {
  const std::uint64_t from = value_end % format::kAlignment;
  const std::uint8_t* block = file + (value_end - from);
  const std::uint8_t* mask = kPaddingMasks.data() + (format::kAlignment - from);  // byte i: 0xFF iff i >= from
  std::uint64_t nonzero = 0;
  for (std::size_t offset = 0; offset < format::kAlignment; offset += 8) {
    std::uint64_t word = 0, keep = 0;
    std::memcpy(&word, block + offset, 8);
    std::memcpy(&keep, mask + offset, 8);
    nonzero |= word & keep;
  }
  return nonzero == 0;
}

}  // namespace

// Values sit at the first 64-byte boundary after the previous one, so the
// payload's only padding is the run from each value's end to the next
// boundary: a range of entries can be checked without the entries before it.
Status verify_slot_values(const Layout& layout, std::uint32_t index, std::uint32_t begin, std::uint32_t end) {
  const format::SectionEntry& section = layout.entries[index];
  const auto* slots = section_root<fb::SlotChunk>(layout, index)->slots();
  const std::uint32_t version = layout.header.format_version;
  // The loop runs once per value of the file: the happy path stays free of
  // Status objects and calls, the error is built only on a mismatch.
  for (std::uint32_t i = begin; i < end; ++i) {
    const fb::SlotEntry* e = slots->Get(i);
    if (!e->has_value()) continue;
    const std::uint64_t start = section.offset + e->value_offset();
    if (checksum::value(layout.file.subspan(start, e->value_length()), format::value_hash_seed(version, start)) !=
        e->value_hash()) {
      return verify_slot_value(layout, index, *e);
    }
    const std::uint64_t value_end = start + e->value_length();
    if (value_end % format::kAlignment == 0 || padding_after_is_zero(layout.file.data(), value_end)) continue;
    return check_zero(layout, value_end, format::align_up(value_end), index);
  }
  return {};
}

Status verify_spec_version_field(const Layout& layout, std::uint32_t index) {
  if (Status s = check_placement_and_checksum(layout, index); !s) return s;
  // What Verifier::VerifyBuffer<Framework> checks before the root table's
  // fields, then field 0 alone: the reads Framework::spec_version() makes.
  std::span<const std::uint8_t> metadata = layout.metadata(index);
  flatbuffers::Verifier verifier(metadata.data(), metadata.size(), verifier_options(metadata));
  bool readable = false;
  using flatbuffers::soffset_t, flatbuffers::uoffset_t;  // FLATBUFFERS_MIN_BUFFER_SIZE is written with them
  if (metadata.size() >= FLATBUFFERS_MIN_BUFFER_SIZE) {
    const flatbuffers::uoffset_t root = verifier.VerifyOffset(0);
    const auto* table = reinterpret_cast<const flatbuffers::Table*>(metadata.data() + root);
    readable = root != 0 && table->VerifyTableStart(verifier) &&
               table->VerifyField<std::uint32_t>(verifier, fb::Framework::VT_SPEC_VERSION, sizeof(std::uint32_t));
  }
  Checker c(layout, index);
  c.require(readable, metadata.data(), [] { return not_a_valid<fb::Framework>("root table"); });
  return c.status();
}

Status verify_section(const Layout& layout, std::uint32_t index, PayloadCheck payload) {
  const format::SectionEntry& entry = layout.entries[index];
  if (Status s = check_placement_and_checksum(layout, index); !s) return s;
  switch (static_cast<SectionKind>(entry.kind)) {
    case SectionKind::framework: return check_root<fb::Framework>(layout, index, check_framework);
    case SectionKind::bus: return check_root<fb::Bus>(layout, index, check_bus);
    case SectionKind::ingress: return check_root<fb::Ingress>(layout, index, check_ingress);
    case SectionKind::pending_completions:
      return check_root<fb::PendingCompletions>(layout, index, check_pending_completions);
    case SectionKind::frontier: return check_root<fb::Frontier>(layout, index, check_frontier);
    case SectionKind::pending_async: return check_root<fb::PendingAsyncTable>(layout, index, check_pending_async);
    case SectionKind::execution_state:
      return check_root<fb::ExecutionStateTable>(layout, index, check_execution_state);
    case SectionKind::wire_states: return check_root<fb::WireStates>(layout, index, check_wire_states);
    case SectionKind::slot_index:
      return check_root<fb::SlotIndex>(layout, index,
                                       [&](Checker& c, const fb::SlotIndex& root) { check_slot_index(c, layout, root); });
    case SectionKind::slot_chunk:
      return check_root<fb::SlotChunk>(layout, index, [&](Checker& c, const fb::SlotChunk& root) {
        check_slot_chunk(c, layout, index, root);
        if (c.ok() && payload == PayloadCheck::check) c.fail(verify_slot_values(layout, index, 0, root.slots()->size()));
      });
  }
  return {};  // an optional section of a kind this build does not know: its checksum is all we can check
}

}  // namespace bbsnap
