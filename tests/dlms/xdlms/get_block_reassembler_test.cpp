#include "dlms/xdlms/get_block_reassembler.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

GetResponseWithDatablock block(std::uint32_t number, bool last, std::string_view raw) {
  return GetResponseWithDatablock{InvokeIdAndPriority(), last, number, hex(raw)};
}

// Hand-built: array{long-unsigned 126, 32382, 258} = 01 03 12 00 7E 12 7E 7E 12 01 02, split in
// three blocks; 0x7E (the HDLC flag) appears in the data of blocks 1, 2 and 3.
TEST(GetBlockReassembler, JoinsThreeBlocksContainingFlagBytes) {
  GetBlockReassembler reassembler;
  auto step = reassembler.feed(block(1, false, "01 03 12 00 7E"));
  ASSERT_TRUE(step) << step.error().message;
  const auto* next = std::get_if<GetRequestNext>(&*step);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(to_hex(next->encode()), "C0 02 C1 00 00 00 01");

  step = reassembler.feed(block(2, false, "12 7E 7E"));
  ASSERT_TRUE(step) << step.error().message;
  next = std::get_if<GetRequestNext>(&*step);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->block_number, 2u);
  EXPECT_FALSE(reassembler.finished());

  step = reassembler.feed(block(3, true, "12 01 02"));
  ASSERT_TRUE(step) << step.error().message;
  const auto* value = std::get_if<axdr::Data>(&*step);
  ASSERT_NE(value, nullptr);
  EXPECT_EQ(*value,
            axdr::Data::array({axdr::Data::long_unsigned(126), axdr::Data::long_unsigned(32382),
                               axdr::Data::long_unsigned(258)}));
  EXPECT_TRUE(reassembler.finished());
  EXPECT_EQ(reassembler.blocks_received(), 3u);
  EXPECT_EQ(reassembler.bytes_received(), 11u);

  auto late = reassembler.feed(block(4, true, "00"));
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::protocol_state);
}

TEST(GetBlockReassembler, SingleLastBlockIsTheWholeValue) {
  GetBlockReassembler reassembler;
  auto step = reassembler.feed(block(1, true, "12 34 BC"));
  ASSERT_TRUE(step);
  EXPECT_EQ(std::get<axdr::Data>(*step), axdr::Data::long_unsigned(13500));
}

// A with-list answer in blocks: SEQUENCE OF Get-Data-Result {data long-unsigned 13500,
// data-access-result object-undefined} = 02 00 12 34 BC 01 04.
TEST(GetBlockReassembler, JoinsTheResultsOfAListAnswer) {
  GetBlockReassembler reassembler(GetBlockReassembler::kDefaultMaxTotalSize, {},
                                  GetBlockReassembler::Content::result_list);
  ASSERT_TRUE(reassembler.feed(block(1, false, "02 00 12")));
  auto step = reassembler.feed(block(2, true, "34 BC 01 04"));
  ASSERT_TRUE(step) << step.error().message;
  const auto* results = std::get_if<std::vector<GetDataResult>>(&*step);
  ASSERT_NE(results, nullptr);
  ASSERT_EQ(results->size(), 2U);
  EXPECT_EQ(std::get<axdr::Data>((*results)[0]), axdr::Data::long_unsigned(13500));
  EXPECT_EQ(std::get<DataAccessResult>((*results)[1]), DataAccessResult::object_undefined);

  GetBlockReassembler short_list(GetBlockReassembler::kDefaultMaxTotalSize, {},
                                 GetBlockReassembler::Content::result_list);
  auto truncated = short_list.feed(block(1, true, "02 00 12 34 BC"));
  ASSERT_FALSE(truncated);
}

