#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/xdlms/get_request.hpp"
#include "dlms/xdlms/get_response.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

InvokeIdAndPriority invoke_id(std::uint8_t id) {
  return *InvokeIdAndPriority::make(id);
}

const CosemAttributeDescriptor kVoltageL1{3, ObisCode(1, 1, 32, 7, 0), 2};

// dlms-cosem (Python) tests/test_xdlms/test_get.py, TestGetRequestNormal: the value of Data
// 0-0:43.1.0 (invocation counter).
TEST(GetRequest, NormalMatchesDlmsCosem) {
  const Bytes wire = hex("C0 01 C1 00 01 00 00 2B 01 00 FF 02 00");
  auto request = GetRequestNormal::decode(wire);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->invoke, InvokeIdAndPriority());
  EXPECT_EQ(request->attribute, (CosemAttributeDescriptor{1, ObisCode(0, 0, 43, 1, 0), 2}));
  EXPECT_FALSE(request->access);
  EXPECT_EQ(request->encode(), wire);
}

// The user's voltage register 1-1:32.7.0 (class 3), attribute 2; invoke id 5.
TEST(GetRequest, UserVoltageL1) {
  const GetRequestNormal request{invoke_id(5), kVoltageL1, std::nullopt};
  EXPECT_EQ(to_hex(request.encode()), "C0 01 C5 00 03 01 01 20 07 00 FF 02 00");
  EXPECT_EQ(kVoltageL1.to_string(), "class 3 1-1:32.7.0 attribute 2");
}

// dlms-cosem test_get.py, TestGetRequestNext: C0 02 C1 00000001; and block 3.
TEST(GetRequest, NextMatchesDlmsCosem) {
  const Bytes wire = hex("C0 02 C1 00 00 00 01");
  auto request = GetRequestNext::decode(wire);
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_EQ(request->block_number, 1u);
  EXPECT_EQ(request->encode(), wire);
  EXPECT_EQ(to_hex(GetRequestNext{InvokeIdAndPriority(), 3}.encode()), "C0 02 C1 00 00 00 03");
}

// dlms-cosem test_get.py, TestGetRequestWithList: 0-0:42.0.0 (class 1) and the clock 0-0:1.0.0.
TEST(GetRequest, WithListMatchesDlmsCosem) {
  const Bytes wire = hex("C0 03 C1 02 00 01 00 00 2A 00 00 FF 02 00 00 08 00 00 01 00 00 FF 02 00");
  auto request = GetRequestWithList::decode(wire);
  ASSERT_TRUE(request) << request.error().message;
  ASSERT_EQ(request->attributes.size(), 2u);
  EXPECT_EQ(request->attributes[0].attribute.to_string(), "class 1 0-0:42.0.0 attribute 2");
  EXPECT_EQ(request->attributes[1].attribute.to_string(), "class 8 0-0:1.0.0 attribute 2");
  EXPECT_EQ(request->encode(), wire);
}

TEST(GetRequest, WithListOfTheUserRegistersValueAndScaler) {
  GetRequestWithList request{invoke_id(2), {}};
  request.attributes.push_back({kVoltageL1, std::nullopt});
  request.attributes.push_back({{3, ObisCode(1, 1, 32, 7, 0), 3}, std::nullopt});
  const Bytes wire = request.encode();
  EXPECT_EQ(to_hex(wire),
            "C0 03 C2 02 00 03 01 01 20 07 00 FF 02 00 00 03 01 01 20 07 00 FF 03 00");
  auto decoded = GetRequestWithList::decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, request);
}

