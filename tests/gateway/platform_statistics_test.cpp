// PlatformStatistics: the keys ThingsBoard's gateway dashboard reads, counts per period, and the
// error counts sent only when they change.

#include "gateway/platform_statistics.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::gateway {
namespace {

StatisticsSample dashboard_sample(std::uint64_t readings, std::uint64_t errors) {
  StatisticsSample sample;
  sample.telemetry_produced = readings;
  sample.records_pulled = readings;
  sample.messages_pushed = readings / 2;
  sample.storage_count = 3;
  sample.connectors["DLMS Meters"] = {readings, errors};
  sample.machine.total_memory_bytes = 1000;
  sample.machine.available_memory_bytes = 250;
  sample.machine.total_disk_bytes = 4096;
  sample.machine.free_disk_bytes = 1024;
  sample.machine.cpu_busy_ticks = readings;
  sample.machine.cpu_total_ticks = readings * 4;
  sample.process = ProcessUsage{1.0, 100};
  return sample;
}

TEST(PlatformStatistics, ReportsPerPeriodCountsWithThePythonGatewaysKeys) {
  PlatformStatistics statistics;
  const auto first = statistics.report(dashboard_sample(10, 0), 0);
  EXPECT_EQ(first["serviceStats"]["platformTsProduced"], 10);
  EXPECT_EQ(first["serviceStats"]["storageMsgCount"], 3);
  EXPECT_EQ(first["machineStats"]["freeMemory"], 75.0);  // % in use, as psutil says it
  EXPECT_EQ(first["machineStats"]["diskUsage"], 75.0);
  EXPECT_EQ(first["machineStats"]["freeDisk"], "1.0K");
  EXPECT_EQ(first["machineStats"]["gwMemory"], 10.0);
  EXPECT_EQ(first["connectorsStats"]["DLMS Meters"]["connectorMsgsReceived"], 10);
  EXPECT_EQ(first["DLMS Meters_ERRORS_COUNT"], 0);
  EXPECT_EQ(first["ALL_ERRORS_COUNT"], 0);

  const auto second = statistics.report(dashboard_sample(30, 0), 10);
  EXPECT_EQ(second["serviceStats"]["platformTsProduced"], 20);
  EXPECT_EQ(second["machineStats"]["totalCpuUsage"], 25.0);
  EXPECT_FALSE(second.contains("ALL_ERRORS_COUNT")) << "unchanged: not sent again";
  EXPECT_FALSE(second.contains("DLMS Meters_ERRORS_COUNT"));

  const auto third = statistics.report(dashboard_sample(40, 2), 10);
  EXPECT_EQ(third["DLMS Meters_ERRORS_COUNT"], 2);
  EXPECT_EQ(third["ALL_ERRORS_COUNT"], 2);
  EXPECT_EQ(third["connectorsStats"]["DLMS Meters"]["connectorErrors"], 2);
}

TEST(PlatformStatistics, HumanBytesAsPsutilWritesThem) {
  EXPECT_EQ(human_bytes(512), "512B");
  EXPECT_EQ(human_bytes(1024), "1.0K");
  EXPECT_EQ(human_bytes(8ULL * 1024 * 1024 * 1024 - 1), "8.0G");
  EXPECT_EQ(human_bytes(1536ULL * 1024 * 1024), "1.5G");
}

}  // namespace
}  // namespace dlmsgw::gateway
