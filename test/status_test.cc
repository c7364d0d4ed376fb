// Status and Result: the error-as-value types every public call returns.
#include <catch2/catch.hpp>

#include <set>
#include <string_view>
#include <utility>

#include "bbsnap/status.h"

using namespace bbsnap;

namespace {

Error checksum_error() {
  Error e = Error::of(ErrorCode::checksum_mismatch, "metadata checksum mismatch", "ingress", 4096);
  e.stored = 0x1faefb5c49f7fb5a;
  e.computed = 0xcf451192eccca9b2;
  return e;
}

}  // namespace

TEST_CASE("a default Status is a success whose error() means nothing") {
  Status ok;
  CHECK(ok.ok());
  CHECK(static_cast<bool>(ok));
  CHECK(ok.error().code == ErrorCode::io);
  CHECK(ok.error().message.empty());
  CHECK(ok.error().offset == kNoOffset);
  Status returned = [] { return Status{}; }();
  CHECK(returned.ok());
  Error moved_out = std::move(returned).error();
  CHECK(moved_out.message.empty());
}

TEST_CASE("a Status made from an Error carries every field, through copies and moves") {
  Status failed = checksum_error();
  REQUIRE_FALSE(failed.ok());
  CHECK_FALSE(static_cast<bool>(failed));
  CHECK(failed.error().to_string() ==
        "checksum_mismatch in section ingress at offset 4096: metadata checksum mismatch "
        "(stored 1faefb5c49f7fb5a, computed cf451192eccca9b2)");

  Status copy = failed;
  REQUIRE_FALSE(copy.ok());
  CHECK(copy.error().to_string() == failed.error().to_string());

  Status assigned;
  assigned = copy;
  REQUIRE_FALSE(assigned.ok());
  assigned = Status{};
  CHECK(assigned.ok());

  Error taken = std::move(copy).error();
  CHECK(taken.section == "ingress");
  CHECK(taken.offset == 4096);
  CHECK(taken.stored == 0x1faefb5c49f7fb5a);
  CHECK_FALSE(failed.ok());  // the original is untouched
}

TEST_CASE("every error code has its own name") {
  std::set<std::string_view> names;
  for (int code = 0; code <= static_cast<int>(ErrorCode::out_of_memory); ++code) {
    const std::string_view name = to_string(static_cast<ErrorCode>(code));
    INFO(code);
    CHECK(name != "unknown");
    CHECK(names.insert(name).second);
  }
  CHECK(to_string(ErrorCode::out_of_memory) == "out_of_memory");
}
