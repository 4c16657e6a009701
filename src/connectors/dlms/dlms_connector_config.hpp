#pragma once
// DlmsConnectorConfig: one `connectors[]` entry of type dlms, after its JSON file was read. Both
// file forms (see config/ and docs/dlms-connector.md) end up in this one model, with every default
// and every inherited setting already resolved, so the runtime never looks at JSON again:
//
//  1. The simple form the user runs today: devices[] with name, deviceType, host, port,
//     pollingInterval (ms), measurements (catalog keys), attributesMapping, timeseriesMapping,
//     plus connector-level connectionTimeout/requestTimeout/reconnectDelay (s),
//     maxReconnectAttempts, watchdog{} and circuitBreaker{}. Defaults are the user's meter
//     (ConnectionSettings defaults, B field 1, device type "DLMS_Meter", 5000 ms).
//  2. The full form, in the style of the ThingsBoard gateway's Modbus connector: per device a
//     connection{} (type tcp|serial, transport hdlc|wrapper, addresses, security), deviceName,
//     deviceType, pollPeriod, timeseries[]/attributes[] (key, obis, classId, attribute, pollPeriod,
//     multiplier, divider, round, reportStrategy), attributeUpdates[], rpc[].
//
// Report strategy inheritance (key > device > connector > ON_RECEIVED) is resolved by the parser.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection_settings.hpp"
#include "core/expected.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"
#include "gateway/reading.hpp"

namespace dlmsgw::connectors::dlms {

using Milliseconds = std::chrono::milliseconds;

// ThingsBoard gateway names: ON_RECEIVED, ON_CHANGE, ON_REPORT_PERIOD, ON_CHANGE_OR_REPORT_PERIOD.
enum class ReportStrategyType {
  on_received,
  on_change,
  on_report_period,
  on_change_or_report_period
};

struct ReportStrategy {
  ReportStrategyType type = ReportStrategyType::on_received;
  Milliseconds report_period{60'000};  // for the *_REPORT_PERIOD types
  bool operator==(const ReportStrategy&) const = default;
};

std::string_view to_string(ReportStrategyType type);

// One published key: a timeseries (telemetry) or a client attribute read from the meter.
struct PointConfig {
  std::string key;                            // the ThingsBoard key ("voltage_l1")
  xdlms::CosemAttributeDescriptor attribute;  // what is read (class, OBIS, attribute id)
  Milliseconds poll_period{0};                // resolved: own pollPeriod, else the device's
  // value * multiplier / divider, after the register's scaler; 1 and 1 leave the exact value.
  double multiplier = 1.0;
  double divider = 1.0;
  std::optional<int> round;  // decimal places, when set
  ReportStrategy report_strategy;
  bool operator==(const PointConfig&) const = default;
};

// A device's points (timeseries or attributes). Meters configured alike have equal lists, and
// the parser makes them share one (10 points are about 1 KB a meter otherwise): the list is
// immutable while shared, and a change (configuration code, tests) copies it first. Reads go
// through the const members only, so iterating never copies.
class PointList {
 public:
  using value_type = PointConfig;
  using const_iterator = std::vector<PointConfig>::const_iterator;

  PointList() = default;
  PointList(std::vector<PointConfig> points);  // NOLINT(google-explicit-constructor): the parser's
  PointList(std::initializer_list<PointConfig> points)
      : PointList(std::vector<PointConfig>(points)) {}

  [[nodiscard]] const_iterator begin() const { return list().begin(); }
  [[nodiscard]] const_iterator end() const { return list().end(); }
  [[nodiscard]] std::size_t size() const { return points_ ? points_->size() : 0; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] const PointConfig* data() const { return list().data(); }
  [[nodiscard]] const PointConfig& front() const { return list().front(); }
  [[nodiscard]] const PointConfig& back() const { return list().back(); }
  [[nodiscard]] const PointConfig& operator[](std::size_t i) const { return list()[i]; }
  operator const std::vector<PointConfig>&() const { return list(); }  // NOLINT: reads as one

  // Changes: the list is copied first when another device shares it.
  PointConfig& operator[](std::size_t i) { return own()[i]; }
  void push_back(PointConfig point) { own().push_back(std::move(point)); }
  void resize(std::size_t count) { own().resize(count); }
  void reserve(std::size_t count) { own().reserve(count); }

  // Whether this and `other` are one list (not just equal ones).
  [[nodiscard]] bool shares_with(const PointList& other) const {
    return points_ != nullptr && points_ == other.points_;
  }
  // Makes this list share `other`'s (they must be equal).
  void share(const PointList& other) { points_ = other.points_; }

  bool operator==(const PointList& other) const {
    return points_ == other.points_ || list() == other.list();
  }

