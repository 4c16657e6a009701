#include "dlms/xdlms/profile_buffer.hpp"

#include <gtest/gtest.h>

#include "core/byte_reader.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

axdr::Data decode_wire(std::string_view text) {
  const Bytes bytes = hex(text);
  ByteReader reader(bytes);
  auto data = axdr::decode_data(reader);
  EXPECT_TRUE(data) << data.error().message;
  return data ? *data : axdr::Data();
}

// Blue Book 4.3.6 layout: attribute 3 of a load profile with the clock and active import energy.
constexpr std::string_view kCaptureObjectsWire =
    "01 02"
    " 02 04 12 00 08 09 06 00 00 01 00 00 FF 0F 02 12 00 00"
    " 02 04 12 00 03 09 06 01 00 01 08 00 FF 0F 02 12 00 00";

// 2026-11-24T13:00:00Z.
constexpr std::int64_t kFirstEntryUtc = 1795525200000;

TEST(ProfileBuffer, DecodesCaptureObjects) {
  auto columns = decode_capture_objects(decode_wire(kCaptureObjectsWire));
  ASSERT_TRUE(columns) << columns.error().message;
  ASSERT_EQ(columns->size(), 2U);
  EXPECT_EQ((*columns)[0], CaptureObjectDefinition::clock());
  EXPECT_EQ((*columns)[1], (CaptureObjectDefinition{3, ObisCode(1, 0, 1, 8, 0), 2, 0}));
  EXPECT_EQ(clock_column(*columns), 0U);
}

// Entry 1: 2026-11-24 14:00:00 local, deviation -60 (UTC+01:00), status 0x00, 1234 Wh.
// Entry 2: the compressed form, clock null-data: entry 1 plus the capture period (900 s).
TEST(ProfileBuffer, DecodesEntriesWithUtcTimesAndCompressedClock) {
  const auto columns = decode_capture_objects(decode_wire(kCaptureObjectsWire));
  ASSERT_TRUE(columns);
  const auto buffer = decode_wire(
      "01 02"
      " 02 02 09 0C 07 EA 0B 18 02 0E 00 00 00 FF C4 00 06 00 00 04 D2"
      " 02 02 00 06 00 00 04 D3");
  auto entries = decode_profile_buffer(buffer, *columns, {std::nullopt, 900000});
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 2U);
  EXPECT_EQ((*entries)[0].unix_ms, kFirstEntryUtc);
  EXPECT_EQ((*entries)[0].clock_status, 0x00);
  EXPECT_EQ((*entries)[0].values[1], axdr::Data::double_long_unsigned(1234));
  EXPECT_EQ((*entries)[1].unix_ms, kFirstEntryUtc + 900000);
  EXPECT_EQ((*entries)[1].values[1], axdr::Data::double_long_unsigned(1235));
}

// Deviation 0x8000 (not specified): the configured offset applies, or the entry has no time.
TEST(ProfileBuffer, UnspecifiedDeviationUsesFallbackOffset) {
  const auto columns = decode_capture_objects(decode_wire(kCaptureObjectsWire));
  ASSERT_TRUE(columns);
  const auto buffer =
      decode_wire("01 01 02 02 09 0C 07 EA 0B 18 02 0E 00 00 00 80 00 00 06 00 00 00 01");
  auto without = decode_profile_buffer(buffer, *columns);
  ASSERT_TRUE(without);
  EXPECT_EQ((*without)[0].unix_ms, std::nullopt);
  auto with = decode_profile_buffer(buffer, *columns, {60, 0});
  ASSERT_TRUE(with);
  EXPECT_EQ((*with)[0].unix_ms, kFirstEntryUtc);
}

// Clock status 0x03 (invalid and doubtful) is kept with the entry, the time is not shifted.
TEST(ProfileBuffer, KeepsSuspectClockStatus) {
  const auto columns = decode_capture_objects(decode_wire(kCaptureObjectsWire));
  ASSERT_TRUE(columns);
  const auto buffer =
      decode_wire("01 01 02 02 09 0C 07 EA 0B 18 02 0E 00 00 00 FF C4 03 06 00 00 00 01");
  auto entries = decode_profile_buffer(buffer, *columns);
  ASSERT_TRUE(entries);
  EXPECT_EQ((*entries)[0].unix_ms, kFirstEntryUtc);
  EXPECT_EQ((*entries)[0].clock_status, 0x03);
  EXPECT_TRUE(clock_status_is_suspect(0x03));
  EXPECT_TRUE(clock_status_is_suspect(0x08));
  EXPECT_FALSE(clock_status_is_suspect(0x80));  // daylight saving active only
  EXPECT_FALSE(clock_status_is_suspect(cosem::kClockStatusNotSpecified));
}

TEST(ProfileBuffer, EmptyBufferHasNoEntries) {
  const auto columns = decode_capture_objects(decode_wire(kCaptureObjectsWire));
  ASSERT_TRUE(columns);
  auto entries = decode_profile_buffer(axdr::Data::array({}), *columns);
  ASSERT_TRUE(entries);
  EXPECT_TRUE(entries->empty());
}

TEST(ProfileBuffer, RowOfWrongWidthIsNamed) {
  const auto columns = decode_capture_objects(decode_wire(kCaptureObjectsWire));
  ASSERT_TRUE(columns);
  const auto buffer = decode_wire(
      "01 02 02 02 09 0C 07 EA 0B 18 02 0E 00 00 00 FF C4 00 06 00 00 00 01"
      " 02 01 06 00 00 00 02");
  auto entries = decode_profile_buffer(buffer, *columns);
  ASSERT_FALSE(entries);
  EXPECT_NE(entries.error().message.find("entry 2 has 1 values but the profile has 2"),
            std::string::npos)
      << entries.error().message;
}

TEST(ProfileBuffer, ClockThatIsNotADateTimeIsNamed) {
  const auto columns = decode_capture_objects(decode_wire(kCaptureObjectsWire));
  ASSERT_TRUE(columns);
  auto entries =
      decode_profile_buffer(decode_wire("01 01 02 02 06 00 00 00 01 06 00 00 00 01"), *columns);
  ASSERT_FALSE(entries);
  EXPECT_NE(entries.error().message.find("profile buffer entry 1 clock"), std::string::npos)
      << entries.error().message;
}

TEST(ProfileBuffer, CaptureObjectsMustBeAnArrayOfDefinitions) {
  EXPECT_FALSE(decode_capture_objects(axdr::Data::long_unsigned(1)));
  auto bad = decode_capture_objects(axdr::Data::array({axdr::Data::long_unsigned(1)}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("capture_objects element 1"), std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace dlmsgw::xdlms
