#include "bbsnap/reader.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <tuple>

#include "common/boundary.h"
#include "state/sections.h"
#include "state/snapshot_impl.h"
#include "state/slot_table.h"
#include "state/verify.h"

namespace bbsnap {

using format::SectionKind;

Status Snapshot::Impl::read_section(std::uint32_t index) const {
  if (!reads_on_access || read_sections.contains(index)) return {};
  std::lock_guard<std::mutex> lock(read_mutex);
  if (read_sections.contains(index)) return {};
  // The gap before the section too: lazy mode checks that it is zero.
  const format::SectionEntry& entry = layout.entries[index];
  BBSNAP_RETURN_IF_ERROR(loaded.read(layout.gap_start(index), entry.offset + entry.length, layout.section_name(index)));
  read_sections.insert(index);
  return {};
}

Status Snapshot::Impl::ensure(std::uint32_t index) const {
  BBSNAP_RETURN_IF_ERROR(read_section(index));
  if (options.verification != Verification::lazy) return {};
  if (checked.contains(index)) return {};
  if (layout.entries[index].kind == static_cast<std::uint32_t>(SectionKind::slot_chunk)) {
    // A chunk is checked against its summary in the index.
    BBSNAP_RETURN_IF_ERROR(ensure(layout.index_of(SectionKind::slot_index)));
  }
  will_read_metadata(index);
  // Threads racing here check the same bytes and reach the same verdict.
  Status s = verify_section(layout, index, PayloadCheck::skip);
  if (s) checked.insert(index);
  return s;
}

Status Snapshot::Impl::check_spec_version() const {
  const std::uint32_t index = layout.index_of(SectionKind::framework);
  // Lazy mode checks what the read needs now and the rest of the framework
  // section on its first access, like every other section's.
  BBSNAP_RETURN_IF_ERROR(read_section(index));
  if (options.verification == Verification::lazy) {
    will_read_metadata(index);
    BBSNAP_RETURN_IF_ERROR(verify_spec_version_field(layout, index));
  }
  const std::uint32_t found = section_root<fb::Framework>(layout, index)->spec_version();
  if (!options.expected_spec_version || found == *options.expected_spec_version) return {};
  return Error::of(ErrorCode::spec_version_mismatch,
                   "snapshot spec_version " + std::to_string(found) + ", this runtime restores spec_version " +
                       std::to_string(*options.expected_spec_version),
                   "framework", layout.entries[index].offset + layout.entries[index].payload_length);
}

namespace {

unsigned verify_threads(const OpenOptions& options, std::uint64_t file_size) {
  std::uint64_t threads = std::max(1u, options.threads);
  if (options.bytes_per_thread > 0) threads = std::min(threads, std::max<std::uint64_t>(1, file_size / options.bytes_per_thread));
  return static_cast<unsigned>(threads);
}

// A Verification outside the enum (a cast, a stale build of a caller) would
// otherwise fall through every case below: checked as nothing, a fourth,
// undocumented trusted mode.
Status check_verification(Verification verification) {
  switch (verification) {
    case Verification::full:
    case Verification::lazy:
    case Verification::trusted: return {};
  }
  return Error::of(ErrorCode::invalid_argument,
                   "OpenOptions::verification is " + std::to_string(static_cast<unsigned>(verification)) +
                       ", not full, lazy or trusted");
}

// A Load outside the enum: refused, as a Verification outside it is.
Status check_load(Load load) {
  switch (load) {
    case Load::map:
    case Load::read:
    case Load::automatic: return {};
  }
  return Error::of(ErrorCode::invalid_argument,
                   "OpenOptions::load is " + std::to_string(static_cast<unsigned>(load)) + ", not map, read or automatic");
}

Result<Load> choose_load(Load wanted, const FileHandle& file) {
  if (wanted != Load::automatic) return wanted;
  BBSNAP_ASSIGN_OR_RETURN(const bool remote, file.on_remote_file_system());
  return remote ? Load::read : Load::map;
}

// Load::read, lazy and trusted: what open_impl parses before any section,
// the header now and (after it is parsed) the table with the gap before it.
// That gap is under 64 bytes in any file whose table parses (the table
// starts at the next 64-byte boundary after the last section).
Status read_header(const LoadedFile& loaded) {
  return loaded.read(0, std::min<std::uint64_t>(sizeof(format::Header), loaded.bytes().size()), "header");
}
Status read_table(const LoadedFile& loaded, const format::Header& header) {
  const std::uint64_t from = std::max<std::uint64_t>(sizeof(format::Header), header.table_offset - format::kAlignment);
  return loaded.read(from, loaded.bytes().size(), "section_table");
}

// `impl` holds the mapping or the loaded file (or neither: from_bytes), and
// `bytes` the whole file in it.
Result<std::unique_ptr<Snapshot::Impl>> open_impl(std::unique_ptr<Snapshot::Impl> impl,
                                                  std::span<const std::uint8_t> bytes, const OpenOptions& options) {
  impl->options = options;
  const bool verify_checksums = options.verification != Verification::trusted;
  if (impl->reads_on_access) {
    BBSNAP_RETURN_IF_ERROR(read_header(impl->loaded));
  }
  BBSNAP_ASSIGN_OR_RETURN(const format::Header header, parse_header(bytes, verify_checksums));
  // The table, at the end of the file, is what every mode reads next.
  impl->mapping.will_need(header.table_offset, bytes.size());
  if (impl->reads_on_access) {
    BBSNAP_RETURN_IF_ERROR(read_table(impl->loaded, header));
  }
  BBSNAP_ASSIGN_OR_RETURN(const Layout layout, parse_layout(bytes, header, verify_checksums, section_catalog()));
  impl->layout = layout;
  if (impl->reads_on_access) impl->read_sections = CheckedSections(impl->layout.entries.size());
  switch (options.verification) {
    case Verification::full: {
      // A fresh mapping is faulted in first, in file order, for read-ahead.
      const FaultIn fault_in = impl->mapping.bytes().data() && !options.prefault ? FaultIn::in_file_order : FaultIn::no;
      BBSNAP_RETURN_IF_ERROR(verify_file(impl->layout, verify_threads(options, bytes.size()), fault_in));
      impl->mapping.advise_random();  // verified: what follows is lookups
      break;
    }
    case Verification::lazy:
      impl->checked = CheckedSections(impl->layout.entries.size());
      break;
    case Verification::trusted:
      break;
  }
  BBSNAP_RETURN_IF_ERROR(impl->check_spec_version());
  return impl;
}

Result<std::unique_ptr<Snapshot::Impl>> open_mapped(const FileHandle& file, const OpenOptions& options) {
  BBSNAP_ASSIGN_OR_RETURN(MappedFile mapping, MappedFile::map(file, options.prefault));
  if (options.verification == Verification::full) {
    mapping.advise_sequential();
  } else {
    mapping.advise_random();
  }
  auto impl = std::make_unique<Snapshot::Impl>();
  impl->load = Load::map;
  impl->mapping = std::move(mapping);
  std::span<const std::uint8_t> bytes = impl->mapping.bytes();
  return open_impl(std::move(impl), bytes, options);
}

Result<std::unique_ptr<Snapshot::Impl>> open_read(FileHandle file, const OpenOptions& options) {
  BBSNAP_ASSIGN_OR_RETURN(LoadedFile loaded,
                          LoadedFile::reserve(std::move(file), options.verification == Verification::full));
  auto impl = std::make_unique<Snapshot::Impl>();
  impl->load = Load::read;
  impl->loaded = std::move(loaded);
  std::span<const std::uint8_t> bytes = impl->loaded.bytes();
  if (options.verification == Verification::full) {
    // Everything, then verified as from_bytes would: nothing is read later.
    BBSNAP_RETURN_IF_ERROR(impl->loaded.read(0, bytes.size(), "file"));
    impl->loaded.close_file();
  } else {
    impl->reads_on_access = true;
  }
  return open_impl(std::move(impl), bytes, options);
}

}  // namespace

Snapshot::Snapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Snapshot::Snapshot(Snapshot&&) noexcept = default;
Snapshot& Snapshot::operator=(Snapshot&&) noexcept = default;
Snapshot::~Snapshot() = default;

Result<Snapshot> Snapshot::open(const std::string& path, const OpenOptions& options) {
  return guarded("opening a snapshot", [&]() -> Result<Snapshot> {
    BBSNAP_RETURN_IF_ERROR(check_verification(options.verification));
    BBSNAP_RETURN_IF_ERROR(check_load(options.load));
    BBSNAP_ASSIGN_OR_RETURN(FileHandle file,
                            FileHandle::open(path, options.file_ops ? *options.file_ops : posix_file_ops()));
    BBSNAP_ASSIGN_OR_RETURN(const Load load, choose_load(options.load, file));
    BBSNAP_ASSIGN_OR_RETURN(std::unique_ptr<Impl> impl,
                            load == Load::map ? open_mapped(file, options) : open_read(std::move(file), options));
    return Snapshot(std::move(impl));
  });
}

Result<Snapshot> Snapshot::from_bytes(std::span<const std::uint8_t> bytes, const OpenOptions& options) {
  if (reinterpret_cast<std::uintptr_t>(bytes.data()) % format::kAlignment != 0) {
    return Error::of(ErrorCode::invalid_argument, "from_bytes needs a buffer that starts on a 64-byte boundary");
  }
  return guarded("opening a snapshot", [&]() -> Result<Snapshot> {
    BBSNAP_RETURN_IF_ERROR(check_verification(options.verification));
    BBSNAP_ASSIGN_OR_RETURN(std::unique_ptr<Impl> impl, open_impl(std::make_unique<Impl>(), bytes, options));
    return Snapshot(std::move(impl));
  });
}

const format::Header& Snapshot::header() const { return impl_->layout.header; }
std::span<const format::SectionEntry> Snapshot::sections() const { return impl_->layout.entries; }
std::span<const std::uint8_t> Snapshot::bytes() const { return impl_->layout.file; }
Load Snapshot::load() const { return impl_->load; }
std::uint32_t Snapshot::spec_version() const {
  return section_root<fb::Framework>(impl_->layout, impl_->layout.index_of(SectionKind::framework))->spec_version();
}

Status Snapshot::check_section(std::uint32_t index) const {
  if (index >= impl_->layout.entries.size()) {
    return Error::of(ErrorCode::invalid_argument, "no section " + std::to_string(index));
  }
  return impl_->ensure(index);
}

Status Snapshot::check_section_fully(std::uint32_t index) const {
  BBSNAP_RETURN_IF_ERROR(check_section(index));
  if (impl_->options.verification != Verification::lazy) return {};
  const format::SectionEntry& entry = impl_->layout.entries[index];
  const SectionKindInfo* kind = section_kind(entry.kind);
  if (!kind || !kind->has_payload) return {};
  impl_->mapping.will_need(entry.offset, entry.offset + entry.payload_length);
  return verify_payload(impl_->layout, index);
}

// ---- views

Result<const fb::Framework*> Snapshot::framework() const { return impl_->root<fb::Framework>(SectionKind::framework); }
Result<const fb::Bus*> Snapshot::bus() const { return impl_->root<fb::Bus>(SectionKind::bus); }
Result<const fb::Ingress*> Snapshot::ingress() const { return impl_->root<fb::Ingress>(SectionKind::ingress); }
Result<const fb::PendingCompletions*> Snapshot::pending_completions() const {
  return impl_->root<fb::PendingCompletions>(SectionKind::pending_completions);
}
Result<const fb::Frontier*> Snapshot::frontier() const { return impl_->root<fb::Frontier>(SectionKind::frontier); }
Result<const fb::PendingAsyncTable*> Snapshot::pending_async_table() const {
  return impl_->root<fb::PendingAsyncTable>(SectionKind::pending_async);
}
Result<const fb::ExecutionStateTable*> Snapshot::execution_state_table() const {
  return impl_->root<fb::ExecutionStateTable>(SectionKind::execution_state);
}
Result<const fb::WireStates*> Snapshot::wire_states() const {
  return impl_->root<fb::WireStates>(SectionKind::wire_states);
}
std::uint32_t Snapshot::slot_chunk_count() const { return impl_->layout.run(SectionKind::slot_chunk).count; }
Result<const fb::SlotChunk*> Snapshot::slot_chunk(std::uint32_t chunk) const {
  if (chunk >= slot_chunk_count()) {
    return Error::of(ErrorCode::invalid_argument, "no slot chunk " + std::to_string(chunk));
  }
  return impl_->root_at<fb::SlotChunk>(impl_->layout.run(SectionKind::slot_chunk).first + chunk);
}

Result<SlotLookup> Snapshot::slot_value(std::uint32_t chunk, const fb::SlotEntry& entry) const {
  // The entry must be one of this chunk's: its offsets are relative to it.
  BBSNAP_ASSIGN_OR_RETURN(const fb::SlotChunk* slots, slot_chunk(chunk));
  const auto* entries = slots->slots();
  const auto* first = entries ? reinterpret_cast<const fb::SlotEntry*>(entries->Data()) : nullptr;
  if (!first || &entry < first || &entry >= first + entries->size()) {
    return Error::of(ErrorCode::invalid_argument, "the slot entry is not one of chunk " + std::to_string(chunk) + "'s");
  }
  return impl_->value(impl_->layout.run(SectionKind::slot_chunk).first + chunk, entry);
}

Result<SlotLookup> Snapshot::Impl::value(std::uint32_t section, const fb::SlotEntry& entry) const {
  if (!entry.has_value()) return SlotLookup{SlotLookup::State::empty, {}};
  const std::uint64_t start = layout.entries[section].offset + entry.value_offset();
  if (options.verification == Verification::lazy) {
    mapping.will_need(start, start + entry.value_length());
    BBSNAP_RETURN_IF_ERROR(verify_slot_value(layout, section, entry));
  }
  return SlotLookup{SlotLookup::State::value, layout.file.subspan(start, entry.value_length())};
}

// ---- lookups

namespace {

// Binary search in a vector sorted by `key_of`, strictly increasing.
template <typename Vec, typename Key, typename KeyOf>
auto find_sorted(const Vec* v, const Key& key, KeyOf key_of) -> decltype(v->Get(0)) {
  if (!v) return nullptr;
  auto it = std::lower_bound(v->begin(), v->end(), key,
                             [&](const auto& element, const Key& k) { return key_of(element) < k; });
  if (it == v->end() || key_of(*it) != key) return nullptr;
  return *it;
}

}  // namespace

Result<SlotLookup> Snapshot::slot(SlotKey key) const {
  BBSNAP_ASSIGN_OR_RETURN(const fb::SlotIndex* index, impl_->root<fb::SlotIndex>(SectionKind::slot_index));
  const auto* chunks = index->chunks();
  if (!chunks) return SlotLookup{};
  auto wanted = std::make_tuple(key.site, key.exec);
  // The first chunk whose last key is not below the key; the key is in it if anywhere.
  auto it = std::lower_bound(chunks->begin(), chunks->end(), wanted, [](const fb::SlotChunkSummary* s, const auto& k) {
    return std::make_tuple(s->last_site(), s->last_exec()) < k;
  });
  if (it == chunks->end() || wanted < std::make_tuple((*it)->first_site(), (*it)->first_exec())) return SlotLookup{};
  const std::uint32_t section = impl_->layout.run(SectionKind::slot_chunk).first + static_cast<std::uint32_t>(it - chunks->begin());
  BBSNAP_ASSIGN_OR_RETURN(const fb::SlotChunk* chunk, impl_->root_at<fb::SlotChunk>(section));
  const fb::SlotEntry* entry = find_sorted(chunk->slots(), wanted, [](const fb::SlotEntry* e) {
    return std::make_tuple(e->site(), e->exec());
  });
  if (!entry) return SlotLookup{};
  return impl_->value(section, *entry);
}

Result<const fb::PendingAsyncEntry*> Snapshot::pending_async(std::uint64_t command_id) const {
  BBSNAP_ASSIGN_OR_RETURN(const fb::PendingAsyncTable* table, pending_async_table());
  return find_sorted(table->entries(), command_id, [](const fb::PendingAsyncEntry* e) { return e->command_id(); });
}

Result<std::optional<std::uint32_t>> Snapshot::execution_state(std::uint64_t exec_id) const {
  BBSNAP_ASSIGN_OR_RETURN(const fb::ExecutionStateTable* table, execution_state_table());
  const auto* e = find_sorted(table->entries(), exec_id, [](const fb::ExecutionStateEntry* x) { return x->exec_id(); });
  if (!e) return std::optional<std::uint32_t>{};
  return std::optional<std::uint32_t>{e->outputs_written()};
}

Result<std::optional<std::span<const std::uint8_t>>> Snapshot::wire_state(std::uint32_t component) const {
  BBSNAP_ASSIGN_OR_RETURN(const fb::WireStates* table, wire_states());
  const auto* e = find_sorted(table->entries(), component, [](const fb::WireState* x) { return x->component(); });
  if (!e) return std::optional<std::span<const std::uint8_t>>{};
  return std::optional<std::span<const std::uint8_t>>{as_span(e->bytes())};
}

Result<std::optional<std::uint64_t>> Snapshot::counter(std::string_view name) const {
  BBSNAP_ASSIGN_OR_RETURN(const fb::Framework* f, framework());
  const auto* e = find_sorted(f->counters(), name, [](const fb::Counter* c) { return as_view(c->name()); });
  if (!e) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>{e->value()};
}

Result<std::optional<std::span<const std::uint64_t>>> Snapshot::subscribers(std::string_view event_kind) const {
  BBSNAP_ASSIGN_OR_RETURN(const fb::Bus* b, bus());
  const auto* e = find_sorted(b->event_subscriptions(), event_kind,
                              [](const fb::EventSubscription* s) { return as_view(s->event_kind()); });
  if (!e) return std::optional<std::span<const std::uint64_t>>{};
  const auto* subs = e->subscribers();
  std::span<const std::uint64_t> view = subs ? std::span<const std::uint64_t>(subs->data(), subs->size())
                                             : std::span<const std::uint64_t>{};
  return std::optional<std::span<const std::uint64_t>>{view};
}

}  // namespace bbsnap
