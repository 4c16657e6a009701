// Managing dlmsgw from ThingsBoard's Gateways page, end to end (`dlmsgw simulate`, mosquitto,
// `dlmsgw run`, the ThingsBoard emulator): the gateway asks for its shared attributes after
// connecting, applies a connector saved on the page (and echoes it, so the page shows it in sync),
// restarts nothing when the same one comes again, refuses an invalid one keeping the running
// configuration, follows active_connectors, sends its log lines while RemoteLoggingLevel asks
// for them, and moves to new connection settings (general_configuration) or back to the old ones
// when the new ones do not connect.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "gateway/config/gateway_config.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/free_port.hpp"
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

const std::string kRemoteConnectorName = "DLMS Meters";

json remote_meter(const std::string& name, int port) {
  return {{"deviceName", name},
          {"deviceType", "Generic Meter"},
          {"pollPeriod", 500},
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

json remote_connector_file(const std::string& meter, int port) {
  return {{"name", kRemoteConnectorName}, {"devices", {remote_meter(meter, port)}}};
}

// What the page saves for a connector: the shared attribute named after it.
json page_connector(const json& file, std::int64_t ts) {
  return {{"name", kRemoteConnectorName},
          {"type", "dlms"},
          {"configuration", "dlms_connector.json"},
          {"logLevel", "INFO"},
          {"enableRemoteLogging", false},
          {"configurationJson", file},
          {"ts", ts}};
}

std::string file_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

std::size_t backups_in(const std::filesystem::path& dir) {
  std::error_code ec;
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "backup", ec)) {
    count += entry.path().filename().string().starts_with("dlms_connector.backup.") ? 1 : 0;
  }
  return count;
}

struct RemoteGateway {
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::unique_ptr<test::GatewayProcess> gateway;
  std::int64_t next_id = 900;
  // Environment of `dlmsgw run` ("NAME=value"), besides the test's own.
  std::vector<std::string> environment;

  void start(bool remote_configuration, const json& connector_file) {
    test::write_file(
        dir.path() / "tb_gateway.yaml",
        "thingsboard:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
            "\n  security: {username: " + broker.user() + ", password: " + broker.password() +
            ", clientId: dlmsgw-remote}\n  statistics: {enable: false}\n"
            "  remoteConfiguration: " +
            (remote_configuration ? "true" : "false") +
            "\nstorage: {type: memory}\nhealth: {port: 0}\nconnectors: [{name: " +
            kRemoteConnectorName + ", type: dlms, configuration: dlms_connector.json}]\n");
    test::write_file(dir.path() / "dlms_connector.json", connector_file.dump(2));
    launch();
  }
  // `dlmsgw run` on the files as they are (again, after a stop).
  void launch() {
    ASSERT_TRUE(run_until(io, [&] { return tb.connected(); })) << broker.log();
    const auto requests = tb.gateway_attribute_requests().size();
    std::vector<std::string> arguments = environment;
    arguments.insert(arguments.end(), {kBinary, "run", "-c", dir.path().string()});
    gateway = std::make_unique<test::GatewayProcess>("/usr/bin/env", arguments,
                                                     dir.path() / "dlmsgw.log");
    ASSERT_TRUE(run_until(io, [&] {
      return tb.gateway_attribute_requests().size() > requests || !gateway->running();
    })) << gateway->log();
    ASSERT_TRUE(gateway->running()) << gateway->log();
  }
  // A gateway RPC answered: everything the emulator sent before it has been handled.
  void sync() {
    const auto id = ++next_id;
    ASSERT_TRUE(tb.send_gateway_rpc(id, "gateway_ping"));
    ASSERT_TRUE(run_until(io, [&] { return tb.gateway_reply(id).has_value(); })) << gateway->log();
  }
  std::size_t frequency_values(const std::string& device) const {
    const auto found = tb.telemetry().find(device);
    return found == tb.telemetry().end() ? 0 : found->second.size();
  }
  void stop_process() {
    gateway->signal(SIGTERM);
    run_until(io, [&] { return gateway->exit_status().has_value(); });
    ASSERT_EQ(gateway->exit_status(), 0) << gateway->log();
  }
  void stop() {
    gateway->signal(SIGTERM);
    run_until(io, [&] { return gateway->exit_status().has_value(); });
    EXPECT_EQ(gateway->exit_status(), 0) << gateway->log();
    EXPECT_TRUE(tb.violations().empty()) << tb.violations().front();
  }
};

