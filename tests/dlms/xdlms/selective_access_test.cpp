#include "dlms/xdlms/selective_access.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/xdlms/get_request.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

const CosemAttributeDescriptor kLoadProfileBuffer{7, ObisCode(1, 0, 99, 1, 0), 2};

cosem::DateTime local_time(std::uint16_t year, std::uint8_t month, std::uint8_t day,
                           std::uint8_t dow, std::uint8_t hour) {
  return cosem::DateTime{{year, month, day, dow}, {hour, 0, 0, 0}, -60, 0x80};
}

// dlms-cosem (Python) tests/test_xdlms/test_selective_access.py, test_parse_range_descriptor: the
// 15-minute load profile 1-0:99.1.0 from 2017-10-01 00:00 to 01:00 (UTC+01:00, DST flag set).
TEST(SelectiveAccess, RangeDescriptorOnLoadProfileMatchesDlmsCosem) {
  const Bytes wire = hex(
      "C0 01 C1 00 07 01 00 63 01 00 FF 02 01 01 02 04 02 04 12 00 08 09 06 00 00 01 00 00 FF 0F 02"
      " 12 00 00 09 0C 07 E1 0A 01 07 00 00 00 00 FF C4 80 09 0C 07 E1 0A 01 07 01 00 00 00 FF C4 "
      "80"
      " 01 00");
  const auto range =
      RangeDescriptor::between(local_time(2017, 10, 1, 7, 0), local_time(2017, 10, 1, 7, 1));
  const GetRequestNormal request{InvokeIdAndPriority(), kLoadProfileBuffer,
                                 range.to_selective_access()};
  EXPECT_EQ(to_hex(request.encode()), to_hex(wire));

  auto decoded = GetRequestNormal::decode(wire);
  ASSERT_TRUE(decoded) << decoded.error().message;
  ASSERT_TRUE(decoded->access);
  auto parsed = RangeDescriptor::from_selective_access(*decoded->access);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, range);
  EXPECT_EQ(parsed->restricting_object, CaptureObjectDefinition::clock());
  EXPECT_TRUE(parsed->selected_values.empty());
  auto from = parsed->from_value.to_date_time();
  ASSERT_TRUE(from);
  EXPECT_EQ(from->to_iso8601(), "2017-10-01T00:00:00+01:00");
}

// dlms-cosem test_selective_access.py, test_range_descriptor_to_bytes: selector and parameters
// for 2020-01-01 00:03 (+02:00) to 2020-01-06 00:03 (+01:00), clock status 0x00.
TEST(SelectiveAccess, RangeDescriptorBytesMatchDlmsCosem) {
  const Bytes expected = hex(
      "01 02 04 02 04 12 00 08 09 06 00 00 01 00 00 FF 0F 02 12 00 00"
      " 09 0C 07 E4 01 01 FF 00 03 00 00 FF 88 00 09 0C 07 E4 01 06 FF 00 03 00 00 FF C4 00 01 00");
  const cosem::DateTime from{{2020, 1, 1, 0xFF}, {0, 3, 0, 0}, -120, 0x00};
  const cosem::DateTime to{{2020, 1, 6, 0xFF}, {0, 3, 0, 0}, -60, 0x00};
  const SelectiveAccess access = RangeDescriptor::between(from, to).to_selective_access();
  ByteWriter writer;
  writer.put_u8(access.selector);
  axdr::encode_data(writer, access.parameters);
  EXPECT_EQ(to_hex(writer.bytes()), to_hex(expected));
}

// Hand-built from the Blue Book (profile generic, selective access 2): entries 1 to 10, all
// columns, of 1-0:99.1.0.
TEST(SelectiveAccess, EntryDescriptorOnLoadProfile) {
  const EntryDescriptor entries{1, 10, 1, 0};
  const GetRequestNormal request{InvokeIdAndPriority(), kLoadProfileBuffer,
                                 entries.to_selective_access()};
  const Bytes wire = request.encode();
  EXPECT_EQ(to_hex(wire),
            "C0 01 C1 00 07 01 00 63 01 00 FF 02 01 02 02 04 06 00 00 00 01 06 00 00 00 0A 12 00 "
            "01 12 00 00");
  auto decoded = GetRequestNormal::decode(wire);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, request);
  auto parsed = EntryDescriptor::from_selective_access(*decoded->access);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, entries);
  EXPECT_EQ(decoded->access->to_string(),
            "entry_descriptor structure[4]{double-long-unsigned 1, double-long-unsigned 10, "
            "long-unsigned 1, long-unsigned 0}");
}

