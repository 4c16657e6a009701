#include "dlms/cosem/date_time.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::cosem {
namespace {

using ::dlmsgw::test::hex;

// Blue Book 4.1.6.1 layout: year(2) month day day-of-week hour minute second hundredths
// deviation(2) status. 2026-11-24 (a Tuesday) 14:27:34, deviation -60 (UTC+01:00), status 0.
TEST(DateTime, DecodesEveryField) {
  auto value = DateTime::decode(hex("07 EA 0B 18 02 0E 1B 22 00 FF C4 00"));
  ASSERT_TRUE(value);
  EXPECT_EQ(value->date, (Date{2026, 11, 24, 2}));
  EXPECT_EQ(value->time, (Time{14, 27, 34, 0}));
  EXPECT_EQ(value->deviation, -60);
  EXPECT_EQ(value->clock_status, 0);
  EXPECT_EQ(value->utc_offset_minutes(), 60);
  EXPECT_EQ(value->to_iso8601(), "2026-11-24T14:27:34+01:00");
  // 2026-11-24T13:27:34Z (date -u -d @1795526854)
  EXPECT_EQ(value->to_unix_ms(), 1795526854000);
  EXPECT_EQ(value->encode(), hex("07 EA 0B 18 02 0E 1B 22 00 FF C4 00"));
}

TEST(DateTime, UnspecifiedFieldsAndDeviation) {
  auto value = DateTime::decode(hex("FF FF 0B 18 FF 0E FF FF FF 80 00 FF"));
  ASSERT_TRUE(value);
  EXPECT_EQ(value->date.year, kYearNotSpecified);
  EXPECT_EQ(value->deviation, kDeviationNotSpecified);
  EXPECT_FALSE(value->utc_offset_minutes());
  EXPECT_FALSE(value->to_unix_ms());
  EXPECT_EQ(value->to_iso8601(), "*-11-24 14:*:*");
  // Specified local time without deviation: ISO 8601 without an offset, no absolute instant.
  auto local = DateTime::decode(hex("07 EA 0B 18 FF 0E 1B 22 32 80 00 00"));
  ASSERT_TRUE(local);
  EXPECT_EQ(local->to_iso8601(), "2026-11-24T14:27:34.50");
  EXPECT_FALSE(local->to_unix_ms());
}

TEST(DateTime, DayOfWeekIsIgnoredOnInput) {
  // Claims Sunday (7) for a Tuesday: accepted and converted the same.
  auto wrong_weekday = DateTime::decode(hex("07 EA 0B 18 07 0E 1B 22 00 00 00 00"));
  ASSERT_TRUE(wrong_weekday);
  EXPECT_EQ(wrong_weekday->to_iso8601(), "2026-11-24T14:27:34Z");
  EXPECT_EQ(wrong_weekday->to_unix_ms(), 1795530454000);
}

TEST(DateTime, RecurringAndInvalidDatesHaveNoInstant) {
  DateTime value = DateTime::from_unix_ms(0);
  value.date.month = kMonthDaylightSavingBegin;
  value.date.day = kDayLastOfMonth;
  EXPECT_FALSE(value.to_unix_ms());
  EXPECT_EQ(value.date.to_string(), "1970-DSTbegin-last");
  value.date = Date{2023, 2, 29, 0xFF};  // not a leap year
  EXPECT_FALSE(value.to_unix_ms());
  value.date = Date{2024, 2, 29, 0xFF};
  EXPECT_TRUE(value.to_unix_ms());
  value.time.hour = 24;
  EXPECT_FALSE(value.to_unix_ms());
  value.time.hour = 1;
  value.deviation = 800;  // beyond +-720 minutes
  EXPECT_FALSE(value.to_unix_ms());
  EXPECT_EQ(Date({2024, kMonthDaylightSavingEnd, kDaySecondLastOfMonth, 1}).to_string(),
            "2024-DSTend-secondlast");
}

TEST(DateTime, UnixRoundTripAcrossOffsets) {
  for (const std::int64_t instant : {0LL, 951782400000LL, 1795526854120LL, -86400000LL}) {
    for (const int offset : {0, 60, -300, 330}) {
      const DateTime value = DateTime::from_unix_ms(instant, offset);
      EXPECT_EQ(value.to_unix_ms(), instant) << instant << " " << offset;
      auto decoded = DateTime::decode(value.encode());
      ASSERT_TRUE(decoded);
      EXPECT_EQ(*decoded, value);
    }
  }
  // 2000-02-29 was a Tuesday.
  EXPECT_EQ(DateTime::from_unix_ms(951782400000).date, (Date{2000, 2, 29, 2}));
  EXPECT_EQ(DateTime::from_unix_ms(0, -330).to_iso8601(), "1969-12-31T18:30:00-05:30");
}

TEST(DateTime, WrongSizesAreErrors) {
  EXPECT_FALSE(DateTime::decode(hex("07 EA 0B")));
  EXPECT_FALSE(Date::decode(hex("07 EA 0B 18")));
  EXPECT_FALSE(Time::decode(hex("0E 1B 22")));
  auto error = DateTime::decode(Bytes(13, 0));
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().message, "COSEM date-time must be 12 bytes, got 13");
}

TEST(DateTime, TimePrintsHundredths) {
  EXPECT_EQ((Time{1, 2, 3, 4}).to_string(), "01:02:03.04");
  EXPECT_EQ((Time{1, 2, 3, 0}).to_string(), "01:02:03");
  EXPECT_EQ(Time::decode(Time{1, 2, 3, 4}.encode())->hundredths, 4);
  EXPECT_EQ(Date::decode(Date{2026, 1, 2, 5}.encode())->day_of_week, 5);
}

}  // namespace
}  // namespace dlmsgw::cosem