 private:
  [[nodiscard]] const std::vector<PointConfig>& list() const;
  std::vector<PointConfig>& own();
  std::shared_ptr<std::vector<PointConfig>> points_;  // null: empty
};

// A shared attribute that ThingsBoard may change: written to the meter with SET.
struct AttributeUpdateConfig {
  std::string key;
  xdlms::CosemAttributeDescriptor attribute;
  bool operator==(const AttributeUpdateConfig&) const = default;
};

enum class RpcKind { get, set, action };

// A configured RPC method: {"method":"disconnect","type":"action","obis":"0-0:96.3.10",
// "classId":70,"method_id"|"attribute":1,"value":...}.
struct RpcMethodConfig {
  std::string method;
  RpcKind kind = RpcKind::get;
  std::uint16_t class_id = 0;
  ObisCode obis;
  std::int8_t id = 0;  // attribute id (get/set) or method id (action)
  // For set/action: a fixed argument as JSON ("value" in the config); absent: taken from the
  // RPC's params.value.
  std::optional<std::string> value_json;
  bool operator==(const RpcMethodConfig&) const = default;
};

// Reconnect when a meter keeps failing or goes quiet (simple form: watchdog{}).
struct WatchdogConfig {
  bool enabled = true;
  unsigned max_consecutive_failures = 10;              // failed reads in a row
  Milliseconds max_silence{std::chrono::minutes(10)};  // without one good read
  bool operator==(const WatchdogConfig&) const = default;
};

// Stop hammering a meter that reconnects too often (simple form: circuitBreaker{}).
struct CircuitBreakerConfig {
  bool enabled = true;
  unsigned max_reconnects_per_hour = 10;
  Milliseconds pause{std::chrono::minutes(5)};
  bool operator==(const CircuitBreakerConfig&) const = default;
};

// How connection attempts are spaced: exponential backoff with jitter from reconnect_delay up to
// max_reconnect_delay, never closer than min_connect_gap.
struct RetryConfig {
  Milliseconds reconnect_delay{5'000};
  Milliseconds max_reconnect_delay{std::chrono::minutes(5)};
  Milliseconds min_connect_gap{1'000};
  // Failed attempts in a row before the breaker's pause applies (0: only the hourly rule).
  unsigned max_reconnect_attempts = 10;
  bool operator==(const RetryConfig&) const = default;
};

// Migration: the device publishes as itself (device API, its own token) instead of through the
// gateway, so a meter can move to dlmsgw while keeping its ThingsBoard device and dashboards.
struct DeviceTokenConfig {
  std::string access_token;
  bool operator==(const DeviceTokenConfig&) const = default;
};

// A capture object of a profile to publish, and its ThingsBoard key.
struct ProfileColumnConfig {
  xdlms::CosemAttributeDescriptor attribute;  // class, OBIS and attribute of the capture object
  std::string key;
  bool operator==(const ProfileColumnConfig&) const = default;
};

// A profile generic object (class 7: load profile, billing values, event log) whose entries are
// published with the meter's own capture time, gap-free across outages ("profiles": [...]).
struct ProfileConfig {
  ObisCode obis;
  // How often new entries are fetched; 0: the profile's capture period (attribute 4), or 15
  // minutes when that is 0 (event logs).
  Milliseconds poll_period{0};
  // How far back the first read of a new meter (no cursor yet) goes.
  std::chrono::hours max_backfill{168};
  // Empty: every capture object except the clock, keyed by its OBIS code text.
  std::vector<ProfileColumnConfig> columns;
  bool operator==(const ProfileConfig&) const = default;
};

struct DeviceConfig {
  std::string name;  // ThingsBoard device name
  std::string type = "DLMS_Meter";
  client::ConnectionSettings connection;  // connection.name == name
  Milliseconds poll_period{5'000};
  // Attributes read from the meter are read at connect and then on this slower period.
  Milliseconds attribute_poll_period{std::chrono::hours(1)};
  PointList timeseries;
  PointList attributes;
  // Static client attributes (simple form attributesMapping; ${host} ${port} ${name}
  // ${deviceType} substituted), sent once at connect.
  std::vector<gateway::DataPoint> static_attributes;
  std::vector<AttributeUpdateConfig> attribute_updates;
  std::vector<RpcMethodConfig> rpc;
  WatchdogConfig watchdog;
  CircuitBreakerConfig circuit_breaker;
  RetryConfig retry;
  // Publish the meter clock's offset from ours (attribute clock_offset_ms) when the meter has a
  // clock (0-0:1.0.0 class 8), read at connect and on the attribute period.
  bool publish_clock_offset = true;
  std::optional<DeviceTokenConfig> device_token;
  std::vector<ProfileConfig> profiles;
  // "timeZone": the meter's offset from UTC in minutes (+60 for "+01:00"), for profile entries
  // whose date-time carries no deviation. Fixed offsets only.
  std::optional<int> utc_offset_minutes;
  bool operator==(const DeviceConfig&) const = default;
};

struct DlmsConnectorConfig {
  std::string name = "DLMS Connector";
  std::vector<DeviceConfig> devices;
  // Sessions opened or polled at the same time, over all meters.
  unsigned max_concurrent_polls = 32;
  // Per-meter statistics (reads, latency, reconnects...) are published as each meter's telemetry
  // this often ("statisticsPeriod", ms; 0 here turns them off, for tests).
  Milliseconds statistics_period{60'000};
  std::vector<std::string> warnings;  // "file:path: ..." for the log (unknown keys...)
};

// Parses a connector file's text. Errors name the file and the JSON path and give a hint:
// "dlms_connector.json: devices[0].port: 70000 is not a TCP port (1..65535)".
Expected<DlmsConnectorConfig> parse_dlms_connector_config(std::string_view text,
                                                          const std::string& file_name);
Expected<DlmsConnectorConfig> load_dlms_connector_config(const std::filesystem::path& path);

// Every problem of the file rather than the first (`dlmsgw validate`): the connector-level
// sections and each device are checked even when an earlier one failed (within one device, the
// first problem). `config` holds the devices that parsed, and every warning.
struct DlmsConnectorCheck {
  DlmsConnectorConfig config;
  std::vector<Error> errors;  // empty: parse_dlms_connector_config would succeed
};
DlmsConnectorCheck check_dlms_connector_config(std::string_view text, const std::string& file_name);

}  // namespace dlmsgw::connectors::dlms
