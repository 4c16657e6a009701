#include "connectors/dlms/config_sections.hpp"

#include <array>
#include <utility>

namespace dlmsgw::connectors::dlms {
namespace {

constexpr std::array kStrategyTypes{
    ReportStrategyType::on_received,
    ReportStrategyType::on_change,
    ReportStrategyType::on_report_period,
    ReportStrategyType::on_change_or_report_period,
};

constexpr const char* kStrategyHint =
    "use ON_RECEIVED, ON_CHANGE, ON_REPORT_PERIOD or ON_CHANGE_OR_REPORT_PERIOD";

Expected<ReportStrategyType> strategy_type(const ConfigReader& reader, const Json& node,
                                           const std::string& path) {
  DLMSGW_TRY_ASSIGN(const auto name, reader.text(node, path));
  for (const auto type : kStrategyTypes) {
    if (to_string(type) == name) return type;
  }
  return reader.error(path, "\"" + name + "\" is not a report strategy (" + kStrategyHint + ")");
}

// max_reconnect_delay follows reconnect_delay up when only the latter was given, so that
// "reconnectDelay": 600 alone is honoured rather than refused.
Expected<void> check_retry(const ConfigReader& reader, const std::string& path, RetryConfig& retry,
                           bool max_given) {
  if (retry.max_reconnect_delay < retry.reconnect_delay) {
    if (max_given) {
      return reader.error(ConfigReader::join(path, "maxReconnectDelay"),
                          "is shorter than reconnectDelay (the backoff grows from reconnectDelay "
                          "up to maxReconnectDelay)");
    }
    retry.max_reconnect_delay = retry.reconnect_delay;
  }
  return {};
}

}  // namespace

Expected<ReportStrategy> parse_report_strategy(ConfigReader& reader, const Json& node,
                                               const std::string& path) {
  ReportStrategy strategy;
  if (node.is_string()) {
    DLMSGW_TRY_ASSIGN(strategy.type, strategy_type(reader, node, path));
    return strategy;
  }
  DLMSGW_TRY(reader.expect_object(node, path, "type and reportPeriod"));
  reader.check_keys(node, path, {"type", "reportPeriod"});
  if (!node.contains("type")) {
    return reader.error(ConfigReader::join(path, "type"),
                        std::string("missing (") + kStrategyHint + ")");
  }
  DLMSGW_TRY_ASSIGN(strategy.type,
                    strategy_type(reader, node.at("type"), ConfigReader::join(path, "type")));
  if (node.contains("reportPeriod")) {
    DLMSGW_TRY_ASSIGN(
        strategy.report_period,
        reader.millis(node.at("reportPeriod"), ConfigReader::join(path, "reportPeriod")));
  }
  return strategy;
}

Expected<WatchdogConfig> parse_watchdog(ConfigReader& reader, const Json& node,
                                        const std::string& path, WatchdogConfig base) {
  DLMSGW_TRY(reader.expect_object(node, path, "enabled, maxConsecutiveFailures, ..."));
  reader.check_keys(node, path,
                    {"enabled", "maxConsecutiveFailures", "maxConsecutiveReadFailures",
                     "maxConsecutiveErrors", "maxSilenceMinutes", "reconnectOnError"});
  if (node.contains("enabled")) {
    DLMSGW_TRY_ASSIGN(base.enabled,
                      reader.boolean(node.at("enabled"), ConfigReader::join(path, "enabled")));
  }
  // The simple form counts "errors" and "read failures"; reads are what the watchdog watches,
  // so the more specific key wins.
  for (const char* key :
       {"maxConsecutiveErrors", "maxConsecutiveReadFailures", "maxConsecutiveFailures"}) {
    if (!node.contains(key)) continue;
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(node.at(key), ConfigReader::join(path, key), 1, 1'000'000,
                                     "a count of failed reads (1 or more)"));
    base.max_consecutive_failures = static_cast<unsigned>(value);
  }
  if (node.contains("maxSilenceMinutes")) {
    DLMSGW_TRY_ASSIGN(base.max_silence,
                      reader.minutes(node.at("maxSilenceMinutes"),
                                     ConfigReader::join(path, "maxSilenceMinutes")));
  }
  if (node.contains("reconnectOnError")) {
    DLMSGW_TRY_ASSIGN(
        const bool reconnect,
        reader.boolean(node.at("reconnectOnError"), ConfigReader::join(path, "reconnectOnError")));
    // The watchdog's only action is to reconnect: not reconnecting means no watchdog.
    if (!reconnect) base.enabled = false;
  }
  return base;
}