TEST(RemoteConfiguration, TheGatewayAsksForItsSharedAttributesAfterConnecting) {
  RemoteGateway g;
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  const auto keys = g.tb.gateway_attribute_requests().front();
  for (const auto* key : {"RemoteLoggingLevel", "general_configuration", "storage_configuration",
                          "logs_configuration", "active_connectors"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  EXPECT_EQ(g.tb.gateway_attributes()["general_configuration"]["remoteConfiguration"], true);
  EXPECT_TRUE(g.tb.logs().empty());

  // Changed on the platform while the gateway was away: the answer after the reconnect applies it.
  g.tb.gateway_shared_attributes["RemoteLoggingLevel"] = "INFO";
  ASSERT_TRUE(g.broker.restart());
  ASSERT_TRUE(run_until(
      g.io, [&] { return g.tb.gateway_attribute_requests().size() >= 2; }, 30s))
      << g.gateway->log();
  EXPECT_EQ(g.tb.gateway_attribute_requests().back(), keys);
  EXPECT_TRUE(run_until(g.io, [&] { return !g.tb.logs().empty(); })) << g.gateway->log();
  g.stop();
}

TEST(RemoteConfiguration, APushedConnectorTakesEffectIsEchoedAndTheSamePushRestartsNothing) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  g.start(true, remote_connector_file("Meter A", meters.port(0)));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();

  const auto file = remote_connector_file("Meter B", meters.port(0));
  const auto pushed = page_connector(file, 1767000000000);
  ASSERT_TRUE(g.tb.push_gateway_attributes({{kRemoteConnectorName, pushed}}));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter B") > 0; }))
      << g.gateway->log();
  // Meter A is no longer served: the platform is told.
  ASSERT_TRUE(run_until(g.io, [&] {
    for (const auto& d : g.tb.disconnects()) {
      if (d.value("device", "") == "Meter A") return true;
    }
    return false;
  })) << g.gateway->log();
  // Echoed with the pushed ts: the page shows the connector in sync.
  ASSERT_TRUE(run_until(g.io, [&] {
    const auto& echoed = g.tb.gateway_attributes()[kRemoteConnectorName];
    return echoed.value("ts", std::int64_t{0}) == 1767000000000;
  })) << g.tb.gateway_attributes().dump();
  EXPECT_EQ(g.tb.gateway_attributes()[kRemoteConnectorName]["configurationJson"], file);
  // On disk: the new file, owner-only, and the old one backed up.
  const auto path = g.dir.path() / "dlms_connector.json";
  EXPECT_EQ(json::parse(file_text(path)), file);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  EXPECT_EQ(backups_in(g.dir.path()), 1U);

  // The same push again (a platform re-sending after a reconnect): nothing written, nothing
  // restarted.
  const auto reloads = occurrences(g.gateway->log(), "reload done");
  const auto connects = g.tb.connects_for("Meter B");
  ASSERT_TRUE(g.tb.push_gateway_attributes({{kRemoteConnectorName, pushed}}));
  g.sync();
  EXPECT_EQ(occurrences(g.gateway->log(), "reload done"), reloads) << g.gateway->log();
  EXPECT_EQ(backups_in(g.dir.path()), 1U);
  EXPECT_EQ(g.tb.connects_for("Meter B"), connects);
  g.stop();
}

TEST(RemoteConfiguration, AnInvalidPushIsRefusedAndTheRunningConfigurationKeepsGoing) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  const auto original = remote_connector_file("Meter A", meters.port(0));
  g.start(true, original);
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();
  const auto before = file_text(g.dir.path() / "dlms_connector.json");

  auto broken = original;
  broken["devices"][0]["pollPeriod"] = "often";
  ASSERT_TRUE(g.tb.push_gateway_attributes({{kRemoteConnectorName, page_connector(broken, 5)}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes().contains("remoteConfigurationError");
  })) << g.gateway->log();
  const auto error = g.tb.gateway_attributes()["remoteConfigurationError"];
  EXPECT_EQ(error["key"], kRemoteConnectorName);
  // The validator's own words, naming the real file and the key.
  EXPECT_NE(error.value("message", "").find("pollPeriod"), std::string::npos) << error.dump();
  EXPECT_NE(error.value("message", "").find("dlms_connector.json"), std::string::npos)
      << error.dump();
  EXPECT_NE(g.gateway->log().find("refused, the running configuration is kept"), std::string::npos);
  EXPECT_EQ(file_text(g.dir.path() / "dlms_connector.json"), before);
  EXPECT_EQ(backups_in(g.dir.path()), 0U);
  const auto values = g.frequency_values("Meter A");
  EXPECT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > values + 1; }))
      << g.gateway->log();
  EXPECT_NE(g.tb.gateway_attributes()[kRemoteConnectorName].value("ts", std::int64_t{0}), 5);

  // A new connector whose file would land outside the configuration directory, with a type of
  // the wrong JSON kind: refused, nothing written.
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{"Elsewhere",
        {{"type", 7}, {"configuration", "../elsewhere.json"}, {"configurationJson", original}}}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()["remoteConfigurationError"].value("key", "") == "Elsewhere";
  })) << g.gateway->log();
  EXPECT_NE(g.tb.gateway_attributes()["remoteConfigurationError"]
                .value("message", "")
                .find("plain file name"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(g.dir.path().parent_path() / "elsewhere.json"));
  g.stop();
}

TEST(RemoteConfiguration, OffTheLocalFilesStayAuthoritative) {
  RemoteGateway g;
  const json original{{"name", kRemoteConnectorName}, {"devices", json::array()}};
  g.start(false, original);
  const auto before = file_text(g.dir.path() / "dlms_connector.json");
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{kRemoteConnectorName, page_connector(remote_connector_file("Meter Z", 1), 7)}}));
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"active_connectors", json::array()}}));
  g.sync();
  EXPECT_EQ(file_text(g.dir.path() / "dlms_connector.json"), before);
  EXPECT_NE(g.gateway->log().find("thingsboard.remoteConfiguration is false"), std::string::npos)
      << g.gateway->log();
  EXPECT_EQ(occurrences(g.gateway->log(), "reload done"), 0U);
  g.stop();
}

TEST(RemoteConfiguration, ActiveConnectorsStopsAndStartsConnectors) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  g.start(true, remote_connector_file("Meter A", meters.port(0)));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"active_connectors", json::array()}}));
  ASSERT_TRUE(run_until(g.io, [&] { return !g.tb.disconnects().empty(); })) << g.gateway->log();
  EXPECT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()["active_connectors"] == json::array();
  })) << g.tb.gateway_attributes()["active_connectors"].dump();
  const auto connects = g.tb.connects_for("Meter A");
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"active_connectors", {kRemoteConnectorName}}}));
  EXPECT_TRUE(run_until(g.io, [&] { return g.tb.connects_for("Meter A") > connects; }))
      << g.gateway->log();
  g.stop();
}