TEST(GetRequest, RejectsWrongTagChoiceTruncationAndTrailingBytes) {
  // dlms-cosem test_get.py: wrong tag and wrong request type must fail.
  auto wrong_tag = GetRequestNormal::decode(hex("C1 01 C1 00 01 00 00 2B 01 00 FF 02 00"));
  ASSERT_FALSE(wrong_tag);
  EXPECT_EQ(wrong_tag.error().message, "Get-Request-Normal: tag 0xC1, expected 0xC0");
  auto wrong_choice = GetRequestNormal::decode(hex("C0 02 C1 00 01 00 00 2B 01 00 FF 02 00"));
  ASSERT_FALSE(wrong_choice);
  EXPECT_EQ(wrong_choice.error().message, "Get-Request-Normal: choice 2, expected 1");
  EXPECT_FALSE(GetRequestNext::decode(hex("C0 01 C1 00 00 00 01")));
  EXPECT_FALSE(GetRequestWithList::decode(hex("C0 01 C1 00")));

  const Bytes wire = hex("C0 01 C1 00 03 01 01 20 07 00 FF 02 00");
  for (std::size_t size = 0; size < wire.size(); ++size) {
    auto truncated = GetRequestNormal::decode(ByteView(wire).first(size));
    ASSERT_FALSE(truncated) << size;
    EXPECT_EQ(truncated.error().code, ErrorCode::truncated) << size;
  }
  Bytes trailing = wire;
  trailing.push_back(0x00);
  auto extra = GetRequestNormal::decode(trailing);
  ASSERT_FALSE(extra);
  EXPECT_NE(extra.error().message.find("1 unexpected byte(s)"), std::string::npos);

  auto bad_presence = GetRequestNormal::decode(hex("C0 01 C1 00 03 01 01 20 07 00 FF 02 02"));
  ASSERT_FALSE(bad_presence);
  EXPECT_EQ(bad_presence.error().code, ErrorCode::malformed);
  // Invoke id byte with reserved bits (the old client's 0x7E).
  EXPECT_FALSE(GetRequestNormal::decode(hex("C0 01 7E 00 03 01 01 20 07 00 FF 02 00")));
  auto next_truncated = GetRequestNext::decode(hex("C0 02 C1 00 00 01"));
  ASSERT_FALSE(next_truncated);
  EXPECT_EQ(next_truncated.error().code, ErrorCode::truncated);
}

TEST(GetRequest, WithListRefusesACountThatCannotFit) {
  // Count 0x84 FF FF FF FF would otherwise loop four billion times.
  auto huge = GetRequestWithList::decode(hex("C0 03 C1 84 FF FF FF FF 00 03"));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::truncated);
  auto short_element = GetRequestWithList::decode(hex("C0 03 C1 01 00 03 01 01 20 07 00 FF 02 02"));
  ASSERT_FALSE(short_element);
  EXPECT_NE(short_element.error().message.find("attribute 1"), std::string::npos);
}

// dlms-cosem test_get.py, TestGetResponseNormal: double-long-unsigned 5009.
TEST(GetResponse, NormalMatchesDlmsCosem) {
  const Bytes wire = hex("C4 01 C1 00 06 00 00 13 91");
  auto response = GetResponseNormal::decode(wire);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->result, GetDataResult(axdr::Data::double_long_unsigned(5009)));
  EXPECT_EQ(response->encode(), wire);
}

// dlms-cosem test_get.py, TestGetRequestNormalWithError: data-access-result hardware-fault.
TEST(GetResponse, NormalWithErrorMatchesDlmsCosem) {
  const Bytes wire = hex("C4 01 C1 01 01");
  auto response = GetResponseNormal::decode(wire);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->result, GetDataResult(DataAccessResult::hardware_fault));
  EXPECT_EQ(to_string(response->result), "data-access-result hardware-fault (1)");
  EXPECT_EQ(response->encode(), wire);
}

// The user's meter: L1 voltage 135.00 V as long-unsigned 13500 with scaler -2 (hand-built from the
// Green Book encoding: 12 = long-unsigned, 34 BC = 13500).
TEST(GetResponse, UserVoltageValueAndScalerUnit) {
  auto value = GetResponseNormal::decode(hex("C4 01 C5 00 12 34 BC"));
  ASSERT_TRUE(value) << value.error().message;
  EXPECT_EQ(value->invoke.invoke_id(), 5);
  EXPECT_EQ(value->result, GetDataResult(axdr::Data::long_unsigned(13500)));
  EXPECT_EQ(to_string(value->result), "long-unsigned 13500");

  // attribute 3, scaler_unit: structure{integer -2, enum 35 (V)}.
  const GetRequestNormal scaler_request{invoke_id(6), {3, ObisCode(1, 1, 32, 7, 0), 3}, {}};
  EXPECT_EQ(to_hex(scaler_request.encode()), "C0 01 C6 00 03 01 01 20 07 00 FF 03 00");
  auto scaler = GetResponseNormal::decode(hex("C4 01 C6 00 02 02 0F FE 16 23"));
  ASSERT_TRUE(scaler) << scaler.error().message;
  EXPECT_EQ(
      scaler->result,
      GetDataResult(axdr::Data::structure({axdr::Data::integer(-2), axdr::Data::enumerated(35)})));
}

