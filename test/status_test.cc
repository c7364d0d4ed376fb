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

TEST_CASE("error() of a success is the same internal error for Status and Result, and does not throw") {
  Status ok;
  CHECK(ok.ok());
  CHECK(static_cast<bool>(ok));
  CHECK(ok.error().code == ErrorCode::internal);
  CHECK(ok.error().message == "no error: error() called on a success");
  CHECK(ok.error().section.empty());
  CHECK(ok.error().offset == kNoOffset);
  Status returned = [] { return Status{}; }();
  CHECK(returned.ok());
  Error moved_out = std::move(returned).error();
  CHECK(moved_out.code == ErrorCode::internal);

  Result<int> value = 7;
  REQUIRE(value.ok());
  CHECK(value.error().code == ErrorCode::internal);
  CHECK(value.error().message == ok.error().message);
  CHECK(std::move(value).error().code == ErrorCode::internal);
}

TEST_CASE("a Status is one pointer") {
  STATIC_REQUIRE(sizeof(Status) == sizeof(void*));
}

TEST_CASE("the shared out-of-memory error survives copies, moves and taking") {
  Status a = out_of_memory_error();  // made like any other error: a copy of it is held
  Status b = a;
  Status c = std::move(a);
  CHECK(b.error().code == ErrorCode::out_of_memory);
  CHECK(c.error().message == "out of memory");
  Error taken = std::move(c).error();
  CHECK(taken.code == ErrorCode::out_of_memory);
  CHECK(out_of_memory_error().message == "out of memory");
}

TEST_CASE("the propagation macros return the first error and keep the values of successes") {
  const auto fails_at = [](int step) -> Result<int> {
    if (step == 2) return checksum_error();
    return step * 10;
  };
  const auto run = [&](int steps) -> Result<int> {
    int sum = 0;
    for (int step = 0; step < steps; ++step) {
      BBSNAP_ASSIGN_OR_RETURN(const int value, fails_at(step));
      sum += value;
    }
    return sum;
  };
  const auto check = [&](int steps) -> Status {
    BBSNAP_RETURN_IF_ERROR(run(steps));
    return {};
  };
  REQUIRE(run(2).ok());
  CHECK(*run(2) == 10);
  CHECK_FALSE(run(3).ok());
  CHECK(run(3).error().to_string() == checksum_error().to_string());
  CHECK(check(2).ok());
  CHECK(check(5).error().offset == 4096);
}

TEST_CASE("BBSNAP_RETURN_IF_ERROR hands a failed Status on whole, without copying its Error") {
  Status inner = checksum_error();
  const Error* held = &inner.error();
  const auto outer = [&]() -> Status {
    BBSNAP_RETURN_IF_ERROR(std::move(inner));
    return {};
  };
  Status propagated = outer();
  REQUIRE_FALSE(propagated.ok());
  CHECK(&propagated.error() == held);
  CHECK(propagated.error().to_string() == checksum_error().to_string());
  const auto as_result = []() -> Result<int> {
    BBSNAP_RETURN_IF_ERROR(Status(checksum_error()));
    return 1;
  };
  CHECK(as_result().error().offset == 4096);
  const Status kept = checksum_error();
  const auto from_const = [&]() -> Status {
    BBSNAP_RETURN_IF_ERROR(kept);
    return {};
  };
  CHECK(from_const().error().to_string() == kept.error().to_string());
  CHECK_FALSE(kept.ok());
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
  for (int code = 0; code <= static_cast<int>(ErrorCode::internal); ++code) {
    const std::string_view name = to_string(static_cast<ErrorCode>(code));
    INFO(code);
    CHECK(name != "unknown");
    CHECK(names.insert(name).second);
  }
  CHECK(to_string(ErrorCode::out_of_memory) == "out_of_memory");
  CHECK(to_string(ErrorCode::internal) == "internal");
}
