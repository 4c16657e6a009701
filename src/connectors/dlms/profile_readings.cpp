#include "connectors/dlms/profile_readings.hpp"

#include <algorithm>
#include <set>

#include "client/measurement_catalog.hpp"
#include "connectors/dlms/data_json.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

std::string describe(const xdlms::CaptureObjectDefinition& column) {
  return "class " + std::to_string(column.class_id) + " " + column.logical_name.to_string() +
         " attribute " + std::to_string(column.attribute_index);
}

}  // namespace

std::string default_column_key(const xdlms::CaptureObjectDefinition& column,
                               std::set<std::string>& used) {
  const auto listed =
      client::catalog_key({column.class_id, column.logical_name, column.attribute_index});
  std::string key;
  if (listed && !used.contains(std::string(*listed))) {
    key = std::string(*listed);
  } else {
    key = column.logical_name.to_string();
    if (column.attribute_index != 2) key += ":" + std::to_string(column.attribute_index);
  }
  used.insert(key);
  return key;
}

Expected<std::vector<ProfileColumn>> select_profile_columns(
    const ProfileConfig& profile, const std::vector<xdlms::CaptureObjectDefinition>& capture) {
  std::vector<ProfileColumn> selected;
  const auto make = [](std::size_t index, const xdlms::CaptureObjectDefinition& definition,
                       std::string key) {
    ProfileColumn column;
    column.index = index;
    column.point.key = std::move(key);
    column.point.attribute = {definition.class_id, definition.logical_name,
                              definition.attribute_index};
    return column;
  };
  if (profile.columns.empty()) {
    std::set<std::string> used;
    for (std::size_t i = 0; i < capture.size(); ++i) {
      if (capture[i].class_id == 8 && capture[i].attribute_index == 2) continue;  // the clock
      selected.push_back(make(i, capture[i], default_column_key(capture[i], used)));
    }
    return selected;
  }
  for (const auto& wanted : profile.columns) {
    const auto found =
        std::find_if(capture.begin(), capture.end(), [&](const xdlms::CaptureObjectDefinition& c) {
          return c.class_id == wanted.attribute.class_id &&
                 c.logical_name == wanted.attribute.instance &&
                 c.attribute_index == wanted.attribute.attribute_id;
        });
    if (found == capture.end()) {
      std::string list;
      for (const auto& c : capture) list += (list.empty() ? "" : ", ") + describe(c);
      return make_error(ErrorCode::invalid_argument,
                        "profile " + profile.obis.to_string() + " column '" + wanted.key + "': " +
                            wanted.attribute.to_string() + " is not one of its capture objects (" +
                            list + "); fix columns[] in the connector file");
    }
    selected.push_back(make(static_cast<std::size_t>(found - capture.begin()), *found, wanted.key));
  }
  return selected;
}

ProfileWindow next_profile_window(std::optional<std::int64_t> cursor_ms,
                                  std::optional<std::int64_t> next_from_ms, std::int64_t now_ms,
                                  std::int64_t capture_period_ms, std::chrono::hours max_backfill,
                                  std::size_t max_entries) {
  const std::int64_t period = std::max<std::int64_t>(capture_period_ms, 1000);
  const std::int64_t oldest =
      now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(max_backfill).count();
  // Just after the cursor: entries carry whole seconds and the period is at least one.
  std::int64_t from = cursor_ms ? std::max(*cursor_ms + 1000, oldest) : oldest;
  if (next_from_ms && *next_from_ms > from) from = *next_from_ms;
  ProfileWindow window;
  window.from_ms = from;
  window.to_ms =
      from + period * static_cast<std::int64_t>(std::max<std::size_t>(max_entries, 1)) - 1000;
  if (window.to_ms >= now_ms) {
    window.to_ms = now_ms;
    window.reaches_now = true;
  }
  return window;
}

EntryWindow next_entry_window(std::optional<std::int64_t> cursor_ms, std::int64_t now_ms,
                              std::int64_t capture_period_ms, std::chrono::hours max_backfill,
                              std::uint32_t entries_in_use, std::size_t max_entries) {
  EntryWindow window;
  if (entries_in_use == 0) return window;
  const std::int64_t period = std::max<std::int64_t>(capture_period_ms, 1000);
  const std::int64_t backfill_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(max_backfill).count();
  const std::int64_t since = cursor_ms ? std::min(now_ms - *cursor_ms, backfill_ms) : backfill_ms;
  const std::int64_t wanted = std::max<std::int64_t>(0, (since + period - 1) / period) + 2;
  const std::int64_t count = std::min<std::int64_t>(wanted, entries_in_use);
  window.from_entry = static_cast<std::uint32_t>(entries_in_use - count + 1);
  const std::int64_t last =
      window.from_entry + static_cast<std::int64_t>(std::max<std::size_t>(max_entries, 1)) - 1;
  window.to_entry = static_cast<std::uint32_t>(std::min<std::int64_t>(last, entries_in_use));
  window.reaches_newest = window.to_entry == entries_in_use;
  return window;
}

ProfileChunk profile_readings(const std::string& device,
                              const std::vector<xdlms::ProfileEntry>& entries,
                              const std::vector<ProfileColumn>& columns,
                              std::optional<std::int64_t> cursor_ms,
                              std::optional<std::int64_t> latest_ms) {
  ProfileChunk chunk;
  for (const auto& entry : entries) {
    if (!entry.unix_ms) {
      ++chunk.skipped_untimed;
      continue;
    }
    if (cursor_ms && *entry.unix_ms <= *cursor_ms) {
      ++chunk.skipped_old;
      continue;
    }
    if (latest_ms && *entry.unix_ms > *latest_ms) {
      ++chunk.skipped_future;
      continue;
    }
    gateway::Reading reading{
        device, gateway::Timestamp(std::chrono::milliseconds(*entry.unix_ms)), {}};
    for (const auto& column : columns) {
      if (column.index >= entry.values.size()) continue;
      const client::MeterValue value{column.point.attribute, entry.values[column.index],
                                     column.scaler_unit};
      auto converted = to_telemetry(value, column.point);
      if (!converted) {
        chunk.errors.push_back(column.point.key + ": " + converted.error().message);
        continue;
      }
      reading.values.push_back(gateway::DataPoint{column.point.key, std::move(*converted)});
    }
    if (xdlms::clock_status_is_suspect(entry.clock_status)) {
      reading.values.push_back(
          gateway::DataPoint{"clock_status", static_cast<std::int64_t>(entry.clock_status)});
    }
    if (!chunk.newest_ms || *entry.unix_ms > *chunk.newest_ms) chunk.newest_ms = *entry.unix_ms;
    chunk.readings.push_back(std::move(reading));
  }
  return chunk;
}

std::optional<std::size_t> first_entry_after_set_back(
    const std::vector<xdlms::ProfileEntry>& entries, std::int64_t capture_period_ms) {
  // A periodic profile records one entry per period: a repeated stamp is the clock going back.
  // An event log records whatever happens: two events in the same second are no set back.
  const bool periodic = capture_period_ms > 0;
  std::optional<std::size_t> after;
  std::optional<std::int64_t> previous;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i].unix_ms) continue;
    const std::int64_t ts = *entries[i].unix_ms;
    if (previous && (periodic ? ts <= *previous : ts < *previous)) after = i;
    previous = ts;
  }
  return after;
}

}  // namespace dlmsgw::connectors::dlms
