// End to end, as deployed: `dlmsgw simulate` meters, a real mosquitto broker, `dlmsgw run` on a
// configuration directory, and the ThingsBoard emulator checking every payload against the
// gateway-API contract. What ThingsBoard would see: devices with their names and types, values
// with the scaler applied and their acquisition ts, the polling period, RPC round trips (the relay
// of the disconnect control included), a shared-attribute update written to the meter, and the
// user's own simple connector file.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/gateway_process.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"
#include "support/simulator_process.hpp"
#include "support/thingsboard_emulator.hpp"

namespace dlmsgw {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

using test::kBinary;

using test::run_until;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json microstar_device(const std::string& name, int port, int period_ms) {
  return {{"deviceName", name},
          {"deviceType", "Microstar Meter"},
          {"pollPeriod", period_ms},
          {"connection",
           {{"type", "tcp"}, {"host", "127.0.0.1"}, {"port", port}, {"password", "22222222"}}},
          {"timeseries",
           {{{"key", "voltage_l1"}, {"obis", "1-1:32.7.0"}},
            {{"key", "current_l1"}, {"obis", "1-1:31.7.0"}},
            {{"key", "active_energy"}, {"obis", "1-1:1.8.0"}}}},
          {"attributes", {{{"key", "serial_number"}, {"obis", "1-0:0.0.0"}, {"classId", 1}}}}};
}

json generic_device(const std::string& name, int port) {
  const json relay = {{"obis", "0-0:96.3.10"}, {"classId", 70}};
  return {{"deviceName", name},
          {"deviceType", "Generic Meter"},
          {"pollPeriod", 1000},
          {"connection",
           {{"type", "tcp"},
            {"host", "127.0.0.1"},
            {"port", port},
            {"transport", "wrapper"},
            {"clientAddress", 16},
            {"serverLogicalAddress", 1},
            {"authentication", "none"}}},
          {"timeseries",
           {{{"key", "voltage_l1"}, {"obis", "1-0:32.7.0"}},
            {{"key", "frequency"}, {"obis", "1-0:14.7.0"}}}},
          {"attributeUpdates",
           {{{"key", "relayMode"}, {"obis", "0-0:96.3.10"}, {"classId", 70}, {"attribute", 4}}}},
          {"rpc",
           {{{"method", "relayOff"},
             {"type", "action"},
             {"obis", "0-0:96.3.10"},
             {"classId", 70},
             {"methodId", 1}},
            {{"method", "relayOn"},
             {"type", "action"},
             {"obis", "0-0:96.3.10"},
             {"classId", 70},
             {"methodId", 2}}}}};
}

struct Deployment {
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::unique_ptr<test::GatewayProcess> gateway;

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir.path() / name) << text;
  }
  void start(const std::string& connector_text) {
    write("tb_gateway.yaml",
          "thingsboard:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
              "\n  security: {username: " + broker.user() + ", password: " + broker.password() +
              ", clientId: dlmsgw-e2e}\n  statistics: {enable: false}\n"
              "storage: {type: sqlite, data_file_path: data/data.db}\n"
              "connectors: [{name: Meters, type: dlms, "
              "configuration: dlms_connector.json}]\n");
    write("dlms_connector.json", connector_text);
    ASSERT_TRUE(run_until(io, [&] { return tb.connected(); })) << broker.log();
    gateway = std::make_unique<test::GatewayProcess>(
        kBinary, std::vector<std::string>{"run", "-c", dir.path().string()},
        dir.path() / "dlmsgw.log");
  }
  [[nodiscard]] std::size_t values_of(const std::string& device, const std::string& key) const {
    std::size_t count = 0;
    const auto found = tb.telemetry().find(device);
    if (found == tb.telemetry().end()) return 0;
    for (const auto& entry : found->second) count += entry.values.contains(key) ? 1 : 0;
    return count;
  }
  ::testing::AssertionResult wait_values(const std::string& device, const std::string& key,
                                         std::size_t count) {
    if (run_until(io, [&] { return values_of(device, key) >= count || !gateway->running(); }) &&
        gateway->running()) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "no " << count << " values of " << device << "/" << key << "; log:\n"
           << gateway->log();
  }
  // Sends a device RPC and waits for its reply's data.
  std::optional<json> rpc(const std::string& device, const std::string& method,
                          const json& params) {
    const auto id = ++next_id;
    if (!tb.send_device_rpc(device, id, method, params)) return std::nullopt;
    run_until(io, [&] { return tb.device_reply(id).has_value(); });
    const auto reply = tb.device_reply(id);  // {"device":..,"id":..,"data":<the answer>}
    if (!reply || !reply->contains("data")) return std::nullopt;
    return (*reply)["data"];
  }
  void stop() {
    if (!gateway) return;
    gateway->signal(SIGTERM);
    run_until(io, [&] { return gateway->exit_status().has_value(); });
    EXPECT_EQ(gateway->exit_status(), 0) << gateway->log();
    EXPECT_TRUE(tb.violations().empty()) << tb.violations().front();
  }
  std::int64_t next_id = 100;
};

