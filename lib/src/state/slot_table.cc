// The slot table's two section kinds (FORMAT.md §6): the index of chunk
// summaries and the chunks of slot entries with their payload areas of
// values. Their rules, for the section registry and for lazy lookups.
#include "state/slot_table.h"

#include <array>
#include <bit>
#include <cstring>

#include "container/checksum.h"
#include "state/checker.h"
#include "state/verify.h"

namespace bbsnap {

using format::SectionKind;

namespace {

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
  const std::uint32_t chunk_count = layout.run(SectionKind::slot_chunk).count;
  c.require(count == chunk_count, &index, [&] {
    return "the index lists " + std::to_string(count) + " chunks, the file has " + std::to_string(chunk_count);
  });
  c.words(chunks, Path("slot_index.chunks"));
  for (std::uint32_t i = 0; i < count && c.ok(); ++i) {
    const fb::SlotChunkSummary* s = chunks->Get(i);
    c.require(s->slot_count() > 0 && !(last_key(*s) < first_key(*s)), s, "chunk summary with no slots");
    c.require(i == 0 || last_key(*chunks->Get(i - 1)) < first_key(*s), s, "slot chunks are not sorted and unique");
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
  const auto* summaries = section_root<fb::SlotIndex>(layout, layout.index_of(SectionKind::slot_index))->chunks();
  const fb::SlotChunkSummary* summary = summaries->Get(index - layout.run(SectionKind::slot_chunk).first);
  std::uint64_t count = slots ? slots->size() : 0;
  c.require(count == summary->slot_count() && count > 0, &chunk, "the chunk's slot count differs from the index");
  c.words(slots, Path("slot_chunk.slots"));
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

}  // namespace

Status check_slot_index(const Layout& layout, std::uint32_t index) {
  return check_root<fb::SlotIndex>(layout, index,
                                   [&](Checker& c, const fb::SlotIndex& root) { check_slot_index(c, layout, root); });
}

Status check_slot_chunk(const Layout& layout, std::uint32_t index) {
  return check_root<fb::SlotChunk>(layout, index,
                                   [&](Checker& c, const fb::SlotChunk& root) { check_slot_chunk(c, layout, index, root); });
}

std::uint64_t slot_index_entries(const Layout& layout, std::uint32_t index) {
  const auto* chunks = section_root<fb::SlotIndex>(layout, index)->chunks();
  return chunks ? chunks->size() : 0;
}

std::uint64_t slot_chunk_entries(const Layout& layout, std::uint32_t index) {
  const auto* slots = section_root<fb::SlotChunk>(layout, index)->slots();
  return slots ? slots->size() : 0;
}

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


Status verify_payload(const Layout& layout, std::uint32_t index) {
  return verify_slot_values(layout, index, 0, section_root<fb::SlotChunk>(layout, index)->slots()->size());
}

}  // namespace bbsnap
