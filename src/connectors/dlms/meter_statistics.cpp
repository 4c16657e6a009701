#include "connectors/dlms/meter_statistics.hpp"

#include <algorithm>
#include <cmath>

namespace dlmsgw::connectors::dlms {
namespace {

// Milliseconds with one decimal: 1234 us -> 1.2.
double to_ms_one_decimal(std::chrono::microseconds value) {
  return std::round(static_cast<double>(value.count()) / 100.0) / 10.0;
}

}  // namespace

const std::vector<double>& LatencyBuckets::bounds() {
  static const std::vector<double> bounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                          0.5,   1.0,  2.5,   5.0,  10.0};
  return bounds;
}

void LatencyBuckets::add(std::chrono::microseconds sample) {
  const double seconds = std::chrono::duration<double>(sample).count();
  const auto& upper = bounds();
  // The first bound >= the sample ("le" is inclusive).
  const auto index = static_cast<std::size_t>(
      std::lower_bound(upper.begin(), upper.end(), seconds) - upper.begin());
  ++counts[index];
  sum_seconds += seconds;
}

nlohmann::json MeterStatistics::to_json(std::chrono::system_clock::time_point now) const {
  nlohmann::json json = {
      {"reads_ok", reads_ok},         {"reads_failed", reads_failed},
      {"reconnects", reconnects},     {"connect_failures", connect_failures},
      {"overruns", overruns},         {"cycles", cycles},
      {"idle_reopens", idle_reopens},
  };
  if (auto p50 = read_latency.percentile(50)) json["latency_p50_ms"] = to_ms_one_decimal(*p50);
  if (auto p95 = read_latency.percentile(95)) json["latency_p95_ms"] = to_ms_one_decimal(*p95);
  if (last_good_read) {
    // The wall clock may have been set back since: an age is never negative.
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - *last_good_read);
    json["last_good_read_age_s"] = std::max<std::int64_t>(age.count(), 0);
  }
  if (profiles > 0) {
    json["profile_entries"] = profile_entries;
    json["profile_read_failures"] = profile_read_failures;
    json["profile_pending_entries"] = profile_pending_entries;
    if (profile_newest_entry_ms) json["profile_newest_entry_ms"] = *profile_newest_entry_ms;
  }
  json["state"] = state;
  if (!last_error.empty()) json["last_error"] = last_error;
  return json;
}

}  // namespace dlmsgw::connectors::dlms
