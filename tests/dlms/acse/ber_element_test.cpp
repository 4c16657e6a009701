#include "dlms/acse/ber_element.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::acse {
namespace {

using ::dlmsgw::test::hex;

TEST(BerElement, WritesShortAndLongLengthForms) {
  const auto length_bytes = [](std::size_t length) {
    ByteWriter writer;
    write_ber_length(writer, length);
    return to_hex(writer.bytes());
  };
  EXPECT_EQ(length_bytes(0), "00");
  EXPECT_EQ(length_bytes(0x7F), "7F");
  EXPECT_EQ(length_bytes(0x80), "81 80");
  EXPECT_EQ(length_bytes(0xFF), "81 FF");
  EXPECT_EQ(length_bytes(0x100), "82 01 00");
  EXPECT_EQ(length_bytes(0x12345), "83 01 23 45");
  EXPECT_EQ(to_hex(ber_element(0x04, hex("AA BB"))), "04 02 AA BB");
}

TEST(BerElement, ReadsWhatItWrites) {
  for (const std::size_t size : {0u, 1u, 127u, 128u, 255u, 256u, 70000u}) {
    const Bytes value(size, 0x5A);
    const Bytes encoded = ber_element(0xAC, value);
    ByteReader reader(encoded);
    auto element = read_ber_element(reader, "test");
    ASSERT_TRUE(element) << element.error().message;
    EXPECT_EQ(element->tag, 0xACu);
    EXPECT_EQ(element->value.size(), size);
    EXPECT_TRUE(reader.empty());
  }
}

TEST(BerElement, ReadsHighTagNumbers) {
  // [APPLICATION 31], the conformance block's tag, is two identifier octets.
  const Bytes bytes = hex("5F 1F 04 00 00 30 1D");
  ByteReader reader(bytes);
  auto element = read_ber_element(reader, "conformance");
  ASSERT_TRUE(element);
  EXPECT_EQ(element->tag, 0x5F1Fu);
  EXPECT_EQ(to_hex(element->value), "00 00 30 1D");
  const Bytes endless_tag = hex("1F 81 82 83 84 00");
  ByteReader endless(endless_tag);
  EXPECT_EQ(read_ber_element(endless, "x").error().message, "x tag: more than 4 identifier octets");
}

TEST(BerElement, RejectsLengthsTheInputCannotHold) {
  const auto read = [](std::string_view text) {
    const Bytes bytes = hex(text);
    ByteReader reader(bytes);
    return read_ber_element(reader, "AARE");
  };
  auto overflow = read("61 29 A1 09");
  ASSERT_FALSE(overflow);
  EXPECT_EQ(overflow.error().code, ErrorCode::truncated);
  EXPECT_EQ(overflow.error().message, "AARE: length 41 exceeds the 2 byte(s) available");
  EXPECT_EQ(read("61 80 00 00").error().message,
            "AARE length: the indefinite length form 0x80 is not used by DLMS");
  EXPECT_EQ(read("61 85 00 00 00 00 01").error().message,
            "AARE length: length form 0x85 needs 5 length bytes; 1 to 4 are allowed");
  EXPECT_EQ(read("61 84 FF FF FF FF").error().code, ErrorCode::truncated);
  EXPECT_EQ(read("61 82 01").error().code, ErrorCode::truncated);
  EXPECT_EQ(read("61").error().code, ErrorCode::truncated);
  EXPECT_EQ(read("").error().code, ErrorCode::truncated);
}

TEST(BerElement, TaggedAndOnlyReadersCheckTheirPromise) {
  EXPECT_EQ(read_only_ber_element(hex("62 00"), 0x63, "RLRE").error().message,
            "RLRE: tag 0x62, expected 0x63");
  EXPECT_EQ(read_only_ber_element(hex("63 00 00"), 0x63, "RLRE").error().message,
            "RLRE: 1 unexpected byte(s) after the end");
  EXPECT_TRUE(read_only_ber_element(hex("63 00"), 0x63, "RLRE"));
}

}  // namespace
}  // namespace dlmsgw::acse
