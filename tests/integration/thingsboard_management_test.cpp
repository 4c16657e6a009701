// Managing dlmsgw from ThingsBoard's gateway page, end to end: `dlmsgw simulate` meters, a real
// mosquitto, `dlmsgw run`, and the ThingsBoard emulator playing the platform's side. The service
// RPCs the gateway widgets send (gateway_ping, gateway_devices, ...), connector-type RPCs
// ("dlms_<method>"), the platform renaming and deleting a child device, and gateway_reboot, which
// only runs when the configuration names a command.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <chrono>
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
using json = nlohmann::json;
using test::kBinary;
using test::run_until;

// A generic-profile meter (wrapper, no authentication) read every second.
json managed_meter(const std::string& name, int port) {
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
          {"timeseries", {{{"key", "frequency"}, {"obis", "1-0:14.7.0"}}}}};
}

// The broker, the emulator, a configuration directory and `dlmsgw run` on it.
struct ManagedGateway {
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::unique_ptr<test::GatewayProcess> gateway;
  std::int64_t next_id = 500;

  // `extra` goes into the thingsboard section; `connectors` is the YAML list (flow style).
  void start(const std::string& extra, const std::string& connectors,
             const std::string& connector_file = "") {
    test::write_file(dir.path() / "tb_gateway.yaml",
                     "thingsboard:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
                         "\n  security: {username: " + broker.user() +
                         ", password: " + broker.password() +
                         ", clientId: dlmsgw-managed}\n  statistics: {enable: false}\n" + extra +
                         "storage: {type: memory}\nconnectors: " + connectors + "\n");
    if (!connector_file.empty())
      test::write_file(dir.path() / "dlms_connector.json", connector_file);
    ASSERT_TRUE(run_until(io, [&] { return tb.connected(); })) << broker.log();
    gateway = std::make_unique<test::GatewayProcess>(
        kBinary, std::vector<std::string>{"run", "-c", dir.path().string()},
        dir.path() / "dlmsgw.log");
    ASSERT_TRUE(run_until(io, [&] {
      return tb.session_limit_requests() > 0 || !gateway->running();
    })) << gateway->log();
    ASSERT_TRUE(gateway->running()) << gateway->log();
  }
  // Sends a gateway RPC and waits for its reply.
  json call(const std::string& method, const json& params = json::object()) {
    const auto id = ++next_id;
    if (!tb.send_gateway_rpc(id, method, params)) return json{{"test", "not sent"}};
    run_until(io, [&] { return tb.gateway_reply(id).has_value(); });
    return tb.gateway_reply(id).value_or(json{{"test", "no reply"}});
  }
  std::size_t frequency_values(const std::string& device) const {
    const auto found = tb.telemetry().find(device);
    if (found == tb.telemetry().end()) return 0;
    std::size_t count = 0;
    for (const auto& entry : found->second) count += entry.values.contains("frequency") ? 1 : 0;
    return count;
  }
  void stop() {
    gateway->signal(SIGTERM);
    run_until(io, [&] { return gateway->exit_status().has_value(); });
    EXPECT_EQ(gateway->exit_status(), 0) << gateway->log();
    EXPECT_TRUE(tb.violations().empty()) << tb.violations().front();
  }
};

const std::string kManagedDlms =
    "[{name: DLMS Meters, type: dlms, configuration: dlms_connector.json}]";

