#pragma once
// The sans-I/O half of reading a profile generic object (issue 16): which capture objects are
// published under which keys, which time window the next read asks for, and the readings one
// chunk of decoded entries becomes. MeterWorker does the I/O.
//
// Windows: from just after the cursor (the newest entry stored) - or maxBackfillHours back for a
// meter without one - to now, cut into chunks of at most `max_entries` capture periods so that one
// read stays short and the regular polls keep their period during a long backfill.

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "client/meter_value.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"
#include "dlms/xdlms/profile_buffer.hpp"
#include "gateway/reading.hpp"

namespace dlmsgw::connectors::dlms {

// One published column: its position among the capture objects, its key and conversion, and the
// scaler of its register (read once per association).
struct ProfileColumn {
  std::size_t index = 0;
  PointConfig point;
  std::optional<cosem::ScalerUnit> scaler_unit;
};

// The key a capture object is published under by default, and the name `dlmsgw profile` gives its
// column: the catalog's name (client::catalog_key) where one exists and is not in `used` yet, else
// the OBIS text, with ":attribute" when the attribute is not 2 (the value), so that two capture
// objects of one OBIS code (a maximum demand and its capture time) keep two keys. Adds the key to
// `used`.
std::string default_column_key(const xdlms::CaptureObjectDefinition& column,
                               std::set<std::string>& used);

// The configured columns (each must be a capture object of the profile, else an error naming it
// and listing the capture objects), or every capture object but the clock keyed by
// default_column_key.
Expected<std::vector<ProfileColumn>> select_profile_columns(
    const ProfileConfig& profile, const std::vector<xdlms::CaptureObjectDefinition>& capture);

struct ProfileWindow {
  std::int64_t from_ms = 0;  // inclusive, UTC
  std::int64_t to_ms = 0;    // inclusive, UTC
  bool reaches_now = false;  // the last chunk: nothing newer to fetch after it
};

// `next_from_ms`: where the previous chunk left off when it is ahead of the cursor (an empty
// stretch of history), else none. `capture_period_ms` > 0.
ProfileWindow next_profile_window(std::optional<std::int64_t> cursor_ms,
                                  std::optional<std::int64_t> next_from_ms, std::int64_t now_ms,
                                  std::int64_t capture_period_ms, std::chrono::hours max_backfill,
                                  std::size_t max_entries);

// Entry access (selector 2), for meters that refuse ranges: which entries of the FIFO buffer
// (`entries_in_use` entries, the newest last) to read next so that every entry after the cursor is
// covered: an estimate from the capture period with a margin of two entries, taken again before
// each chunk since the indices shift as the meter records; entries at or before the cursor are
// dropped afterwards by their capture time. from_entry > to_entry: nothing to read.
struct EntryWindow {
  std::uint32_t from_entry = 1;
  std::uint32_t to_entry = 0;
  bool reaches_newest = false;
};
EntryWindow next_entry_window(std::optional<std::int64_t> cursor_ms, std::int64_t now_ms,
                              std::int64_t capture_period_ms, std::chrono::hours max_backfill,
                              std::uint32_t entries_in_use, std::size_t max_entries);

struct ProfileChunk {
  std::vector<gateway::Reading> readings;  // one per entry, ts = the entry's capture time
  std::optional<std::int64_t> newest_ms;   // of the entries published
  std::size_t skipped_old = 0;             // at or before the cursor (already delivered)
  std::size_t skipped_untimed = 0;         // without a usable capture time
  std::size_t skipped_future = 0;   // stamped after `latest_ms` (a meter clock running ahead)
  std::vector<std::string> errors;  // values that could not be converted, by key
};

// Entries after `cursor_ms` become readings of `device`; an entry whose clock status says invalid
// or doubtful carries a "clock_status" key (the status byte) and its time as the meter gave it.
// Entries stamped after `latest_ms` are left out: published, they would move the cursor into the
// future, and every later entry would be taken as delivered until real time caught up.
ProfileChunk profile_readings(const std::string& device,
                              const std::vector<xdlms::ProfileEntry>& entries,
                              const std::vector<ProfileColumn>& columns,
                              std::optional<std::int64_t> cursor_ms,
                              std::optional<std::int64_t> latest_ms = std::nullopt);

// A meter clock set back: the entries it records afterwards carry capture times at or before
// entries recorded earlier, which a range read from the cursor never returns. `entries` is a
// stretch of the buffer in recording order (entry access); the result is the index of the first
// entry after the last place where the capture time does not rise, or none when it rises
// throughout (no set back within the stretch). Entries without a time are passed over. A repeated
// capture time counts as a set back only in a periodic profile (capture_period_ms > 0): an event
// log (capture period 0) may record several events within the same second.
std::optional<std::size_t> first_entry_after_set_back(
    const std::vector<xdlms::ProfileEntry>& entries, std::int64_t capture_period_ms);

}  // namespace dlmsgw::connectors::dlms
