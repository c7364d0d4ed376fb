// Lays out the container: header, 64-byte aligned sections with zero padding
// between them, the section table, and finally the header rewritten with the
// table's position and checksums. Knows nothing of what sections contain.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "bbsnap/format.h"
#include "bbsnap/status.h"
#include "container/sink.h"

namespace bbsnap {

class ContainerWriter {
 public:
  explicit ContainerWriter(Sink& sink) : sink_(sink) {}

  // Writes a placeholder header; the real one is written by finish().
  Status begin();
  // Opens a section at the next 64-byte boundary.
  Status begin_section();
  // Appends payload bytes to the open section at the next 64-byte boundary
  // and returns their absolute file offset.
  Result<std::uint64_t> append_payload(std::span<const std::uint8_t> bytes);
  // Closes the open section: pads the payload to 64 bytes, appends the
  // metadata and records the table entry with its checksum. `name` names
  // the section in an error.
  Status end_section(std::uint32_t kind, std::string_view name, std::span<const std::uint8_t> metadata);
  // Appends the section table, rewrites the header and commits the sink.
  Status finish();

  std::uint64_t position() const { return sink_.position(); }
  std::uint64_t section_start() const { return section_start_; }

 private:
  Status pad_to_alignment();

  Sink& sink_;
  std::uint64_t section_start_ = 0;
  std::vector<format::SectionEntry> entries_;
};

}  // namespace bbsnap
