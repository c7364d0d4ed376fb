#include "container/container_writer.h"

#include <cstring>

#include "container/checksum.h"

namespace bbsnap {
namespace {

constexpr std::uint8_t kZeros[format::kAlignment] = {};

template <typename T>
std::span<const std::uint8_t> bytes_of(const T& value) {
  return {reinterpret_cast<const std::uint8_t*>(&value), sizeof value};
}

}  // namespace

Status ContainerWriter::begin() { return sink_.append(kZeros); }

Status ContainerWriter::pad_to_alignment() {
  std::uint64_t padding = format::align_up(position()) - position();
  if (padding == 0) return {};
  return sink_.append({kZeros, padding});
}

Status ContainerWriter::begin_section() {
  Status s = pad_to_alignment();
  section_start_ = position();
  return s;
}

Result<std::uint64_t> ContainerWriter::append_payload(std::span<const std::uint8_t> bytes) {
  BBSNAP_RETURN_IF_ERROR(pad_to_alignment());
  std::uint64_t offset = position();
  BBSNAP_RETURN_IF_ERROR(sink_.append(bytes));
  return offset;
}

Status ContainerWriter::end_section(std::uint32_t kind, std::string_view name, std::span<const std::uint8_t> metadata) {
  if (metadata.size() > format::kMaxMetadataLength) {
    return Error::of(ErrorCode::limit_exceeded,
                     "metadata of " + std::to_string(metadata.size()) + " bytes is beyond the FlatBuffers limit of 2 GiB",
                     std::string(name));
  }
  BBSNAP_RETURN_IF_ERROR(pad_to_alignment());
  format::SectionEntry entry{};
  entry.kind = kind;
  entry.flags = format::kSectionRequired;
  entry.offset = section_start_;
  entry.payload_length = position() - section_start_;
  entry.length = entry.payload_length + metadata.size();
  entry.checksum = checksum::section(entry, metadata);
  entries_.push_back(entry);
  return sink_.append(metadata);
}

Status ContainerWriter::finish() {
  BBSNAP_RETURN_IF_ERROR(pad_to_alignment());
  format::Header header{};
  std::memcpy(header.magic, format::kMagic.data(), sizeof header.magic);
  header.format_version = format::kFormatVersion;
  header.table_offset = position();
  header.section_count = static_cast<std::uint32_t>(entries_.size());
  std::span<const std::uint8_t> table{reinterpret_cast<const std::uint8_t*>(entries_.data()),
                                      entries_.size() * sizeof(format::SectionEntry)};
  header.file_length = header.table_offset + table.size();
  header.table_checksum = checksum::table(table);
  header.header_checksum = checksum::header(header);
  BBSNAP_RETURN_IF_ERROR(sink_.append(table));
  BBSNAP_RETURN_IF_ERROR(sink_.overwrite(0, bytes_of(header)));
  return sink_.commit();
}

}  // namespace bbsnap
