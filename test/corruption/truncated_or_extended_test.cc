// A file truncated at any length, in memory or on disk, is refused as
// truncated; bytes appended at the end are refused, whatever the header says.
#include <catch2/catch.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "container_builder.h"
#include "corruption/corruption_support.h"
#include "test_files.h"

using namespace bbsnap;
using namespace bbsnap::testing;
using namespace bbsnap::testing::corruption;
using format::Header;

TEST_CASE("a file truncated at any length is refused as truncated") {
  const Bytes& file = example_file();
  const AlignedBuffer whole = AlignedBuffer::copy_of(file);
  for (std::size_t length = 0; length < file.size(); ++length) {
    INFO("truncated to " << length << " of " << file.size() << " bytes");
    for (Verification mode : {Verification::full, Verification::lazy}) {
      OpenOptions options;
      options.verification = mode;
      Result<Snapshot> s = Snapshot::from_bytes(whole.span().first(length), options);
      REQUIRE_FALSE(s.ok());
      check_error(s.error(), ErrorCode::truncated, length < kHeaderSize ? "header" : "file", length);
    }
  }
  // An empty buffer, and a buffer that is not a bbsnap file.
  Result<Snapshot> empty = Snapshot::from_bytes({});
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code == ErrorCode::truncated);
  AlignedBuffer text = AlignedBuffer::copy_of(Bytes{'h', 'e', 'l', 'l', 'o'});
  check_error(refusal(text.span()), ErrorCode::bad_magic, "header", 0);

  // The same through files on disk, including the empty file.
  bbsnap::testing::TempDir dir;
  for (std::size_t length : {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{63}, std::size_t{64},
                             file.size() / 2, file.size() - 1}) {
    INFO("file truncated to " << length);
    const std::string path = dir.file("t" + std::to_string(length) + ".bbsnap");
    bbsnap::testing::write_file(path, Bytes(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(length)));
    for (Verification mode : {Verification::full, Verification::lazy}) {
      OpenOptions options;
      options.verification = mode;
      Result<Snapshot> s = Snapshot::open(path, options);
      REQUIRE_FALSE(s.ok());
      check_error(s.error(), ErrorCode::truncated, length < kHeaderSize ? "header" : "file", length);
    }
  }
}

TEST_CASE("bytes appended at the end are refused") {
  const Bytes& file = example_file();
  for (std::size_t extra : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{4096}}) {
    for (std::uint8_t fill : {std::uint8_t{0}, std::uint8_t{0xab}}) {
      INFO(extra << " bytes of " << int{fill} << " appended");
      Bytes longer = file;
      longer.insert(longer.end(), extra, fill);
      check_error(refusal(longer), ErrorCode::malformed_section, "file", file.size());
      check_error(refusal(longer, lazy()), ErrorCode::malformed_section, "file", file.size());
      // With the header's file length following, the table is not at the end.
      Bytes lying = with_header(longer, [&](Header& h) { h.file_length = longer.size(); });
      check_error(refusal(lying), ErrorCode::malformed_section, "header", 24);
    }
  }
  // A second copy of the table appended, the header pointing at it: the
  // sections no longer reach the table.
  Bytes twice = file;
  const Header h = get_header(file);
  twice.resize(format::align_up(twice.size()), 0);
  const std::uint64_t second_table = twice.size();
  twice.insert(twice.end(), file.begin() + static_cast<std::ptrdiff_t>(h.table_offset), file.end());
  twice = with_header(twice, [&](Header& x) {
    x.file_length = twice.size();
    x.table_offset = second_table;
  });
  check_error(refusal(twice), ErrorCode::malformed_section, "section_table", second_table);
}
