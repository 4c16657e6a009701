#include "connectors/dlms/dlms_connector_config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <string>

#include "dlms/server/server_config.hpp"
#include "dlms/server/simulated_meter.hpp"
#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using client::Authentication;
using client::Security;
using client::Transport;
using std::chrono::milliseconds;

// The user's file, exactly as reference/user-meter.md gives it.
constexpr const char* kUserFile = R"({"name": "DLMS Connector", "type": "dlms", "logLevel": "INFO",
 "devices": [{"name": "medidor_principal", "deviceType": "DLMS_Energy_Meter", "host": "192.168.1.127",
   "port": 3333, "pollingInterval": 5000,
   "measurements": ["voltage_l1", "current_l1", "active_power", "reactive_power", "frequency", "active_energy"],
   "attributesMapping": {"host": "${host}", "port": "${port}", "meter_type": "DLMS/COSEM"},
   "timeseriesMapping": {"voltage_l1": "${voltage_l1}"}}],
 "connectionTimeout": 10, "requestTimeout": 5, "reconnectDelay": 5, "maxReconnectAttempts": 10,
 "watchdog": {"enabled": true, "maxConsecutiveErrors": 15, "maxConsecutiveReadFailures": 10,
              "maxSilenceMinutes": 10, "reconnectOnError": true},
 "circuitBreaker": {"enabled": true, "maxReconnectsPerHour": 10, "pauseMinutes": 5}})";

Expected<DlmsConnectorConfig> parse(const std::string& text) {
  return parse_dlms_connector_config(text, "dlms_connector.json");
}

// A parse that must fail with every fragment in its message.
void expect_error(const std::string& text, std::initializer_list<const char*> fragments) {
  auto config = parse(text);
  ASSERT_FALSE(config) << text;
  for (const char* fragment : fragments) {
    EXPECT_NE(config.error().message.find(fragment), std::string::npos)
        << "'" << fragment << "' not in: " << config.error().message;
  }
}

// One simple-form device with `extra` keys, for the error cases.
std::string simple_device(const std::string& extra) {
  return R"({"devices": [{"name": "m", "host": "10.0.0.1", "measurements": ["voltage_l1"])" +
         extra + "}]}";
}

// One full-form device with `extra` device keys and `connection` keys.
std::string full_device(const std::string& extra, const std::string& connection = "") {
  return R"({"devices": [{"deviceName": "m", "connection": {"host": "10.0.0.1")" + connection +
         "}" + extra + "}]}";
}

const PointConfig* find_point(const std::vector<PointConfig>& points, const std::string& key) {
  const auto it = std::find_if(points.begin(), points.end(),
                               [&](const PointConfig& point) { return point.key == key; });
  return it == points.end() ? nullptr : &*it;
}

const gateway::TelemetryValue* find_static(const DeviceConfig& device, const std::string& key) {
  for (const auto& point : device.static_attributes) {
    if (point.key == key) return &point.value;
  }
  return nullptr;
}

xdlms::CosemAttributeDescriptor descriptor(std::uint16_t class_id, const char* obis,
                                           std::int8_t attribute = 2) {
  return {class_id, *ObisCode::parse(obis), attribute};
}

void expect_users_model(const DlmsConnectorConfig& config) {
  EXPECT_EQ(config.name, "DLMS Connector");
  EXPECT_EQ(config.max_concurrent_polls, 32u);
  EXPECT_TRUE(config.warnings.empty()) << config.warnings.front();
  ASSERT_EQ(config.devices.size(), 1u);
  const DeviceConfig& device = config.devices[0];
  EXPECT_EQ(device.name, "medidor_principal");
  EXPECT_EQ(device.type, "DLMS_Energy_Meter");
  EXPECT_EQ(device.poll_period, milliseconds(5000));

  // The addressing and password their connector hard-coded: the defaults of the simple form.
  const auto& connection = device.connection;
  EXPECT_EQ(connection.name, "medidor_principal");
  EXPECT_EQ(connection.transport, Transport::hdlc);
  const auto* tcp = std::get_if<client::TcpTarget>(&connection.endpoint);
  ASSERT_NE(tcp, nullptr);
  EXPECT_EQ(tcp->host, "192.168.1.127");
  EXPECT_EQ(tcp->port, 3333);
  EXPECT_EQ(connection.client_address, 1);
  EXPECT_EQ(connection.server_logical, 0);
  EXPECT_EQ(connection.server_physical, 1);
  EXPECT_EQ(connection.server_address_size, 1u);
  EXPECT_EQ(connection.authentication, Authentication::low);
  EXPECT_EQ(connection.password, "22222222");
  EXPECT_EQ(connection.security, Security::none);
  EXPECT_EQ(connection.timeouts.connect, milliseconds(10'000));
  EXPECT_EQ(connection.timeouts.response, milliseconds(5'000));

  // B field 1: the meter does not answer 1-0:...
  ASSERT_EQ(device.timeseries.size(), 6u);
  const char* keys[] = {"voltage_l1",     "current_l1", "active_power",
                        "reactive_power", "frequency",  "active_energy"};
  for (std::size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(device.timeseries[i].key, keys[i]);
    EXPECT_EQ(device.timeseries[i].poll_period, milliseconds(5000));
    EXPECT_EQ(device.timeseries[i].report_strategy, ReportStrategy{});
    EXPECT_EQ(device.timeseries[i].multiplier, 1.0);
    EXPECT_EQ(device.timeseries[i].divider, 1.0);
    EXPECT_FALSE(device.timeseries[i].round);
  }
  EXPECT_EQ(device.timeseries[0].attribute, descriptor(3, "1-1:32.7.0"));
  EXPECT_EQ(device.timeseries[1].attribute, descriptor(3, "1-1:31.7.0"));
  EXPECT_EQ(device.timeseries[5].attribute, descriptor(3, "1-1:1.8.0"));

  // attributesMapping: ${host} and ${port} substituted, the rest as written.
  EXPECT_TRUE(device.attributes.empty());
  ASSERT_EQ(device.static_attributes.size(), 3u);
  EXPECT_EQ(*find_static(device, "host"), gateway::TelemetryValue(std::string("192.168.1.127")));
  EXPECT_EQ(*find_static(device, "port"), gateway::TelemetryValue(std::string("3333")));
  EXPECT_EQ(*find_static(device, "meter_type"), gateway::TelemetryValue(std::string("DLMS/COSEM")));

  // Watchdog: read failures (10) rather than errors (15); seconds and minutes converted.
  EXPECT_TRUE(device.watchdog.enabled);
  EXPECT_EQ(device.watchdog.max_consecutive_failures, 10u);
  EXPECT_EQ(device.watchdog.max_silence, std::chrono::minutes(10));
  EXPECT_TRUE(device.circuit_breaker.enabled);
  EXPECT_EQ(device.circuit_breaker.max_reconnects_per_hour, 10u);
  EXPECT_EQ(device.circuit_breaker.pause, std::chrono::minutes(5));
  EXPECT_EQ(device.retry.reconnect_delay, milliseconds(5000));
  EXPECT_EQ(device.retry.max_reconnect_attempts, 10u);
  EXPECT_TRUE(device.publish_clock_offset);
  EXPECT_FALSE(device.device_token);
  EXPECT_TRUE(device.attribute_updates.empty());
  EXPECT_TRUE(device.rpc.empty());
}

// Meters configured alike share one list of points (about 1 KB a meter of 10 points otherwise,
// issue 18 item 4); a change to one copies it first.
TEST(DlmsConnectorConfig, DevicesConfiguredAlikeShareTheirPoints) {
  auto config = parse(R"({"devices": [
    {"name": "a", "host": "10.0.0.1", "measurements": ["voltage_l1", "frequency"]},
    {"name": "b", "host": "10.0.0.2", "measurements": ["voltage_l1", "frequency"]},
    {"name": "c", "host": "10.0.0.3", "measurements": ["voltage_l1"]},
    {"name": "d", "host": "10.0.0.4", "measurements": ["voltage_l1", "frequency"],
     "pollingInterval": 1000}]})");
  ASSERT_TRUE(config) << config.error().message;
  auto& devices = config->devices;
  ASSERT_EQ(devices.size(), 4u);
  EXPECT_TRUE(devices[0].timeseries.shares_with(devices[1].timeseries));
  EXPECT_FALSE(devices[0].timeseries.shares_with(devices[2].timeseries));
  EXPECT_FALSE(devices[0].timeseries.shares_with(devices[3].timeseries));  // another period
  EXPECT_NE(devices[0].timeseries, devices[3].timeseries);
  EXPECT_EQ(devices[0], DeviceConfig(devices[0]));
  devices[1].timeseries[0].key = "u1";
  EXPECT_FALSE(devices[0].timeseries.shares_with(devices[1].timeseries));
  EXPECT_EQ(devices[0].timeseries[0].key, "voltage_l1");
  EXPECT_EQ(devices[1].timeseries[0].key, "u1");
  EXPECT_EQ(devices[1].timeseries[1].key, "frequency");
}

// The report filter tells a point's slot by the list it lies in: a device's timeseries and
// attributes stay two lists even when equal (a review of the sharing found them merged).
TEST(DlmsConnectorConfig, EqualTimeseriesAndAttributesOfADeviceAreNotOneList) {
  auto config = parse(R"({"devices": [
    {"deviceName": "a", "connection": {"host": "h"}, "pollPeriod": 60, "attributePollPeriod": 60,
     "timeseries": [{"key": "v", "obis": "1-0:32.7.0", "pollPeriod": 60}],
     "attributes": [{"key": "v", "obis": "1-0:32.7.0", "pollPeriod": 60}]}]})");
  ASSERT_TRUE(config) << config.error().message;
  const auto& device = config->devices.at(0);
  ASSERT_EQ(device.timeseries, device.attributes);  // equal, so the pool would have merged them
  EXPECT_FALSE(device.timeseries.shares_with(device.attributes));
}

