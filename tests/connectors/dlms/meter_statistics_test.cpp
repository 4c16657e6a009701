// MeterStatistics::to_json: the field names, rounding and omissions the statistics report relies
// on.

#include "connectors/dlms/meter_statistics.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::connectors::dlms {
namespace {

using std::chrono::microseconds;

const std::chrono::system_clock::time_point kNow{std::chrono::seconds(1'800'000'000)};

TEST(MeterStatistics, FreshStatisticsOmitLatencyAgeAndError) {
  const MeterStatistics stats;
  const auto report = stats.to_json(kNow);
  EXPECT_EQ(report, nlohmann::json::parse(R"({"reads_ok":0,"reads_failed":0,"reconnects":0,
      "connect_failures":0,"overruns":0,"cycles":0,"idle_reopens":0,"state":"connecting"})"));
}

TEST(MeterStatistics, EveryFieldWhenSet) {
  MeterStatistics stats;
  stats.reads_ok = 120;
  stats.reads_failed = 3;
  stats.reconnects = 2;
  stats.connect_failures = 1;
  stats.overruns = 4;
  stats.cycles = 41;
  stats.read_latency.add(microseconds(12'345));  // 12.3 ms
  stats.read_latency.add(microseconds(80'960));  // 81.0 ms
  stats.last_good_read = kNow - std::chrono::milliseconds(4'900);
  stats.state = "connected";
  stats.last_error = "timeout after 5 s";
  const auto report = stats.to_json(kNow);
  EXPECT_EQ(report["reads_ok"], 120);
  EXPECT_EQ(report["reads_failed"], 3);
  EXPECT_EQ(report["reconnects"], 2);
  EXPECT_EQ(report["connect_failures"], 1);
  EXPECT_EQ(report["overruns"], 4);
  EXPECT_EQ(report["cycles"], 41);
  EXPECT_DOUBLE_EQ(report["latency_p50_ms"].get<double>(), 12.3);
  EXPECT_DOUBLE_EQ(report["latency_p95_ms"].get<double>(), 81.0);
  EXPECT_EQ(report["last_good_read_age_s"], 4);
  EXPECT_EQ(report["state"], "connected");
  EXPECT_EQ(report["last_error"], "timeout after 5 s");
  EXPECT_EQ(report.dump().find("12.34"), std::string::npos);
}

TEST(MeterStatistics, AgeIsNeverNegativeAfterTheClockWasSetBack) {
  MeterStatistics stats;
  stats.last_good_read = kNow + std::chrono::minutes(5);
  EXPECT_EQ(stats.to_json(kNow)["last_good_read_age_s"], 0);
}

TEST(MeterStatistics, SubMillisecondLatencyRoundsToOneDecimal) {
  MeterStatistics stats;
  stats.read_latency.add(microseconds(449));
  EXPECT_DOUBLE_EQ(stats.to_json(kNow)["latency_p50_ms"].get<double>(), 0.4);
  stats.read_latency.clear();
  stats.read_latency.add(microseconds(450));
  EXPECT_DOUBLE_EQ(stats.to_json(kNow)["latency_p50_ms"].get<double>(), 0.5);
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
