// On-disk constants and layout of a .bbsnap file. The prose specification,
// precise enough for an independent reader, is schema/FORMAT.md; this header
// and that document must change together.
//
// A file is:  header (64 bytes) | sections, each 64-byte aligned | section table
// All integers are little-endian. Every byte is covered by a checksum or is
// padding that must be zero.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// Exported from the shared library, which hides everything else (lib/meson.build).
#pragma GCC visibility push(default)

namespace bbsnap::format {

static_assert(std::endian::native == std::endian::little,
              "bbsnap reads its little-endian structures in place");

// "\x89BBSNAP\n": the high byte catches 7-bit transfers and the newline catches
// text-mode line ending conversion, as in PNG's signature.
inline constexpr std::array<std::uint8_t, 8> kMagic = {0x89, 'B', 'B', 'S', 'N', 'A', 'P', '\n'};

// The file layout version: bumped for any change an older reader would
// misread (see FORMAT.md "Versioning"). Distinct from the runtime's
// spec_version, which lives in the framework section. The writer writes
// kFormatVersion; the reader reads every version from kOldestFormatVersion
// up, so that a checkpoint written before an upgrade still restores.
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::uint32_t kOldestFormatVersion = 1;

// The seed of a slot value's hash (FORMAT.md §6.3), the one rule that tells
// the versions apart. Version 1 seeded it with the value's absolute file
// offset; version 2 hashes the bytes alone. The seed added nothing: a value's
// place is fixed by its slot entry, which the chunk's metadata checksum
// covers, so a value moved or swapped already fails its own hash. Yet it cost
// a fresh 192-byte XXH3 secret per value over 240 bytes, about 5% of a full
// open of 4 KiB values.
constexpr std::uint64_t value_hash_seed(std::uint32_t format_version, std::uint64_t absolute_offset) {
  return format_version == 1 ? absolute_offset : 0;
}

// Sections, payload areas, slot values and the section table start on
// 64-byte boundaries of the file: a value can be used in place (cache line,
// AVX-512 width) and is hashed from an aligned address.
inline constexpr std::uint64_t kAlignment = 64;
// Byte-string vectors inside FlatBuffers (envelopes, wire states, ...) have
// their first byte on a 16-byte boundary of the file.
inline constexpr std::uint64_t kBytesAlignment = 16;

// The smallest multiple of `alignment` that is >= n (n itself if aligned).
// Preconditions: `alignment` is a power of two, and n <= 2^64 - alignment
// (n + alignment - 1 must not overflow): beyond that the result wraps
// around to a small number (0 for n = 2^64 - 1 and alignment 64). Callers
// bound n first; the reader only applies it to ends already checked against
// the file's size.
constexpr std::uint64_t align_up(std::uint64_t n, std::uint64_t alignment = kAlignment) {
  return (n + alignment - 1) & ~(alignment - 1);
}

// Header: the first 64 bytes of the file (FORMAT.md §2). The order in which
// a reader checks its fields, and the error each failure gives, are part of
// the contract: FORMAT.md §7.2.
struct Header {
  std::uint8_t magic[8];          //  0: kMagic
  std::uint32_t format_version;   //  8: kFormatVersion as written; kOldestFormatVersion.. read
  std::uint32_t flags;            // 12: no flag is defined in versions 1 and 2: must be 0 (else unsupported_feature)
  std::uint64_t file_length;      // 16: total bytes in the file (file shorter: truncated; longer: malformed_section)
  std::uint64_t table_offset;     // 24: where the section table starts (64-aligned); = file_length - 40 * section_count
  std::uint32_t section_count;    // 32: entries in the section table, <= kMaxSections
  std::uint32_t reserved0;        // 36: 0; else malformed_section reported at offset 36
  std::uint64_t table_checksum;   // 40: XXH3_64bits_withSeed(table bytes, kTableSeed)
  std::uint64_t reserved1;        // 48: 0; else malformed_section reported at offset 48
  std::uint64_t header_checksum;  // 56: XXH3_64bits_withSeed(header bytes 0..55, kHeaderSeed)
};
static_assert(sizeof(Header) == 64);
static_assert(offsetof(Header, table_checksum) == 40);
static_assert(offsetof(Header, header_checksum) == 56);
inline constexpr std::size_t kHeaderChecksummedBytes = offsetof(Header, header_checksum);

// Fixed seeds for the two checksums that have a fixed place ("BBSNhead",
// "BBSNtabl" read as little-endian u64s).
inline constexpr std::uint64_t kHeaderSeed = 0x646165684e534242ULL;
inline constexpr std::uint64_t kTableSeed = 0x6c6261744e534242ULL;

// Section flags.
// A reader that does not know a section's kind must refuse the file if the
// section is marked required (unsupported_feature), and may skip it
// otherwise. The writer sets it on every section; a reader does not require
// it on kinds it knows.
inline constexpr std::uint32_t kSectionRequired = 1u << 0;
// Every other bit must be 0: any unknown bit is unsupported_feature (there
// is no ignorable section flag).
inline constexpr std::uint32_t kKnownSectionFlags = kSectionRequired;

// One entry of the section table. A section is its payload area (raw bytes,
// e.g. slot values; may be empty) followed by its metadata (one FlatBuffer).
// Sections follow each other in table order, each at the first 64-byte
// boundary after the previous one's end (FORMAT.md §4.1). Read in place:
// Snapshot::sections() points into the file.
struct SectionEntry {
  std::uint32_t kind;             //  0: SectionKind
  std::uint32_t flags;            //  4: kSectionRequired | reserved zero bits
  std::uint64_t offset;           //  8: absolute offset of the section, 64-aligned
  std::uint64_t length;           // 16: payload_length + metadata length; metadata <= kMaxMetadataLength
  std::uint64_t payload_length;   // 24: multiple of 64; the metadata starts at offset + payload_length;
                                  //     0 for every known kind but slot_chunk
  std::uint64_t checksum;         // 32: XXH3_64bits_withSeed(metadata, section_seed(bytes 0..31))
};
static_assert(sizeof(SectionEntry) == 40);
static_assert(offsetof(SectionEntry, checksum) == 32);
inline constexpr std::size_t kSectionSeedBytes = offsetof(SectionEntry, checksum);

// Kinds 1..10 are singletons (exactly one per file, else malformed_section
// or missing_section) except slot_chunk (0 or more, consecutive in the
// table). Kinds above 10 are unknown to this build: see kSectionRequired.
enum class SectionKind : std::uint32_t {
  framework = 1,            // fb::Framework (holds spec_version)
  bus = 2,                  // fb::Bus
  ingress = 3,              // fb::Ingress
  pending_completions = 4,  // fb::PendingCompletions
  frontier = 5,             // fb::Frontier
  slot_index = 6,           // fb::SlotIndex: key range of every slot chunk
  slot_chunk = 7,           // fb::SlotChunk + payload area of slot values; repeated
  pending_async = 8,        // fb::PendingAsyncTable
  execution_state = 9,      // fb::ExecutionStateTable
  wire_states = 10,         // fb::WireStates
};
inline constexpr std::uint32_t kMaxKnownKind = 10;
// Kind 0 is reserved and never valid, so that a zeroed table entry is refused.
constexpr bool is_known_kind(std::uint32_t kind) { return kind >= 1 && kind <= kMaxKnownKind; }

// Name used in errors and by `bbsnap info`; "kind_<n>" for unknown kinds
// (and for the reserved kind 0). Error::section adds "[i]" for slot chunks.
std::string section_kind_name(std::uint32_t kind);
// The name of a known kind (1..kMaxKnownKind), as a view of a string
// literal, so NUL-terminated; empty for any other kind.
std::string_view known_section_kind_name(std::uint32_t kind);

// Reader limits (FORMAT.md "Limits"). Sizes declared by a file are checked
// against these and against the real file length before anything is read
// or allocated.
// More sections: limit_exceeded at the header's section_count (offset 32).
inline constexpr std::uint32_t kMaxSections = 1u << 20;
// FlatBuffers offsets (32-bit here) and its Verifier require a buffer
// smaller than 2^31 - 1 bytes. A longer metadata area is limit_exceeded, in
// the reader (at the section's table entry) and in the writer.
inline constexpr std::uint64_t kMaxMetadataLength = (1ull << 31) - 2;
// Tables nest at most 4 deep in the schema (Ingress > IngressItem > Invoke >
// NamedBytes); leave headroom for fields appended by later versions, refuse
// anything deeper (malformed_section).
inline constexpr std::uint32_t kMaxFlatBufferDepth = 16;

// Writer default: slots per chunk. A lazy open verifies the section table
// (40 bytes per chunk) and the slot index (40 bytes per chunk), then the one
// chunk a lookup reads (48 bytes per slot): 1024 slots (48 KiB) keeps the
// sum near its minimum for 0.1-1M slots. With 4096, the first lookup into a
// full chunk cost 1.6-2.6x that into a 208-slot chunk (BM_OpenLazyLookup,
// M and Lmany vs S); full verification is no slower with 1024.
inline constexpr std::uint32_t kDefaultSlotsPerChunk = 1024;

}  // namespace bbsnap::format

#pragma GCC visibility pop
