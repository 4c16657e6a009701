#include "dlms/cosem/date_time.hpp"

#include <cstdio>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"

namespace dlmsgw::cosem {
namespace {

std::string two_digits(std::uint8_t value) {
  if (value == kNotSpecified) return "*";
  char text[8];
  std::snprintf(text, sizeof text, "%02u", static_cast<unsigned>(value));
  return text;
}

// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil-days algorithm).
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

struct CivilDate {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate civil_from_days(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

bool is_leap(unsigned year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

unsigned days_in_month(unsigned year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

Error size_error(std::string_view what, std::size_t expected, std::size_t actual) {
  return make_error(ErrorCode::malformed, std::string(what) + " must be " +
                                              std::to_string(expected) + " bytes, got " +
                                              std::to_string(actual));
}

}  // namespace

Expected<Date> Date::decode(ByteView bytes) {
  if (bytes.size() != kEncodedSize) return size_error("COSEM date", kEncodedSize, bytes.size());
  return Date{static_cast<std::uint16_t>((bytes[0] << 8) | bytes[1]), bytes[2], bytes[3], bytes[4]};
}

Bytes Date::encode() const {
  ByteWriter writer;
  writer.put_u16_be(year);
  writer.put_u8(month);
  writer.put_u8(day);
  writer.put_u8(day_of_week);
  return writer.take();
}

std::string Date::to_string() const {
  std::string text = year == kYearNotSpecified ? "*" : std::to_string(year);
  switch (month) {
    case kMonthDaylightSavingEnd:
      text += "-DSTend";
      break;
    case kMonthDaylightSavingBegin:
      text += "-DSTbegin";
      break;
    default:
      text += "-" + two_digits(month);
  }
  switch (day) {
    case kDaySecondLastOfMonth:
      text += "-secondlast";
      break;
    case kDayLastOfMonth:
      text += "-last";
      break;
    default:
      text += "-" + two_digits(day);
  }
  return text;
}

Expected<Time> Time::decode(ByteView bytes) {
  if (bytes.size() != kEncodedSize) return size_error("COSEM time", kEncodedSize, bytes.size());
  return Time{bytes[0], bytes[1], bytes[2], bytes[3]};
}

Bytes Time::encode() const {
  return Bytes{hour, minute, second, hundredths};
}

std::string Time::to_string() const {
  std::string text = two_digits(hour) + ":" + two_digits(minute) + ":" + two_digits(second);
  if (hundredths != kNotSpecified && hundredths != 0) text += "." + two_digits(hundredths);
  return text;
}

Expected<DateTime> DateTime::decode(ByteView bytes) {
  if (bytes.size() != kEncodedSize)
    return size_error("COSEM date-time", kEncodedSize, bytes.size());
  DLMSGW_TRY_ASSIGN(const Date date, Date::decode(bytes.subspan(0, 5)));
  DLMSGW_TRY_ASSIGN(const Time time, Time::decode(bytes.subspan(5, 4)));
  const auto deviation =
      static_cast<std::int16_t>(static_cast<std::uint16_t>((bytes[9] << 8) | bytes[10]));
  return DateTime{date, time, deviation, bytes[11]};
}

Bytes DateTime::encode() const {
  ByteWriter writer(date.encode());
  writer.put_bytes(time.encode());
  writer.put_u16_be(static_cast<std::uint16_t>(deviation));
  writer.put_u8(clock_status);
  return writer.take();
}

std::optional<int> DateTime::utc_offset_minutes() const {
  if (deviation == kDeviationNotSpecified || deviation < -720 || deviation > 720)
    return std::nullopt;
  return -deviation;
}

std::optional<std::int64_t> DateTime::to_unix_ms() const {
  const auto offset = utc_offset_minutes();
  if (!offset || date.year == kYearNotSpecified || date.month < 1 || date.month > 12 ||
      date.day < 1 || date.day > days_in_month(date.year, date.month) || time.hour > 23 ||
      time.minute > 59 || time.second > 59) {
    return std::nullopt;
  }
  const unsigned hundredths = time.hundredths == kNotSpecified ? 0 : time.hundredths;
  if (hundredths > 99) return std::nullopt;
  const std::int64_t days = days_from_civil(date.year, date.month, date.day);
  const std::int64_t local_seconds =
      days * 86400 + time.hour * 3600 + time.minute * 60 + time.second;
  return (local_seconds - static_cast<std::int64_t>(*offset) * 60) * 1000 + hundredths * 10;
}

DateTime DateTime::from_unix_ms(std::int64_t unix_ms, int utc_offset_minutes) {
  const std::int64_t local_ms = unix_ms + static_cast<std::int64_t>(utc_offset_minutes) * 60000;
  std::int64_t days = local_ms / 86400000;
  std::int64_t ms_of_day = local_ms % 86400000;
  if (ms_of_day < 0) {
    ms_of_day += 86400000;
    --days;
  }
  const CivilDate civil = civil_from_days(days);
  // 1970-01-01 was a Thursday (4 with Monday = 1).
  const auto weekday = static_cast<std::uint8_t>(((days % 7) + 7 + 3) % 7 + 1);
  DateTime value;
  value.date = Date{static_cast<std::uint16_t>(civil.year), static_cast<std::uint8_t>(civil.month),
                    static_cast<std::uint8_t>(civil.day), weekday};
  value.time = Time{static_cast<std::uint8_t>(ms_of_day / 3600000),
                    static_cast<std::uint8_t>(ms_of_day / 60000 % 60),
                    static_cast<std::uint8_t>(ms_of_day / 1000 % 60),
                    static_cast<std::uint8_t>(ms_of_day % 1000 / 10)};
  value.deviation = static_cast<std::int16_t>(-utc_offset_minutes);
  value.clock_status = 0;
  return value;
}

std::string DateTime::to_iso8601() const {
  const bool complete = date.year != kYearNotSpecified && date.month >= 1 && date.month <= 12 &&
                        date.day >= 1 && date.day <= 31 && time.hour <= 23 && time.minute <= 59 &&
                        time.second <= 59;
  if (!complete) {
    std::string text = date.to_string() + " " + time.to_string();
    if (const auto offset = utc_offset_minutes()) text += " deviation " + std::to_string(deviation);
    return text;
  }
  std::string text = date.to_string() + "T" + two_digits(time.hour) + ":" +
                     two_digits(time.minute) + ":" + two_digits(time.second);
  if (time.hundredths != kNotSpecified && time.hundredths != 0 && time.hundredths <= 99) {
    text += "." + two_digits(time.hundredths);
  }
  if (const auto offset = utc_offset_minutes()) {
    if (*offset == 0) {
      text += "Z";
    } else {
      const int magnitude = *offset < 0 ? -*offset : *offset;
      char zone[16];
      std::snprintf(zone, sizeof zone, "%c%02d:%02d", *offset < 0 ? '-' : '+', magnitude / 60,
                    magnitude % 60);
      text += zone;
    }
  }
  return text;
}

}  // namespace dlmsgw::cosem