// The file is read device by device, never as one whole tree (issue 18 item 4): 2,000 devices
// in two kinds come out in order, each with its connector-level settings, alike ones sharing.
TEST(DlmsConnectorConfig, ALargeFileIsReadDeviceByDevice) {
  constexpr std::size_t kDevices = 2000;
  std::string text = R"({"name": "big", "reportStrategy": {"type": "ON_CHANGE"}, "devices": [)";
  for (std::size_t i = 0; i < kDevices; ++i) {
    if (i > 0) text += ",\n";
    const auto n = std::to_string(i);
    if (i % 2 == 0) {
      text += R"({"deviceName": "meter-)" + n +
              R"(", "connection": {"host": "10.0.0.1", "port": )" + std::to_string(2000 + i) +
              R"(}, "pollPeriod": 15000, "timeseries": [{"key": "v", "obis": "1-0:32.7.0"},
               {"key": "e", "obis": "1-0:1.8.0", "classId": 3}]})";
    } else {
      text += R"({"name": "meter-)" + n + R"(", "host": "10.0.0.2", "port": )" +
              std::to_string(2000 + i) + R"(, "measurements": ["voltage_l1", "frequency"]})";
    }
  }
  text += R"(], "watchdog": {"maxConsecutiveFailures": 4}, "maxConcurrentPolls": 64})";
  auto config = parse(text);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->warnings.empty());
  EXPECT_EQ(config->name, "big");
  EXPECT_EQ(config->max_concurrent_polls, 64u);
  ASSERT_EQ(config->devices.size(), kDevices);
  const auto& first_full = config->devices[0];
  const auto& first_simple = config->devices[1];
  ASSERT_EQ(first_full.timeseries.size(), 2u);
  EXPECT_EQ(first_full.timeseries[1].attribute, descriptor(3, "1-0:1.8.0"));
  EXPECT_EQ(first_full.timeseries[1].poll_period, milliseconds(15000));
  ASSERT_EQ(first_simple.timeseries.size(), 2u);
  for (std::size_t i = 0; i < kDevices; ++i) {
    const auto& device = config->devices[i];
    ASSERT_EQ(device.name, "meter-" + std::to_string(i));
    const auto* tcp = std::get_if<client::TcpTarget>(&device.connection.endpoint);
    ASSERT_NE(tcp, nullptr) << device.name;
    EXPECT_EQ(tcp->port, 2000 + i) << device.name;
    EXPECT_EQ(device.watchdog.max_consecutive_failures, 4u) << device.name;
    const auto& like = i % 2 == 0 ? first_full : first_simple;
    if (i > 1) {
      EXPECT_TRUE(device.timeseries.shares_with(like.timeseries)) << device.name;
    }
    for (const auto& point : device.timeseries) {
      EXPECT_EQ(point.report_strategy.type, ReportStrategyType::on_change) << device.name;
    }
  }
}

// "devices" may come before the connector-level settings: they still apply to every device.
TEST(DlmsConnectorConfig, ConnectorSettingsAfterTheDevicesStillApply) {
  auto config = parse(R"({"devices": [
      {"deviceName": "a", "connection": {"host": "h"}, "timeseries": [{"key": "voltage_l1"}]},
      {"name": "b", "host": "h", "measurements": ["voltage_l1"]}],
    "connectionTimeout": 2.5, "requestTimeout": 0.5, "reconnectDelay": 7,
    "maxReconnectAttempts": 3, "circuitBreaker": {"enabled": false},
    "reportStrategy": {"type": "ON_REPORT_PERIOD", "reportPeriod": 30000},
    "name": "late", "maxConcurrentPolls": 5})");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->warnings.empty());
  EXPECT_EQ(config->name, "late");
  EXPECT_EQ(config->max_concurrent_polls, 5u);
  ASSERT_EQ(config->devices.size(), 2u);
  const ReportStrategy connector{ReportStrategyType::on_report_period, milliseconds(30000)};
  for (const auto& device : config->devices) {
    EXPECT_EQ(device.connection.timeouts.connect, milliseconds(2500)) << device.name;
    EXPECT_EQ(device.retry.reconnect_delay, milliseconds(7000)) << device.name;
    EXPECT_EQ(device.retry.max_reconnect_attempts, 3u) << device.name;
    EXPECT_FALSE(device.circuit_breaker.enabled) << device.name;
    ASSERT_EQ(device.timeseries.size(), 1u) << device.name;
    EXPECT_EQ(device.timeseries[0].report_strategy, connector) << device.name;
  }
  EXPECT_EQ(config->devices[1].connection.timeouts.response, milliseconds(500));
}

// As with one whole tree: a "devices" given twice counts once, the last; a "devices" key inside
// a device is that device's (an unknown key), not the connector's list.
TEST(DlmsConnectorConfig, OnlyTheRootsLastDevicesListIsRead) {
  auto config = parse(R"({"devices": [{"name": "old", "host": "h", "measurements": ["voltage_l1"]}],
    "devices": [{"name": "new", "host": "h", "measurements": ["voltage_l1"],
                 "devices": [{"name": "inner", "host": "h", "measurements": ["voltage_l1"]}]}]})");
  ASSERT_TRUE(config) << config.error().message;
  ASSERT_EQ(config->devices.size(), 1u);
  EXPECT_EQ(config->devices[0].name, "new");
  ASSERT_EQ(config->warnings.size(), 1u);
  EXPECT_NE(config->warnings[0].find("devices[0].devices"), std::string::npos)
      << config->warnings[0];
  // The first bad device stops the parse; every bad one is collected by the check.
  const std::string two_bad = R"({"devices": [
      {"name": "a", "host": "h", "measurements": ["voltage_l1"]}, 7,
      {"name": "a", "host": "h", "measurements": ["voltage_l1"]}], "pollPeriod": 1})";
  auto stopped = parse(two_bad);
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().message,
            "dlms_connector.json: devices[1]: expected an object (one meter), got 7");
  const auto check = check_dlms_connector_config(two_bad, "dlms_connector.json");
  ASSERT_EQ(check.errors.size(), 2u);
  EXPECT_EQ(check.errors[0].message, stopped.error().message);
  EXPECT_NE(check.errors[1].message.find("devices[2].name: \"a\" is used twice"), std::string::npos)
      << check.errors[1].message;
  ASSERT_EQ(check.config.warnings.size(), 1u);  // pollPeriod is no connector-level key
}