TEST(GatewayManagement, ServiceRpcsAnswerAsThePythonGatewayDoes) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  ManagedGateway g;
  g.start("", kManagedDlms,
          json{{"name", "DLMS Meters"}, {"devices", {managed_meter("Meter A", meters.port(0))}}}
              .dump());
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();

  EXPECT_EQ(g.call("gateway_ping"), (json{{"code", 200}, {"resp", "pong"}}));
  EXPECT_EQ(g.call("gateway_devices"),
            (json{{"code", 200}, {"resp", {{"Meter A", "DLMS Meters"}}}}));
  const auto version = g.call("gateway_version");
  EXPECT_EQ(version.value("code", 0), 200) << version.dump();
  EXPECT_FALSE(version["resp"].value("current_version", "").empty()) << version.dump();
  EXPECT_TRUE(g.call("gateway_stats").contains("readingsSent"));

  const auto unknown = g.call("gateway_selfdestruct");
  EXPECT_EQ(unknown.value("code", 0), 404) << unknown.dump();
  EXPECT_TRUE(unknown.contains("error")) << unknown.dump();
  const auto other_type = g.call("modbus_read");
  EXPECT_EQ(other_type.value("code", 0), 404) << other_type.dump();
  EXPECT_NE(other_type.value("error", "").find("connector not found"), std::string::npos);

  const auto reboot = g.call("gateway_reboot");
  EXPECT_NE(reboot.value("error", "").find("rebootCommand"), std::string::npos) << reboot.dump();

  // Connector-type RPCs reach the DLMS connector, for the device named in the params.
  const auto read = g.call(
      "dlms_get", {{"device", "Meter A"}, {"params", "obis=1-0:14.7.0;classId=3;attribute=2"}});
  EXPECT_GT(read.value("value", 0.0), 40.0) << read.dump();
  const auto stats = g.call("dlms_getStats", {{"device", "Meter A"}});
  EXPECT_GE(stats.value("reads_ok", 0), 1) << stats.dump();
  const auto nameless = g.call("dlms_get", "obis=1-0:14.7.0");
  EXPECT_NE(nameless.value("error", "").find("\"device\""), std::string::npos) << nameless.dump();
  const auto stranger = g.call("dlms_get", {{"device", "Nobody"}});
  EXPECT_NE(stranger.value("error", "").find("not served"), std::string::npos) << stranger.dump();
  g.stop();
}

TEST(GatewayManagement, ARenamedDeviceKeepsItsReadingsAndADeletedOneIsForgotten) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  ManagedGateway g;
  g.start("", kManagedDlms,
          json{{"name", "DLMS Meters"}, {"devices", {managed_meter("Meter A", meters.port(0))}}}
              .dump());
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();

  EXPECT_EQ(g.call("gateway_device_renamed", {{"Meter A", "Kitchen"}}), (json{{"success", true}}));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Kitchen") >= 2; }))
      << g.gateway->log();
  EXPECT_EQ(g.call("gateway_devices")["resp"], (json{{"Kitchen", "DLMS Meters"}}));
  // Device RPCs use the new name, and the reply carries it.
  ASSERT_TRUE(g.tb.send_device_rpc("Kitchen", 77, "getStats"));
  ASSERT_TRUE(run_until(g.io, [&] { return g.tb.device_reply(77).has_value(); }));
  EXPECT_EQ(g.tb.device_reply(77)->value("device", ""), "Kitchen");
  EXPECT_FALSE(g.tb.device_reply(77)->at("data").contains("error"))
      << g.tb.device_reply(77)->dump();

  // Deleted: forgotten; its connector still reads it, so it comes back under its own name as a
  // new device, as the Python gateway does.
  const auto connects_before = g.tb.connects_for("Meter A");
  EXPECT_EQ(g.call("gateway_device_deleted", "Kitchen"), (json{{"success", true}}));
  ASSERT_TRUE(run_until(g.io, [&] { return g.tb.connects_for("Meter A") > connects_before; }))
      << g.gateway->log();
  EXPECT_EQ(g.call("gateway_devices")["resp"], (json{{"Meter A", "DLMS Meters"}}));
  g.stop();
}

TEST(GatewayManagement, GatewayRebootRunsTheConfiguredCommandOnly) {
  ManagedGateway g;
  const auto marker = g.dir.path() / "rebooted";
  g.start("  rebootCommand: \"touch '" + marker.string() + "'\"\n", "[]");
  EXPECT_EQ(g.call("gateway_reboot"), (json{{"success", true}}));
  EXPECT_TRUE(run_until(g.io, [&] { return std::filesystem::exists(marker); })) << g.gateway->log();
  g.stop();
}

