#pragma once
// ProfileGenericObject: class 7 "Profile generic" holding a load profile derived from the meter
// model: one entry per capture period (MeterProfile::capture_period_seconds, 900 s by default), the
// newest at the last whole period of the meter's clock, `profile_entries` deep, each entry the
// clock and the values of the capture objects at that instant. Nothing is stored; the buffer is
// computed for the entries asked for, so range and entry selective access cost only what they
// return.
//   2 buffer (selectors 1 range_descriptor, 2 entry_descriptor; only 2 when the profile refuses
//     range access)   3 capture_objects
//   4 capture_period   5 sort_method (1: fifo)   6 sort_object   7 entries_in_use
//   8 profile_entries
// Method 1 reset and 2 capture are listed without access: the history is a function of time.

#include <functional>
#include <vector>

#include "dlms/server/cosem_object.hpp"
#include "dlms/server/meter_model.hpp"

namespace dlmsgw::server {

class ProfileGenericObject final : public CosemObject {
 public:
  struct Column {
    xdlms::CaptureObjectDefinition definition;
    // The value captured at the caller's (true) time; the clock column is built here instead.
    std::function<axdr::Data(std::int64_t true_unix_ms)> value;
  };

  // Entries not at a fixed period (billing resets, events): the newest capture time at or before
  // a time of the meter's clock, the depth of the buffer, and attribute 4 (0 for these).
  struct Schedule {
    std::function<std::int64_t(std::int64_t meter_ms)> at_or_before;
    std::int64_t depth = 0;
    std::uint32_t capture_period_s = 0;
  };

  // The first column is always the clock; `columns` follow it. Without a schedule: the load
  // profile, every MeterProfile::capture_period_seconds, profile_entries deep.
  ProfileGenericObject(ObisCode logical_name, const MeterModel& model, std::vector<Column> columns);
  ProfileGenericObject(ObisCode logical_name, const MeterModel& model, std::vector<Column> columns,
                       Schedule schedule);

  [[nodiscard]] std::vector<AttributeDefinition> attributes() const override;
  [[nodiscard]] std::vector<MethodDefinition> methods() const override;

  // Meter time of the newest entry.
  [[nodiscard]] std::int64_t newest_entry_time(std::int64_t now_unix_ms) const;

 protected:
  xdlms::GetDataResult read(std::int8_t attribute,
                            const std::optional<xdlms::SelectiveAccess>& access,
                            const RequestContext& context) const override;

 private:
  // One entry of the buffer: its capture time on the meter's clock, and the true time it was
  // captured at (they differ by the clock's offset, and by a set back for the entries after it).
  struct Recorded {
    std::int64_t meter_ms = 0;
    std::int64_t true_ms = 0;
  };
  // The buffer at `now_unix_ms`, oldest first (recording order).
  [[nodiscard]] std::vector<Recorded> buffer(std::int64_t now_unix_ms) const;
  // Entry `k` of a load profile's buffer.
  [[nodiscard]] Recorded recorded(std::int64_t now_unix_ms, std::int64_t k) const;
  [[nodiscard]] std::int64_t depth() const;
  axdr::DataList row(const Recorded& entry, const std::vector<std::size_t>& columns) const;
  // Entries [first, last] (0-based, oldest first), columns [first_column, last_column].
  axdr::Data entries(std::int64_t now_unix_ms, std::int64_t first, std::int64_t last,
                     const std::vector<std::size_t>& columns) const;
  xdlms::GetDataResult read_range(const xdlms::SelectiveAccess& access,
                                  std::int64_t now_unix_ms) const;
  xdlms::GetDataResult read_entries(const xdlms::SelectiveAccess& access,
                                    std::int64_t now_unix_ms) const;
  std::vector<std::size_t> all_columns() const;
  std::int64_t capture_period_ms() const;

  const MeterModel& model_;
  std::vector<Column> columns_;
  Schedule schedule_;
};

}  // namespace dlmsgw::server