TEST(RemoteConfiguration, LogsConfigurationSetsTheComponentsLogLevels) {
  RemoteGateway g;
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  const std::string debug_line = "shared attribute 'colour' from ThingsBoard: not one dlmsgw uses";
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"colour", "blue"}}));
  g.sync();
  EXPECT_EQ(g.gateway->log().find(debug_line), std::string::npos);

  const json logs{{"local", {{"gateway", {{"logLevel", "DEBUG"}, {"filePath", "journal"}}}}},
                  {"ts", 1767000000001}};
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"logs_configuration", logs}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()["logs_configuration"].value("ts", std::int64_t{0}) ==
           1767000000001;
  })) << g.gateway->log();
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"colour", "red"}}));
  g.sync();
  EXPECT_NE(g.gateway->log().find(debug_line), std::string::npos) << g.gateway->log();

  // A level the page cannot mean: refused, naming the key.
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{"logs_configuration", {{"local", {{"gateway", {{"logLevel", "LOUD"}}}}}, {"ts", 9}}}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes().contains("remoteConfigurationError");
  })) << g.gateway->log();
  EXPECT_NE(g.tb.gateway_attributes()["remoteConfigurationError"]
                .value("message", "")
                .find("local.gateway.logLevel"),
            std::string::npos);
  g.stop();
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// What the page's General settings save: the thingsboard section, the secrets as typed (an
// empty one: not typed, the running one stays).
json page_general(std::uint16_t port, const std::string& password, std::int64_t ts) {
  return {{"host", "127.0.0.1"},
          {"port", port},
          {"remoteShell", false},
          {"remoteConfiguration", true},
          {"statistics", {{"enable", false}, {"statsSendPeriodInSeconds", 60}}},
          {"checkingDeviceActivity", {{"checkDeviceInactivity", false}}},
          {"security",
           {{"type", "usernamePassword"},
            {"username", "gateway-token"},
            {"password", password},
            {"clientId", "dlmsgw-remote"}}},
          {"ts", ts}};
}

std::size_t yaml_backups_in(const std::filesystem::path& dir) {
  std::error_code ec;
  std::size_t count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "backup", ec)) {
    const auto name = entry.path().filename().string();
    count += name.starts_with("tb_gateway.backup.") && name.ends_with(".yaml") ? 1 : 0;
  }
  return count;
}

TEST(RemoteConfiguration, NewConnectionSettingsFallBackWhenTheyDoNotConnectAndMoveWhenTheyDo) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  // The second server knows the gateway by another password, which the page sends.
  test::MosquittoBroker::Options second_options;
  second_options.password = "second-server-password";
  test::MosquittoBroker second(second_options);
  RemoteGateway g;
  test::ThingsBoardEmulator tb2{g.io, second};
  g.environment = {"DLMSGW_CONNECTION_FALLBACK_SECONDS=8"};  // a CONNACK on a loaded machine
  g.start(true, remote_connector_file("Meter A", meters.port(0)));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();
  const auto yaml = g.dir.path() / "tb_gateway.yaml";
  const auto original = file_text(yaml);

  // A port nothing listens on: after the bound, back on the old server, and the page says why.
  const auto nowhere = test::free_loopback_port();
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{"general_configuration", page_general(nowhere, "", unix_ms())}}));
  ASSERT_TRUE(run_until(
      g.io,
      [&] {
        const auto& attributes = g.tb.gateway_attributes();
        return attributes.contains("remoteConfigurationError") &&
               attributes["remoteConfigurationError"].value("key", "") == "general_configuration";
      },
      30s))
      << g.gateway->log();
  const auto why = g.tb.gateway_attributes()["remoteConfigurationError"].value("message", "");
  EXPECT_NE(why.find("127.0.0.1:" + std::to_string(nowhere)), std::string::npos) << why;
  EXPECT_NE(why.find("went back to 127.0.0.1:" + std::to_string(g.broker.port())),
            std::string::npos)
      << why;
  EXPECT_EQ(file_text(yaml), original);
  EXPECT_EQ(yaml_backups_in(g.dir.path()), 0U);
  const auto values = g.frequency_values("Meter A");
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > values + 1; }))
      << g.gateway->log();
  EXPECT_EQ(g.tb.gateway_attributes()["general_configuration"]["port"], g.broker.port());

  // The second server with its password: the gateway moves there, readings follow, and the
  // settings are written (the password to a file of its own, not into the yaml).
  const auto ts = unix_ms();
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{"general_configuration", page_general(second.port(), second.password(), ts)}}));
  ASSERT_TRUE(run_until(
      g.io, [&] { return tb2.telemetry().count("Meter A") > 0; }, 30s))
      << g.gateway->log();
  ASSERT_TRUE(run_until(g.io, [&] {
    const auto& attributes = tb2.gateway_attributes();
    return attributes.contains("general_configuration") &&
           attributes["general_configuration"].value("ts", std::int64_t{0}) == ts;
  })) << g.gateway->log();
  EXPECT_EQ(tb2.gateway_attributes()["general_configuration"]["port"], second.port());
  EXPECT_EQ(tb2.gateway_attributes()["general_configuration"].dump().find(second.password()),
            std::string::npos);
  const auto written = file_text(yaml);
  EXPECT_EQ(written.find(second.password()), std::string::npos) << written;
  EXPECT_EQ(yaml_backups_in(g.dir.path()), 1U);
  const auto secret = g.dir.path() / "credentials" / "thingsboard-password";
  EXPECT_EQ(file_text(secret), second.password() + "\n");
  struct stat info {};
  ASSERT_EQ(::stat(secret.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  // What a restart would read: the second server, its password, the connectors as they were.
  auto reread = gateway::load_gateway_config(yaml);
  ASSERT_TRUE(reread) << reread.error().message;
  EXPECT_EQ(reread->port, second.port());
  EXPECT_EQ(reread->security.password, second.password());
  ASSERT_EQ(reread->connectors.size(), 1U);
  EXPECT_EQ(reread->connectors[0].name, kRemoteConnectorName);
  const auto moved = tb2.telemetry().at("Meter A").size();
  EXPECT_TRUE(run_until(g.io, [&] { return tb2.telemetry().at("Meter A").size() > moved + 1; }))
      << g.gateway->log();

  // The same settings sent again (the platform after a reconnect): nothing moves.
  ASSERT_TRUE(tb2.push_gateway_attributes(
      {{"general_configuration", page_general(second.port(), second.password(), ts)}}));
  const auto pinged = ++g.next_id;
  ASSERT_TRUE(tb2.send_gateway_rpc(pinged, "gateway_ping"));
  ASSERT_TRUE(run_until(g.io, [&] { return tb2.gateway_reply(pinged).has_value(); }));
  EXPECT_EQ(occurrences(g.gateway->log(), "general_configuration from ThingsBoard: moving"), 2U)
      << g.gateway->log();
  EXPECT_EQ(yaml_backups_in(g.dir.path()), 1U);

  g.gateway->signal(SIGTERM);
  run_until(g.io, [&] { return g.gateway->exit_status().has_value(); });
  EXPECT_EQ(g.gateway->exit_status(), 0) << g.gateway->log();
  EXPECT_TRUE(g.tb.violations().empty()) << g.tb.violations().front();
  EXPECT_TRUE(tb2.violations().empty()) << tb2.violations().front();
}

TEST(RemoteConfiguration, TheSameStorageSettingsTouchNothingAndAChangeIsRefusedWithTheWayToDoIt) {
  RemoteGateway g;
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  auto storage = g.tb.gateway_attributes()["storage_configuration"];
  ASSERT_EQ(storage.value("type", ""), "memory") << storage.dump();
  storage["ts"] = unix_ms();
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"storage_configuration", storage}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()["storage_configuration"] == storage;
  })) << g.gateway->log();
  EXPECT_FALSE(g.tb.gateway_attributes().contains("remoteConfigurationError"));

  auto changed = storage;
  changed["type"] = "sqlite";
  changed["ts"] = unix_ms() + 1;
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"storage_configuration", changed}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes().contains("remoteConfigurationError");
  })) << g.gateway->log();
  const auto error = g.tb.gateway_attributes()["remoteConfigurationError"];
  EXPECT_EQ(error.value("key", ""), "storage_configuration");
  EXPECT_NE(error.value("message", "").find("type changed"), std::string::npos) << error.dump();
  EXPECT_NE(error.value("message", "").find("restart dlmsgw"), std::string::npos) << error.dump();
  EXPECT_EQ(g.tb.gateway_attributes()["storage_configuration"], storage);
  g.stop();
}

