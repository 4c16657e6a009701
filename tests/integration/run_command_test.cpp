// `dlmsgw run` as a process: configuration errors, the clean stop on SIGTERM, gateway_restart, and
// the connector reload on SIGHUP. Real mosquitto, the ThingsBoard emulator in this process, and
// `dlmsgw simulate` meters behind the connector file.
//
// Telemetry from the meters is the DLMS connector runtime's to test (end-to-end tests of issue 6);
// these only need the connector to declare its devices.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <fstream>
#include <functional>

#include "gateway/storage/temp_directory.hpp"
#include "support/command_runner.hpp"
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
namespace fs = std::filesystem;
using json = nlohmann::json;

using test::kBinary;
constexpr const char* kClientId = "dlmsgw-under-test";

using test::run_until;

using test::write_file;

std::string gateway_yaml(const test::MosquittoBroker& broker, const std::string& connectors,
                         const std::string& storage = test::kSqliteInDataDir) {
  return test::gateway_yaml_for(broker, kClientId, connectors, storage);
}

const std::string& kDlmsEntry = test::kOneDlmsConnector;

// A full-form connector file for microstar simulator meters: (device name, port) pairs.
std::string connector_file(const std::vector<std::pair<std::string, int>>& meters) {
  json devices = json::array();
  for (const auto& [name, port] : meters) {
    devices.push_back(
        {{"deviceName", name},
         {"deviceType", "Microstar Meter"},
         {"pollPeriod", 5000},
         {"connection",
          {{"type", "tcp"},
           {"host", "127.0.0.1"},
           {"port", port},
           {"transport", "hdlc"},
           {"clientAddress", 1},
           {"serverLogicalAddress", 0},
           {"serverPhysicalAddress", 1},
           {"serverAddressSize", 1},
           {"authentication", "low"},
           {"password", "22222222"},
           {"security", "none"}}},
         {"timeseries",
          {{{"key", "voltage"}, {"obis", "1-1:32.7.0"}, {"classId", 3}, {"attribute", 2}}}}});
  }
  return json{{"name", "DLMS Meters"}, {"devices", devices}}.dump(2);
}

std::size_t disconnects_for(const test::ThingsBoardEmulator& tb, const std::string& device) {
  std::size_t count = 0;
  for (const auto& message : tb.disconnects()) count += message.value("device", "") == device;
  return count;
}

