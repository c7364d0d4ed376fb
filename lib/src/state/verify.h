// Checking one section's content: the padding before it, its metadata
// checksum, its FlatBuffer (with limits set from its size), the format's
// semantic rules (sorted unique keys, UTF-8, alignment, slot placement) and,
// when asked, its payload (every slot value's hash and the zero padding
// between values).
#pragma once

#include <cstdint>

#include "bbsnap/status.h"
#include "bbsnap_generated.h"
#include "container/container.h"

namespace bbsnap {

enum class PayloadCheck : bool { skip, check };

// Precondition for a slot chunk: the slot_index section passed this check.
Status verify_section(const Layout& layout, std::uint32_t index, PayloadCheck payload);

// What reading Framework.spec_version needs of framework section `index`
// (lazy open, FORMAT.md §8.1): §7.3 steps 1..3, then of step 4 the root
// offset, the root table and its field 0. verify_section does the rest on
// the section's first access.
Status verify_spec_version_field(const Layout& layout, std::uint32_t index);

// Whether full verification faults in a mapped file's pages in file order
// (MappedFile::read_in_file_order), ahead of the checks (verify_file.cc).
// Not for bytes in memory (from_bytes) or a mapping populated already
// (prefault).
enum class FaultIn : bool { no, in_file_order };

// Every section and every slot value of the file, on `threads` threads
// (1 or more). The error, if any, is the one of the first failing item in
// file order, whatever the thread timing.
Status verify_file(const Layout& layout, unsigned threads, FaultIn fault_in);

// The metadata root of a section whose FlatBuffer passed verification.
template <typename Root>
const Root* section_root(const Layout& layout, std::uint32_t index) {
  return flatbuffers::GetRoot<Root>(layout.metadata(index).data());
}

}  // namespace bbsnap
