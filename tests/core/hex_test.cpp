#include "core/hex.hpp"

#include <gtest/gtest.h>

namespace dlmsgw {
namespace {

TEST(Hex, FormatsUpperCaseWithSeparator) {
  const Bytes data{0x7E, 0xA0, 0x0a};
  EXPECT_EQ(to_hex(data), "7E A0 0A");
  EXPECT_EQ(to_hex(data, '\0'), "7EA00A");
  EXPECT_EQ(to_hex(Bytes{}), "");
}

TEST(Hex, ParsesTracesWithSpacesColonsAndPrefix) {
  EXPECT_EQ(*parse_hex("7E A0 0a"), (Bytes{0x7E, 0xA0, 0x0A}));
  EXPECT_EQ(*parse_hex("0x7ea0"), (Bytes{0x7E, 0xA0}));
  EXPECT_EQ(*parse_hex("7E:A0-01\n02"), (Bytes{0x7E, 0xA0, 0x01, 0x02}));
  EXPECT_TRUE(parse_hex("")->empty());
}

TEST(Hex, RejectsBadDigitsAndOddLengthWithPosition) {
  auto bad = parse_hex("7E G0");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "hex: 'G' at position 3 is not a hex digit");
  EXPECT_FALSE(parse_hex("7E0"));
  EXPECT_FALSE(parse_hex("7 E"));
}

}  // namespace
}  // namespace dlmsgw