TEST(DlmsConnectorConfig, TheUsersFileLoadsUnchanged) {
  auto config = parse(kUserFile);
  ASSERT_TRUE(config) << config.error().message;
  expect_users_model(*config);
}

std::filesystem::path source_file(const char* relative) {
  return std::filesystem::path(DLMSGW_SOURCE_DIR) / relative;
}

TEST(DlmsConnectorConfig, TheShippedSimpleExampleIsTheUsersFile) {
  auto config = load_dlms_connector_config(source_file("config/dlms_connector.json"));
  ASSERT_TRUE(config) << config.error().message;
  expect_users_model(*config);
}

// Every object the full example names exists on the simulated meter it is written for, with the
// class given, and allows what the example does with it.
void expect_served_by(const DeviceConfig& device, const server::SimulatedMeter& meter) {
  const auto& objects = meter.objects();
  const auto attribute_access =
      [&](const xdlms::CosemAttributeDescriptor& d,
          const std::string& key) -> std::optional<server::AttributeAccess> {
    const auto* object = objects.find(d.instance);
    if (object == nullptr) {
      ADD_FAILURE() << device.name << " " << key << ": no object " << d.instance.to_string();
      return std::nullopt;
    }
    EXPECT_EQ(object->class_id(), d.class_id) << device.name << " " << key;
    for (const auto& attribute : object->attributes()) {
      if (attribute.index == d.attribute_id) return attribute.access;
    }
    ADD_FAILURE() << device.name << " " << key << ": no attribute " << int{d.attribute_id};
    return std::nullopt;
  };
  for (const auto* list : {&device.timeseries, &device.attributes}) {
    for (const auto& point : *list) {
      const auto access = attribute_access(point.attribute, point.key);
      if (access) {
        EXPECT_TRUE(server::readable(*access)) << device.name << " " << point.key;
      }
    }
  }
  for (const auto& update : device.attribute_updates) {
    const auto access = attribute_access(update.attribute, update.key);
    if (access) {
      EXPECT_TRUE(server::writable(*access)) << device.name << " " << update.key;
    }
  }
  for (const auto& rpc : device.rpc) {
    if (rpc.kind == RpcKind::action) {
      const auto* object = objects.find(rpc.obis);
      ASSERT_NE(object, nullptr) << rpc.method;
      EXPECT_EQ(object->class_id(), rpc.class_id) << rpc.method;
      const auto methods = object->methods();
      EXPECT_TRUE(std::any_of(methods.begin(), methods.end(), [&](const auto& m) {
        return m.index == rpc.id;
      })) << rpc.method;
    } else {
      const auto access = attribute_access({rpc.class_id, rpc.obis, rpc.id}, rpc.method);
      if (access && rpc.kind == RpcKind::set) {
        EXPECT_TRUE(server::writable(*access)) << rpc.method;
      }
    }
  }
}

TEST(DlmsConnectorConfig, TheShippedFullExampleLoadsAndReadsRealObjects) {
  auto config = load_dlms_connector_config(source_file("config/dlms_connector.full.json"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->warnings.empty()) << config->warnings.front();
  EXPECT_EQ(config->max_concurrent_polls, 8u);
  ASSERT_EQ(config->devices.size(), 2u);

  const DeviceConfig& microstar = config->devices[0];
  EXPECT_EQ(microstar.name, "microstar_1");
  EXPECT_EQ(microstar.poll_period, milliseconds(2000));
  EXPECT_EQ(microstar.connection.transport, Transport::hdlc);
  EXPECT_EQ(std::get<client::TcpTarget>(microstar.connection.endpoint).port, 3333);
  EXPECT_EQ(microstar.connection.authentication, Authentication::low);
  EXPECT_EQ(microstar.connection.password, "22222222");
  EXPECT_EQ(find_point(microstar.timeseries, "voltage_l1")->attribute, descriptor(3, "1-1:32.7.0"));
  EXPECT_EQ(find_point(microstar.timeseries, "frequency")->attribute, descriptor(3, "1-1:14.7.0"));
  const auto* energy = find_point(microstar.timeseries, "active_energy_kwh");
  ASSERT_NE(energy, nullptr);
  EXPECT_EQ(energy->divider, 1000.0);
  EXPECT_EQ(energy->round, 3);
  EXPECT_EQ(energy->poll_period, milliseconds(60000));
  EXPECT_EQ(find_point(microstar.attributes, "serial_number")->poll_period, std::chrono::hours(1));
  ASSERT_EQ(microstar.rpc.size(), 4u);
  EXPECT_EQ(microstar.rpc[0].kind, RpcKind::action);
  EXPECT_EQ(microstar.rpc[0].class_id, 70);
  EXPECT_EQ(microstar.rpc[0].id, 1);
  EXPECT_EQ(microstar.rpc[0].value_json, "0");
  EXPECT_EQ(microstar.rpc[1].id, 2);

  const DeviceConfig& generic = config->devices[1];
  EXPECT_EQ(generic.connection.transport, Transport::wrapper);
  EXPECT_EQ(std::get<client::TcpTarget>(generic.connection.endpoint).port, 4059);
  EXPECT_EQ(generic.connection.client_address, 1);
  EXPECT_EQ(generic.connection.server_logical, 1);
  EXPECT_EQ(generic.connection.authentication, Authentication::high_gmac);
  EXPECT_EQ(generic.connection.security, Security::authenticated_encrypted);
  EXPECT_EQ(generic.connection.password, "");
  const auto keys = server::SecuritySettings::defaults();
  EXPECT_EQ(generic.connection.block_key, keys.block_key);
  EXPECT_EQ(generic.connection.authentication_key, keys.authentication_key);
  EXPECT_EQ(generic.connection.system_title->to_hex(), "4D4D4D0000000001");
  EXPECT_EQ(generic.retry.reconnect_delay, milliseconds(10000));
  EXPECT_EQ(generic.retry.max_reconnect_delay, std::chrono::minutes(5));  // connector level
  EXPECT_EQ(find_point(generic.timeseries, "voltage_l1")->attribute, descriptor(3, "1-0:32.7.0"));
  EXPECT_FALSE(generic.rpc[2].value_json);  // set: the value comes with the RPC

  server::SimulatedMeter microstar_meter(server::MeterProfile::microstar(), 1);
  expect_served_by(microstar, microstar_meter);
  server::SimulatedMeter generic_meter(server::MeterProfile::generic(), 1);
  expect_served_by(generic, generic_meter);
}

TEST(DlmsConnectorConfig, ReportStrategyIsInheritedKeyThenDeviceThenConnector) {
  auto config = parse(R"({
    "reportStrategy": {"type": "ON_REPORT_PERIOD", "reportPeriod": 30000},
    "devices": [
      {"deviceName": "a", "connection": {"host": "h"},
       "reportStrategy": {"type": "ON_CHANGE"},
       "timeseries": [{"key": "voltage_l1"},
                      {"key": "x", "obis": "1-0:1.8.0",
                       "reportStrategy": {"type": "ON_CHANGE_OR_REPORT_PERIOD", "reportPeriod": 1000}}],
       "attributes": [{"key": "serial_number"}]},
      {"deviceName": "b", "connection": {"host": "h"}, "timeseries": [{"key": "voltage_l1"}]},
      {"name": "c", "host": "h", "measurements": ["voltage_l1"],
       "attributesMapping": {"serial": "${serial_number}"}}
    ]})");
  ASSERT_TRUE(config) << config.error().message;
  const auto& a = config->devices[0];
  EXPECT_EQ(a.timeseries[0].report_strategy.type, ReportStrategyType::on_change);
  EXPECT_EQ(a.timeseries[1].report_strategy,
            (ReportStrategy{ReportStrategyType::on_change_or_report_period, milliseconds(1000)}));
  EXPECT_EQ(a.attributes[0].report_strategy.type, ReportStrategyType::on_change);
  const ReportStrategy connector{ReportStrategyType::on_report_period, milliseconds(30000)};
  EXPECT_EQ(config->devices[1].timeseries[0].report_strategy, connector);
  EXPECT_EQ(config->devices[2].timeseries[0].report_strategy, connector);
  // A "${measurement}" attribute is read, on the attribute period, with the B field of the form.
  ASSERT_EQ(config->devices[2].attributes.size(), 1u);
  EXPECT_EQ(config->devices[2].attributes[0].key, "serial");
  EXPECT_EQ(config->devices[2].attributes[0].attribute, descriptor(1, "1-0:0.0.0"));
  EXPECT_EQ(config->devices[2].attributes[0].report_strategy, connector);
  EXPECT_EQ(config->devices[2].attributes[0].poll_period, std::chrono::hours(1));
  EXPECT_EQ(to_string(ReportStrategyType::on_change_or_report_period),
            "ON_CHANGE_OR_REPORT_PERIOD");
  // A bare type name works too.
  auto bare = parse(simple_device(R"(, "reportStrategy": "ON_CHANGE")"));
  ASSERT_TRUE(bare) << bare.error().message;
  EXPECT_EQ(bare->devices[0].timeseries[0].report_strategy.type, ReportStrategyType::on_change);
}