Expected<CircuitBreakerConfig> parse_circuit_breaker(ConfigReader& reader, const Json& node,
                                                     const std::string& path,
                                                     CircuitBreakerConfig base) {
  DLMSGW_TRY(reader.expect_object(node, path, "enabled, maxReconnectsPerHour, pauseMinutes"));
  reader.check_keys(node, path, {"enabled", "maxReconnectsPerHour", "pauseMinutes"});
  if (node.contains("enabled")) {
    DLMSGW_TRY_ASSIGN(base.enabled,
                      reader.boolean(node.at("enabled"), ConfigReader::join(path, "enabled")));
  }
  if (node.contains("maxReconnectsPerHour")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(node.at("maxReconnectsPerHour"),
                                     ConfigReader::join(path, "maxReconnectsPerHour"), 1, 3600,
                                     "a number of reconnects per hour (1..3600)"));
    base.max_reconnects_per_hour = static_cast<unsigned>(value);
  }
  if (node.contains("pauseMinutes")) {
    DLMSGW_TRY_ASSIGN(base.pause, reader.minutes(node.at("pauseMinutes"),
                                                 ConfigReader::join(path, "pauseMinutes")));
  }
  return base;
}

Expected<RetryConfig> parse_retry(ConfigReader& reader, const Json& node, const std::string& path,
                                  RetryConfig base) {
  DLMSGW_TRY(reader.expect_object(node, path, "reconnectDelay, maxReconnectDelay, ... in ms"));
  reader.check_keys(
      node, path, {"reconnectDelay", "maxReconnectDelay", "minConnectGap", "maxReconnectAttempts"});
  const std::pair<const char*, Milliseconds RetryConfig::*> periods[] = {
      {"reconnectDelay", &RetryConfig::reconnect_delay},
      {"maxReconnectDelay", &RetryConfig::max_reconnect_delay},
      {"minConnectGap", &RetryConfig::min_connect_gap},
  };
  for (const auto& [key, field] : periods) {
    if (node.contains(key)) {
      DLMSGW_TRY_ASSIGN(base.*field, reader.millis(node.at(key), ConfigReader::join(path, key)));
    }
  }
  if (node.contains("maxReconnectAttempts")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(node.at("maxReconnectAttempts"),
                                     ConfigReader::join(path, "maxReconnectAttempts"), 0, 1'000'000,
                                     "a number of attempts (0 for no limit)"));
    base.max_reconnect_attempts = static_cast<unsigned>(value);
  }
  DLMSGW_TRY(check_retry(reader, path, base, node.contains("maxReconnectDelay")));
  return base;
}

Expected<DeviceDefaults> parse_inherited(ConfigReader& reader, const Json& object,
                                         const std::string& path, DeviceDefaults base) {
  if (object.contains("reportStrategy")) {
    DLMSGW_TRY_ASSIGN(base.report_strategy,
                      parse_report_strategy(reader, object.at("reportStrategy"),
                                            ConfigReader::join(path, "reportStrategy")));
  }
  if (object.contains("watchdog")) {
    DLMSGW_TRY_ASSIGN(base.watchdog,
                      parse_watchdog(reader, object.at("watchdog"),
                                     ConfigReader::join(path, "watchdog"), base.watchdog));
  }
  if (object.contains("circuitBreaker")) {
    DLMSGW_TRY_ASSIGN(
        base.circuit_breaker,
        parse_circuit_breaker(reader, object.at("circuitBreaker"),
                              ConfigReader::join(path, "circuitBreaker"), base.circuit_breaker));
  }
  if (object.contains("retry")) {
    DLMSGW_TRY_ASSIGN(base.retry, parse_retry(reader, object.at("retry"),
                                              ConfigReader::join(path, "retry"), base.retry));
  }
  return base;
}

Expected<DeviceDefaults> parse_simple_timing(ConfigReader& reader, const Json& object,
                                             DeviceDefaults base) {
  if (object.contains("connectionTimeout")) {
    DLMSGW_TRY_ASSIGN(base.timeouts.connect,
                      reader.seconds(object.at("connectionTimeout"), "connectionTimeout"));
  }
  if (object.contains("requestTimeout")) {
    DLMSGW_TRY_ASSIGN(base.timeouts.response,
                      reader.seconds(object.at("requestTimeout"), "requestTimeout"));
  }
  if (object.contains("reconnectDelay")) {
    DLMSGW_TRY_ASSIGN(base.retry.reconnect_delay,
                      reader.seconds(object.at("reconnectDelay"), "reconnectDelay"));
    DLMSGW_TRY(check_retry(reader, "", base.retry, false));
  }
  if (object.contains("maxReconnectAttempts")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(object.at("maxReconnectAttempts"), "maxReconnectAttempts", 0,
                                     1'000'000, "a number of attempts (0 for no limit)"));
    base.retry.max_reconnect_attempts = static_cast<unsigned>(value);
  }
  return base;
}

}  // namespace dlmsgw::connectors::dlms