// Remote log lines under the connector's key that name `meter`.
std::size_t connector_lines(const test::ThingsBoardEmulator& tb, const std::string& meter) {
  std::size_t count = 0;
  for (const auto& line : tb.logs()) {
    count += line.key == kRemoteConnectorName + "_LOGS" &&
                     line.line.find("'" + meter + "'") != std::string::npos
                 ? 1
                 : 0;
  }
  return count;
}

TEST(RemoteLogs, AConnectorsRemoteLogsFollowItsEnableRemoteLoggingAndLogLevel) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  g.tb.gateway_shared_attributes["RemoteLoggingLevel"] = "INFO";
  g.start(true, remote_connector_file("Meter A", meters.port(0)));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.gateway->log().find("remote logging on") != std::string::npos;
  })) << g.gateway->log();
  EXPECT_EQ(g.tb.gateway_attributes()[kRemoteConnectorName]["enableRemoteLogging"], true);
  // Not set on the page: the connector's lines go out (a new meter's association among them).
  auto unset = page_connector(remote_connector_file("Meter B", meters.port(0)), unix_ms());
  unset.erase("enableRemoteLogging");
  unset.erase("logLevel");
  ASSERT_TRUE(g.tb.push_gateway_attributes({{kRemoteConnectorName, unset}}));
  ASSERT_TRUE(run_until(g.io, [&] { return connector_lines(g.tb, "Meter B") > 0; }))
      << g.gateway->log();

  // Switched off on the page: the next meter's association is not sent. Meter A's lines from
  // the start may have gone out (when its association came after remote logging was on): they are
  // the baseline, taken after a send period so that none is still on its way.
  run_until(
      g.io, [] { return false; }, 1500ms);
  const std::size_t meter_a_before = connector_lines(g.tb, "Meter A");
  auto off = page_connector(remote_connector_file("Meter A", meters.port(0)), unix_ms());
  off["enableRemoteLogging"] = false;
  ASSERT_TRUE(g.tb.push_gateway_attributes({{kRemoteConnectorName, off}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return occurrences(g.gateway->log(), "'Meter A' 127.0.0.1") >= 2;  // associated again
  })) << g.gateway->log();
  run_until(
      g.io, [] { return false; }, 1500ms);  // a send period
  EXPECT_EQ(connector_lines(g.tb, "Meter A"), meter_a_before);

  // On again, from WARNING: info lines stay home; then from INFO: they go out.
  auto warning = page_connector(remote_connector_file("Meter C", meters.port(0)), unix_ms());
  warning["enableRemoteLogging"] = true;
  warning["logLevel"] = "WARNING";
  ASSERT_TRUE(g.tb.push_gateway_attributes({{kRemoteConnectorName, warning}}));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter C") > 0; }))
      << g.gateway->log();
  run_until(
      g.io, [] { return false; }, 1500ms);
  EXPECT_EQ(connector_lines(g.tb, "Meter C"), 0U);
  auto info = page_connector(remote_connector_file("Meter D", meters.port(0)), unix_ms());
  info["enableRemoteLogging"] = true;
  info["logLevel"] = "INFO";
  ASSERT_TRUE(g.tb.push_gateway_attributes({{kRemoteConnectorName, info}}));
  EXPECT_TRUE(run_until(g.io, [&] { return connector_lines(g.tb, "Meter D") > 0; }))
      << g.gateway->log();
  g.stop();
}