TEST(DlmsConnectorConfig, FullFormDefaultsAndEveryKey) {
  auto config = parse(R"({
    "connectionTimeout": 2.5, "requestTimeout": 0.5,
    "watchdog": {"maxConsecutiveFailures": 3},
    "circuitBreaker": {"enabled": false},
    "devices": [{
      "deviceName": "serial_meter", "deviceType": "Meter", "pollPeriod": 1000,
      "attributePollPeriod": 60000, "publishClockOffset": false, "bField": 2,
      "deviceToken": {"accessToken": "tok"},
      "watchdog": {"maxSilenceMinutes": 0.5},
      "retry": {"minConnectGap": 250, "maxReconnectAttempts": 0},
      "connection": {"type": "serial", "transport": "hdlc",
        "serial": {"port": "/dev/ttyUSB0", "baudrate": 19200, "dataBits": 7, "parity": "even",
                   "stopBits": 2, "iecModeE": true},
        "clientAddress": 16, "serverLogicalAddress": 1, "serverPhysicalAddress": 17,
        "serverAddressSize": 4, "authentication": "none", "maxPduSize": 512,
        "conformance": "00301D", "responseTimeout": 3000, "retries": 5,
        "keepAliveInterval": 30000},
      "timeseries": [
        {"key": "v", "measurement": "voltage_l2", "multiplier": 2, "divider": -4, "round": 1},
        {"key": "status", "obis": "0-0:96.5.0"},
        {"key": "reg", "obis": "1.0.1.8.0.255", "classId": 4, "attribute": 3, "pollPeriod": 7}
      ],
      "attributeUpdates": [{"key": "mode", "obis": "0-0:96.3.10", "classId": 70, "attribute": 4},
                           {"key": "clock", "obis": "0-0:1.0.0"}],
      "rpc": [{"method": "read_clock", "obis": "0-0:1.0.0"},
              {"method": "open", "obis": "0-0:96.3.10", "classId": 70, "methodId": 1},
              {"method": "write", "type": "set", "obis": "0-0:96.3.10", "classId": 70,
               "attribute": 4, "value": {"enum": 2}}]
    }]})");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->warnings.empty());
  const DeviceConfig& d = config->devices[0];
  EXPECT_EQ(d.type, "Meter");
  EXPECT_EQ(d.poll_period, milliseconds(1000));
  EXPECT_EQ(d.attribute_poll_period, milliseconds(60000));
  EXPECT_FALSE(d.publish_clock_offset);
  ASSERT_TRUE(d.device_token);
  EXPECT_EQ(d.device_token->access_token, "tok");
  EXPECT_EQ(d.watchdog.max_consecutive_failures, 3u);  // from the connector
  EXPECT_EQ(d.watchdog.max_silence, milliseconds(30'000));
  EXPECT_FALSE(d.circuit_breaker.enabled);
  EXPECT_EQ(d.retry.min_connect_gap, milliseconds(250));
  EXPECT_EQ(d.retry.max_reconnect_attempts, 0u);
  const auto& c = d.connection;
  const auto* serial = std::get_if<client::SerialTarget>(&c.endpoint);
  ASSERT_NE(serial, nullptr);
  EXPECT_EQ(serial->line.device, "/dev/ttyUSB0");
  EXPECT_EQ(serial->line.baud, 19200u);
  EXPECT_EQ(serial->line.data_bits, 7u);
  EXPECT_EQ(serial->line.parity, net::Parity::even);
  EXPECT_EQ(serial->line.stop_bits, net::StopBits::two);
  EXPECT_TRUE(serial->iec_mode_e);
  EXPECT_EQ(c.client_address, 16);
  EXPECT_EQ(c.server_logical, 1);
  EXPECT_EQ(c.server_physical, 17);
  EXPECT_EQ(c.server_address_size, 4u);
  EXPECT_EQ(c.authentication, Authentication::none);
  EXPECT_EQ(c.password, "");
  EXPECT_EQ(c.max_pdu_size, 512);
  EXPECT_EQ(c.proposed_conformance, xdlms::Conformance(0x00301D));
  EXPECT_EQ(c.timeouts.connect, milliseconds(2500));  // connector level, seconds
  EXPECT_EQ(c.timeouts.response, milliseconds(3000));
  EXPECT_EQ(c.timeouts.retries, 5u);
  EXPECT_EQ(c.keep_alive_interval, milliseconds(30000));

  ASSERT_EQ(d.timeseries.size(), 3u);
  EXPECT_EQ(d.timeseries[0].attribute, descriptor(3, "1-2:52.7.0"));
  EXPECT_EQ(d.timeseries[0].multiplier, 2.0);
  EXPECT_EQ(d.timeseries[0].divider, -4.0);
  EXPECT_EQ(d.timeseries[0].round, 1);
  EXPECT_EQ(d.timeseries[0].poll_period, milliseconds(1000));
  EXPECT_EQ(d.timeseries[1].attribute, descriptor(1, "0-0:96.5.0"));  // default class: Data
  EXPECT_EQ(d.timeseries[2].attribute, descriptor(4, "1-0:1.8.0", 3));
  EXPECT_EQ(d.timeseries[2].poll_period, milliseconds(7));
  ASSERT_EQ(d.attribute_updates.size(), 2u);
  EXPECT_EQ(d.attribute_updates[0].attribute, descriptor(70, "0-0:96.3.10", 4));
  EXPECT_EQ(d.attribute_updates[1].attribute, descriptor(8, "0-0:1.0.0"));  // the clock rule
  ASSERT_EQ(d.rpc.size(), 3u);
  EXPECT_EQ(d.rpc[0].kind, RpcKind::get);
  EXPECT_EQ(d.rpc[0].class_id, 8);
  EXPECT_EQ(d.rpc[0].id, 2);
  EXPECT_EQ(d.rpc[1].kind, RpcKind::action);  // methodId implies an action
  EXPECT_FALSE(d.rpc[1].value_json);
  EXPECT_EQ(d.rpc[2].kind, RpcKind::set);
  EXPECT_EQ(d.rpc[2].value_json, R"({"enum":2})");
}

TEST(DlmsConnectorConfig, SimpleFormOverridesAndRenaming) {
  auto config = parse(R"({"reconnectDelay": 600, "devices": [{
      "name": "w", "host": "meter.lan", "transport": "wrapper", "clientAddress": 32,
      "password": "12345678", "bField": 0, "pollingInterval": 2000,
      "measurements": ["voltage_l1", "current_l1"],
      "timeseriesMapping": {"u1": "${voltage_l1}", "u1_copy": "${voltage_l1}", "f": "${frequency}"},
      "attributesMapping": {"where": "${name} (${deviceType}) at ${host}:${port}", "phases": 3,
                            "ratio": 1.5, "billing": true}}]})");
  ASSERT_TRUE(config) << config.error().message;
  const auto& d = config->devices[0];
  EXPECT_EQ(d.type, "DLMS_Meter");
  EXPECT_EQ(std::get<client::TcpTarget>(d.connection.endpoint).port, 4059);
  EXPECT_EQ(d.connection.server_logical, 1);
  EXPECT_EQ(d.connection.client_address, 32);
  EXPECT_EQ(d.connection.password, "12345678");
  // Fractional and long delays: the backoff ceiling follows.
  EXPECT_EQ(d.retry.reconnect_delay, std::chrono::minutes(10));
  EXPECT_EQ(d.retry.max_reconnect_delay, std::chrono::minutes(10));
  // A renamed measurement is published under its new key(s) only; a mapped measurement that was
  // not listed is read too.
  std::vector<std::string> keys;
  for (const auto& point : d.timeseries) keys.push_back(point.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"u1", "u1_copy", "current_l1", "f"}));
  EXPECT_EQ(find_point(d.timeseries, "u1")->attribute, descriptor(3, "1-0:32.7.0"));
  EXPECT_EQ(find_point(d.timeseries, "f")->poll_period, milliseconds(2000));
  EXPECT_EQ(*find_static(d, "where"),
            gateway::TelemetryValue(std::string("w (DLMS_Meter) at meter.lan:4059")));
  EXPECT_EQ(*find_static(d, "phases"), gateway::TelemetryValue(std::int64_t{3}));
  EXPECT_EQ(*find_static(d, "ratio"), gateway::TelemetryValue(1.5));
  EXPECT_EQ(*find_static(d, "billing"), gateway::TelemetryValue(true));
}

