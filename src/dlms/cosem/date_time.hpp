#pragma once
// COSEM date, time and date-time (Blue Book 4.1.6.1): 5, 4 and 12 octets in which any field may be
// "not specified" (0xFF / 0xFFFF / 0x8000). Meters send them as octet-strings or as the A-XDR
// date/time/date-time types; the same codec serves both. Day-of-week is carried but never checked
// on input: meters get it wrong and it adds nothing to the date.

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::cosem {

inline constexpr std::uint16_t kYearNotSpecified = 0xFFFF;
inline constexpr std::uint8_t kNotSpecified = 0xFF;
inline constexpr std::int16_t kDeviationNotSpecified = INT16_MIN;  // 0x8000 on the wire

// Month values beyond 12 that the Blue Book defines for recurring dates.
inline constexpr std::uint8_t kMonthDaylightSavingEnd = 0xFD;
inline constexpr std::uint8_t kMonthDaylightSavingBegin = 0xFE;
// Day-of-month values beyond 31.
inline constexpr std::uint8_t kDaySecondLastOfMonth = 0xFD;
inline constexpr std::uint8_t kDayLastOfMonth = 0xFE;

// Clock status bits (Blue Book class 8).
enum ClockStatusBit : std::uint8_t {
  kClockInvalidValue = 0x01,
  kClockDoubtfulValue = 0x02,
  kClockDifferentBase = 0x04,
  kClockInvalidStatus = 0x08,
  kClockDaylightSavingActive = 0x80,
};
inline constexpr std::uint8_t kClockStatusNotSpecified = 0xFF;

struct Date {
  std::uint16_t year = kYearNotSpecified;
  std::uint8_t month = kNotSpecified;
  std::uint8_t day = kNotSpecified;
  std::uint8_t day_of_week = kNotSpecified;  // 1 = Monday ... 7 = Sunday

  static constexpr std::size_t kEncodedSize = 5;
  static Expected<Date> decode(ByteView bytes);
  [[nodiscard]] Bytes encode() const;
  // "2026-11-24", with "*" for unspecified fields ("*-11-24").
  [[nodiscard]] std::string to_string() const;
  bool operator==(const Date&) const = default;
};

struct Time {
  std::uint8_t hour = kNotSpecified;
  std::uint8_t minute = kNotSpecified;
  std::uint8_t second = kNotSpecified;
  std::uint8_t hundredths = kNotSpecified;

  static constexpr std::size_t kEncodedSize = 4;
  static Expected<Time> decode(ByteView bytes);
  [[nodiscard]] Bytes encode() const;
  // "14:27:34", ".05" appended when hundredths are specified and non-zero; "*" for unspecified
  // fields.
  [[nodiscard]] std::string to_string() const;
  bool operator==(const Time&) const = default;
};

struct DateTime {
  Date date;
  Time time;
  // Minutes; the Blue Book defines deviation as (local time - UTC) with the sign such that UTC =
  // local + deviation, i.e. a meter on UTC+01:00 sends -60. See utc_offset_minutes().
  std::int16_t deviation = kDeviationNotSpecified;
  std::uint8_t clock_status = kClockStatusNotSpecified;

  static constexpr std::size_t kEncodedSize = 12;
  static Expected<DateTime> decode(ByteView bytes);
  [[nodiscard]] Bytes encode() const;

  // The offset of local time from UTC (+60 for UTC+01:00), if the deviation is specified.
  [[nodiscard]] std::optional<int> utc_offset_minutes() const;
  // ISO 8601 when every field needed is specified: "2026-11-24T14:27:34+01:00" (".50" for
  // hundredths, no offset when the deviation is not specified). Otherwise the field-wise form with
  // "*".
  [[nodiscard]] std::string to_iso8601() const;
  // Milliseconds since the Unix epoch, when date, time and deviation are all specified and valid.
  [[nodiscard]] std::optional<std::int64_t> to_unix_ms() const;
  static DateTime from_unix_ms(std::int64_t unix_ms, int utc_offset_minutes = 0);
  bool operator==(const DateTime&) const = default;
};

}  // namespace dlmsgw::cosem
