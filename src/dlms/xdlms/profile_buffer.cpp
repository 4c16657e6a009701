#include "dlms/xdlms/profile_buffer.hpp"

#include <string>

#include "dlms/axdr/data_printer.hpp"

namespace dlmsgw::xdlms {

Expected<std::vector<CaptureObjectDefinition>> decode_capture_objects(const axdr::Data& data) {
  const axdr::DataList* list = data.as_list();
  if (data.type() != axdr::DataType::array || list == nullptr) {
    return make_error(ErrorCode::malformed,
                      "capture_objects: expected an array, got " + axdr::to_string(data));
  }
  std::vector<CaptureObjectDefinition> columns;
  columns.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto column = CaptureObjectDefinition::from_data((*list)[i]);
    if (!column) {
      return column.error().with_context("capture_objects element " + std::to_string(i + 1));
    }
    columns.push_back(*column);
  }
  return columns;
}

std::optional<std::size_t> clock_column(const std::vector<CaptureObjectDefinition>& columns) {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].class_id == 8 && columns[i].attribute_index == 2) return i;
  }
  return std::nullopt;
}

std::optional<std::int64_t> capture_time_utc(const cosem::DateTime& time,
                                             std::optional<int> fallback_utc_offset_minutes) {
  cosem::DateTime resolved = time;
  if (resolved.deviation == cosem::kDeviationNotSpecified) {
    if (!fallback_utc_offset_minutes) return std::nullopt;
    // Wire convention: UTC = local + deviation, so UTC+01:00 travels as -60.
    resolved.deviation = static_cast<std::int16_t>(-*fallback_utc_offset_minutes);
  }
  return resolved.to_unix_ms();
}

bool clock_status_is_suspect(std::uint8_t clock_status) {
  if (clock_status == cosem::kClockStatusNotSpecified) return false;
  return (clock_status & (cosem::kClockInvalidValue | cosem::kClockDoubtfulValue |
                          cosem::kClockInvalidStatus)) != 0;
}

Expected<std::vector<ProfileEntry>> decode_profile_buffer(
    const axdr::Data& buffer, const std::vector<CaptureObjectDefinition>& columns,
    const ProfileBufferOptions& options) {
  const axdr::DataList* rows = buffer.as_list();
  if (buffer.type() != axdr::DataType::array || rows == nullptr) {
    return make_error(ErrorCode::malformed, "profile buffer: expected an array of entries, got " +
                                                axdr::to_string(buffer));
  }
  const auto clock = clock_column(columns);
  std::vector<ProfileEntry> entries;
  entries.reserve(rows->size());
  std::optional<std::int64_t> previous;
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const axdr::Data& row = (*rows)[i];
    const axdr::DataList* values = row.as_list();
    const std::string where = "profile buffer entry " + std::to_string(i + 1);
    if (row.type() != axdr::DataType::structure || values == nullptr) {
      return make_error(ErrorCode::malformed,
                        where + ": expected a structure, got " + axdr::to_string(row));
    }
    if (values->size() != columns.size()) {
      return make_error(ErrorCode::malformed,
                        where + " has " + std::to_string(values->size()) +
                            " values but the profile has " + std::to_string(columns.size()) +
                            " capture objects (read capture_objects again: the meter may have "
                            "been reconfigured)");
    }
    ProfileEntry entry;
    entry.values = *values;
    if (clock) {
      const axdr::Data& stamp = (*values)[*clock];
      if (stamp.type() == axdr::DataType::null_data) {
        if (previous && options.capture_period_ms > 0) {
          entry.unix_ms = *previous + options.capture_period_ms;
        }
      } else {
        auto time = stamp.to_date_time();
        if (!time) return time.error().with_context(where + " clock");
        entry.clock_status = time->clock_status;
        entry.unix_ms = capture_time_utc(*time, options.fallback_utc_offset_minutes);
      }
    }
    previous = entry.unix_ms;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace dlmsgw::xdlms
