#pragma once
// The sections both file forms share, at connector and at device level: reportStrategy,
// watchdog, circuitBreaker, retry, and the connector-level timeouts. A device starts from what the
// connector level resolved (DeviceDefaults) and overrides it field by field.

#include <string>

#include "connectors/dlms/config_reader.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"

namespace dlmsgw::connectors::dlms {

// What a device inherits from the connector level of the file.
struct DeviceDefaults {
  ReportStrategy report_strategy;
  WatchdogConfig watchdog;
  CircuitBreakerConfig circuit_breaker;
  RetryConfig retry;
  client::Timeouts timeouts;
};

// {"type": "ON_CHANGE_OR_REPORT_PERIOD", "reportPeriod": 60000} (ms); a bare type name is also
// accepted.
Expected<ReportStrategy> parse_report_strategy(ConfigReader& reader, const Json& node,
                                               const std::string& path);

// Each starts from `base` and changes only the keys present.
Expected<WatchdogConfig> parse_watchdog(ConfigReader& reader, const Json& node,
                                        const std::string& path, WatchdogConfig base);
Expected<CircuitBreakerConfig> parse_circuit_breaker(ConfigReader& reader, const Json& node,
                                                     const std::string& path,
                                                     CircuitBreakerConfig base);
Expected<RetryConfig> parse_retry(ConfigReader& reader, const Json& node, const std::string& path,
                                  RetryConfig base);

// The keys of `object` (the connector root or one device) that override inherited settings:
// reportStrategy, watchdog, circuitBreaker, retry.
Expected<DeviceDefaults> parse_inherited(ConfigReader& reader, const Json& object,
                                         const std::string& path, DeviceDefaults base);

// The simple form's connector-level keys, in seconds: connectionTimeout, requestTimeout,
// reconnectDelay, and maxReconnectAttempts.
Expected<DeviceDefaults> parse_simple_timing(ConfigReader& reader, const Json& object,
                                             DeviceDefaults base);

}  // namespace dlmsgw::connectors::dlms
