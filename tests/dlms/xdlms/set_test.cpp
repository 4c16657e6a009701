#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/xdlms/set_request.hpp"
#include "dlms/xdlms/set_response.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

const CosemAttributeDescriptor kClockTime{8, ObisCode(0, 0, 1, 0, 0), 2};

// dlms-cosem (Python) tests/test_xdlms/test_set.py, TestSetRequestNormal: set the clock to
// 2021-01-24 14:48:57.80, deviation -60, status 0x00, as a 12-byte octet-string.
TEST(SetRequest, NormalSetsTheClockLikeDlmsCosem) {
  const Bytes wire =
      hex("C1 01 C1 00 08 00 00 01 00 00 FF 02 00 09 0C 07 E5 01 18 FF 0E 30 39 50 FF C4 00");
  auto request = SetRequestNormal::decode(wire);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->attribute, kClockTime);
  EXPECT_FALSE(request->access);
  auto time = request->value.to_date_time();
  ASSERT_TRUE(time);
  EXPECT_EQ(time->to_iso8601(), "2021-01-24T14:48:57.80+01:00");

  const cosem::DateTime clock{{2021, 1, 24, 0xFF}, {14, 48, 57, 80}, -60, 0x00};
  const SetRequestNormal built{InvokeIdAndPriority(), kClockTime, std::nullopt,
                               axdr::Data::octet_string(clock.encode())};
  EXPECT_EQ(built.encode(), wire);
  EXPECT_EQ(*request, built);
}

TEST(SetRequest, NormalRejectsWrongTagChoiceAndTruncation) {
  // dlms-cosem test_set.py: wrong tag (0xC2) and wrong type (2) must fail.
  EXPECT_FALSE(SetRequestNormal::decode(
      hex("C2 01 C1 00 08 00 00 01 00 00 FF 02 00 09 0C 07 E5 01 18 FF 0E 30 39 50 FF C4 00")));
  EXPECT_FALSE(SetRequestNormal::decode(
      hex("C1 02 C1 00 08 00 00 01 00 00 FF 02 00 09 0C 07 E5 01 18 FF 0E 30 39 50 FF C4 00")));
  auto truncated = SetRequestNormal::decode(hex("C1 01 C1 00 08 00 00 01 00 00 FF 02 00 09 0C 07"));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::truncated);
  EXPECT_NE(truncated.error().message.find("Set-Request-Normal: value"), std::string::npos);
  EXPECT_FALSE(SetRequestNormal::decode(hex("C1 01 C1 00 08 00 00 01 00 00 FF 02 00 00 00")));
}

// Hand-built from the Green Book ASN.1 (Set-Request-With-List): two thresholds of a limiter.
TEST(SetRequest, WithListRoundTripsAndChecksCounts) {
  SetRequestWithList request;
  request.invoke = *InvokeIdAndPriority::make(4);
  request.attributes.push_back({{71, ObisCode(0, 0, 17, 0, 0), 3}, std::nullopt});
  request.attributes.push_back({{71, ObisCode(0, 0, 17, 0, 0), 4}, std::nullopt});
  request.values = {axdr::Data::double_long_unsigned(5000), axdr::Data::double_long_unsigned(4000)};
  const Bytes wire = request.encode();
  EXPECT_EQ(to_hex(wire),
            "C1 04 C4 02 00 47 00 00 11 00 00 FF 03 00 00 47 00 00 11 00 00 FF 04 00 02 06 00 00 "
            "13 88 06 00 00 0F A0");
  auto decoded = SetRequestWithList::decode(wire);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, request);

  auto mismatch = SetRequestWithList::decode(
      hex("C1 04 C4 01 00 47 00 00 11 00 00 FF 03 00 02 06 00 00 13 88 06 00 00 0F A0"));
  ASSERT_FALSE(mismatch);
  EXPECT_EQ(mismatch.error().message, "Set-Request-With-List: 1 attribute(s) but 2 value(s)");
  EXPECT_FALSE(SetRequestWithList::decode(hex("C1 04 C4 01 00 47 00 00 11 00 00 FF 03 00 01 06")));
  EXPECT_FALSE(SetRequestWithList::decode(hex("C1 04 C4 01 00 47 00 00 11 00 00 FF 03 02")));
  EXPECT_FALSE(SetRequestWithList::decode(hex("C1 04 C4 00 00 00")));
}

// dlms-cosem test_set.py, TestSetResponseNormal: C5 01 C1 00 = success.
TEST(SetResponse, NormalMatchesDlmsCosem) {
  const Bytes wire = hex("C5 01 C1 00");
  auto response = SetResponseNormal::decode(wire);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result, DataAccessResult::success);
  EXPECT_EQ(response->encode(), wire);
  auto denied = SetResponseNormal::decode(hex("C5 01 C1 03"));
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->result, DataAccessResult::read_write_denied);
  EXPECT_FALSE(SetResponseNormal::decode(hex("C5 01 C1")));
  EXPECT_FALSE(SetResponseNormal::decode(hex("C5 01 C1 00 00")));
  EXPECT_FALSE(SetResponseNormal::decode(hex("C5 05 C1 00")));
}