TEST(MetersToThingsBoard, DevicesValuesAndTimestampsAsThePlatformSeesThem) {
  test::SimulatorProcess microstar(kBinary, {"--profile", "microstar", "--meters", "2"});
  test::SimulatorProcess generic(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(microstar.ready() && generic.ready());
  Deployment d;
  const auto started = now_ms();
  json file{{"name", "Meters"},
            {"devices",
             {microstar_device("Meter A", microstar.port(0), 500),
              microstar_device("Meter B", microstar.port(1), 500),
              generic_device("Generic 1", generic.port(0))}}};
  d.start(file.dump(2));
  ASSERT_TRUE(d.wait_values("Meter A", "active_energy", 4));
  ASSERT_TRUE(d.wait_values("Meter B", "voltage_l1", 2));
  ASSERT_TRUE(d.wait_values("Generic 1", "frequency", 2));
  const auto finished = now_ms();

  EXPECT_EQ(d.tb.connects_for("Meter A"), 1U);
  for (const auto& connect : d.tb.connects()) {
    if (connect.value("device", "") == "Generic 1") {
      EXPECT_EQ(connect["type"], "Generic Meter");
    }
    if (connect.value("device", "") == "Meter A") {
      EXPECT_EQ(connect["type"], "Microstar Meter");
    }
  }
  std::int64_t previous_ts = 0;
  for (const auto& entry : d.tb.telemetry().at("Meter A")) {
    if (!entry.values.contains("voltage_l1")) continue;
    // ~13500 with scaler -2 on the wire: the platform gets volts.
    EXPECT_GT(entry.values["voltage_l1"].get<double>(), 100.0);
    EXPECT_LT(entry.values["voltage_l1"].get<double>(), 200.0);
    EXPECT_GE(entry.ts, started);
    EXPECT_LE(entry.ts, finished);
    // The 500 ms period holds: reads start on a fixed-rate schedule, never in a burst.
    if (previous_ts != 0) {
      EXPECT_GE(entry.ts - previous_ts, 250) << entry.ts;
    }
    previous_ts = entry.ts;
  }
  // Attributes read from the meter, and the meter clock's offset.
  ASSERT_TRUE(run_until(d.io, [&] {
    bool serial = false;
    bool offset = false;
    for (const auto& message : d.tb.attributes()) {
      if (!message.contains("Meter A")) continue;
      serial = serial || message["Meter A"].contains("serial_number");
      offset = offset || message["Meter A"].contains("clock_offset_ms");
    }
    return serial && offset;
  }));
  d.stop();
}

TEST(MetersToThingsBoard, RpcRoundTripsAndAttributeUpdatesReachTheMeter) {
  test::SimulatorProcess generic(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(generic.ready());
  Deployment d;
  d.start(
      json{{"name", "Meters"}, {"devices", {generic_device("Generic 1", generic.port(0))}}}.dump());
  ASSERT_TRUE(d.wait_values("Generic 1", "frequency", 1));

  auto voltage = d.rpc("Generic 1", "get", "obis=1-0:32.7.0;classId=3;attribute=2;");
  ASSERT_TRUE(voltage.has_value());
  EXPECT_GT(voltage->value("value", 0.0), 100.0) << voltage->dump();
  EXPECT_EQ(voltage->value("unit", ""), "V");

  // The relay: disconnect through a configured method, check, reconnect through "action".
  auto off = d.rpc("Generic 1", "relayOff", json::object());
  ASSERT_TRUE(off.has_value());
  EXPECT_FALSE(off->contains("error")) << off->dump();
  auto state = d.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=2");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ((*state)["value"], false) << state->dump();
  auto on = d.rpc("Generic 1", "action", "obis=0-0:96.3.10;classId=70;method=2");
  ASSERT_TRUE(on.has_value());
  state = d.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=2");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ((*state)["value"], true) << state->dump();

  auto set = d.rpc("Generic 1", "set", "obis=0-0:96.3.10;classId=70;attribute=4;value=5");
  ASSERT_TRUE(set.has_value());
  EXPECT_FALSE(set->contains("error")) << set->dump();

  // An unknown method is an error reply, never silence.
  auto unknown = d.rpc("Generic 1", "selfDestruct", json::object());
  ASSERT_TRUE(unknown.has_value());
  EXPECT_TRUE(unknown->contains("error")) << unknown->dump();

  // A shared attribute listed in attributeUpdates is written with SET.
  ASSERT_TRUE(d.tb.send_shared_attributes("Generic 1", json{{"relayMode", 6}}));
  json mode;
  ASSERT_TRUE(run_until(d.io,
                        [&] {
                          auto answer =
                              d.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=4");
                          if (answer) mode = (*answer)["value"];
                          return mode == 6;
                        }))
      << mode.dump() << "\n"
      << d.gateway->log();

  auto stats = d.rpc("Generic 1", "getStats", json::object());
  ASSERT_TRUE(stats.has_value());
  EXPECT_GE(stats->value("reads_ok", 0), 1) << stats->dump();
  d.stop();
}

TEST(MetersToThingsBoard, TheUsersSimpleConnectorFileWorksUnchangedButForTheAddress) {
  test::SimulatorProcess microstar(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(microstar.ready());
  std::ifstream in(std::string(DLMSGW_SOURCE_DIR) + "/config/dlms_connector.json");
  json file = json::parse(in);
  // The shipped file is the user's, pointing at their meter on the LAN; only loopback here.
  file["devices"][0]["host"] = "127.0.0.1";
  file["devices"][0]["port"] = microstar.port(0);
  file["devices"][0]["pollingInterval"] = 500;
  Deployment d;
  d.start(file.dump());
  const std::string device = file["devices"][0]["name"];
  ASSERT_TRUE(d.wait_values(device, "voltage_l1", 2));
  ASSERT_TRUE(d.wait_values(device, "active_energy", 2));
  for (const auto& connect : d.tb.connects()) {
    if (connect.value("device", "") == device) {
      EXPECT_EQ(connect["type"], "DLMS_Energy_Meter");
    }
  }
  const auto& last = d.tb.telemetry().at(device).back();
  for (const auto& [key, value] : last.values.items()) EXPECT_TRUE(value.is_number()) << key;
  // attributesMapping: static attributes with ${host} and ${port} substituted.
  ASSERT_TRUE(run_until(d.io, [&] {
    for (const auto& message : d.tb.attributes()) {
      if (message.contains(device) && message[device].value("meter_type", "") == "DLMS/COSEM") {
        return message[device].value("host", "") == "127.0.0.1";
      }
    }
    return false;
  })) << d.gateway->log();
  d.stop();
}

// Quick timeouts and a watchdog that acts after two failed reads, so the test takes seconds.
json impatient(json device) {
  device["connection"]["responseTimeout"] = 400;
  device["connection"]["retries"] = 1;
  device["watchdog"] = {{"maxConsecutiveFailures", 2}};
  device["retry"] = {{"reconnectDelay", 200}, {"maxReconnectDelay", 800}, {"minConnectGap", 100}};
  return device;
}

TEST(MetersToThingsBoard, AMeterThatGoesSilentIsReadAgainWhenItComesBack) {
  test::SimulatorProcess microstar(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(microstar.ready());
  Deployment d;
  d.start(json{{"name", "Meters"},
               {"devices", {impatient(microstar_device("Meter A", microstar.port(0), 300))}}}
              .dump());
  ASSERT_TRUE(d.wait_values("Meter A", "voltage_l1", 2));

  // Silent: the process stops answering, its sockets stay open.
  ASSERT_EQ(::kill(microstar.pid(), SIGSTOP), 0);
  json stats;
  ASSERT_TRUE(run_until(d.io, [&] {
    auto answer = d.rpc("Meter A", "getStats", json::object());
    if (answer) stats = *answer;
    return stats.value("reads_failed", 0) >= 2;
  })) << stats.dump();
  const auto before = d.values_of("Meter A", "voltage_l1");

  ASSERT_EQ(::kill(microstar.pid(), SIGCONT), 0);
  ASSERT_TRUE(d.wait_values("Meter A", "voltage_l1", before + 3));
  const auto after = d.rpc("Meter A", "getStats", json::object());
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->value("state", ""), "connected") << after->dump();
  d.stop();
}

TEST(MetersToThingsBoard, GarbageOnTheLineNeverBecomesAValue) {
  test::SimulatorProcess microstar(kBinary, {"--profile", "microstar", "--fault", "garbage=0.2"});
  ASSERT_TRUE(microstar.ready());
  Deployment d;
  d.start(json{{"name", "Meters"},
               {"devices", {impatient(microstar_device("Meter A", microstar.port(0), 200))}}}
              .dump());
  ASSERT_TRUE(d.wait_values("Meter A", "voltage_l1", 10));
  for (const auto& entry : d.tb.telemetry().at("Meter A")) {
    if (!entry.values.contains("voltage_l1")) continue;
    EXPECT_GT(entry.values["voltage_l1"].get<double>(), 100.0);
    EXPECT_LT(entry.values["voltage_l1"].get<double>(), 200.0);
  }
  d.stop();
  const auto summary = microstar.stop();
  EXPECT_GT(summary["faults"].value("garbage", 0), 0) << summary.dump();
}

}  // namespace
}  // namespace dlmsgw
