#pragma once
// ReportFilter: decides, per ThingsBoard key, whether a value just read is published, following
// the key's report strategy (the ThingsBoard gateway's ON_RECEIVED, ON_CHANGE, ON_REPORT_PERIOD,
// ON_CHANGE_OR_REPORT_PERIOD). It remembers the last PUBLISHED value and time of each key, not the
// last read one, so a slow drift of small steps is still reported once it differs from what
// ThingsBoard shows. Time is passed in; nothing here reads a clock.

#include <chrono>
#include <string>
#include <vector>

#include "connectors/dlms/dlms_connector_config.hpp"
#include "gateway/reading.hpp"

namespace dlmsgw::connectors::dlms {

using SteadyTime = std::chrono::steady_clock::time_point;

class ReportFilter {
 public:
  // Whether a value of `key` just read at `now` is published. ON_RECEIVED: always. ON_CHANGE: the
  // first value and every value different from the last published one. ON_REPORT_PERIOD: the
  // first, then once report_period has passed since the last publication (at exactly
  // report_period too, so a 60 s period with a 5 s poll publishes every 60 s, not every 65 s).
  // ON_CHANGE_OR_REPORT_PERIOD: on change, or when report_period passed. Records the publication
  // when it returns true.
  //
  // "Different" is exact: doubles compare with == (values come from exact decimal scaling, so an
  // unchanged register gives the identical double), a change of type (int64 1 -> double 1.0) is a
  // change, and NaN counts as equal to NaN so a meter stuck on NaN is not republished every poll.
  bool should_report(const std::string& key, const ReportStrategy& strategy,
                     const gateway::TelemetryValue& value, SteadyTime now);

  // Forget one key (its point was removed) or everything (the device was removed).
  void forget(const std::string& key);
  void clear();

  [[nodiscard]] std::size_t size() const { return last_.size(); }

 private:
  struct Published {
    std::string key;
    gateway::TelemetryValue value;
    SteadyTime at;
  };
  // Sorted by key, grown an entry or so at a time (a meter's keys are few, all known after its
  // first poll): 80 bytes a key, where a hash map node cost 112 and its buckets more, per meter.
  [[nodiscard]] std::vector<Published>::iterator find(const std::string& key);
  std::vector<Published> last_;
};

}  // namespace dlmsgw::connectors::dlms
