#pragma once
// hex: the bytes of a test vector written as hex text; a malformed vector fails the test (and
// gives no bytes) rather than crashing it. The one such helper every test file uses.

#include <gtest/gtest.h>

#include <string_view>

#include "core/bytes.hpp"
#include "core/hex.hpp"

namespace dlmsgw::test {

inline Bytes hex(std::string_view text) {
  auto bytes = parse_hex(text);
  EXPECT_TRUE(bytes) << "not hex: " << text;
  return bytes ? *bytes : Bytes{};
}

}  // namespace dlmsgw::test