// dlms-cosem test_get.py, TestGetResponseWithList: a serial number and a date-time octet-string.
TEST(GetResponse, WithListMatchesDlmsCosem) {
  const Bytes wire =
      hex("C4 03 C1 02 00 09 10 49 53 4B 31 30 33 30 37 37 37 37 36 34 33 36 36"
          " 00 09 0C 07 E5 06 03 04 0E 09 17 00 FF C4 00");
  auto response = GetResponseWithList::decode(wire);
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(response->results.size(), 2u);
  const std::string serial = "ISK1030777764366";
  EXPECT_EQ(response->results[0],
            GetDataResult(axdr::Data::octet_string(Bytes(serial.begin(), serial.end()))));
  EXPECT_EQ(response->encode(), wire);
}

TEST(GetResponse, WithListMixesDataAndErrors) {
  const GetResponseWithList response{
      invoke_id(3), {axdr::Data::long_unsigned(13500), DataAccessResult::object_undefined}};
  const Bytes wire = response.encode();
  EXPECT_EQ(to_hex(wire), "C4 03 C3 02 00 12 34 BC 01 04");
  auto decoded = GetResponseWithList::decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, response);
  auto huge = GetResponseWithList::decode(hex("C4 03 C1 83 FF FF FF 00 00"));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::truncated);
  auto bad = GetResponseWithList::decode(hex("C4 03 C1 01 02 00"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("result 1"), std::string::npos);
}

// dlms-cosem test_get.py, GetResponseLastBlockWithError: last block 19 with hardware-fault.
TEST(GetResponse, DatablockWithErrorMatchesDlmsCosem) {
  const Bytes wire = hex("C4 02 C1 01 00 00 00 13 01 01");
  auto response = GetResponseWithDatablock::decode(wire);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_TRUE(response->last_block);
  EXPECT_EQ(response->block_number, 19u);
  EXPECT_EQ(response->result,
            (std::variant<Bytes, DataAccessResult>(DataAccessResult::hardware_fault)));
  EXPECT_EQ(response->encode(), wire);
}

TEST(GetResponse, DatablockWithRawDataRoundTripsAndChecksLengths) {
  const GetResponseWithDatablock block{invoke_id(1), false, 1, Bytes{0x01, 0x02, 0x7E}};
  const Bytes wire = block.encode();
  EXPECT_EQ(to_hex(wire), "C4 02 C1 00 00 00 00 01 00 03 01 02 7E");
  auto decoded = GetResponseWithDatablock::decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, block);

  auto overlong = GetResponseWithDatablock::decode(hex("C4 02 C1 00 00 00 00 01 00 05 01 02"));
  ASSERT_FALSE(overlong);
  EXPECT_EQ(overlong.error().code, ErrorCode::truncated);
  auto bad_bool = GetResponseWithDatablock::decode(hex("C4 02 C1 02 00 00 00 01 01 00"));
  ASSERT_FALSE(bad_bool);
  EXPECT_NE(bad_bool.error().message.find("last-block 2"), std::string::npos);
  auto bad_choice = GetResponseWithDatablock::decode(hex("C4 02 C1 01 00 00 00 01 02 00"));
  ASSERT_FALSE(bad_choice);
  EXPECT_EQ(bad_choice.error().code, ErrorCode::malformed);
  EXPECT_FALSE(GetResponseWithDatablock::decode(hex("C4 02 C1 01 00 00 00 01 01 00 00")));
}

TEST(GetResponse, RejectsBadGetDataResultChoiceAndTruncatedData) {
  auto bad = GetResponseNormal::decode(hex("C4 01 C1 02 00"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "Get-Response-Normal: Get-Data-Result choice 2, expected 0 or 1");
  auto truncated = GetResponseNormal::decode(hex("C4 01 C1 00 12 34"));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::truncated);
  EXPECT_FALSE(GetResponseNormal::decode(hex("C4 01 C1 01")));
  EXPECT_FALSE(GetResponseNormal::decode(hex("C4 01 C1 00 12 34 BC 00")));
}

}  // namespace
}  // namespace dlmsgw::xdlms
