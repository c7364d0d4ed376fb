// REQUIRE_OK(result): fails the test with the error's own one-line message.
#pragma once

#include <catch2/catch.hpp>

#define REQUIRE_OK(expr)                                    \
  do {                                                      \
    const auto& require_ok_result_ = (expr);                \
    if (!require_ok_result_.ok()) FAIL(require_ok_result_.error().to_string()); \
  } while (false)
