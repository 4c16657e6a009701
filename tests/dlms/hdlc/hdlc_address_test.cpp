#include "dlms/hdlc/hdlc_address.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"

namespace dlmsgw::hdlc {
namespace {

HdlcAddress decode_all(const Bytes& bytes) {
  ByteReader reader(bytes);
  auto address = HdlcAddress::decode(reader);
  EXPECT_TRUE(address) << address.error().message;
  EXPECT_TRUE(reader.empty());
  return *address;
}

TEST(HdlcAddress, ClientAddresses) {
  // dlms-cosem tests/test_hdlc/test_hdlc.py: client 1 -> 03, client 16 -> 21, client 0x25 -> 4B.
  EXPECT_EQ(HdlcAddress::client(1)->encode(), Bytes{0x03});
  EXPECT_EQ(HdlcAddress::client(16)->encode(), Bytes{0x21});
  EXPECT_EQ(HdlcAddress::client(0x25)->encode(), Bytes{0x4B});
  EXPECT_EQ(HdlcAddress::client(48)->encode(), Bytes{0x61});
  EXPECT_FALSE(HdlcAddress::client(128));
}

TEST(HdlcAddress, UserMeterOneByteServerAddress) {
  // The user's meter: logical 0 / physical 1 packed as (0 << 7) | 1 = 1 in one byte -> 0x03.
  auto packed = HdlcAddress::server_one_byte(0, 1);
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->encode(), Bytes{0x03});
  // The same byte as the standard one-byte form (upper part 1 only), so both compare equal and a
  // decoded 0x03 matches either way of configuring it.
  EXPECT_EQ(*packed, *HdlcAddress::server(1, 0, 1));
  EXPECT_EQ(decode_all({0x03}), *packed);
  EXPECT_EQ(packed->upper(), 1);
  EXPECT_EQ(packed->lower(), 0);
  EXPECT_EQ(packed->size(), 1u);
  // Packing logical 1 would need 8 bits: refused, not truncated.
  auto too_big = HdlcAddress::server_one_byte(1, 1);
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::out_of_range);
  EXPECT_FALSE(HdlcAddress::server_one_byte(0, 128));
  EXPECT_EQ(HdlcAddress::server_one_byte(0, 127)->encode(), Bytes{0xFF});
}

TEST(HdlcAddress, ServerAddressesOfEachSize) {
  // dlms-cosem: server logical 1 / physical 17 in two bytes -> 02 23; one byte 0x4A -> 95.
  EXPECT_EQ(HdlcAddress::server(1, 17, 2)->encode(), *parse_hex("02 23"));
  EXPECT_EQ(HdlcAddress::server(0x4A, 0, 1)->encode(), Bytes{0x95});
  // Four bytes (built from the standard's bit layout, 14 + 14 bits): upper 1, lower 0x3FFF.
  EXPECT_EQ(HdlcAddress::server(1, 0x3FFF, 4)->encode(), *parse_hex("00 02 FE FF"));
  // Upper 0x0123 = 0b10 0100011 -> 04 46, lower 0x0011 -> 00 23.
  EXPECT_EQ(HdlcAddress::server(0x123, 0x11, 4)->encode(), *parse_hex("04 46 00 23"));
  for (auto [upper, lower, size] :
       {std::tuple{1, 17, 2}, {0x3FFF, 0x3FFF, 4}, {0, 1, 4}, {127, 127, 2}, {0x7F, 0, 1}}) {
    auto address =
        HdlcAddress::server(static_cast<std::uint16_t>(upper), static_cast<std::uint16_t>(lower),
                            static_cast<size_t>(size));
    ASSERT_TRUE(address);
    EXPECT_EQ(decode_all(address->encode()), *address) << address->to_string();
  }
}

TEST(HdlcAddress, SizeIsPartOfTheAddress) {
  EXPECT_NE(*HdlcAddress::server(1, 17, 2), *HdlcAddress::server(1, 17, 4));
  EXPECT_EQ(HdlcAddress::server(1, 17, 4)->to_string(), "1/17 (4 bytes)");
  EXPECT_EQ(HdlcAddress::client(16)->to_string(), "16 (1 byte)");
}

TEST(HdlcAddress, ServerRangeChecks) {
  EXPECT_FALSE(HdlcAddress::server(1, 1, 1));  // one byte has no lower part
  EXPECT_FALSE(HdlcAddress::server(128, 0, 1));
  EXPECT_FALSE(HdlcAddress::server(128, 1, 2));
  EXPECT_FALSE(HdlcAddress::server(1, 0x4000, 4));
  auto bad_size = HdlcAddress::server(1, 1, 3);
  ASSERT_FALSE(bad_size);
  EXPECT_EQ(bad_size.error().code, ErrorCode::invalid_argument);
}

TEST(HdlcAddress, DecodeErrors) {
  const Bytes three = *parse_hex("02 02 03");
  ByteReader reader3(three);
  auto result3 = HdlcAddress::decode(reader3, "HDLC source address");
  ASSERT_FALSE(result3);
  EXPECT_EQ(result3.error().code, ErrorCode::malformed);
  EXPECT_NE(result3.error().message.find("3 bytes"), std::string::npos);

  const Bytes five = *parse_hex("02 02 02 02 03");
  ByteReader reader5(five);
  auto result5 = HdlcAddress::decode(reader5);
  ASSERT_FALSE(result5);
  EXPECT_NE(result5.error().message.find("too long"), std::string::npos);

  const Bytes unterminated = *parse_hex("02 02");
  ByteReader reader_t(unterminated);
  auto result_t = HdlcAddress::decode(reader_t);
  ASSERT_FALSE(result_t);
  EXPECT_EQ(result_t.error().code, ErrorCode::truncated);
}

}  // namespace
}  // namespace dlmsgw::hdlc