TEST(DlmsConnectorConfig, WatchdogMapping) {
  auto fallback = parse(simple_device("") + "");
  ASSERT_TRUE(fallback);
  EXPECT_TRUE(fallback->devices[0].watchdog.enabled);

  auto errors_only =
      parse(R"({"watchdog": {"maxConsecutiveErrors": 15},)" + simple_device("").substr(1));
  ASSERT_TRUE(errors_only) << errors_only.error().message;
  EXPECT_EQ(errors_only->devices[0].watchdog.max_consecutive_failures, 15u);

  auto no_reconnect =
      parse(R"({"watchdog": {"reconnectOnError": false},)" + simple_device("").substr(1));
  ASSERT_TRUE(no_reconnect);
  EXPECT_FALSE(no_reconnect->devices[0].watchdog.enabled);

  auto disabled = parse(simple_device(R"(, "watchdog": {"enabled": false})"));
  ASSERT_TRUE(disabled);
  EXPECT_FALSE(disabled->devices[0].watchdog.enabled);
}

TEST(DlmsConnectorConfig, UnknownKeysAreWarningsWithTheirPath) {
  auto config = parse(R"({"foo": 1, "devices": [{"name": "m", "host": "h", "measurements": [],
      "colour": "red", "watchdog": {"maxSilence": 3}}, {"deviceName": "n",
      "connection": {"host": "h", "speed": 9}, "timeseries": [{"key": "voltage_l1", "unit": "V"}],
      "reportStrategy": {"type": "ON_CHANGE", "period": 5}}]})");
  ASSERT_TRUE(config) << config.error().message;
  const std::vector<std::string> expected = {
      "dlms_connector.json: foo: unknown key, ignored",
      "dlms_connector.json: devices[0].colour: unknown key, ignored",
      "dlms_connector.json: devices[0].watchdog.maxSilence: unknown key, ignored",
      "dlms_connector.json: devices[1].connection.speed: unknown key, ignored",
      "dlms_connector.json: devices[1].timeseries[0].unit: unknown key, ignored",
      "dlms_connector.json: devices[1].reportStrategy.period: unknown key, ignored",
  };
  for (const auto& warning : expected) {
    EXPECT_TRUE(std::any_of(config->warnings.begin(), config->warnings.end(),
                            [&](const std::string& w) { return w.rfind(warning, 0) == 0; }))
        << warning;
  }
  EXPECT_EQ(config->warnings.size(), expected.size());

  auto odd = parse(R"({"type": "modbus", "logLevel": "LOUD", "devices": []})");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->warnings.size(), 3u);  // type, logLevel, empty devices
}

TEST(DlmsConnectorConfig, SyntaxAndShapeErrors) {
  expect_error("{\"devices\": [", {"dlms_connector.json: not valid JSON: ", "parse error"});
  expect_error("[1]", {"dlms_connector.json: expected a JSON object"});
  expect_error("{}", {"dlms_connector.json: devices: missing"});
  expect_error(R"({"devices": {}})", {"devices: expected a list"});
  expect_error(R"({"devices": [3]})", {"devices[0]: expected an object"});
  expect_error(R"({"devices": [{"name": "x"}]})", {"devices[0]: is neither form", "connection"});
  expect_error(R"({"name": 5, "devices": []})", {"name: expected text in quotes, got 5"});
}

TEST(DlmsConnectorConfig, WrongTypesNameThePathAndWhatWasFound) {
  expect_error(simple_device(R"(, "pollingInterval": "5s")"),
               {"dlms_connector.json: devices[0].pollingInterval: expected a period in "
                "milliseconds",
                "got text \"5s\""});
  expect_error(simple_device(R"(, "pollingInterval": 2.5)"),
               {"devices[0].pollingInterval: 2.5 is not a whole number", "milliseconds"});
  expect_error(simple_device(R"(, "measurements": "voltage_l1")"),
               {"devices[0].measurements: expected a list"});
  expect_error(simple_device(R"(, "publishClockOffset": "yes")"),
               {"devices[0].publishClockOffset: expected true or false"});
  expect_error(R"({"connectionTimeout": "10", "devices": []})",
               {"connectionTimeout: expected a number of seconds, got text \"10\""});
  expect_error(R"({"watchdog": [], "devices": []})", {"watchdog: expected an object"});
  expect_error(full_device(R"(, "timeseries": {"key": "v"})"),
               {"devices[0].timeseries: expected a list"});
  expect_error(simple_device(R"(, "attributesMapping": {"a": [1]})"),
               {"devices[0].attributesMapping.a: expected text, a number or true/false"});
  expect_error(simple_device(R"(, "timeseriesMapping": {"u": 1})"),
               {"devices[0].timeseriesMapping.u: expected text"});
}

