#include "dlms/wrapper/wrapper_reassembler.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::wrapper {
namespace {

using ::dlmsgw::test::hex;

Bytes two_frames() {
  Bytes stream = *encode_wrapper_frame({1, 0x10, hex("61 00")});
  const Bytes second = *encode_wrapper_frame({1, 0x10, Bytes(300, 0x7E)});
  stream.insert(stream.end(), second.begin(), second.end());
  return stream;
}

TEST(WrapperReassembler, ReassemblesAnySplit) {
  const Bytes stream = two_frames();
  // Every split point, and byte-by-byte, give the same two frames.
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    WrapperReassembler reassembler;
    ASSERT_TRUE(reassembler.feed(ByteView(stream).first(cut)));
    ASSERT_TRUE(reassembler.feed(ByteView(stream).subspan(cut)));
    auto first = reassembler.pop();
    auto second = reassembler.pop();
    ASSERT_TRUE(first && second) << cut;
    EXPECT_EQ(first->apdu, hex("61 00"));
    EXPECT_EQ(second->apdu.size(), 300u);
    EXPECT_EQ(second->source_wport, 1);
    EXPECT_EQ(second->destination_wport, 0x10);
    EXPECT_FALSE(reassembler.pop());
    EXPECT_EQ(reassembler.buffered(), 0u);
  }
  WrapperReassembler one_by_one;
  std::size_t frames = 0;
  for (const std::uint8_t byte : stream) {
    ASSERT_TRUE(one_by_one.feed(ByteView(&byte, 1)));
    while (one_by_one.pop()) ++frames;
  }
  EXPECT_EQ(frames, 2u);
}

TEST(WrapperReassembler, HoldsAPartialFrame) {
  WrapperReassembler reassembler;
  ASSERT_TRUE(reassembler.feed(hex("0001 0001 0010 0004 AA BB")));
  EXPECT_FALSE(reassembler.pop());
  EXPECT_EQ(reassembler.buffered(), 10u);
  ASSERT_TRUE(reassembler.feed(hex("CC DD 0001")));
  EXPECT_EQ(reassembler.pop()->apdu, hex("AA BB CC DD"));
  EXPECT_EQ(reassembler.buffered(), 2u);
}

TEST(WrapperReassembler, RejectsAWrongVersionForGood) {
  WrapperReassembler reassembler;
  // HDLC bytes on a wrapper connection: a classic misconfiguration.
  auto result = reassembler.feed(hex("7E A0 07 03 21 93 0F 01 7E"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::unsupported);
  EXPECT_EQ(
      result.error().message,
      "wrapper stream: wrapper version 0x7EA0, expected 0x0001 (not an IEC 62056-47 stream?)");
  EXPECT_TRUE(reassembler.failed());
  EXPECT_EQ(reassembler.buffered(), 0u);
  // Even good bytes are refused now: the stream is out of step.
  EXPECT_FALSE(reassembler.feed(*encode_wrapper_frame({1, 1, hex("00")})));
  EXPECT_FALSE(reassembler.pop());
}

TEST(WrapperReassembler, RejectsAbsurdLengthsBeforeBuffering) {
  WrapperReassembler reassembler(1200);
  auto result = reassembler.feed(hex("0001 0001 0010 FFFF"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::out_of_range);
  EXPECT_EQ(result.error().message,
            "wrapper stream: frame length 65535 outside 1..1200 (stream out of step?)");
  WrapperReassembler zero;
  EXPECT_FALSE(zero.feed(hex("0001 0001 0010 0000")));
  WrapperReassembler exact(1200);
  EXPECT_TRUE(exact.feed(hex("0001 0001 0010 04B0")));
}

}  // namespace
}  // namespace dlmsgw::wrapper
