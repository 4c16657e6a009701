#include "dlms/hdlc/crc16.hpp"

#include <gtest/gtest.h>

#include <string_view>

#include "core/hex.hpp"

namespace dlmsgw::hdlc {
namespace {

TEST(HdlcCrc16, CheckValueOfTheCatalogue) {
  // CRC-16/X.25 check value from the CRC catalogue (reveng): "123456789" -> 0x906E.
  constexpr std::string_view text = "123456789";
  const Bytes data(text.begin(), text.end());
  EXPECT_EQ(crc16(data), 0x906E);
}

TEST(HdlcCrc16, HeaderOfAPublicFrame) {
  // dlms-cosem (u9n/dlms-cosem) tests/test_hdlc/test_hdlc.py TestCrc: HCS of 03 3F is "5bec" on the
  // wire, i.e. 0xEC5B sent low byte first.
  EXPECT_EQ(crc16(*parse_hex("03 3F")), 0xEC5B);
}

TEST(HdlcCrc16, EmptyInput) {
  EXPECT_EQ(crc16({}), 0x0000);
}

}  // namespace
}  // namespace dlmsgw::hdlc