TEST(SelectiveAccess, RangeWithSelectedColumnsRoundTrips) {
  RangeDescriptor range =
      RangeDescriptor::between(local_time(2026, 11, 24, 2, 0), local_time(2026, 11, 24, 2, 6));
  range.selected_values.push_back(CaptureObjectDefinition::clock());
  range.selected_values.push_back({3, ObisCode(1, 1, 1, 8, 0), 2, 0});
  auto parsed = RangeDescriptor::from_selective_access(range.to_selective_access());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, range);
  EXPECT_EQ(range.to_selective_access().to_string().rfind("range_descriptor structure[4]{", 0), 0u);
}

TEST(SelectiveAccess, GenericSelectorIsCarriedAsIs) {
  const SelectiveAccess access{5, axdr::Data::unsigned_integer(3)};
  EXPECT_EQ(access.to_string(), "access selector 5 unsigned 3");
  const GetRequestNormal request{InvokeIdAndPriority(), kLoadProfileBuffer, access};
  auto decoded = GetRequestNormal::decode(request.encode());
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->access, access);
  EXPECT_FALSE(RangeDescriptor::from_selective_access(access));
  EXPECT_FALSE(EntryDescriptor::from_selective_access(access));
}

TEST(SelectiveAccess, RefusesParametersOfTheWrongShape) {
  using axdr::Data;
  const auto range_with = [](Data parameters) {
    return RangeDescriptor::from_selective_access({kRangeDescriptorSelector, parameters});
  };
  EXPECT_FALSE(range_with(Data::long_unsigned(1)));
  const Data clock = CaptureObjectDefinition::clock().to_data();
  const Data time = Data::octet_string(Bytes(12, 0xFF));
  EXPECT_TRUE(range_with(Data::structure({clock, time, time, Data::array({})})));
  EXPECT_FALSE(range_with(Data::structure({clock, time, time, Data::null()})));
  EXPECT_FALSE(range_with(Data::structure({clock, time, time, Data::array({Data::null()})})));
  EXPECT_FALSE(range_with(Data::structure({Data::null(), time, time, Data::array({})})));

  const auto capture = [](Data a, Data b, Data c, Data d) {
    return CaptureObjectDefinition::from_data(Data::structure({a, b, c, d}));
  };
  const Data name = Data::octet_string({0, 0, 1, 0, 0, 255});
  EXPECT_TRUE(capture(Data::long_unsigned(8), name, Data::integer(2), Data::long_unsigned(0)));
  EXPECT_FALSE(capture(Data::unsigned_integer(8), name, Data::integer(2), Data::long_unsigned(0)));
  EXPECT_FALSE(capture(Data::long_unsigned(8), Data::octet_string({1, 2}), Data::integer(2),
                       Data::long_unsigned(0)));
  EXPECT_FALSE(capture(Data::long_unsigned(8), Data::visible_string("x"), Data::integer(2),
                       Data::long_unsigned(0)));
  EXPECT_FALSE(
      capture(Data::long_unsigned(8), name, Data::unsigned_integer(2), Data::long_unsigned(0)));
  EXPECT_FALSE(capture(Data::long_unsigned(8), name, Data::integer(2), Data::integer(0)));

  const auto entry_with = [](Data parameters) {
    return EntryDescriptor::from_selective_access({kEntryDescriptorSelector, parameters});
  };
  const Data u32 = Data::double_long_unsigned(1);
  const Data u16 = Data::long_unsigned(1);
  EXPECT_TRUE(entry_with(Data::structure({u32, u32, u16, u16})));
  EXPECT_FALSE(entry_with(Data::structure({u16, u32, u16, u16})));
  EXPECT_FALSE(entry_with(Data::structure({u32, u16, u16, u16})));
  EXPECT_FALSE(entry_with(Data::structure({u32, u32, u32, u16})));
  EXPECT_FALSE(entry_with(Data::structure({u32, u32, u16, u32})));
  EXPECT_FALSE(entry_with(Data::structure({u32, u32, u16})));
}

TEST(SelectiveAccess, TruncatedParametersNameTheField) {
  auto truncated = GetRequestNormal::decode(hex("C0 01 C1 00 07 01 00 63 01 00 FF 02 01 02 02 04"));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().code, ErrorCode::truncated);
  EXPECT_NE(truncated.error().message.find("access-parameters"), std::string::npos);
}

}  // namespace
}  // namespace dlmsgw::xdlms
