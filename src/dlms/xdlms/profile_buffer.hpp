#pragma once
// The rows of a profile generic (class 7) buffer, attribute 2, read against the object's capture
// objects (attribute 3): one ProfileEntry per row, its capture time taken from the clock column and
// converted to UTC. Load profiles, billing profiles and event logs all have this shape.
//
// Capture time (Blue Book 4.1.6.1, class 8): the clock column holds a date-time (octet-string of 12
// or the date-time type). UTC = local time + deviation; a deviation "not specified" falls back to
// the caller's offset (a meter without one, `timeZone` in the configuration), else the entry has no
// time. A null-data clock is the compressed form some meters use: the previous entry's time plus
// the capture period. The clock status is kept as the meter sent it: an entry whose status says
// invalid or doubtful still gets its time, and the caller decides how to publish it.

#include <cstdint>
#include <optional>
#include <vector>

#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/cosem/date_time.hpp"
#include "dlms/xdlms/selective_access.hpp"

namespace dlmsgw::xdlms {

struct ProfileEntry {
  // UTC capture time in Unix milliseconds; none when the clock column is missing or unusable.
  std::optional<std::int64_t> unix_ms;
  std::uint8_t clock_status = cosem::kClockStatusNotSpecified;
  // One value per capture object, in the order of the capture objects (the clock column too).
  std::vector<axdr::Data> values;
  bool operator==(const ProfileEntry&) const = default;
};

struct ProfileBufferOptions {
  // Offset of local time from UTC (+60 for UTC+01:00) for entries whose deviation is not specified.
  std::optional<int> fallback_utc_offset_minutes;
  // Attribute 4, for the compressed (null-data) clock form; 0 when not known.
  std::int64_t capture_period_ms = 0;
};

// Attribute 3: array of capture_object_definition.
Expected<std::vector<CaptureObjectDefinition>> decode_capture_objects(const axdr::Data& data);

// Index of the clock column (class 8 attribute 2) among the capture objects, if there is one.
std::optional<std::size_t> clock_column(const std::vector<CaptureObjectDefinition>& columns);

// A capture time in UTC, honouring the deviation, else the fallback offset; none when a field
// needed is not specified or out of range.
std::optional<std::int64_t> capture_time_utc(const cosem::DateTime& time,
                                             std::optional<int> fallback_utc_offset_minutes);

// True when the clock status marks the time invalid or doubtful (bits 0 and 1), or the status
// itself invalid (bit 3). 0xFF (not specified) is not a fault.
bool clock_status_is_suspect(std::uint8_t clock_status);

// Attribute 2 (an array of structures, one element per capture object) to entries, oldest first as
// the meter sent them. Fails naming the entry when a row is not a structure of as many values as
// there are capture objects, or its clock value is neither a date-time nor null-data.
Expected<std::vector<ProfileEntry>> decode_profile_buffer(
    const axdr::Data& buffer, const std::vector<CaptureObjectDefinition>& columns,
    const ProfileBufferOptions& options = {});

}  // namespace dlmsgw::xdlms