// The broker saw our DISCONNECT, not a dropped socket ("closed its connection", "exceeded
// timeout"). mosquitto before 2.0.22 logs a clean DISCONNECT that arrives while QoS 1 messages to
// the client are in flight as "disconnected due to out of memory" (mosquitto issues #2627/#3253).
::testing::AssertionResult disconnected_cleanly(const test::MosquittoBroker& broker) {
  const std::string client = "Client " + std::string(kClientId) + " ";
  const auto clean = broker.log_count(client + "disconnected.") +
                     broker.log_count(client + "disconnected due to out of memory.");
  const auto dropped = broker.log_count(client + "closed its connection") +
                       broker.log_count(client + "has exceeded timeout") +
                       broker.log_count("Socket error on client " + std::string(kClientId));
  if (clean == 1 && dropped == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no clean DISCONNECT in the broker's log:\n"
                                       << broker.log();
}

// The broker, the emulator, a configuration directory and `dlmsgw run` on it.
struct RunFixture {
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::unique_ptr<test::GatewayProcess> gateway;

  void start() {
    ASSERT_TRUE(run_until(io, [&] { return tb.connected(); })) << broker.log();
    gateway = std::make_unique<test::GatewayProcess>(
        kBinary, std::vector<std::string>{"run", "-c", dir.path().string()},
        dir.path() / "dlmsgw.log");
  }
  // The gateway is connected once it asked for its session limits.
  ::testing::AssertionResult wait_connected() {
    if (run_until(io, [&] { return tb.session_limit_requests() > 0 || !gateway->running(); }) &&
        gateway->running()) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "dlmsgw run did not connect; its log:\n"
                                         << gateway->log();
  }
  // The broker may log the disconnect a moment after the process exited.
  ::testing::AssertionResult wait_clean_disconnect() {
    run_until(
        io, [&] { return static_cast<bool>(disconnected_cleanly(broker)); }, 10s);
    return disconnected_cleanly(broker);
  }
  std::optional<int> wait_exit(std::chrono::steady_clock::duration limit = 30s) {
    run_until(
        io, [&] { return gateway->exit_status().has_value(); }, limit);
    return gateway->exit_status();
  }
};

TEST(RunCommand, HelpDocumentsTheExitStatusesAndSignals) {
  const auto help = test::run_command(kBinary + " run --help 2>&1");
  EXPECT_EQ(help.exit_status, 0);
  for (const char* needle : {"-c,--config", "/etc/dlmsgw", "--log-level", "SIGHUP", "75 restart",
                             "2 configuration error"}) {
    EXPECT_NE(help.output.find(needle), std::string::npos) << needle << " in\n" << help.output;
  }
}

TEST(RunCommand, AMissingConfigurationExitsTwoWithOneClearMessage) {
  gateway::testing::TempDirectory dir;
  const auto missing =
      test::run_command(kBinary + " run -c " + (dir.path() / "nowhere").string() + " 2>&1");
  EXPECT_EQ(missing.exit_status, 2);
  EXPECT_NE(missing.output.find("nowhere: no such file or directory"), std::string::npos)
      << missing.output;
  const auto empty = test::run_command(kBinary + " run -c " + dir.path().string() + " 2>&1");
  EXPECT_EQ(empty.exit_status, 2);
  EXPECT_NE(empty.output.find("no tb_gateway.yaml or tb_gateway.json"), std::string::npos)
      << empty.output;
}

TEST(RunCommand, ABadGatewayFileOrConnectorEntryExitsTwoNamingIt) {
  gateway::testing::TempDirectory dir;
  const auto file = dir.path() / "tb_gateway.yaml";
  write_file(file, "thingsboard:\n  host: 127.0.0.1\n  port: 70000\n");
  const auto bad_port = test::run_command(kBinary + " run -c " + file.string() + " 2>&1");
  EXPECT_EQ(bad_port.exit_status, 2);
  EXPECT_NE(bad_port.output.find("tb_gateway.yaml:3: thingsboard.port"), std::string::npos)
      << bad_port.output;

  write_file(file,
             "thingsboard: {host: 127.0.0.1}\n"
             "connectors: [{name: Old Modbus, type: modbus, configuration: modbus.json}]\n");
  const auto unknown = test::run_command(kBinary + " run -c " + dir.path().string() + " 2>&1");
  EXPECT_EQ(unknown.exit_status, 2);
  EXPECT_NE(unknown.output.find("connectors[0] 'Old Modbus' (type modbus): not a supported "
                                "connector type (supported: dlms)"),
            std::string::npos)
      << unknown.output;

  write_file(file,
             "thingsboard: {host: 127.0.0.1}\n"
             "connectors: [{name: Meters, type: dlms, configuration: missing.json}]\n");
  const auto no_file = test::run_command(kBinary + " run -c " + dir.path().string() + " 2>&1");
  EXPECT_EQ(no_file.exit_status, 2);
  EXPECT_NE(no_file.output.find("connectors[0] 'Meters' (type dlms): "), std::string::npos)
      << no_file.output;
  EXPECT_NE(no_file.output.find("missing.json"), std::string::npos) << no_file.output;
}

TEST(RunCommand, SigtermDisconnectsCleanlyFlushesAndExitsZero) {
  RunFixture f;
  write_file(f.dir.path() / "tb_gateway.yaml", gateway_yaml(f.broker, "[]"));
  f.start();
  ASSERT_TRUE(f.wait_connected());
  ASSERT_TRUE(f.gateway->signal(SIGTERM));
  EXPECT_EQ(f.wait_exit(), 0) << f.gateway->log();
  EXPECT_TRUE(f.wait_clean_disconnect());
  EXPECT_TRUE(f.gateway->logged("SIGTERM: stopping")) << f.gateway->log();
  // The storage file and the device registry live in the data directory.
  EXPECT_TRUE(fs::exists(f.dir.path() / "data" / "data.db"));
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

TEST(RunCommand, GatewayRestartFromThingsBoardStopsCleanlyWithStatus75) {
  RunFixture f;
  write_file(f.dir.path() / "tb_gateway.yaml", gateway_yaml(f.broker, "[]", "{type: memory}"));
  f.start();
  ASSERT_TRUE(f.wait_connected());
  ASSERT_TRUE(f.tb.send_gateway_rpc(7, "gateway_restart"));
  EXPECT_EQ(f.wait_exit(), 75) << f.gateway->log();
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.gateway_reply(7).has_value(); }));
  EXPECT_EQ(*f.tb.gateway_reply(7), (json{{"success", true}}));
  EXPECT_TRUE(f.wait_clean_disconnect());
}