TEST(DlmsConnectorConfig, UnknownMeasurementListsValidKeys) {
  expect_error(
      R"({"devices": [{"name": "m", "host": "h", "measurements": ["voltage_l1", "volts"]}]})",
      {"devices[0].measurements[1]: \"volts\" is not a known measurement", "voltage_l1, voltage_l2",
       "docs/dlms-connector.md"});
  expect_error(simple_device(R"(, "timeseriesMapping": {"v": "${volts}"})"),
               {"devices[0].timeseriesMapping.v: \"volts\" is not a known measurement"});
  expect_error(simple_device(R"(, "timeseriesMapping": {"v": "voltage_l1"})"),
               {"devices[0].timeseriesMapping.v", "write \"${voltage_l1}\""});
  expect_error(simple_device(R"(, "attributesMapping": {"s": "${serial}"})"),
               {"devices[0].attributesMapping.s: \"serial\" is not a known measurement"});
  expect_error(simple_device(R"(, "attributesMapping": {"s": "at ${place}"})"),
               {"devices[0].attributesMapping.s: unknown placeholder ${place}", "${host}"});
  expect_error(simple_device(R"(, "attributesMapping": {"s": "at ${host"})"),
               {"devices[0].attributesMapping.s: unclosed ${"});
  expect_error(full_device(R"(, "timeseries": [{"measurement": "volts"}])"),
               {"devices[0].timeseries[0].measurement: \"volts\" is not a known measurement"});
  expect_error(full_device(R"(, "timeseries": [{"key": "volts"}])"),
               {"devices[0].timeseries[0].obis: missing", "not a catalog measurement"});
}

TEST(DlmsConnectorConfig, BadObisAndPointFields) {
  expect_error(full_device(R"(, "timeseries": [{"key": "v", "obis": "1-1:32.7"}])"),
               {"devices[0].timeseries[0].obis: \"1-1:32.7\" is not an OBIS code", "A-B:C.D.E"});
  expect_error(full_device(R"(, "attributes": [{"key": "v", "obis": "1-1:32.7.0", "divider": 0}])"),
               {"devices[0].attributes[0].divider: is 0", "non-zero"});
  expect_error(
      full_device(R"(, "timeseries": [{"key": "v", "obis": "1-1:32.7.0", "pollPeriod": 0}])"),
      {"devices[0].timeseries[0].pollPeriod: 0 is not a period in milliseconds"});
  expect_error(full_device(R"(, "pollPeriod": -5)"), {"devices[0].pollPeriod: -5 is not a period"});
  expect_error(full_device(R"(, "timeseries": [{"key": "v", "obis": "1-1:32.7.0", "classId": 0}])"),
               {"devices[0].timeseries[0].classId: 0 is not a COSEM class id"});
  expect_error(
      full_device(R"(, "timeseries": [{"key": "v", "obis": "1-1:32.7.0", "attribute": 200}])"),
      {"devices[0].timeseries[0].attribute: 200 is not an attribute id"});
  expect_error(full_device(R"(, "timeseries": [{"key": "v", "obis": "1-1:32.7.0", "round": 99}])"),
               {"devices[0].timeseries[0].round: 99 is not a number of decimal places"});
  expect_error(full_device(R"(, "timeseries": [{"obis": "1-1:32.7.0"}])"),
               {"devices[0].timeseries[0].key: missing"});
  expect_error(full_device(R"(, "timeseries": [{}])"), {"devices[0].timeseries[0].key: missing"});
  expect_error(
      full_device(
          R"(, "timeseries": [{"key": "v", "obis": "1-1:32.7.0", "measurement": "voltage_l1"}])"),
      {"devices[0].timeseries[0].measurement: give obis or measurement, not both"});
  expect_error(full_device(R"(, "timeseries": [{"key": "voltage_l1", "classId": 4}])"),
               {"devices[0].timeseries[0].classId: goes with obis"});
  expect_error(
      full_device(R"(, "timeseries": [{"key": "v", "obis": "1-1:32.7.0", "multiplier": "x"}])"),
      {"devices[0].timeseries[0].multiplier: expected a number"});
  expect_error(full_device(R"(, "timeseries": [{"key": "", "obis": "1-1:32.7.0"}])"),
               {"devices[0].timeseries[0].key: is empty"});
}

TEST(DlmsConnectorConfig, UnknownReportStrategyListsTheFour) {
  expect_error(full_device(R"(, "reportStrategy": {"type": "ALWAYS"})"),
               {"devices[0].reportStrategy.type: \"ALWAYS\" is not a report strategy",
                "ON_RECEIVED, ON_CHANGE, ON_REPORT_PERIOD or ON_CHANGE_OR_REPORT_PERIOD"});
  expect_error(R"({"reportStrategy": {"reportPeriod": 5}, "devices": []})",
               {"reportStrategy.type: missing (use ON_RECEIVED"});
  expect_error(R"({"reportStrategy": {"type": "ON_CHANGE", "reportPeriod": 0}, "devices": []})",
               {"reportStrategy.reportPeriod: 0 is not a period"});
  expect_error(full_device(R"(, "timeseries": [{"key": "voltage_l1", "reportStrategy": 5}])"),
               {"devices[0].timeseries[0].reportStrategy: expected an object"});
}

TEST(DlmsConnectorConfig, DuplicatesAreRefused) {
  expect_error(R"({"devices": [{"name": "m", "host": "h", "measurements": []},
                               {"deviceName": "m", "connection": {"host": "h"}}]})",
               {"devices[1].deviceName: \"m\" is used twice", "unique"});
  expect_error(
      full_device(R"(, "timeseries": [{"key": "voltage_l1"}, {"measurement": "voltage_l1"}])"),
      {"devices[0].timeseries[1].key: \"voltage_l1\" is used twice in timeseries"});
  expect_error(full_device(R"(, "attributes": [{"key": "s", "obis": "0-0:96.1.0"},
                                               {"key": "s", "obis": "0-0:96.1.1"}])"),
               {"devices[0].attributes[1].key: \"s\" is used twice in attributes"});
  // The same key as a timeseries and an attribute is fine: they are separate in ThingsBoard.
  auto separate = parse(full_device(R"(, "timeseries": [{"key": "serial_number"}],
                                         "attributes": [{"key": "serial_number"}])"));
  EXPECT_TRUE(separate) << separate.error().message;
  expect_error(simple_device(R"(, "measurements": ["voltage_l1", "voltage_l1"])"),
               {"devices[0].measurements[1]: \"voltage_l1\" is listed twice"});
  expect_error(simple_device(R"(, "measurements": ["voltage_l1", "current_l1"],
                                "timeseriesMapping": {"current_l1": "${voltage_l1}"})"),
               {"\"current_l1\" is published twice"});
  expect_error(full_device(R"(, "attributeUpdates": [{"key": "a", "obis": "0-0:1.0.0"},
                                                     {"key": "a", "obis": "0-0:1.0.0"}])"),
               {"devices[0].attributeUpdates[1].key: \"a\" is used twice in attributeUpdates"});
  expect_error(full_device(R"(, "rpc": [{"method": "a", "obis": "0-0:1.0.0"},
                                        {"method": "a", "obis": "0-0:1.0.0"}])"),
               {"devices[0].rpc[1].method: \"a\" is used twice"});
}

TEST(DlmsConnectorConfig, MissingRequiredFields) {
  expect_error(R"({"devices": [{"host": "h", "measurements": []}]})", {"devices[0].name: missing"});
  expect_error(R"({"devices": [{"name": "m", "measurements": []}]})", {"devices[0].host: missing"});
  expect_error(R"({"devices": [{"connection": {"host": "h"}}]})",
               {"devices[0].deviceName: missing"});
  expect_error(R"({"devices": [{"deviceName": "m"}]})", {"devices[0].connection: missing"});
  expect_error(full_device("").replace(full_device("").find(R"("host": "10.0.0.1")"), 18,
                                       R"("type": "tcp")"),
               {"devices[0].connection.host: missing", "type tcp"});
  expect_error(R"({"devices": [{"deviceName": "m", "connection": {"type": "serial"}}]})",
               {"devices[0].connection.serial: missing"});
  expect_error(
      R"({"devices": [{"deviceName": "m", "connection": {"serial": {"baudrate": 9600}}}]})",
      {"devices[0].connection.serial.port: missing", "/dev/ttyUSB0"});
  expect_error(full_device(R"(, "attributeUpdates": [{"obis": "0-0:1.0.0"}])"),
               {"devices[0].attributeUpdates[0].key: missing"});
  expect_error(full_device(R"(, "attributeUpdates": [{"key": "a"}])"),
               {"devices[0].attributeUpdates[0].obis: missing"});
  expect_error(full_device(R"(, "rpc": [{"obis": "0-0:1.0.0"}])"),
               {"devices[0].rpc[0].method: missing"});
  expect_error(full_device(R"(, "rpc": [{"method": "a"}])"), {"devices[0].rpc[0].obis: missing"});
  expect_error(
      full_device(R"(, "rpc": [{"method": "a", "type": "action", "obis": "0-0:96.3.10"}])"),
      {"devices[0].rpc[0].classId: missing", "70"});
  expect_error(full_device(R"(, "rpc": [{"method": "a", "type": "action", "obis": "0-0:96.3.10",
                                         "classId": 70}])"),
               {"devices[0].rpc[0].methodId: missing"});
  expect_error(full_device(R"(, "deviceToken": {})"),
               {"devices[0].deviceToken.accessToken: missing"});
}