TEST(GetBlockReassembler, RefusesOutOfOrderBlocks) {
  GetBlockReassembler starts_at_two;
  auto wrong_start = starts_at_two.feed(block(2, false, "01"));
  ASSERT_FALSE(wrong_start);
  EXPECT_EQ(wrong_start.error().code, ErrorCode::protocol_state);
  EXPECT_EQ(wrong_start.error().message, "GET block transfer: block 2 out of order, expected 1");
  EXPECT_TRUE(starts_at_two.finished());

  GetBlockReassembler repeats;
  ASSERT_TRUE(repeats.feed(block(1, false, "01")));
  auto repeated = repeats.feed(block(1, false, "01"));
  ASSERT_FALSE(repeated);
  EXPECT_EQ(repeated.error().code, ErrorCode::protocol_state);

  GetBlockReassembler skips;
  ASSERT_TRUE(skips.feed(block(1, false, "01")));
  EXPECT_FALSE(skips.feed(block(3, true, "00")));
}

TEST(GetBlockReassembler, RefusesADataAccessResultMidTransfer) {
  GetBlockReassembler reassembler;
  ASSERT_TRUE(reassembler.feed(block(1, false, "01 03 12 00 7E")));
  const GetResponseWithDatablock refusal{InvokeIdAndPriority(), true, 2,
                                         DataAccessResult::long_get_aborted};
  auto step = reassembler.feed(refusal);
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().code, ErrorCode::rejected);
  EXPECT_EQ(step.error().message,
            "GET block transfer: block 2: data-access-result long-get-aborted (15)");
  EXPECT_TRUE(reassembler.finished());
}

TEST(GetBlockReassembler, RefusesAnotherInvokeId) {
  GetBlockReassembler reassembler;
  ASSERT_TRUE(reassembler.feed(block(1, false, "01")));
  GetResponseWithDatablock other = block(2, true, "00");
  other.invoke = *InvokeIdAndPriority::make(9);
  auto step = reassembler.feed(other);
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().code, ErrorCode::protocol_state);
}

TEST(GetBlockReassembler, BoundsTheTotalSize) {
  GetBlockReassembler reassembler(8);
  ASSERT_TRUE(reassembler.feed(block(1, false, "09 0A 00 01 02 03")));
  auto step = reassembler.feed(block(2, true, "04 05 06"));
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().code, ErrorCode::out_of_range);
  EXPECT_NE(step.error().message.find("9 bytes, above the 8-byte bound"), std::string::npos);
  EXPECT_EQ(GetBlockReassembler::kDefaultMaxTotalSize, 16u * 1024 * 1024);
}

TEST(GetBlockReassembler, RefusesBytesThatAreNotOneData) {
  GetBlockReassembler truncated;
  auto step = truncated.feed(block(1, true, "12 34"));
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().code, ErrorCode::truncated);
  EXPECT_NE(step.error().message.find("reassembled 2 bytes from 1 block(s)"), std::string::npos);

  GetBlockReassembler trailing;
  EXPECT_FALSE(trailing.feed(block(1, true, "12 34 BC 00")));
}

TEST(GetBlockReassembler, RefusesBlockZeroAndHugeNumbers) {
  GetBlockReassembler zero;
  EXPECT_FALSE(zero.feed(block(0, false, "01")));
  GetBlockReassembler huge;
  EXPECT_FALSE(huge.feed(block(UINT32_MAX, false, "01")));
}

}  // namespace
}  // namespace dlmsgw::xdlms

namespace dlmsgw::xdlms {
namespace {

TEST(GetBlockReassembler, RefusesEmptyBlocksThatAreNotTheLast) {
  GetBlockReassembler reassembler;
  ASSERT_TRUE(reassembler.feed(block(1, false, "01 02")));
  auto stalled = reassembler.feed(block(2, false, ""));
  ASSERT_FALSE(stalled);
  EXPECT_EQ(stalled.error().code, ErrorCode::malformed);
  EXPECT_NE(stalled.error().message.find("block 2 is empty and not the last"), std::string::npos);
  // An empty last block is fine: the data was complete already.
  GetBlockReassembler complete;
  ASSERT_TRUE(complete.feed(block(1, false, "11 05")));
  auto done = complete.feed(block(2, true, ""));
  ASSERT_TRUE(done) << done.error().message;
}

}  // namespace
}  // namespace dlmsgw::xdlms