TEST(RunCommand, SighupReplacesTheConnectorsRemovedMetersDisconnectNewOnesConnect) {
  test::SimulatorProcess meters(kBinary, {"--profile", "microstar", "--meters", "3"});
  ASSERT_TRUE(meters.ready()) << meters.ready_line().dump();
  RunFixture f;
  write_file(f.dir.path() / "tb_gateway.yaml", gateway_yaml(f.broker, kDlmsEntry));
  const auto connectors = f.dir.path() / "dlms_connector.json";
  write_file(connectors,
             connector_file({{"Meter A", meters.port(0)}, {"Meter B", meters.port(1)}}));
  f.start();
  ASSERT_TRUE(run_until(f.io, [&] {
    return (f.tb.connects_for("Meter A") > 0 && f.tb.connects_for("Meter B") > 0) ||
           !f.gateway->running();
  })) << f.gateway->log();
  ASSERT_TRUE(f.gateway->running()) << f.gateway->log();
  EXPECT_TRUE(f.gateway->logged("meter 'Meter A' (Microstar Meter): 127.0.0.1:" +
                                std::to_string(meters.port(0)) + ", hdlc, every 5 s"))
      << f.gateway->log();

  write_file(connectors,
             connector_file({{"Meter B", meters.port(1)}, {"Meter C", meters.port(2)}}));
  ASSERT_TRUE(f.gateway->signal(SIGHUP));
  ASSERT_TRUE(run_until(f.io, [&] {
    return disconnects_for(f.tb, "Meter A") == 1 && f.tb.connects_for("Meter C") > 0 &&
           f.gateway->logged("reload done");
  })) << f.gateway->log();
  EXPECT_EQ(disconnects_for(f.tb, "Meter B"), 0U);
  EXPECT_TRUE(f.gateway->logged("tb_gateway.yaml is read only at start")) << f.gateway->log();

  // The platform's view: B and C served, A gone.
  ASSERT_TRUE(f.tb.send_gateway_rpc(1, "gateway_devices"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.gateway_reply(1).has_value(); }));
  EXPECT_EQ(f.tb.gateway_reply(1)->at("resp"),
            (json{{"Meter B", "DLMS Meters"}, {"Meter C", "DLMS Meters"}}));

  ASSERT_TRUE(f.gateway->signal(SIGTERM));
  EXPECT_EQ(f.wait_exit(), 0) << f.gateway->log();
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

std::size_t count_in(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

// A reload restarts only what changed (a one-client meter fails its first reconnect, its
// counters and trace would reset): Meter B's poll period changes, Meter A's entry does not, so
// Meter A keeps its association through the reload and Meter B associates again.
TEST(RunCommand, SighupKeepsTheSessionsOfMetersWhoseEntryDidNotChange) {
  test::SimulatorProcess meters(kBinary, {"--profile", "microstar", "--meters", "2"});
  ASSERT_TRUE(meters.ready()) << meters.ready_line().dump();
  RunFixture f;
  write_file(f.dir.path() / "tb_gateway.yaml", gateway_yaml(f.broker, kDlmsEntry));
  const auto connectors = f.dir.path() / "dlms_connector.json";
  const auto file = connector_file({{"Meter A", meters.port(0)}, {"Meter B", meters.port(1)}});
  write_file(connectors, file);
  const std::string a_associated =
      "meter 'Meter A' 127.0.0.1:" + std::to_string(meters.port(0)) + ": associated";
  const std::string b_associated =
      "meter 'Meter B' 127.0.0.1:" + std::to_string(meters.port(1)) + ": associated";
  f.start();
  ASSERT_TRUE(run_until(f.io, [&] {
    return (f.gateway->logged(a_associated) && f.gateway->logged(b_associated)) ||
           !f.gateway->running();
  })) << f.gateway->log();

  auto changed = json::parse(file);
  changed["devices"][1]["pollPeriod"] = 4000;
  write_file(connectors, changed.dump(2));
  ASSERT_TRUE(f.gateway->signal(SIGHUP));
  ASSERT_TRUE(run_until(f.io, [&] {
    return f.gateway->logged("reload done") && count_in(f.gateway->log(), b_associated) == 2;
  })) << f.gateway->log();
  // Meter A goes on polling on its first association, through at least one more cycle.
  const auto readings_of_a = [&] {
    const auto found = f.tb.telemetry().find("Meter A");
    return found == f.tb.telemetry().end() ? std::size_t{0} : found->second.size();
  };
  const auto before = readings_of_a();
  ASSERT_TRUE(run_until(f.io, [&] { return readings_of_a() > before; })) << f.gateway->log();
  EXPECT_EQ(count_in(f.gateway->log(), a_associated), 1U) << f.gateway->log();
  EXPECT_TRUE(f.gateway->logged("reload kept 1 meter(s) running, stopped 1, started 1"))
      << f.gateway->log();
  EXPECT_EQ(disconnects_for(f.tb, "Meter A"), 0U);
  EXPECT_EQ(disconnects_for(f.tb, "Meter B"), 0U);

  ASSERT_TRUE(f.gateway->signal(SIGTERM));
  EXPECT_EQ(f.wait_exit(), 0) << f.gateway->log();
}

TEST(RunCommand, SighupWithABrokenConnectorFileKeepsTheRunningConnectors) {
  test::SimulatorProcess meters(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(meters.ready()) << meters.ready_line().dump();
  RunFixture f;
  write_file(f.dir.path() / "tb_gateway.yaml", gateway_yaml(f.broker, kDlmsEntry));
  const auto connectors = f.dir.path() / "dlms_connector.json";
  write_file(connectors, connector_file({{"Meter A", meters.port(0)}}));
  f.start();
  ASSERT_TRUE(run_until(f.io, [&] {
    return f.tb.connects_for("Meter A") > 0 || !f.gateway->running();
  })) << f.gateway->log();

  write_file(connectors, "{\"devices\": [ {\"deviceName\": ");  // cut short
  ASSERT_TRUE(f.gateway->signal(SIGHUP));
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->logged("reload refused"); }))
      << f.gateway->log();
  EXPECT_TRUE(f.gateway->logged("dlms_connector.json")) << f.gateway->log();
  // Still running, still serving Meter A.
  ASSERT_TRUE(f.tb.send_gateway_rpc(2, "gateway_devices"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.gateway_reply(2).has_value(); }));
  EXPECT_EQ(f.tb.gateway_reply(2)->at("resp"), (json{{"Meter A", "DLMS Meters"}}));
  EXPECT_TRUE(f.tb.disconnects().empty());
  EXPECT_TRUE(f.gateway->running());

  ASSERT_TRUE(f.gateway->signal(SIGTERM));
  EXPECT_EQ(f.wait_exit(), 0) << f.gateway->log();
}

