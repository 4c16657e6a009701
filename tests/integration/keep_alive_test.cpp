// A poll period longer than the meter's inactivity timeout, as in the field (the user's meter
// drops an idle link after 180 s; polls every 5-15 minutes are common), scaled down: the
// simulator drops a link idle for 1 s, the gateway polls every 2 s. With keep-alive every cycle
// uses the same association; without it (an interval above the timeout) every cycle finds the link
// gone, associates again quietly, and still delivers: no failed read, no reconnect for the
// breaker (allowed only 2 an hour here), never paused.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/gateway_process.hpp"
#include "support/gateway_yaml.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"
#include "support/simulator_process.hpp"
#include "support/thingsboard_emulator.hpp"

namespace dlmsgw {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

using test::kBinary;
constexpr std::size_t kCycles = 8;

struct Outcome {
  std::size_t voltages = 0;
  json last_stats;
  json simulator_summary;
  std::string log;
};

Outcome poll_across_idle_drops(int keep_alive_ms) {
  Outcome outcome;
  test::SimulatorProcess simulator(kBinary, {"--profile", "generic", "--inactivity-timeout", "1"});
  EXPECT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  if (!simulator.ready()) return outcome;
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::ofstream(dir.path() / "tb_gateway.yaml")
      << test::gateway_yaml_for(broker, "dlmsgw-keepalive");
  const json connector = {{"statisticsPeriod", 1000},
                          {"circuitBreaker", {{"maxReconnectsPerHour", 2}, {"pauseMinutes", 10}}},
                          {"devices",
                           {{{"deviceName", "idle-meter"},
                             {"deviceType", "Generic Meter"},
                             {"pollPeriod", 2000},
                             {"connection",
                              {{"type", "tcp"},
                               {"host", "127.0.0.1"},
                               {"port", simulator.port()},
                               {"transport", "wrapper"},
                               {"clientAddress", 16},
                               {"serverLogicalAddress", 1},
                               {"authentication", "none"},
                               {"keepAliveInterval", keep_alive_ms}}},
                             {"timeseries", {{{"key", "voltage_l1"}, {"obis", "1-0:32.7.0"}}}}}}}};
  std::ofstream(dir.path() / "dlms_connector.json") << connector.dump(2);
  EXPECT_TRUE(test::run_until(io, [&] { return tb.connected(); })) << broker.log();
  test::GatewayProcess gateway(kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "dlmsgw.log");
  const auto voltages = [&] {
    std::size_t count = 0;
    const auto found = tb.telemetry().find("idle-meter");
    if (found == tb.telemetry().end()) return count;
    for (const auto& entry : found->second) count += entry.values.contains("voltage_l1") ? 1 : 0;
    return count;
  };
  test::run_until(
      io, [&] { return voltages() >= kCycles + 1 || !gateway.running(); }, 30s);
  outcome.voltages = voltages();
  if (const auto found = tb.telemetry().find("idle-meter"); found != tb.telemetry().end()) {
    for (const auto& entry : found->second) {
      if (entry.values.contains("stats_reads_failed")) outcome.last_stats = entry.values;
    }
  }
  gateway.signal(SIGTERM);
  test::run_until(io, [&] { return gateway.exit_status().has_value(); });
  outcome.log = gateway.log();
  outcome.simulator_summary = simulator.stop();
  return outcome;
}

TEST(KeepAlive, KeepsTheAssociationAcrossPollsLongerThanTheMetersTimeout) {
  const auto outcome = poll_across_idle_drops(400);
  ASSERT_GE(outcome.voltages, kCycles + 1) << outcome.log;
  ASSERT_TRUE(outcome.last_stats.is_object()) << outcome.log;
  EXPECT_EQ(outcome.last_stats["stats_reads_failed"], 0) << outcome.last_stats.dump();
  EXPECT_EQ(outcome.last_stats["stats_reconnects"], 0) << outcome.last_stats.dump();
  EXPECT_EQ(outcome.last_stats["stats_idle_reopens"], 0) << outcome.last_stats.dump();
  EXPECT_NE(outcome.last_stats["stats_state"], "paused") << outcome.last_stats.dump();
  // One association for the whole test, never dropped by the meter's timer.
  EXPECT_EQ(outcome.simulator_summary.value("connections", -1), 1)
      << outcome.simulator_summary.dump();
  EXPECT_EQ(outcome.simulator_summary.value("inactivity_drops", -1), 0)
      << outcome.simulator_summary.dump();
  EXPECT_EQ(outcome.log.find("circuit breaker open"), std::string::npos) << outcome.log;
}

TEST(KeepAlive, ALinkDroppedWhileIdleIsReopenedBeforeThePollWithoutFailureOrBreaker) {
  const auto outcome = poll_across_idle_drops(60'000);  // longer than the meter waits
  ASSERT_GE(outcome.voltages, kCycles + 1) << outcome.log;
  ASSERT_TRUE(outcome.last_stats.is_object()) << outcome.log;
  EXPECT_EQ(outcome.last_stats["stats_reads_failed"], 0) << outcome.last_stats.dump();
  EXPECT_EQ(outcome.last_stats["stats_connect_failures"], 0) << outcome.last_stats.dump();
  EXPECT_EQ(outcome.last_stats["stats_reconnects"], 0) << outcome.last_stats.dump();
  EXPECT_GE(outcome.last_stats["stats_idle_reopens"].get<int>(), 3) << outcome.last_stats.dump();
  EXPECT_NE(outcome.last_stats["stats_state"], "paused") << outcome.last_stats.dump();
  EXPECT_EQ(outcome.log.find("circuit breaker open"), std::string::npos) << outcome.log;
  EXPECT_GE(outcome.simulator_summary.value("inactivity_drops", 0), 3)
      << outcome.simulator_summary.dump();
}

}  // namespace
}  // namespace dlmsgw
