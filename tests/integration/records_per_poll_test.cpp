// One poll of a meter without GET-with-list (the user's microstar: one GET per register) is one
// storage record, each value keeping the ts of its own answer (issue 18, item 3): `dlmsgw run`
// polls a `dlmsgw simulate` meter with no broker to send to, so every record stays in the SQLite
// file, which the test reads after the gateway stopped.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/free_port.hpp"
#include "support/gateway_process.hpp"
#include "support/run_until.hpp"
#include "support/simulator_process.hpp"

namespace dlmsgw {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

// Ten class-3 registers of the simulated microstar (bench/scale's first ten).
const std::vector<std::pair<std::string, std::string>> kPollRegisters = {
    {"voltage_l1", "1-1:32.7.0"},   {"current_l1", "1-1:31.7.0"}, {"active_power", "1-1:1.7.0"},
    {"active_energy", "1-1:1.8.0"}, {"voltage_l2", "1-1:52.7.0"}, {"current_l2", "1-1:51.7.0"},
    {"voltage_l3", "1-1:72.7.0"},   {"current_l3", "1-1:71.7.0"}, {"frequency", "1-1:14.7.0"},
    {"power_factor", "1-1:13.7.0"}};

struct PollEntry {
  std::int64_t ts = 0;
  json values;
};

// The {ts, values} entries of a stored telemetry record, whichever form it was stored in.
std::vector<PollEntry> entries_of(const gateway::Record& record) {
  const auto payload = json::parse(record.payload);
  if (payload.is_object()) return {{record.ts.time_since_epoch().count(), payload}};
  std::vector<PollEntry> entries;
  for (const auto& entry : payload) entries.push_back({entry.at("ts"), entry.at("values")});
  return entries;
}

TEST(RecordsPerPoll, APollOfAMeterWithoutGetWithListIsOneRecordWithEachAnswersTs) {
  // Every answer 3 ms late, as over a real link: each GET has its own ts.
  test::SimulatorProcess meter(
      test::kBinary, {"--profile", "microstar", "--fault", "delay=1", "--fault-delay", "0.003"});
  ASSERT_TRUE(meter.ready());
  gateway::testing::TempDirectory dir;
  json timeseries = json::array();
  for (const auto& [key, obis] : kPollRegisters) {
    timeseries.push_back({{"key", key}, {"obis", obis}, {"classId", 3}});
  }
  const json connector{{"name", "Meters"},
                       {"statisticsPeriod", 3600000},  // no stats_* telemetry during the test
                       {"devices",
                        {{{"deviceName", "Meter A"},
                          {"pollPeriod", 400},
                          {"publishClockOffset", false},
                          {"connection",
                           {{"type", "tcp"},
                            {"host", "127.0.0.1"},
                            {"port", meter.port(0)},
                            {"password", "22222222"}}},
                          {"timeseries", timeseries}}}}};
  std::ofstream(dir.path() / "dlms_connector.json") << connector.dump(2);
  // Nothing listens on the broker's port: every record stays stored.
  std::ofstream(dir.path() / "tb_gateway.yaml")
      << "thingsboard:\n  host: 127.0.0.1\n  port: " << test::free_loopback_port()
      << "\n  security: {accessToken: records-per-poll}\n  statistics: {enable: false}\n"
         "storage: {type: sqlite, data_file_path: data/data.db}\n"
         "health: {enabled: false}\n"
         "connectors: [{name: Meters, type: dlms, configuration: dlms_connector.json}]\n";

  asio::io_context io;
  test::GatewayProcess gateway(test::kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "dlmsgw.log");
  // Associated (slow on a loaded machine), then a few polls; how many does not matter.
  ASSERT_TRUE(test::run_until(
      io, [&] { return gateway.logged(": associated (") || !gateway.running(); }, 30s))
      << gateway.log();
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(gateway.running()) << gateway.log();
  gateway.signal(SIGTERM);
  ASSERT_TRUE(test::run_until(io, [&] { return gateway.exit_status().has_value(); }));
  ASSERT_EQ(gateway.exit_status(), 0) << gateway.log();

  auto queue = gateway::SqliteQueue::open(dir.path() / "data" / "data.db");
  ASSERT_TRUE(queue) << queue.error().message;
  auto stored = (*queue)->peek(SIZE_MAX, UINT64_MAX);
  ASSERT_TRUE(stored) << stored.error().message;

  std::size_t records = 0;
  std::size_t polls = 0;  // each poll reads voltage_l1 first
  std::size_t distinct_ts = 0;
  for (std::size_t i = 0; i < stored->size(); ++i) {
    const auto& record = (*stored)[i].record;
    if (record.kind == gateway::RecordKind::attributes) continue;
    ++records;
    std::set<std::string> keys;
    std::int64_t previous_ts = 0;
    for (const auto& entry : entries_of(record)) {
      EXPECT_GT(entry.ts, previous_ts)
          << "entries in the order of their answers: " << record.payload;
      previous_ts = entry.ts;
      ++distinct_ts;
      for (const auto& [key, value] : entry.values.items()) {
        EXPECT_TRUE(keys.insert(key).second) << key << " twice in one record: " << record.payload;
        if (key == "voltage_l1") ++polls;
      }
    }
    // The last poll may have been cut short by the stop.
    if (i + 1 < stored->size()) {
      EXPECT_EQ(keys.size(), kPollRegisters.size()) << record.payload;
    }
  }
  ASSERT_GE(polls, 1U) << gateway.log();
  EXPECT_EQ(records, polls) << "records per poll; " << distinct_ts << " answers' ts in them";
  // The values kept the ts of their own answers.
  EXPECT_GT(distinct_ts, polls);
}

}  // namespace
}  // namespace dlmsgw