// Log lines of the gateway component ("SIGHUP: reading the connector files again").
std::size_t sighup_lines(const test::ThingsBoardEmulator& tb) {
  std::size_t count = 0;
  for (const auto& line : tb.logs()) {
    count += line.key == "LOGS" && line.line.find("SIGHUP") != std::string::npos ? 1 : 0;
  }
  return count;
}

TEST(RemoteLogs, InfoLinesGoOutWhileAskedForAndStopAtNone) {
  RemoteGateway g;
  // Set on the page before the gateway started: the answer to its request turns them on.
  g.tb.gateway_shared_attributes["RemoteLoggingLevel"] = "INFO";
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  ASSERT_TRUE(run_until(g.io, [&] { return !g.tb.logs().empty(); })) << g.gateway->log();
  g.gateway->signal(SIGHUP);
  ASSERT_TRUE(run_until(g.io, [&] { return sighup_lines(g.tb) > 0; })) << g.gateway->log();
  for (const auto& line : g.tb.logs()) {
    EXPECT_NE(line.line.find(" - |"), std::string::npos) << line.line;
    EXPECT_EQ(line.line.find(g.broker.password()), std::string::npos) << "a secret went out";
  }
  bool service_key = false;
  for (const auto& line : g.tb.logs()) {
    if (line.key == "SERVICE_LOGS" && line.line.find("|INFO|") != std::string::npos) {
      service_key = true;
    }
  }
  EXPECT_TRUE(service_key);
  EXPECT_EQ(g.tb.gateway_attributes().value("RemoteLoggingLevel", ""), "INFO");

  ASSERT_TRUE(g.tb.push_gateway_attributes({{"RemoteLoggingLevel", "NONE"}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    for (const auto& line : g.tb.logs()) {
      if (line.line.find("remote logging off") != std::string::npos) return true;
    }
    return false;
  })) << g.gateway->log();
  const auto sighups = sighup_lines(g.tb);
  g.gateway->signal(SIGHUP);
  ASSERT_TRUE(run_until(g.io, [&] {
    return occurrences(g.gateway->log(), "SIGHUP: reading") >= 2;
  })) << g.gateway->log();
  g.sync();
  run_until(
      g.io, [] { return false; }, 1500ms);  // a send period: nothing more may come
  EXPECT_EQ(sighup_lines(g.tb), sighups);

  // Deleting the attribute on the page turns them off too.
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"RemoteLoggingLevel", "INFO"}}));
  // On again only once the gateway says so: a SIGHUP before would be logged while still off.
  ASSERT_TRUE(run_until(g.io, [&] {
    return occurrences(g.gateway->log(), "remote logging on") >= 2;
  })) << g.gateway->log();
  g.gateway->signal(SIGHUP);
  ASSERT_TRUE(run_until(g.io, [&] { return sighup_lines(g.tb) > sighups; })) << g.gateway->log();
  ASSERT_TRUE(g.tb.delete_gateway_attributes({"RemoteLoggingLevel"}));
  g.sync();
  const auto after_delete = g.tb.logs().size();
  run_until(
      g.io, [] { return false; }, 1500ms);
  const auto settled = g.tb.logs().size();
  g.gateway->signal(SIGHUP);
  ASSERT_TRUE(run_until(g.io, [&] {
    return occurrences(g.gateway->log(), "SIGHUP: reading") >= 4;
  })) << g.gateway->log();
  run_until(
      g.io, [] { return false; }, 1500ms);
  EXPECT_LE(settled - after_delete, 2U);  // the "off" line itself
  EXPECT_EQ(g.tb.logs().size(), settled);
  g.stop();
}

// The key of the last remoteConfigurationError ("" when none).
std::string refused_key(const test::ThingsBoardEmulator& tb) {
  const auto& attributes = tb.gateway_attributes();
  const auto error = attributes.find("remoteConfigurationError");
  return error != attributes.end() && error->is_object() ? error->value("key", "") : "";
}

// An editor's save: the new text in a file beside it, renamed over the old one.
void save_as_an_editor_does(const std::filesystem::path& file, const std::string& text) {
  const auto swap = file.parent_path() / ("." + file.filename().string() + ".swp");
  test::write_file(swap, text);
  std::filesystem::rename(swap, file);
}

