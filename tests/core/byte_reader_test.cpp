#include "core/byte_reader.hpp"

#include <gtest/gtest.h>

#include "core/byte_writer.hpp"

namespace dlmsgw {
namespace {

TEST(ByteReader, ReadsBigEndianIntegersInOrder) {
  const Bytes data{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                   0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F};
  ByteReader reader(data);
  EXPECT_EQ(*reader.read_u8(), 0x01);
  EXPECT_EQ(*reader.read_u16_be(), 0x0203);
  EXPECT_EQ(*reader.read_u32_be(), 0x04050607u);
  EXPECT_EQ(*reader.read_u64_be(), 0x08090A0B0C0D0E0Full);
  EXPECT_TRUE(reader.empty());
}

TEST(ByteReader, TruncationIsAnErrorNamingTheField) {
  const Bytes data{0x01, 0x02, 0x03};
  ByteReader reader(data);
  ASSERT_TRUE(reader.skip(1));
  auto value = reader.read_u32_be("invocation counter");
  ASSERT_FALSE(value);
  EXPECT_EQ(value.error().code, ErrorCode::truncated);
  EXPECT_EQ(value.error().message, "invocation counter: needs 4 byte(s) at offset 1, only 2 left");
  // A failed read consumes nothing.
  EXPECT_EQ(reader.position(), 1u);
  EXPECT_FALSE(reader.read_bytes(3));
  EXPECT_EQ(reader.read_bytes(2)->size(), 2u);
  EXPECT_FALSE(reader.peek_u8());
  EXPECT_FALSE(reader.read_u8());
  EXPECT_FALSE(reader.read_u16_be());
  EXPECT_FALSE(reader.read_u64_be());
  EXPECT_FALSE(reader.skip(1));
}

TEST(ByteWriter, WritesWhatTheReaderReads) {
  ByteWriter writer;
  writer.put_u8(0xAB);
  writer.put_u16_be(0x1234);
  writer.put_u32_be(0xDEADBEEF);
  writer.put_u64_be(0x0102030405060708ull);
  const Bytes tail{0x7E, 0x7E};
  writer.put_bytes(tail);
  EXPECT_EQ(writer.size(), 17u);
  const Bytes bytes = writer.take();
  ByteReader reader(bytes);
  EXPECT_EQ(*reader.read_u8(), 0xAB);
  EXPECT_EQ(*reader.read_u16_be(), 0x1234);
  EXPECT_EQ(*reader.read_u32_be(), 0xDEADBEEFu);
  EXPECT_EQ(*reader.read_u64_be(), 0x0102030405060708ull);
  EXPECT_EQ(*reader.peek_u8(), 0x7E);
  EXPECT_EQ(reader.rest().size(), 2u);
}

TEST(Error, WithContextPrefixesTheMessageAndKeepsTheCode) {
  const Error error{ErrorCode::checksum, "FCS mismatch"};
  const Error wrapped = error.with_context("HDLC frame");
  EXPECT_EQ(wrapped.code, ErrorCode::checksum);
  EXPECT_EQ(wrapped.message, "HDLC frame: FCS mismatch");
  EXPECT_EQ(to_string(ErrorCode::too_deep), "nested too deep");
}

Expected<int> half(int value) {
  if (value % 2 != 0) return make_error(ErrorCode::invalid_argument, "odd");
  return value / 2;
}

Expected<int> quarter(int value) {
  DLMSGW_TRY_ASSIGN(const int h, half(value));
  return half(h);
}

Expected<void> check_even(int value) {
  DLMSGW_TRY(half(value));
  return {};
}

TEST(Expected, TryMacrosPropagateTheFirstError) {
  EXPECT_EQ(*quarter(8), 2);
  EXPECT_FALSE(quarter(6));
  EXPECT_EQ(quarter(6).error().message, "odd");
  EXPECT_TRUE(check_even(4));
  EXPECT_FALSE(check_even(3));
  EXPECT_EQ(quarter(5).value_or(-1), -1);
}

}  // namespace
}  // namespace dlmsgw