TEST(DlmsConnectorConfig, ConnectionValuesAreChecked) {
  expect_error(simple_device(R"(, "port": 70000)"),
               {"dlms_connector.json: devices[0].port: 70000 is not a TCP port (1..65535)"});
  expect_error(full_device("", R"(, "port": 0)"),
               {"devices[0].connection.port: 0 is not a TCP port"});
  expect_error(
      full_device("", R"(, "type": "udp")"),
      {"devices[0].connection.type: \"udp\" is not a connection type (use tcp or serial)"});
  expect_error(full_device("", R"(, "transport": "iec")"),
               {"devices[0].connection.transport: transport 'iec': use hdlc or wrapper"});
  expect_error(full_device("", R"(, "authentication": "hls")"),
               {"devices[0].connection.authentication", "none, low or high-gmac"});
  expect_error(full_device("", R"(, "security": "full")"),
               {"devices[0].connection.security", "none, auth, enc or auth-enc"});
  expect_error(full_device("", R"(, "serverAddressSize": 3)"),
               {"devices[0].connection.serverAddressSize: 3 is not an address size"});
  expect_error(full_device("", R"(, "serverLogicalAddress": 20000)"),
               {"devices[0].connection.serverLogicalAddress: 20000 is not a server address part"});
  expect_error(full_device("", R"(, "systemTitle": "4D4D")"),
               {"devices[0].connection.systemTitle: is not a system title"});
  expect_error(full_device("", R"(, "blockKey": "0011")"),
               {"devices[0].connection.blockKey: ", "32 hex digits"});
  expect_error(full_device("", R"(, "conformance": "7E1F")"),
               {"devices[0].connection.conformance", "3 bytes of hex"});
  expect_error(full_device("", R"(, "maxPduSize": 10)"),
               {"devices[0].connection.maxPduSize: 10 is not a PDU size"});
  expect_error(R"({"devices": [{"deviceName": "m", "connection": {"type": "serial",
                   "transport": "wrapper", "serial": {"port": "/dev/ttyS0"}}}]})",
               {"devices[0].connection.transport: a serial line carries HDLC only"});
  expect_error(R"({"devices": [{"deviceName": "m", "connection": {"serial": {"port": "/dev/ttyS0",
                   "parity": "mark"}}}]})",
               {"devices[0].connection.serial.parity: \"mark\" is not a parity"});
  expect_error(R"({"devices": [{"deviceName": "m", "connection": {"serial": {"port": "/dev/ttyS0",
                   "stopBits": 3}}}]})",
               {"devices[0].connection.serial.stopBits: 3 is not a number of stop bits"});
  // ConnectionSettings::validate(), with the JSON path in front.
  expect_error(
      full_device("", R"(, "security": "auth-enc")"),
      {"dlms_connector.json: devices[0].connection: meter 'm' 10.0.0.1:3333: ", "system title"});
  expect_error(simple_device(R"(, "clientAddress": 200)"),
               {"dlms_connector.json: devices[0]: meter 'm' 10.0.0.1:3333: "});
  expect_error(simple_device(R"(, "password": "")"), {"devices[0]: meter 'm'", "LLS"});
  // Watchdog, breaker and retry values.
  expect_error(simple_device(R"(, "watchdog": {"maxConsecutiveFailures": 0})"),
               {"devices[0].watchdog.maxConsecutiveFailures: 0 is not a count"});
  expect_error(simple_device(R"(, "circuitBreaker": {"pauseMinutes": 0})"),
               {"devices[0].circuitBreaker.pauseMinutes: 0 is not a duration in minutes"});
  expect_error(simple_device(R"(, "retry": {"reconnectDelay": 9000, "maxReconnectDelay": 1000})"),
               {"devices[0].retry.maxReconnectDelay: is shorter than reconnectDelay"});
  expect_error(R"({"maxConcurrentPolls": 0, "devices": []})",
               {"maxConcurrentPolls: 0 is not a number of sessions"});
  expect_error(full_device(R"(, "rpc": [{"method": "a", "type": "call", "obis": "0-0:1.0.0"}])"),
               {"devices[0].rpc[0].type: \"call\" is not an RPC type (use get, set or action)"});
}

// Sets an environment variable for the length of a test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) { ::setenv(name, value, 1); }
  ~ScopedEnv() { ::unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
};

TEST(DlmsConnectorConfig, SecretsFromFilesAndTheEnvironment) {
  gateway::testing::TempDirectory dir;
  const auto key_file = dir.path() / "block.key";
  std::ofstream(key_file) << "000102030405060708090A0B0C0D0E0F\n";
  const auto password_file = dir.path() / "password";
  std::ofstream(password_file) << "s3cret\r\n";
  const auto config_file = (dir.path() / "dlms_connector.json").string();
  const std::string text = R"({"devices": [{"deviceName": "m", "connection": {"host": "h",
      "passwordFile": "password", "blockKeyFile": ")" +
                           key_file.string() + R"(",
      "authenticationKey": "${env:DLMSGW_TEST_AUTH_KEY}", "systemTitle": "4D4D4D0000000001",
      "security": "auth-enc"}, "deviceToken": {"accessTokenFile": "password"}}]})";

  // Readable by every user: refused, with the fix.
  ::chmod(key_file.c_str(), 0644);
  ::chmod(password_file.c_str(), 0600);
  ScopedEnv env("DLMSGW_TEST_AUTH_KEY", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF");
  auto refused = parse_dlms_connector_config(text, config_file);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("devices[0].connection.blockKeyFile: block key file"),
            std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("readable by every user"), std::string::npos);
  EXPECT_NE(refused.error().message.find("chmod o-rwx"), std::string::npos);

  // Readable by the group (0640 root:dlmsgw, as the package installs): loaded, no warning, the
  // rule of every secret file. Relative names are next to the config file.
  ::chmod(key_file.c_str(), 0640);
  auto loaded = parse_dlms_connector_config(text, config_file);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_TRUE(loaded->warnings.empty());
  const auto& c = loaded->devices[0].connection;
  EXPECT_EQ(c.password, "s3cret");
  EXPECT_EQ(c.block_key, server::SecuritySettings::defaults().block_key);
  EXPECT_EQ(c.authentication_key, server::SecuritySettings::defaults().authentication_key);
  EXPECT_EQ(loaded->devices[0].device_token->access_token, "s3cret");

  // The key material never appears in an error.
  ScopedEnv bad("DLMSGW_TEST_AUTH_KEY", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEZZ");
  ::chmod(key_file.c_str(), 0600);
  auto bad_key = parse_dlms_connector_config(text, config_file);
  ASSERT_FALSE(bad_key);
  EXPECT_NE(bad_key.error().message.find("devices[0].connection.authenticationKey"),
            std::string::npos);
  EXPECT_EQ(bad_key.error().message.find("DEZZ"), std::string::npos) << bad_key.error().message;

  ::unsetenv("DLMSGW_TEST_AUTH_KEY");
  expect_error(full_device("", R"(, "password": "${env:DLMSGW_TEST_AUTH_KEY}")"),
               {"devices[0].connection.password: environment variable DLMSGW_TEST_AUTH_KEY is not "
                "set"});
  expect_error(full_device("", R"(, "password": "${env:}")"), {"write an environment variable"});
  expect_error(full_device("", R"(, "password": "a", "passwordFile": "b")"),
               {"devices[0].connection.passwordFile: give password or passwordFile, not both"});
  expect_error(full_device("", R"(, "passwordFile": "/nonexistent/dlmsgw-password")"),
               {"devices[0].connection.passwordFile: password file /nonexistent/dlmsgw-password "
                "cannot be read"});
  std::ofstream(dir.path() / "empty");
  ::chmod((dir.path() / "empty").c_str(), 0600);
  auto empty =
      parse_dlms_connector_config(full_device("", R"(, "passwordFile": "empty")"), config_file);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("is empty"), std::string::npos);
}