TEST(SetResponse, WithListRoundTrips) {
  const SetResponseWithList response{InvokeIdAndPriority(),
                                     {DataAccessResult::success, DataAccessResult::type_unmatched}};
  const Bytes wire = response.encode();
  EXPECT_EQ(to_hex(wire), "C5 05 C1 02 00 0C");
  auto decoded = SetResponseWithList::decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, response);
  EXPECT_FALSE(SetResponseWithList::decode(hex("C5 05 C1 03 00 0C")));
  EXPECT_FALSE(SetResponseWithList::decode(hex("C5 05 C1 01 00 0C")));
}

// dlms-cosem test_set.py's with-first-datablock vector (Green Book, Table 137): block 1, not the
// last, 21 bytes of raw data for 0-0:128.0.0 attribute 2.
TEST(SetRequest, WithFirstDatablockMatchesDlmsCosem) {
  const Bytes wire =
      hex("C1 02 C1 00 01 00 00 80 00 00 FF 02 00 00 00 00 00 01 15 09 32 01 02 03 04 05 06 07 08"
          " 09 10 11 12 13 14 15 16 17 18 19");
  auto request = SetRequestWithFirstDatablock::decode(wire);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->attribute, (CosemAttributeDescriptor{1, ObisCode(0, 0, 128, 0, 0), 2}));
  EXPECT_FALSE(request->access);
  EXPECT_FALSE(request->block.last_block);
  EXPECT_EQ(request->block.block_number, 1U);
  EXPECT_EQ(to_hex(request->block.raw_data),
            "09 32 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19");
  EXPECT_EQ(request->encode(), wire);
  // Truncated raw data, a last-block that is not a BOOLEAN, trailing bytes.
  EXPECT_EQ(
      SetRequestWithFirstDatablock::decode(ByteView(wire).first(wire.size() - 1)).error().code,
      ErrorCode::truncated);
  Bytes not_boolean = wire;
  not_boolean[13] = 2;
  EXPECT_EQ(SetRequestWithFirstDatablock::decode(not_boolean).error().code, ErrorCode::malformed);
  Bytes trailing = wire;
  trailing.push_back(0);
  EXPECT_FALSE(SetRequestWithFirstDatablock::decode(trailing));
}

// Hand-built from the Green Book ASN.1 (Set-Request-With-Datablock, Set-Response-Datablock,
// Set-Response-Last-Datablock).
TEST(SetRequest, WithDatablockAndItsAnswersRoundTrip) {
  const SetRequestWithDatablock block{*InvokeIdAndPriority::make(1), {true, 2, {0xAA, 0xBB, 0xCC}}};
  EXPECT_EQ(to_hex(block.encode()), "C1 03 C1 01 00 00 00 02 03 AA BB CC");
  EXPECT_EQ(*SetRequestWithDatablock::decode(block.encode()), block);
  const SetResponseDatablock ack{InvokeIdAndPriority(), 1};
  EXPECT_EQ(to_hex(ack.encode()), "C5 02 C1 00 00 00 01");
  EXPECT_EQ(*SetResponseDatablock::decode(ack.encode()), ack);
  EXPECT_FALSE(SetResponseDatablock::decode(hex("C5 02 C1 00 00 01")));
  const SetResponseLastDatablock last{InvokeIdAndPriority(), DataAccessResult::type_unmatched, 2};
  EXPECT_EQ(to_hex(last.encode()), "C5 03 C1 0C 00 00 00 02");
  EXPECT_EQ(*SetResponseLastDatablock::decode(last.encode()), last);
}

TEST(DataBlockSa, SplitNumbersFromOneAndMarksTheLast) {
  const Bytes raw{1, 2, 3, 4, 5};
  const auto blocks = split_into_blocks(raw, 2);
  ASSERT_EQ(blocks.size(), 3U);
  EXPECT_EQ(blocks[0], (DataBlockSa{false, 1, {1, 2}}));
  EXPECT_EQ(blocks[1], (DataBlockSa{false, 2, {3, 4}}));
  EXPECT_EQ(blocks[2], (DataBlockSa{true, 3, {5}}));
  EXPECT_EQ(split_into_blocks(raw, 5).size(), 1U);
  EXPECT_TRUE(split_into_blocks(raw, 5).front().last_block);
  EXPECT_TRUE(split_into_blocks(raw, 0).empty());
  EXPECT_TRUE(split_into_blocks({}, 4).empty());
}

}  // namespace
}  // namespace dlmsgw::xdlms