TEST(LocalConfigurationEdit, AnEditedConnectorFileIsTakenAndPublishedWithoutSighup) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  // Remote configuration off: the local files are authoritative, and the page must show them.
  g.start(false, remote_connector_file("Meter A", meters.port(0)));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();
  const auto path = g.dir.path() / "dlms_connector.json";

  const auto edited = remote_connector_file("Meter B", meters.port(0));
  save_as_an_editor_does(path, edited.dump(2));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter B") > 0; }))
      << g.gateway->log();
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()[kRemoteConnectorName]["configurationJson"] == edited;
  })) << g.tb.gateway_attributes().dump();
  EXPECT_EQ(g.gateway->log().find("SIGHUP"), std::string::npos) << g.gateway->log();
  EXPECT_EQ(occurrences(g.gateway->log(), "reload done"), 1U) << g.gateway->log();

  // Written in place and invalid: refused with the reader's message, the running one goes on.
  auto broken = edited;
  broken["devices"][0]["pollPeriod"] = "often";
  test::write_file(path, broken.dump(2));
  ASSERT_TRUE(run_until(g.io, [&] { return refused_key(g.tb) == kRemoteConnectorName; }))
      << g.gateway->log();
  const auto why = g.tb.gateway_attributes()["remoteConfigurationError"].value("message", "");
  EXPECT_NE(why.find("pollPeriod"), std::string::npos) << why;
  EXPECT_NE(why.find("dlms_connector.json"), std::string::npos) << why;
  EXPECT_NE(g.gateway->log().find("refused, the running configuration is kept"), std::string::npos)
      << g.gateway->log();
  const auto values = g.frequency_values("Meter B");
  EXPECT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter B") > values + 1; }))
      << g.gateway->log();
  EXPECT_EQ(g.tb.gateway_attributes()[kRemoteConnectorName]["configurationJson"], edited);
  EXPECT_EQ(occurrences(g.gateway->log(), "reload done"), 1U) << g.gateway->log();
  g.stop();
}

TEST(LocalConfigurationEdit,
     AFileTheGatewayWroteForThePageReloadsOnlyOnceAndALaterLocalEditStands) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  g.start(true, remote_connector_file("Meter A", meters.port(0)));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{kRemoteConnectorName,
        page_connector(remote_connector_file("Meter B", meters.port(0)), 1767000000000)}}));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter B") > 0; }))
      << g.gateway->log();
  run_until(
      g.io, [] { return false; }, 1500ms);  // past the watch's debounce
  g.sync();
  EXPECT_EQ(occurrences(g.gateway->log(), "reload done"), 1U) << g.gateway->log();
  EXPECT_EQ(g.gateway->log().find("local edit of"), std::string::npos) << g.gateway->log();
  EXPECT_EQ(g.tb.gateway_attributes()[kRemoteConnectorName].value("ts", std::int64_t{0}),
            1767000000000);

  // Edited locally afterwards, then the platform sends the page's (older) save again, as after a
  // reconnect: handled already, the local edit stands.
  const auto path = g.dir.path() / "dlms_connector.json";
  const auto edited = remote_connector_file("Meter C", meters.port(0));
  save_as_an_editor_does(path, edited.dump(2));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter C") > 0; }))
      << g.gateway->log();
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{kRemoteConnectorName,
        page_connector(remote_connector_file("Meter B", meters.port(0)), 1767000000000)}}));
  g.sync();
  EXPECT_NE(g.gateway->log().find("was handled already"), std::string::npos) << g.gateway->log();
  EXPECT_EQ(json::parse(file_text(path)), edited);
  EXPECT_EQ(occurrences(g.gateway->log(), "reload done"), 2U) << g.gateway->log();
  g.stop();
}

TEST(LocalConfigurationEdit, AnEditedGatewayFileStartsItsNewConnectorAndABrokenOneIsRefused) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  g.start(false, remote_connector_file("Meter A", meters.port(0)));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter A") > 0; }))
      << g.gateway->log();
  const auto yaml = g.dir.path() / "tb_gateway.yaml";
  const auto original = file_text(yaml);
  test::write_file(
      g.dir.path() / "second.json",
      json{{"name", "Second"}, {"devices", {remote_meter("Meter C", meters.port(0))}}}.dump(2));
  auto with_second = original;
  with_second.replace(with_second.find("connectors: ["), std::string_view("connectors: [").size(),
                      "connectors: [{name: Second, type: dlms, configuration: second.json}, ");
  save_as_an_editor_does(yaml, with_second);
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter C") > 0; }))
      << g.gateway->log();
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()["active_connectors"].size() == 2 &&
           g.tb.gateway_attributes().contains("Second");
  })) << g.tb.gateway_attributes().dump();
  EXPECT_EQ(g.gateway->log().find("SIGHUP"), std::string::npos) << g.gateway->log();

  auto broken = with_second;
  broken.replace(broken.find("type: memory"), std::string_view("type: memory").size(),
                 "type: floppy");
  test::write_file(yaml, broken);
  ASSERT_TRUE(run_until(g.io, [&] { return refused_key(g.tb) == "tb_gateway.yaml"; }))
      << g.gateway->log();
  EXPECT_NE(
      g.tb.gateway_attributes()["remoteConfigurationError"].value("message", "").find("floppy"),
      std::string::npos)
      << g.tb.gateway_attributes()["remoteConfigurationError"].dump();
  const auto values = g.frequency_values("Meter C");
  EXPECT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter C") > values + 1; }))
      << g.gateway->log();
  EXPECT_EQ(g.tb.gateway_attributes()["active_connectors"].size(), 2U);
  g.stop();
}

