// Reading snapshots in place: a .bbsnap file, memory-mapped or read into
// memory (OpenOptions::load), checked, with zero-copy views and lookups into
// it.
//
// Lifetimes: every pointer and span a Snapshot hands out (sections(),
// bytes(), the fb:: views, SlotLookup::value, wire_state, subscribers, ...)
// points into the mapping (or the caller's buffer for from_bytes) and is
// valid only while that Snapshot lives: do not keep one past the Snapshot's
// destruction. Moving a Snapshot keeps them valid; a moved-from Snapshot may
// only be destroyed or assigned to. Errors and to_model()'s result are owned
// copies and outlive it.
//
// The mapped file must not be changed or truncated in place while it is
// open: a truncation makes access fault (SIGBUS), a change voids what was
// verified. bbsnap's writer never does either (it renames a new file over
// the old one, and the mapping keeps the old one). Likewise, a page the
// kernel cannot read from the disk (EIO) raises SIGBUS where it is touched,
// as with any mapping. Load::read has neither hazard: it reads the file
// with pread, and a failed or short read is an error value.
//
// Thread safety: a Snapshot's const methods may be called from any number of
// threads at once, in every verification mode. In lazy mode threads that
// race to a section's first check each check the same bytes and reach the
// same verdict; the "checked" mark is atomic. Moving, assigning or
// destroying a Snapshot needs exclusive access, as usual.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bbsnap/file_ops.h"
#include "bbsnap/format.h"
#include "bbsnap/model.h"
#include "bbsnap/status.h"
#include "bbsnap_generated.h"

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap {

// What is checked, and when (FORMAT.md §7, §8.1 has the exact list).
enum class Verification : std::uint8_t {
  // open() checks everything before returning: header, section table,
  // padding, every section's checksum, FlatBuffer and semantic rules, every
  // slot value's hash and the zero padding between values (unknown optional
  // sections: their padding and checksum). Afterwards no accessor can fail
  // except with invalid_argument for an out-of-range argument, and
  // check_section() is a no-op. Costs one pass over the file, at about the
  // speed of XXH3 over it.
  full,
  // open() checks the header, the section table, and what reading
  // spec_version needs (it must be checked before anything is restored):
  // the framework section's placement and checksum, its root table and the
  // spec_version field. Every section, the framework's other fields too, is
  // checked in full on its first access (a slot chunk after the slot_index
  // section), and a slot value's hash on every access to it. Cost is
  // proportional to what is touched.
  //
  // A damaged section is reported, with its own section name and offset, by
  // every accessor that touches it (it is re-checked each time, never marked
  // good), while the other sections stay readable. This is deliberate, not
  // a gap: a runtime can still restore its framework state when only its
  // ingress section is damaged, and decide itself what to do without the
  // rest. A caller that wants all-or-nothing uses full, or calls
  // check_section() on every section.
  //
  // Never checked in this mode: the zero padding between slot values inside
  // a chunk's payload area, and sections of unknown kinds unless
  // check_section() is called on them.
  lazy,
  // No checksum, padding, FlatBuffer or content verification: only the
  // header fields and the bounds and placement of the section table
  // (FORMAT.md §7.2 without the two checksums and the zero gap before the
  // table); spec_version is read unverified. No accessor fails (except
  // invalid_argument), and check_section() returns success WITHOUT checking
  // anything (Load::read: but io or truncated from reading a section for
  // the first time). For a file this process has just written or fully
  // verified.
  // Reading a damaged file in this mode is undefined behaviour.
  trusted,
};

// How open() gets the file's bytes.
enum class Load : std::uint8_t {
  // mmap the file: nothing is copied, and a lookup costs the pages it
  // touches. Right on a local disk. A page the kernel cannot read, or a
  // truncation by another process, raises SIGBUS where it is touched.
  map,
  // pread the file into an anonymous buffer: full verification reads the
  // whole file, in 8 MiB pieces; lazy and trusted read the header and the
  // section table at open, then each section (the gap before it included,
  // a slot chunk with all its values: one request per chunk, not one per
  // value, since a round trip dominates on the file systems this is for)
  // once, on the first access that touches it, keeping the file open
  // until the Snapshot is destroyed. Costs one copy of what is read (and
  // its memory); in exchange an EIO or a short read is an error value
  // (io, or truncated if the file ended early), at open or from the
  // accessor that needed the bytes, never a signal; and on network and
  // FUSE file systems one large read replaces a round trip per page fault.
  // bytes() holds zeros where lazy and trusted have not read yet.
  read,
  // read on network, cluster and FUSE file systems (statfs: NFS, SMB/CIFS,
  // 9p, FUSE, CephFS, AFS, Lustre, GPFS, ...), map otherwise.
  // Snapshot::load() says which was used.
  automatic,
};

struct OpenOptions {
  Verification verification = Verification::full;
  Load load = Load::automatic;
  // The file operations open() performs (file_ops.h); nullptr: the real
  // system calls. Must outlive the Snapshot.
  const FileOps* file_ops = nullptr;
  // Restore refuses a snapshot stamped with any other spec_version
  // (spec_version_mismatch, naming the framework section at its metadata's
  // first byte), as the runtime's seed requires. Checked in every mode,
  // after the mode's other open-time checks. nullopt accepts any version,
  // for tools that inspect files (Snapshot::spec_version() then says which);
  // a runtime restoring state should leave the default.
  std::optional<std::uint32_t> expected_spec_version = kCurrentSpecVersion;
  // Full verification: threads checking sections and runs of slot values
  // concurrently (the calling thread is one of them). On a mapped file one
  // of them faults the file in, in file order (the calling thread helps
  // when it has nothing to check yet), while the others check what has
  // been faulted in (so a cold file is still read in one sequential pass).
  // 0 counts as 1. The error reported is the one a single thread finds
  // first, whatever the count; threads the system refuses to start are done
  // without. Ignored by lazy and trusted.
  unsigned threads = 1;
  // ... but no more threads than one per this many bytes of file: starting
  // and waking a thread costs tens of microseconds, more than it saves on a
  // small file (a 1.1 MiB file: 94 us on one thread, 146 us on two; from
  // 64 MiB on, two threads verify 1.4x faster). 0: always `threads`.
  std::uint64_t bytes_per_thread = std::uint64_t{8} << 20;
  // Load::map: read the whole file into the page cache while mapping it (MAP_POPULATE),
  // for callers that will touch most of it and prefer one sequential read
  // to page faults. Access hints are set either way: sequential read-ahead
  // while fully verifying, random access (no read-ahead) for lazy and
  // trusted lookups, so a cold first lookup reads a page, not a window.
  bool prefault = false;
};

// The three states of a slot: no such slot; allocated but empty (Rust None);
// a value (possibly zero bytes), in place in the mapping, 64-byte aligned.
struct SlotLookup {
  enum class State : std::uint8_t { missing, empty, value };
  State state = State::missing;
  // Empty unless state == value; a present value may be empty too
  // (Some(empty)), so test `state`, not the span. Points into the mapping:
  // valid while the Snapshot lives.
  std::span<const std::uint8_t> value;
};

// An open snapshot: a read-only view of one file, checked as its
// Verification mode says. Move-only.
class Snapshot {
 public:
  // Maps or reads `path` (options.load) and checks it as
  // `options.verification` says. Errors: io (cannot open, stat, statfs, map
  // or read; not a regular file), bad_magic,
  // unsupported_format_version, unsupported_feature, truncated (including
  // an empty file), checksum_mismatch, nonzero_padding, malformed_section,
  // missing_section, spec_version_mismatch, limit_exceeded; each naming the
  // section and the absolute byte offset. out_of_memory if even the open's
  // few fixed-size allocations fail; invalid_argument for a verification
  // value outside the enum. The error is the first failing
  // check in FORMAT.md's order (§7.2, §7.3, §8.1), so that an independent
  // reader reports the same one.
  static Result<Snapshot> open(const std::string& path, const OpenOptions& options = {});
  // The same on bytes the caller holds, which must stay alive and unchanged
  // while the Snapshot lives, and start on a 64-byte boundary (else
  // invalid_argument): values are handed out aligned as in a mapping.
  // `bytes` is exactly the file: anything after file_length is
  // malformed_section. AlignedBuffer (encode_snapshot) fits. The bytes are
  // in memory already: OpenOptions::load, prefault and file_ops do not
  // apply (load() says read).
  static Result<Snapshot> from_bytes(std::span<const std::uint8_t> bytes, const OpenOptions& options = {});

  Snapshot(Snapshot&&) noexcept;
  Snapshot& operator=(Snapshot&&) noexcept;
  ~Snapshot();

  // ---- the container: never fail, allocate nothing
  const format::Header& header() const;  // a copy read at open
  std::span<const format::SectionEntry> sections() const;  // the table, in place, in table order
  std::span<const std::uint8_t> bytes() const;  // the whole file
  // Framework.spec_version: equal to OpenOptions::expected_spec_version
  // when one was given, since open() refuses anything else.
  std::uint32_t spec_version() const;
  // How the bytes were loaded: map or read, never automatic (what it
  // chose). from_bytes: read (the bytes are the caller's, in memory).
  Load load() const;
  // Checks section `index` (an index into sections()) now, as lazy mode does
  // on first access: the gap before it, its checksum, its FlatBuffer and
  // content rules (a slot chunk: the slot_index section first); not slot
  // value hashes. Unknown kinds: gap and checksum only. Returns that
  // section's error, or invalid_argument if index >= sections().size().
  // Full mode: a no-op (already checked). Trusted mode: returns success
  // without checking anything.
  Status check_section(std::uint32_t index) const;
  // check_section(), then for a slot chunk its payload area as full
  // verification checks it (FORMAT.md §7.3 step 6): every value's hash and
  // the zero padding between values. A file whose every section passes holds
  // nothing full verification would refuse; unlike a full open, which stops
  // at the first damage, each section reports its own, so a tool can name
  // every damaged section. The payload part is not remembered: each call
  // reads it again. Full mode: a no-op. Trusted mode: returns success
  // without checking anything.
  Status check_section_fully(std::uint32_t index) const;

  // ---- lookups: binary searches in the mapping, no allocation (but for an
  // error's text). "Not found" is a successful result (missing, nullptr,
  // nullopt), never an error. They fail only in lazy mode, with the error of
  // a section they touch (checksum_mismatch, nonzero_padding,
  // malformed_section), or of the value's hash for slot(); and, lazy or
  // trusted with Load::read, with io or truncated when reading a section
  // they touch for the first time fails (the next access reads it again).
  //
  // Touches slot_index, the one chunk that can hold `key`, and (lazy) the
  // value's hash.
  Result<SlotLookup> slot(SlotKey key) const;
  // The pending_async section's entry for this CommandId; nullptr: none.
  Result<const fb::PendingAsyncEntry*> pending_async(std::uint64_t command_id) const;
  // outputs_written of this ExecId; nullopt: no entry.
  Result<std::optional<std::uint32_t>> execution_state(std::uint64_t exec_id) const;
  // The component's wire state; nullopt: no entry (an entry may hold zero
  // bytes: an empty span). Non-empty bytes are 16-byte aligned (verified
  // files).
  Result<std::optional<std::span<const std::uint8_t>>> wire_state(std::uint32_t component) const;
  // A framework counter by exact name (bytewise); nullopt: none.
  Result<std::optional<std::uint64_t>> counter(std::string_view name) const;
  // A bus event kind's subscribers (NodeSiteIds, order kept); nullopt: no
  // such event kind (present with no subscribers: an empty span).
  Result<std::optional<std::span<const std::uint64_t>>> subscribers(std::string_view event_kind) const;

  // ---- zero-copy views of whole sections (FlatBuffers tables in the mapping)
  // Each is non-null on success; lazy mode checks the section on first
  // access and returns its error (on every access while it fails). The
  // pointers are valid while the Snapshot lives; what the schema leaves
  // absent reads as FORMAT.md §5.1 says (a null vector is empty, except
  // PeerGovernor.allowlist: null is None).
  Result<const fb::Framework*> framework() const;
  Result<const fb::Bus*> bus() const;
  Result<const fb::Ingress*> ingress() const;
  Result<const fb::PendingCompletions*> pending_completions() const;
  Result<const fb::Frontier*> frontier() const;
  Result<const fb::PendingAsyncTable*> pending_async_table() const;
  Result<const fb::ExecutionStateTable*> execution_state_table() const;
  Result<const fb::WireStates*> wire_states() const;
  // Slot chunks, in key order; chunk i is the i-th slot_chunk section.
  std::uint32_t slot_chunk_count() const;  // never fails; 0 for an empty slot table
  // invalid_argument if chunk >= slot_chunk_count(); lazy mode checks
  // slot_index, then the chunk.
  Result<const fb::SlotChunk*> slot_chunk(std::uint32_t chunk) const;
  // A slot's value, given its chunk and a reference to one of that chunk's
  // own entries, as returned by slot_chunk(chunk)->slots() (it is recognised
  // by address: a copy, or an entry of another chunk, is invalid_argument).
  // Lazy mode checks the value's hash on every call (checksum_mismatch at
  // the value's first byte), not the padding after it.
  Result<SlotLookup> slot_value(std::uint32_t chunk, const fb::SlotEntry& entry) const;

  // An owned copy of the whole state, independent of the Snapshot. Lazy
  // mode checks every section of a known kind (as check_section() does) and
  // every value's hash, not the padding between values: one damaged section
  // fails the whole copy. Sections of unknown kinds add nothing to the copy
  // and are not checked. Out of
  // memory: out_of_memory.
  Result<TransientSnapshot> to_model() const;

  struct Impl;  // opaque

 private:
  explicit Snapshot(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A FlatBuffers byte vector as a span (empty for an absent vector), still
// pointing into the mapping.
inline std::span<const std::uint8_t> as_span(const flatbuffers::Vector<std::uint8_t>* v) {
  return v ? std::span<const std::uint8_t>(v->data(), v->size()) : std::span<const std::uint8_t>{};
}
// A FlatBuffers string as a view ("" for an absent string), into the
// mapping. Valid UTF-8 once its section is verified.
inline std::string_view as_view(const flatbuffers::String* s) {
  return s ? std::string_view(s->c_str(), s->size()) : std::string_view{};
}

}  // namespace bbsnap

#pragma GCC visibility pop
