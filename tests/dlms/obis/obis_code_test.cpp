#include "dlms/obis/obis_code.hpp"

#include <gtest/gtest.h>

namespace dlmsgw {
namespace {

// OBIS codes from the user's meter (shared/reference/user-meter.md) and IEC 62056-61 examples.
TEST(ObisCode, ParsesEveryCommonNotation) {
  const ObisCode voltage_l1(1, 1, 32, 7, 0, 255);
  EXPECT_EQ(*ObisCode::parse("1-1:32.7.0"), voltage_l1);
  EXPECT_EQ(*ObisCode::parse("1-1:32.7.0*255"), voltage_l1);
  EXPECT_EQ(*ObisCode::parse("1-1:32.7.0.255"), voltage_l1);
  EXPECT_EQ(*ObisCode::parse("1.1.32.7.0.255"), voltage_l1);
  EXPECT_EQ(*ObisCode::parse("0101200700FF"), voltage_l1);
  EXPECT_EQ(*ObisCode::parse("01 01 20 07 00 ff"), voltage_l1);
  EXPECT_EQ(*ObisCode::parse("0x0101200700FF"), voltage_l1);
  EXPECT_EQ(*ObisCode::parse("  0-0:1.0.0 "), ObisCode(0, 0, 1, 0, 0));
  EXPECT_EQ(*ObisCode::parse("1-0:99.1.0*101"), ObisCode(1, 0, 99, 1, 0, 101));
}

TEST(ObisCode, PrintsEveryNotation) {
  const ObisCode clock(0, 0, 1, 0, 0, 255);
  EXPECT_EQ(clock.to_string(), "0-0:1.0.0");
  EXPECT_EQ(clock.to_string(ObisNotation::full), "0-0:1.0.0*255");
  EXPECT_EQ(clock.to_string(ObisNotation::dotted), "0.0.1.0.0.255");
  EXPECT_EQ(clock.to_string(ObisNotation::hex), "0000010000FF");
  EXPECT_EQ(ObisCode(1, 0, 99, 1, 0, 101).to_string(), "1-0:99.1.0*101");
}

TEST(ObisCode, RoundTripsThroughEveryNotation) {
  for (const ObisNotation notation :
       {ObisNotation::reduced, ObisNotation::full, ObisNotation::dotted, ObisNotation::hex}) {
    const ObisCode code(1, 2, 3, 4, 5, 6);
    EXPECT_EQ(*ObisCode::parse(code.to_string(notation)), code);
  }
}

TEST(ObisCode, RejectsBadInputNamingTheFault) {
  auto too_big = ObisCode::parse("1-1:256.7.0");
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("group 3 is 256, above 255"), std::string::npos);
  auto letter = ObisCode::parse("1-1:x.7.0");
  ASSERT_FALSE(letter);
  EXPECT_NE(letter.error().message.find("'x' at position 4"), std::string::npos);
  auto short_code = ObisCode::parse("32.7.0");
  ASSERT_FALSE(short_code);
  EXPECT_NE(short_code.error().message.find("3 groups"), std::string::npos);
  EXPECT_FALSE(ObisCode::parse(""));
  EXPECT_FALSE(ObisCode::parse("1-1:32.7."));
  EXPECT_FALSE(ObisCode::parse("1:1-32.7.0"));
  EXPECT_FALSE(ObisCode::parse("1-1:32.7.0.1.2"));
  EXPECT_FALSE(ObisCode::parse("1-1:0032.7.0"));
  EXPECT_FALSE(ObisCode::parse("0101200700"));
  EXPECT_FALSE(ObisCode::from_bytes(Bytes{1, 2, 3}));
}

TEST(ObisCode, WithBChangesTheChannel) {
  EXPECT_EQ(ObisCode(1, 0, 32, 7, 0).with_b(1), ObisCode(1, 1, 32, 7, 0));
  EXPECT_LT(ObisCode(1, 0, 32, 7, 0), ObisCode(1, 1, 32, 7, 0));
}

}  // namespace
}  // namespace dlmsgw