TEST(RemoteConfiguration, AConnectorCreatedOnThePageIsAddedToTheGatewayFileAndRunsAfterARestart) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  const json created{{"name", "Created"}, {"devices", {remote_meter("Meter N", meters.port(0))}}};
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"Created",
                                             {{"name", "Created"},
                                              {"type", "dlms"},
                                              {"configuration", "created.json"},
                                              {"configurationJson", created},
                                              {"ts", 1767000000123}}}}));
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter N") > 0; }))
      << g.gateway->log();
  const auto yaml = g.dir.path() / "tb_gateway.yaml";
  auto reread = gateway::load_gateway_config(yaml);
  ASSERT_TRUE(reread) << reread.error().message;
  ASSERT_EQ(reread->connectors.size(), 2U) << file_text(yaml);
  EXPECT_EQ(reread->connectors[1].name, "Created");
  EXPECT_EQ(reread->connectors[1].configuration.filename(), "created.json");
  EXPECT_EQ(reread->port, g.broker.port());
  EXPECT_EQ(yaml_backups_in(g.dir.path()), 1U);
  struct stat info {};
  ASSERT_EQ(::stat(yaml.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600U);
  run_until(
      g.io, [] { return false; }, 1500ms);  // past the file watch's debounce: no second reload
  g.sync();
  EXPECT_EQ(occurrences(g.gateway->log(), "reload done"), 1U) << g.gateway->log();

  // Restarted while the platform does not answer: the connector runs from the files alone.
  g.stop_process();
  g.tb.answer_attribute_requests = false;
  g.launch();
  const auto before = g.frequency_values("Meter N");
  EXPECT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter N") > before; }))
      << g.gateway->log();
  g.stop();
}

TEST(RemoteConfiguration, AGeneralConfigurationPushIsJudgedByItsTsNotByTheFilesClock) {
  RemoteGateway g;
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  auto general = g.tb.gateway_attributes()["general_configuration"];
  general["statistics"]["statsSendPeriodInSeconds"] = 120;
  general["ts"] = 1000;  // the platform's clock far behind ours: "before" the file was written
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"general_configuration", general}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()["general_configuration"].value("ts", std::int64_t{0}) == 1000;
  })) << g.gateway->log();
  const auto yaml = g.dir.path() / "tb_gateway.yaml";
  auto reread = gateway::load_gateway_config(yaml);
  ASSERT_TRUE(reread) << reread.error().message;
  EXPECT_EQ(reread->statistics_period, std::chrono::seconds(120));

  // The operator edits the file while dlmsgw is stopped; after the restart the platform sends
  // the same push again: handled already, the edit stands.
  g.stop_process();
  auto text = file_text(yaml);
  const std::string was = "statsSendPeriodInSeconds: 120";
  ASSERT_NE(text.find(was), std::string::npos) << text;
  text.replace(text.find(was), was.size(), "statsSendPeriodInSeconds: 90");
  test::write_file(yaml, text);
  g.tb.gateway_shared_attributes["general_configuration"] = general;
  g.launch();
  g.sync();
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.gateway->log().find("was handled already") != std::string::npos;
  })) << g.gateway->log();
  reread = gateway::load_gateway_config(yaml);
  ASSERT_TRUE(reread) << reread.error().message;
  EXPECT_EQ(reread->statistics_period, std::chrono::seconds(90));
  g.stop();
}

TEST(RemoteConfiguration, ConnectorsPushedBackToBackAreWrittenInTheirOrder) {
  test::SimulatorProcess meters(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(meters.ready());
  RemoteGateway g;
  g.start(true, remote_connector_file("Meter A", meters.port(0)));
  // Three saves in a row, the second while the first is being written.
  for (const auto& [meter, ts] : {std::pair<std::string, std::int64_t>{"Meter B", 1767000000001},
                                  {"Meter C", 1767000000002},
                                  {"Meter D", 1767000000003}}) {
    ASSERT_TRUE(g.tb.push_gateway_attributes(
        {{kRemoteConnectorName,
          page_connector(remote_connector_file(meter, meters.port(0)), ts)}}));
  }
  ASSERT_TRUE(run_until(g.io, [&] { return g.frequency_values("Meter D") > 0; }))
      << g.gateway->log();
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()[kRemoteConnectorName].value("ts", std::int64_t{0}) ==
           1767000000003;
  })) << g.tb.gateway_attributes().dump();
  EXPECT_EQ(json::parse(file_text(g.dir.path() / "dlms_connector.json")),
            remote_connector_file("Meter D", meters.port(0)));
  EXPECT_EQ(backups_in(g.dir.path()), 3U);
  g.stop();
}

