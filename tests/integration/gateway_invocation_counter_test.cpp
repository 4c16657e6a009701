// `dlmsgw run` reading a ciphered meter (HLS-GMAC, authenticated encryption) across a SIGKILL and
// a restart: the new process continues our invocation counter from its data directory, so the
// meter, which refuses a counter not above the last one it accepted, keeps answering.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <filesystem>
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

using json = nlohmann::json;

using test::kBinary;

TEST(GatewayInvocationCounter, ARestartAfterSigkillContinuesTheCounterAndTheMeterAnswers) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  const auto& ready = simulator.ready_line();
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::ofstream(dir.path() / "tb_gateway.yaml")
      << test::gateway_yaml_for(broker, "dlmsgw-counters");
  const json connector = {{"devices",
                           {{{"deviceName", "ciphered-meter"},
                             {"deviceType", "Generic Meter"},
                             {"pollPeriod", 300},
                             {"connection",
                              {{"type", "tcp"},
                               {"host", "127.0.0.1"},
                               {"port", simulator.port()},
                               {"transport", "wrapper"},
                               {"clientAddress", 1},
                               {"serverLogicalAddress", 1},
                               {"authentication", "high-gmac"},
                               {"security", "auth-enc"},
                               {"systemTitle", "4D4D4D0000000001"},
                               {"blockKey", ready["block_key"]},
                               {"authenticationKey", ready["authentication_key"]}}},
                             {"timeseries", {{{"key", "voltage_l1"}, {"obis", "1-0:32.7.0"}}}}}}}};
  std::ofstream(dir.path() / "dlms_connector.json") << connector.dump(2);
  ASSERT_TRUE(test::run_until(io, [&] { return tb.connected(); })) << broker.log();
  const auto voltages = [&] {
    std::size_t count = 0;
    const auto found = tb.telemetry().find("ciphered-meter");
    if (found == tb.telemetry().end()) return count;
    for (const auto& entry : found->second) count += entry.values.contains("voltage_l1") ? 1 : 0;
    return count;
  };

  std::size_t expected = 0;
  for (int run = 0; run < 3; ++run) {
    test::GatewayProcess gateway(kBinary, {"run", "-c", dir.path().string()},
                                 dir.path() / ("dlmsgw-" + std::to_string(run) + ".log"));
    expected = voltages() + 3;
    ASSERT_TRUE(test::run_until(io, [&] { return voltages() >= expected || !gateway.running(); }))
        << "run " << run + 1 << ": no readings after the restart; log:\n"
        << gateway.log();
    ASSERT_TRUE(gateway.signal(SIGKILL));  // no chance to save anything on the way out
    test::run_until(io, [&] { return gateway.exit_status().has_value() || !gateway.running(); });
  }
  const auto folder = dir.path() / "data" / "invocation-counters";
  EXPECT_TRUE(std::filesystem::is_directory(folder)) << folder;
  const auto summary = simulator.stop();
  EXPECT_EQ(summary.value("security_errors", -1), 0) << summary.dump();
}

// Each simulated meter has a system title of its own, as real meters do: the gateway keeps the
// replay guard of a meter's counter by that title, so with one title for all it refused every
// ciphered meter of a simulator but the first ("invocation counter 1 does not exceed the last
// accepted ..."). Seen failing before the simulator gave each meter its own title.
TEST(GatewayInvocationCounter, SeveralCipheredMetersOfOneSimulatorAllAnswer) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "generic", "--meters", "3"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  const auto& ready = simulator.ready_line();
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::ofstream(dir.path() / "tb_gateway.yaml") << test::gateway_yaml_for(broker, "dlmsgw-titles");
  json devices = json::array();
  for (std::size_t i = 0; i < 3; ++i) {
    devices.push_back({{"deviceName", "ciphered-" + std::to_string(i)},
                       {"pollPeriod", 300},
                       {"connection",
                        {{"type", "tcp"},
                         {"host", "127.0.0.1"},
                         {"port", simulator.port(i)},
                         {"transport", "wrapper"},
                         {"clientAddress", 1},
                         {"serverLogicalAddress", 1},
                         {"authentication", "high-gmac"},
                         {"security", "auth-enc"},
                         {"systemTitle", "4D4D4D0000000001"},
                         {"blockKey", ready["block_key"]},
                         {"authenticationKey", ready["authentication_key"]}}},
                       {"timeseries", {{{"key", "voltage_l1"}, {"obis", "1-0:32.7.0"}}}}});
  }
  std::ofstream(dir.path() / "dlms_connector.json") << json{{"devices", devices}}.dump(2);
  ASSERT_TRUE(test::run_until(io, [&] { return tb.connected(); })) << broker.log();
  test::GatewayProcess gateway(kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "dlmsgw.log");
  const auto all_delivered = [&] {
    for (std::size_t i = 0; i < 3; ++i) {
      if (!tb.telemetry().contains("ciphered-" + std::to_string(i))) return false;
    }
    return true;
  };
  EXPECT_TRUE(test::run_until(io, [&] { return all_delivered() || !gateway.running(); }))
      << gateway.log();
  EXPECT_TRUE(all_delivered()) << gateway.log();
}

}  // namespace
}  // namespace dlmsgw
