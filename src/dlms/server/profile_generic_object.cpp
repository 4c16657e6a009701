#include "dlms/server/profile_generic_object.hpp"

#include <algorithm>

#include "dlms/server/clock_object.hpp"

namespace dlmsgw::server {
namespace {

using xdlms::DataAccessResult;

std::int64_t floor_to(std::int64_t value, std::int64_t step) {
  return value - ((value % step) + step) % step;
}

}  // namespace

ProfileGenericObject::ProfileGenericObject(ObisCode logical_name, const MeterModel& model,
                                           std::vector<Column> columns)
    : ProfileGenericObject(logical_name, model, std::move(columns), Schedule{}) {}

ProfileGenericObject::ProfileGenericObject(ObisCode logical_name, const MeterModel& model,
                                           std::vector<Column> columns, Schedule schedule)
    : CosemObject(7, 1, logical_name), model_(model), schedule_(std::move(schedule)) {
  columns_.push_back({xdlms::CaptureObjectDefinition::clock(), nullptr});
  for (auto& column : columns) columns_.push_back(std::move(column));
}

std::int64_t ProfileGenericObject::depth() const {
  return schedule_.at_or_before ? schedule_.depth : std::int64_t{model_.profile().profile_entries};
}

std::vector<ProfileGenericObject::Recorded> ProfileGenericObject::buffer(
    std::int64_t now_unix_ms) const {
  std::vector<Recorded> list;
  const std::int64_t count = depth();
  list.reserve(static_cast<std::size_t>(count));
  if (!schedule_.at_or_before) {
    for (std::int64_t k = 0; k < count; ++k) list.push_back(recorded(now_unix_ms, k));
    return list;
  }
  const std::int64_t offset = model_.clock_offset_ms();
  std::int64_t at = schedule_.at_or_before(model_.meter_time_ms(now_unix_ms));
  for (std::int64_t k = 0; k < count; ++k) {
    list.push_back({at, at - offset});
    at = schedule_.at_or_before(at - 1);
  }
  std::reverse(list.begin(), list.end());
  return list;
}

std::int64_t ProfileGenericObject::capture_period_ms() const {
  return std::max<std::int64_t>(1, model_.profile().capture_period_seconds) * 1000;
}

std::vector<AttributeDefinition> ProfileGenericObject::attributes() const {
  std::vector<std::uint8_t> selectors{1, 2};
  if (model_.profile().refuse_range_access) selectors = {2};
  return {{1, AttributeAccess::read_only, {}}, {2, AttributeAccess::read_only, selectors},
          {3, AttributeAccess::read_only, {}}, {4, AttributeAccess::read_only, {}},
          {5, AttributeAccess::read_only, {}}, {6, AttributeAccess::read_only, {}},
          {7, AttributeAccess::read_only, {}}, {8, AttributeAccess::read_only, {}}};
}

std::vector<MethodDefinition> ProfileGenericObject::methods() const {
  return {{1, false}, {2, false}};
}

std::int64_t ProfileGenericObject::newest_entry_time(std::int64_t now_unix_ms) const {
  return floor_to(model_.meter_time_ms(now_unix_ms), capture_period_ms());
}

std::vector<std::size_t> ProfileGenericObject::all_columns() const {
  std::vector<std::size_t> list(columns_.size());
  for (std::size_t i = 0; i < list.size(); ++i) list[i] = i;
  return list;
}

ProfileGenericObject::Recorded ProfileGenericObject::recorded(std::int64_t now_unix_ms,
                                                              std::int64_t k) const {
  const std::int64_t depth = model_.profile().profile_entries;
  const std::int64_t period = capture_period_ms();
  const std::int64_t offset = model_.clock_offset_ms();
  const std::int64_t set_back = model_.set_back_by(now_unix_ms);
  if (set_back == 0) {
    const std::int64_t meter = newest_entry_time(now_unix_ms) - (depth - 1 - k) * period;
    return {meter, meter - offset};
  }
  // Before the set back: every period up to the step. After it: every period from the clock's
  // new time on, recorded after the former ones, whatever their capture times.
  const std::int64_t at = model_.profile().clock_set_back_at_ms;
  const std::int64_t last_before = floor_to(at - 1 + offset, period);
  const std::int64_t first_after = floor_to(at + offset - set_back, period) + period;
  const std::int64_t newest_after = floor_to(now_unix_ms + offset - set_back, period);
  const std::int64_t after =
      newest_after >= first_after ? (newest_after - first_after) / period + 1 : 0;
  const std::int64_t after_held = std::min(after, depth);
  const std::int64_t before_held = depth - after_held;
  if (k < before_held) {
    const std::int64_t meter = last_before - (before_held - 1 - k) * period;
    return {meter, meter - offset};
  }
  const std::int64_t meter = first_after + (after - after_held + k - before_held) * period;
  return {meter, meter - offset + set_back};
}

axdr::DataList ProfileGenericObject::row(const Recorded& entry,
                                         const std::vector<std::size_t>& columns) const {
  axdr::DataList values;
  for (const std::size_t column : columns) {
    if (column == 0) {
      values.push_back(ClockObject::time_data(entry.meter_ms, model_.profile().utc_offset_minutes));
    } else {
      values.push_back(columns_[column].value(entry.true_ms));
    }
  }
  return values;
}

axdr::Data ProfileGenericObject::entries(std::int64_t now_unix_ms, std::int64_t first,
                                         std::int64_t last,
                                         const std::vector<std::size_t>& columns) const {
  const auto held = buffer(now_unix_ms);
  const auto count = static_cast<std::int64_t>(held.size());
  axdr::DataList rows;
  for (std::int64_t k = std::max<std::int64_t>(first, 0); k <= std::min(last, count - 1); ++k) {
    rows.push_back(axdr::Data::structure(row(held[static_cast<std::size_t>(k)], columns)));
  }
  return axdr::Data::array(std::move(rows));
}

xdlms::GetDataResult ProfileGenericObject::read(std::int8_t attribute,
                                                const std::optional<xdlms::SelectiveAccess>& access,
                                                const RequestContext& context) const {
  const std::int64_t depth = this->depth();
  switch (attribute) {
    case 2:
      if (!access) return entries(context.now_unix_ms, 0, depth - 1, all_columns());
      if (access->selector == xdlms::kRangeDescriptorSelector) {
        return read_range(*access, context.now_unix_ms);
      }
      return read_entries(*access, context.now_unix_ms);
    case 3: {
      axdr::DataList list;
      for (const auto& column : columns_) list.push_back(column.definition.to_data());
      return axdr::Data::array(std::move(list));
    }
    case 4:
      if (schedule_.at_or_before)
        return axdr::Data::double_long_unsigned(schedule_.capture_period_s);
      return axdr::Data::double_long_unsigned(
          static_cast<std::uint32_t>(capture_period_ms() / 1000));
    case 5:
      return axdr::Data::enumerated(1);
    case 6:
      return columns_.front().definition.to_data();
    default:  // 7 entries_in_use, 8 profile_entries: the history is always full
      return axdr::Data::double_long_unsigned(static_cast<std::uint32_t>(depth));
  }
}

xdlms::GetDataResult ProfileGenericObject::read_range(const xdlms::SelectiveAccess& access,
                                                      std::int64_t now_unix_ms) const {
  auto range = xdlms::RangeDescriptor::from_selective_access(access);
  if (!range || range->restricting_object.class_id != 8 ||
      range->restricting_object.logical_name != kClockCode ||
      range->restricting_object.attribute_index != 2) {
    return DataAccessResult::other_reason;
  }
  auto bound = [&](const axdr::Data& value) -> std::optional<std::int64_t> {
    auto time = value.to_date_time();
    if (!time) return std::nullopt;
    if (time->deviation == cosem::kDeviationNotSpecified) {
      time->deviation = static_cast<std::int16_t>(-model_.profile().utc_offset_minutes);
    }
    return time->to_unix_ms();
  };
  const auto from = bound(range->from_value);
  const auto to = bound(range->to_value);
  if (!from || !to) return DataAccessResult::other_reason;
  std::vector<std::size_t> columns;
  if (range->selected_values.empty()) {
    columns = all_columns();
  } else {
    for (const auto& wanted : range->selected_values) {
      auto it = std::find_if(columns_.begin(), columns_.end(),
                             [&](const Column& column) { return column.definition == wanted; });
      if (it == columns_.end()) return DataAccessResult::other_reason;
      columns.push_back(static_cast<std::size_t>(it - columns_.begin()));
    }
  }
  // Every entry in the range, in recording order (after a clock set back that is not capture
  // order).
  axdr::DataList rows;
  for (const auto& entry : buffer(now_unix_ms)) {
    if (entry.meter_ms >= *from && entry.meter_ms <= *to) {
      rows.push_back(axdr::Data::structure(row(entry, columns)));
    }
  }
  return axdr::Data::array(std::move(rows));
}

xdlms::GetDataResult ProfileGenericObject::read_entries(const xdlms::SelectiveAccess& access,
                                                        std::int64_t now_unix_ms) const {
  auto descriptor = xdlms::EntryDescriptor::from_selective_access(access);
  if (!descriptor) return DataAccessResult::other_reason;
  const std::int64_t depth = this->depth();
  const std::int64_t first = std::int64_t{descriptor->from_entry} - 1;
  const std::int64_t last =
      descriptor->to_entry == 0 ? depth - 1 : std::int64_t{descriptor->to_entry} - 1;
  const std::size_t column_count = columns_.size();
  const std::size_t first_column =
      descriptor->from_selected_value == 0 ? 0 : descriptor->from_selected_value - 1U;
  const std::size_t last_column =
      descriptor->to_selected_value == 0 ? column_count - 1 : descriptor->to_selected_value - 1U;
  if (descriptor->from_entry == 0 || first_column > last_column || last_column >= column_count ||
      last < first) {
    return DataAccessResult::other_reason;
  }
  std::vector<std::size_t> columns;
  for (std::size_t c = first_column; c <= last_column; ++c) columns.push_back(c);
  return entries(now_unix_ms, first, last, columns);
}

}  // namespace dlmsgw::server