TEST(RemoteConfiguration, LogFileSettingsAreRefusedWithTheReasonAndTheLevelsApplied) {
  RemoteGateway g;
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  const std::string debug_line = "shared attribute 'colour' from ThingsBoard: not one dlmsgw uses";
  // The Python gateway's logging dictionary, as its logs.json holds it.
  const json logs{
      {"version", 1},
      {"handlers",
       {{"consoleHandler", {{"class", "logging.StreamHandler"}, {"level", 0}}},
        {"serviceHandler",
         {{"class",
           "thingsboard_gateway.tb_utility.tb_rotating_file_handler."
           "TimedRotatingFileHandler"},
          {"filename", "./logs/service.log"},
          {"backupCount", 7},
          {"interval", 3},
          {"when", "D"}}}}},
      {"loggers",
       {{"service", {{"handlers", {"serviceHandler", "consoleHandler"}}, {"level", "DEBUG"}}}}},
      {"ts", 1767000000042}};
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"logs_configuration", logs}}));
  ASSERT_TRUE(run_until(g.io, [&] { return refused_key(g.tb) == "logs_configuration"; }))
      << g.gateway->log();
  const auto why = g.tb.gateway_attributes()["remoteConfigurationError"].value("message", "");
  EXPECT_NE(why.find("handlers.serviceHandler"), std::string::npos) << why;
  EXPECT_NE(why.find("./logs/service.log"), std::string::npos) << why;
  EXPECT_NE(why.find("journal"), std::string::npos) << why;
  // Echoed as applied: the level, without the file.
  const auto echoed = g.tb.gateway_attributes()["logs_configuration"];
  EXPECT_EQ(echoed.value("ts", std::int64_t{0}), 1767000000042) << echoed.dump();
  EXPECT_FALSE(echoed["handlers"].contains("serviceHandler")) << echoed.dump();
  EXPECT_EQ(echoed["loggers"]["service"]["handlers"], json::array({"consoleHandler"}));
  EXPECT_FALSE(std::filesystem::exists(g.dir.path() / "logs"));
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"colour", "red"}}));
  g.sync();
  EXPECT_NE(g.gateway->log().find(debug_line), std::string::npos) << g.gateway->log();

  // The page's own form: a level by the Python logger name, a file path: the same.
  const json page{{"local",
                   {{"tb_connection",
                     {{"logLevel", "ERROR"},
                      {"filePath", "./logs"},
                      {"backupCount", 7},
                      {"savingTime", 3},
                      {"savingPeriod", "D"}}}}},
                  {"ts", 1767000000043}};
  ASSERT_TRUE(g.tb.push_gateway_attributes({{"logs_configuration", page}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    return g.tb.gateway_attributes()["logs_configuration"].value("ts", std::int64_t{0}) ==
           1767000000043;
  })) << g.gateway->log();
  EXPECT_EQ(g.tb.gateway_attributes()["logs_configuration"]["local"]["tb_connection"],
            (json{{"logLevel", "ERROR"}, {"filePath", "journal"}}));
  // Published right after the echo, in a message of its own.
  EXPECT_TRUE(run_until(g.io, [&] {
    return refused_key(g.tb) == "logs_configuration" &&
           g.tb.gateway_attributes()["remoteConfigurationError"]
                   .value("message", "")
                   .find("local.tb_connection.filePath \"./logs\"") != std::string::npos;
  })) << g.tb.gateway_attributes().dump();
  EXPECT_NE(g.gateway->log().find("log level of 'mqtt' set to err"), std::string::npos)
      << g.gateway->log();
  g.stop();
}

// Review of issue 17, findings 6 and 5: a commit that fails on the disk (here the connector's
// file is a symlink loop: ELOOP) is refused with the reason, never ends the process, and leaves
// the push's ts unrecorded: the same push, re-sent once the file is fixed, is applied.
TEST(RemoteConfiguration, ACommitFailingOnTheDiskIsRefusedAndTheSamePushIsAppliedLater) {
  RemoteGateway g;
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  const auto loop = g.dir.path() / "loop.json";
  std::filesystem::create_symlink("loop.json", loop);
  const json push{{"Loop",
                   {{"name", "Loop"},
                    {"type", "dlms"},
                    {"configuration", "loop.json"},
                    {"configurationJson", {{"name", "Loop"}, {"devices", json::array()}}},
                    {"ts", 1767000000077}}}};
  ASSERT_TRUE(g.tb.push_gateway_attributes(push));
  ASSERT_TRUE(run_until(g.io, [&] { return refused_key(g.tb) == "Loop" || !g.gateway->running(); }))
      << g.gateway->log();
  ASSERT_TRUE(g.gateway->running()) << g.gateway->log();
  g.sync();

  std::filesystem::remove(loop);
  ASSERT_TRUE(g.tb.push_gateway_attributes(push));
  ASSERT_TRUE(run_until(g.io, [&] {
    const auto attributes = g.tb.gateway_attributes();
    return attributes.contains("Loop") &&
           attributes["Loop"].value("ts", std::int64_t{0}) == 1767000000077;
  })) << g.gateway->log();
  EXPECT_EQ(g.gateway->log().find("was handled already"), std::string::npos) << g.gateway->log();
  EXPECT_TRUE(std::filesystem::is_regular_file(g.dir.path() / "loop.json"));
  g.stop();
}

// Review of issue 17, finding 2: an operator saves tb_gateway.yaml and, before the file watch
// has taken the save, a connector created on the page is added to the file: the gateway's own
// write keeps the operator's text, and the save is still taken as a local edit (not swallowed as
// "what runs").
TEST(LocalConfigurationEdit, AnEditNotTakenYetWhenTheGatewayWritesTheFileIsStillTaken) {
  RemoteGateway g;
  g.environment.push_back("DLMSGW_CONFIG_WATCH_DEBOUNCE_MS=2500");
  g.start(true, json{{"name", kRemoteConnectorName}, {"devices", json::array()}});
  const auto yaml = g.dir.path() / "tb_gateway.yaml";
  auto edited = file_text(yaml);
  edited += "logging: {levels: {http: debug}}\n";
  test::write_file(yaml, edited);
  ASSERT_TRUE(g.tb.push_gateway_attributes(
      {{"Created",
        {{"name", "Created"},
         {"type", "dlms"},
         {"configuration", "created.json"},
         {"configurationJson", {{"name", "Created"}, {"devices", json::array()}}},
         {"ts", 1767000000088}}}}));
  ASSERT_TRUE(run_until(g.io, [&] {
    auto reread = gateway::load_gateway_config(yaml);
    return reread && reread->connectors.size() == 2U;
  })) << g.gateway->log();
  auto reread = gateway::load_gateway_config(yaml);
  ASSERT_TRUE(reread) << reread.error().message;
  EXPECT_EQ(reread->logging.levels["http"], "debug") << file_text(yaml);
  EXPECT_TRUE(run_until(g.io, [&] {
    return g.gateway->log().find("log level of 'http' now debug") != std::string::npos;
  })) << g.gateway->log();
  g.stop();
}

}  // namespace
}  // namespace dlmsgw