TEST(DlmsConnectorConfig, LoadNamesAMissingFile) {
  auto missing = load_dlms_connector_config("/nonexistent/dlms_connector.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/dlms_connector.json: cannot be read"),
            std::string::npos);
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms

namespace dlmsgw::connectors::dlms {
namespace {

// A secret written as a number ("password": 22222222 unquoted) was echoed in the type error, into
// the journal and validate's report.
TEST(DlmsConnectorConfig, ASecretOfTheWrongTypeIsNamedButNotShown) {
  for (const std::string extra :
       {R"(, "password": 22222222)", R"(, "password": 22222222.5)", R"(, "password": true)",
        R"(, "password": [22222222])", R"(, "password": {"v": 22222222})"}) {
    auto config = parse(simple_device(extra));
    ASSERT_FALSE(config) << extra;
    const auto& message = config.error().message;
    EXPECT_EQ(message.find("22222222"), std::string::npos) << message;
    EXPECT_EQ(message.find("true"), std::string::npos) << message;
    EXPECT_NE(message.find("devices[0].password"), std::string::npos) << message;
    EXPECT_NE(message.find("in quotes"), std::string::npos) << message;
  }
}

// Issue 16: profiles[] in both forms, defaults and errors naming the path.
TEST(DlmsConnectorConfig, ProfilesInBothForms) {
  const std::string profiles =
      R"(, "profiles": [{"obis": "1-0:99.1.0", "pollPeriod": 60000, "maxBackfillHours": 24,
          "columns": [{"obis": "1-0:1.8.0", "key": "energy_interval"},
                      {"obis": "0-0:96.10.1", "classId": 1, "attribute": 2}]},
         {"obis": "0-0:99.98.0"}])";
  for (const auto& text : {simple_device(profiles), full_device(profiles)}) {
    auto config = parse(text);
    ASSERT_TRUE(config) << config.error().message;
    const auto& list = config->devices.at(0).profiles;
    ASSERT_EQ(list.size(), 2U);
    EXPECT_EQ(list[0].obis, ObisCode(1, 0, 99, 1, 0));
    EXPECT_EQ(list[0].poll_period, milliseconds(60000));
    EXPECT_EQ(list[0].max_backfill, std::chrono::hours(24));
    ASSERT_EQ(list[0].columns.size(), 2U);
    EXPECT_EQ(list[0].columns[0].key, "energy_interval");
    EXPECT_EQ(list[0].columns[0].attribute,
              (xdlms::CosemAttributeDescriptor{3, ObisCode(1, 0, 1, 8, 0), 2}));
    EXPECT_EQ(list[0].columns[1].key, "0-0:96.10.1");
    EXPECT_EQ(list[0].columns[1].attribute.class_id, 1);
    EXPECT_EQ(list[1].poll_period, milliseconds(0));  // the profile's capture period
    EXPECT_EQ(list[1].max_backfill, std::chrono::hours(168));
    EXPECT_TRUE(list[1].columns.empty());
    EXPECT_TRUE(config->warnings.empty());
  }
}

TEST(DlmsConnectorConfig, TimeZoneIsAFixedOffset) {
  auto plus = parse(full_device(R"(, "timeZone": "+01:00")"));
  ASSERT_TRUE(plus) << plus.error().message;
  EXPECT_EQ(plus->devices.at(0).utc_offset_minutes, 60);
  auto minus = parse(simple_device(R"(, "timeZone": "-05:30")"));
  ASSERT_TRUE(minus) << minus.error().message;
  EXPECT_EQ(minus->devices.at(0).utc_offset_minutes, -330);
  auto utc = parse(full_device(R"(, "timeZone": "UTC")"));
  ASSERT_TRUE(utc);
  EXPECT_EQ(utc->devices.at(0).utc_offset_minutes, 0);
  EXPECT_EQ(parse(full_device(""))->devices.at(0).utc_offset_minutes, std::nullopt);
  expect_error(full_device(R"(, "timeZone": "Europe/Paris")"),
               {"devices[0].timeZone", "not a fixed UTC offset"});
}

TEST(DlmsConnectorConfig, ProfileErrorsNameThePath) {
  expect_error(simple_device(R"(, "profiles": {"obis": "1-0:99.1.0"})"),
               {"devices[0].profiles", "is not a list"});
  expect_error(full_device(R"(, "profiles": [{"pollPeriod": 1000}])"),
               {"devices[0].profiles[0].obis", "missing"});
  expect_error(full_device(R"(, "profiles": [{"obis": "1-0:99.1.0"}, {"obis": "1-0:99.1.0"}])"),
               {"devices[0].profiles[1].obis", "listed twice"});
  expect_error(full_device(R"(, "profiles": [{"obis": "1-0:99.1.0", "maxBackfillHours": 0}])"),
               {"devices[0].profiles[0].maxBackfillHours"});
  expect_error(
      full_device(
          R"(, "profiles": [{"obis": "1-0:99.1.0", "columns": [{"obis": "1-0:1.8.0", "key": "e"},
                                                              {"obis": "1-0:2.8.0", "key": "e"}]}])"),
      {"devices[0].profiles[0].columns[1].key", "twice"});
}

TEST(DlmsConnectorConfig, FrameCounterObisInBothForms) {
  const std::string ciphered = R"(, "clientAddress": 1, "authentication": "high-gmac",
      "security": "auth-enc", "systemTitle": "4D4D4D0000000001",
      "blockKey": "000102030405060708090A0B0C0D0E0F",
      "authenticationKey": "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")";
  auto simple = parse(simple_device(ciphered + R"(, "frameCounterObis": "0-0:43.1.0")"));
  ASSERT_TRUE(simple) << simple.error().message;
  EXPECT_EQ(simple->devices.at(0).connection.frame_counter_obis, ObisCode(0, 0, 43, 1, 0));
  EXPECT_EQ(simple->devices.at(0).connection.frame_counter_client, 16);
  auto full = parse(full_device("", ciphered + R"(, "frameCounterObis": "0.0.43.1.3.255",
                                         "frameCounterClient": 17)"));
  ASSERT_TRUE(full) << full.error().message;
  EXPECT_EQ(full->devices.at(0).connection.frame_counter_obis, ObisCode(0, 0, 43, 1, 3));
  EXPECT_EQ(full->devices.at(0).connection.frame_counter_client, 17);
  EXPECT_FALSE(parse(full_device("", ciphered))->devices.at(0).connection.frame_counter_obis);
  expect_error(full_device("", R"(, "frameCounterObis": "0-0:43.1.0")"),
               {"devices[0].connection.frameCounterObis: needs a ciphered association"});
  expect_error(simple_device(ciphered + R"(, "frameCounterObis": "43.1")"),
               {"devices[0].frameCounterObis"});
  expect_error(full_device("", ciphered + R"(, "frameCounterClient": 300)"),
               {"devices[0].connection.frameCounterClient: 300 is not a client address"});
}

TEST(DlmsConnectorConfig, SerialInterFrameGap) {
  auto config = parse(R"({"devices": [{"deviceName": "m", "connection": {"serial": {
                   "port": "/dev/ttyS0", "interFrameGap": 35}}}]})");
  ASSERT_TRUE(config) << config.error().message;
  const auto& serial = std::get<client::SerialTarget>(config->devices.at(0).connection.endpoint);
  EXPECT_EQ(serial.inter_frame_gap, milliseconds(35));
  auto unset = parse(R"({"devices": [{"deviceName": "m", "connection": {"serial": {
                   "port": "/dev/ttyS0"}}}]})");
  ASSERT_TRUE(unset);
  EXPECT_FALSE(
      std::get<client::SerialTarget>(unset->devices.at(0).connection.endpoint).inter_frame_gap);
  expect_error(R"({"devices": [{"deviceName": "m", "connection": {"serial": {"port": "/dev/ttyS0",
                   "interFrameGap": 5000}}}]})",
               {"devices[0].connection.serial.interFrameGap: 5000 ms is not an inter-frame gap"});
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