// Two devices with one deviceToken would be one ThingsBoard device fed by two meters (issue 15,
// item 8 review 1.1): validate, run and a reload refuse it from the same check, naming both.
TEST(RunCommand, TwoDevicesWithOneDeviceTokenAreRefusedByValidateRunAndReload) {
  RunFixture f;
  write_file(f.dir.path() / "tb_gateway.yaml", gateway_yaml(f.broker, kDlmsEntry));
  const auto connectors = f.dir.path() / "dlms_connector.json";
  // Nothing listens on these ports: the meters are declared, never read.
  const auto with_tokens = [](const std::string& a, const std::string& b) {
    auto file = json::parse(connector_file({{"Meter A", 1}, {"Meter B", 2}}));
    file["devices"][0]["deviceToken"] = {{"accessToken", a}};
    file["devices"][1]["deviceToken"] = {{"accessToken", b}};
    return file.dump(2);
  };
  write_file(connectors, with_tokens("shared-token", "shared-token"));
  const std::string expected =
      "devices 'Meter A' (connector 'DLMS Meters') and 'Meter B' (connector 'DLMS Meters') have "
      "the same deviceToken";
  const auto validated = test::run_command(kBinary + " validate -c '" + f.dir.path().string() +
                                           "' " + test::kValidateAsMe + " 2>&1");
  EXPECT_EQ(validated.exit_status, 2) << validated.output;
  EXPECT_NE(validated.output.find(expected), std::string::npos) << validated.output;
  EXPECT_NE(validated.output.find("remove deviceToken from one"), std::string::npos);
  const auto run = test::run_command(kBinary + " run -c " + f.dir.path().string() + " 2>&1");
  EXPECT_EQ(run.exit_status, 2) << run.output;
  EXPECT_NE(run.output.find(expected), std::string::npos) << run.output;

  write_file(connectors, with_tokens("token-a", "token-b"));
  f.start();
  ASSERT_TRUE(run_until(f.io, [&] {
    return f.gateway->logged("'Meter B' publishes with its own access token") ||
           !f.gateway->running();
  })) << f.gateway->log();
  write_file(connectors, with_tokens("token-a", "token-a"));
  ASSERT_TRUE(f.gateway->signal(SIGHUP));
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->logged("reload refused"); }))
      << f.gateway->log();
  EXPECT_TRUE(f.gateway->logged(expected)) << f.gateway->log();
  EXPECT_TRUE(f.gateway->running());
  ASSERT_TRUE(f.gateway->signal(SIGTERM));
  EXPECT_EQ(f.wait_exit(), 0) << f.gateway->log();
}

}  // namespace
}  // namespace dlmsgw
