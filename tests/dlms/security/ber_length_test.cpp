#include "dlms/security/ber_length.hpp"

#include <gtest/gtest.h>

#include "dlms/core/hex.hpp"
#include "test_vectors.hpp"

namespace dlmsgw::security {
namespace {

std::string encode(std::size_t length) {
  ByteWriter writer;
  write_ber_length(writer, length);
  return to_hex(writer.bytes(), '\0');
}

TEST(SecurityBerLength, WritesTheShortestDefiniteForm) {
  EXPECT_EQ(encode(0), "00");
  EXPECT_EQ(encode(0x7F), "7F");
  EXPECT_EQ(encode(0x80), "8180");
  EXPECT_EQ(encode(0xFF), "81FF");
  EXPECT_EQ(encode(0x100), "820100");
  EXPECT_EQ(encode(0xFFFF), "82FFFF");
  EXPECT_EQ(encode(0x10000), "83010000");
  EXPECT_EQ(encode(0x01000000), "8401000000");
}

TEST(SecurityBerLength, ReadsEveryFormAndChecksWhatFollows) {
  const Bytes data = test::hex("82 0003 AABBCC");
  ByteReader reader(data);
  auto length = read_ber_length(reader, "content length");
  ASSERT_TRUE(length) << length.error().message;
  EXPECT_EQ(*length, 3u);
  EXPECT_EQ(reader.remaining(), 3u);

  Bytes long_form = test::hex("81 80");
  long_form.resize(2 + 0x80);
  ByteReader long_reader(long_form);
  EXPECT_EQ(*read_ber_length(long_reader, "x"), 0x80u);
}

TEST(SecurityBerLength, RejectsIndefiniteOverlongAndOverflowingLengths) {
  for (const char* text : {"80 00", "85 00 00 00 00 01", "FF"}) {
    const Bytes data = test::hex(text);
    ByteReader reader(data);
    auto length = read_ber_length(reader, "content length");
    ASSERT_FALSE(length) << text;
    EXPECT_EQ(length.error().code, ErrorCode::malformed) << text;
  }
  const Bytes huge = test::hex("84 FF FF FF FF 00");
  ByteReader huge_reader(huge);
  auto overflow = read_ber_length(huge_reader, "content length");
  ASSERT_FALSE(overflow);
  EXPECT_EQ(overflow.error().code, ErrorCode::truncated);
  EXPECT_EQ(overflow.error().message, "content length: declares 4294967295 byte(s), only 1 follow");

  const Bytes cut = test::hex("82 01");
  ByteReader cut_reader(cut);
  EXPECT_EQ(read_ber_length(cut_reader, "x").error().code, ErrorCode::truncated);
  ByteReader empty_reader(ByteView{});
  EXPECT_EQ(read_ber_length(empty_reader, "x").error().code, ErrorCode::truncated);
}

}  // namespace
}  // namespace dlmsgw::security
