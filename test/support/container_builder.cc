#include "container_builder.h"

#include <xxhash.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace bbsnap::testing {
namespace {

using format::Header;
using format::SectionEntry;

void require_range(std::span<const std::uint8_t> file, std::uint64_t offset, std::uint64_t length, const char* what) {
  if (offset > file.size() || length > file.size() - offset) {
    throw std::out_of_range(std::string(what) + " at offset " + std::to_string(offset) + " (" +
                            std::to_string(length) + " bytes) lies outside the " + std::to_string(file.size()) +
                            "-byte file");
  }
}

std::uint64_t entry_position(std::uint64_t table_offset, std::uint32_t i) {
  return table_offset + std::uint64_t{i} * sizeof(SectionEntry);
}

}  // namespace

std::uint64_t header_checksum(const Header& header) {
  return XXH3_64bits_withSeed(&header, format::kHeaderChecksummedBytes, format::kHeaderSeed);
}

std::uint64_t table_checksum(std::span<const std::uint8_t> table) {
  return XXH3_64bits_withSeed(table.data(), table.size(), format::kTableSeed);
}

std::uint64_t section_checksum(const SectionEntry& entry, std::span<const std::uint8_t> metadata) {
  const std::uint64_t seed = XXH3_64bits(&entry, format::kSectionSeedBytes);
  return XXH3_64bits_withSeed(metadata.data(), metadata.size(), seed);
}

Header get_header(std::span<const std::uint8_t> file) {
  require_range(file, 0, sizeof(Header), "header");
  Header h;
  std::memcpy(&h, file.data(), sizeof h);
  return h;
}

void put_header(Bytes& file, const Header& header) {
  require_range(file, 0, sizeof(Header), "header");
  std::memcpy(file.data(), &header, sizeof header);
}

SectionEntry get_entry(std::span<const std::uint8_t> file, std::uint64_t table_offset, std::uint32_t i) {
  const std::uint64_t at = entry_position(table_offset, i);
  require_range(file, at, sizeof(SectionEntry), "section table entry");
  SectionEntry e;
  std::memcpy(&e, file.data() + at, sizeof e);
  return e;
}

void put_entry(Bytes& file, std::uint64_t table_offset, std::uint32_t i, const SectionEntry& entry) {
  const std::uint64_t at = entry_position(table_offset, i);
  require_range(file, at, sizeof(SectionEntry), "section table entry");
  std::memcpy(file.data() + at, &entry, sizeof entry);
}

void reseal_header(Bytes& file) {
  Header h = get_header(file);
  h.header_checksum = header_checksum(h);
  put_header(file, h);
}

void reseal(Bytes& file, std::uint64_t table_offset) {
  require_range(file, table_offset, 0, "section table");
  Header h = get_header(file);
  h.table_checksum = table_checksum(std::span<const std::uint8_t>(file).subspan(table_offset));
  put_header(file, h);
  reseal_header(file);
}

Bytes with_header(const Bytes& file, const std::function<void(Header&)>& edit) {
  Bytes copy = file;
  Header h = get_header(copy);
  edit(h);
  put_header(copy, h);
  reseal_header(copy);
  return copy;
}

Bytes with_entry(const Bytes& file, std::uint32_t i, const std::function<void(SectionEntry&)>& edit) {
  Bytes copy = file;
  const std::uint64_t table_offset = get_header(file).table_offset;
  SectionEntry e = get_entry(copy, table_offset, i);
  edit(e);
  put_entry(copy, table_offset, i, e);
  reseal(copy, table_offset);
  return copy;
}

std::span<const std::uint8_t> Piece::payload() const {
  if (entry.payload_length > body.size()) throw std::out_of_range("payload_length beyond the section's bytes");
  return std::span<const std::uint8_t>(body).first(entry.payload_length);
}

std::span<const std::uint8_t> Piece::metadata() const {
  if (entry.payload_length > body.size()) throw std::out_of_range("payload_length beyond the section's bytes");
  return std::span<const std::uint8_t>(body).subspan(entry.payload_length);
}

Piece make_piece(std::uint32_t kind, std::uint32_t flags, std::span<const std::uint8_t> metadata,
                 std::span<const std::uint8_t> payload) {
  if (payload.size() % format::kAlignment != 0) {
    throw std::invalid_argument("a payload area is a multiple of 64 bytes, not " + std::to_string(payload.size()));
  }
  Piece p;
  p.entry.kind = kind;
  p.entry.flags = flags;
  p.entry.payload_length = payload.size();
  p.body.assign(payload.begin(), payload.end());
  p.body.insert(p.body.end(), metadata.begin(), metadata.end());
  return p;
}

std::vector<Piece> split(std::span<const std::uint8_t> file) {
  const Header h = get_header(file);
  std::vector<Piece> pieces;
  pieces.reserve(h.section_count);
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    const SectionEntry e = get_entry(file, h.table_offset, i);
    require_range(file, e.offset, e.length, "section");
    if (e.payload_length > e.length) throw std::out_of_range("payload area longer than its section");
    const std::span<const std::uint8_t> body = file.subspan(e.offset, e.length);
    pieces.push_back({e, Bytes(body.begin(), body.end())});
  }
  return pieces;
}

std::optional<std::uint32_t> find_piece(const std::vector<Piece>& pieces, std::uint32_t kind) {
  for (std::uint32_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].entry.kind == kind) return i;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> find_section(std::span<const std::uint8_t> file, std::uint32_t kind) {
  const Header h = get_header(file);
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    if (get_entry(file, h.table_offset, i).kind == kind) return i;
  }
  return std::nullopt;
}

Bytes assemble(std::vector<Piece> pieces, SectionChecksums checksums, std::uint32_t format_version) {
  Bytes file(sizeof(Header), 0);
  auto pad = [&] { file.resize(format::align_up(file.size()), 0); };
  for (Piece& p : pieces) {
    pad();
    p.entry.offset = file.size();
    p.entry.length = p.body.size();
    if (checksums == SectionChecksums::reseal) p.entry.checksum = section_checksum(p.entry, p.metadata());
    file.insert(file.end(), p.body.begin(), p.body.end());
  }
  pad();
  Header h{};
  std::memcpy(h.magic, format::kMagic.data(), sizeof h.magic);
  h.format_version = format_version;
  h.table_offset = file.size();
  h.section_count = static_cast<std::uint32_t>(pieces.size());
  for (const Piece& p : pieces) {
    const auto* raw = reinterpret_cast<const std::uint8_t*>(&p.entry);
    file.insert(file.end(), raw, raw + sizeof p.entry);
  }
  h.file_length = file.size();
  put_header(file, h);
  reseal(file, h.table_offset);
  return file;
}

Bytes with_metadata(std::span<const std::uint8_t> file, std::uint32_t kind, std::span<const std::uint8_t> metadata) {
  std::vector<Piece> pieces = split(file);
  const std::optional<std::uint32_t> i = find_piece(pieces, kind);
  if (!i) throw std::out_of_range("with_metadata: the file has no section of kind " + std::to_string(kind));
  pieces[*i] = make_piece(pieces[*i].entry.kind, pieces[*i].entry.flags, metadata);
  return assemble(std::move(pieces));
}

}  // namespace bbsnap::testing