TEST(GatewayManagement, TheGatewayPageSeesVersionSettingsConnectorsAndDevices) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  ManagedGateway g;
  const json file{{"name", "DLMS Meters"}, {"devices", {managed_meter("Meter A", meters.port(0))}}};
  g.start("  maxPayloadSizeBytes: 2048\n", kManagedDlms, file.dump());
  const auto& attributes = g.tb.gateway_attributes();
  ASSERT_TRUE(run_until(g.io,
                        [&] {
                          return attributes.contains("DLMS Meters") &&
                                 attributes.contains("cpuCount") &&
                                 g.tb.connector_attributes().count("Meter A") != 0;
                        }))
      << attributes.dump() << "\n"
      << g.gateway->log();
  EXPECT_EQ(attributes["Version"], "3.8.0");
  EXPECT_FALSE(attributes.value("dlmsgwVersion", "").empty());
  EXPECT_EQ(attributes["active_connectors"], json::array({"DLMS Meters"}));
  const auto& general = attributes["general_configuration"];
  EXPECT_EQ(general["host"], "127.0.0.1");
  EXPECT_EQ(general["port"], g.broker.port());
  EXPECT_EQ(general["security"]["type"], "usernamePassword");
  EXPECT_TRUE(general.contains("ts"));
  EXPECT_TRUE(attributes["storage_configuration"].contains("type"));
  EXPECT_TRUE(attributes["logs_configuration"].contains("local"));
  const auto& connector = attributes["DLMS Meters"];
  EXPECT_EQ(connector["type"], "dlms");
  EXPECT_EQ(connector["configuration"], "dlms_connector.json");
  EXPECT_EQ(connector["configurationJson"], file);
  EXPECT_GT(connector["ts"].get<std::int64_t>(), 0);
  EXPECT_GT(attributes["cpuCount"].get<int>(), 0);
  EXPECT_FALSE(attributes.value("totalMemory", "").empty());
  EXPECT_FALSE(attributes.value("totalDisk", "").empty());
  EXPECT_EQ(g.tb.connector_attributes().at("Meter A"),
            (json{{"connectorType", "dlms"}, {"connectorName", "DLMS Meters"}}));
  for (const auto& payload : g.tb.gateway_attribute_payloads()) {
    EXPECT_LE(payload.size(), 2048U) << payload.substr(0, 200);
    EXPECT_EQ(payload.find(g.broker.password()), std::string::npos) << "a secret went out";
  }
  g.stop();
}

TEST(GatewayManagement, StatisticsForTheGatewayDashboardStayUnderTheMessageLimit) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  ManagedGateway g;
  g.start("  maxPayloadSizeBytes: 512\n", kManagedDlms,
          json{{"name", "DLMS Meters"}, {"devices", {managed_meter("Meter A", meters.port(0))}}}
              .dump());
  // The fixture turns statistics off; this test turns them on with a 1 s period.
  g.stop();
  test::write_file(g.dir.path() / "tb_gateway.yaml",
                   "thingsboard:\n  host: 127.0.0.1\n  port: " + std::to_string(g.broker.port()) +
                       "\n  maxPayloadSizeBytes: 512\n  security: {username: " + g.broker.user() +
                       ", password: " + g.broker.password() +
                       ", clientId: dlmsgw-managed}\n"
                       "  statistics: {enable: true, statsSendPeriodInSeconds: 1}\n"
                       "storage: {type: memory}\nconnectors: " +
                       kManagedDlms + "\n");
  g.gateway = std::make_unique<test::GatewayProcess>(
      kBinary, std::vector<std::string>{"run", "-c", g.dir.path().string()},
      g.dir.path() / "dlmsgw2.log");
  json merged = json::object();
  ASSERT_TRUE(run_until(
      g.io,
      [&] {
        merged = json::object();
        for (const auto& message : g.tb.gateway_telemetry()) merged.update(message);
        // Split over several messages (512 bytes each): every part asserted below is waited for.
        return merged.contains("connectorsStats") && merged.contains("machineStats") &&
               merged.contains("serviceStats") &&
               merged["serviceStats"].contains("platformTsProduced") &&
               merged.contains("ALL_ERRORS_COUNT") && merged.contains("DLMS Meters_ERRORS_COUNT") &&
               merged["connectorsStats"].contains("DLMS Meters") &&
               merged["connectorsStats"]["DLMS Meters"].value("connectorMsgsReceived", 0) > 0;
      },
      30s))
      << merged.dump() << "\n"
      << g.gateway->log();
  EXPECT_TRUE(merged["serviceStats"].contains("platformTsProduced")) << merged.dump();
  EXPECT_TRUE(merged.contains("ALL_ERRORS_COUNT")) << merged.dump();
  EXPECT_TRUE(merged.contains("DLMS Meters_ERRORS_COUNT")) << merged.dump();
  for (const auto& payload : g.tb.gateway_telemetry_payloads()) {
    EXPECT_LE(payload.size(), 512U) << payload;
  }
  g.stop();
}

}  // namespace
}  // namespace dlmsgw
