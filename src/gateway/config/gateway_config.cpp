#include "gateway/config/gateway_config.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "gateway/component_logger.hpp"
#include "gateway/config/secret_file.hpp"
#include "gateway/storage/direct_store.hpp"
#include "gateway/storage/memory_queue.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/uplink/rate_limit.hpp"

namespace dlmsgw::gateway {
namespace {

// Reads one YAML document with positions, collecting warnings; every error names file:line.
class Reader {
 public:
  Reader(std::string file, std::vector<std::string>& warnings,
         std::optional<std::string> credentials_directory,
         std::optional<std::filesystem::path> state_directory)
      : file_(std::move(file)),
        warnings_(warnings),
        credentials_directory_(std::move(credentials_directory)),
        state_directory_(std::move(state_directory)) {}

  [[nodiscard]] std::string at(const YAML::Node& node) const {
    const auto mark = node.Mark();
    return mark.line >= 0 ? file_ + ":" + std::to_string(mark.line + 1) : file_;
  }
  Error error(const YAML::Node& node, const std::string& key, const std::string& what) const {
    return make_error(ErrorCode::invalid_argument, at(node) + ": " + key + ": " + what);
  }
  void warn(const YAML::Node& node, const std::string& what) {
    warnings_.push_back(at(node) + ": " + what);
  }

  // Warns about keys of `map` outside the gateway_config_keys() section `section`; `prefix` is
  // how the keys are named in the warning ("connectors[1].").
  void check_keys(const YAML::Node& map, std::string_view section, const std::string& prefix) {
    const ConfigKeySection* known = nullptr;
    for (const auto& candidate : gateway_config_keys()) {
      if (candidate.path == section) known = &candidate;
    }
    const auto contains = [](const std::vector<std::string_view>& keys, const std::string& key) {
      return std::find(keys.begin(), keys.end(), key) != keys.end();
    };
    for (const auto& item : map) {
      const auto key = item.first.as<std::string>();
      if (known != nullptr && contains(known->keys, key)) continue;
      if (known != nullptr && contains(known->ignored, key)) {
        warn(item.first, prefix + key + " is a ThingsBoard gateway setting dlmsgw does not use");
      } else {
        warn(item.first, "unknown key " + prefix + key + " (ignored; check the spelling)");
      }
    }
  }

  Expected<std::string> text(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return error(node, key, "expected a text value");
    return node.as<std::string>();
  }

  Expected<std::int64_t> integer(const YAML::Node& node, const std::string& key, std::int64_t min,
                                 std::int64_t max, const std::string& what) const {
    if (!node.IsScalar()) return error(node, key, "expected " + what);
    const auto value = node.Scalar();
    std::int64_t number = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc{} || ptr != value.data() + value.size() || number < min || number > max) {
      return error(node, key, "'" + value + "' is not " + what);
    }
    return number;
  }

  Expected<bool> boolean(const YAML::Node& node, const std::string& key) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      return error(
          node, key,
          "'" + (node.IsScalar() ? node.Scalar() : std::string("...")) + "' is not true or false");
    }
    return value;
  }

  Expected<std::string> rate_limit(const YAML::Node& node, const std::string& key) const {
    DLMSGW_TRY_ASSIGN(auto value, text(node, key));
    if (value.rfind("DEFAULT_", 0) == 0) return std::string();
    if (auto parsed = RateLimit::parse(value); !parsed) {
      return error(node, key,
                   "'" + value + "' is not a rate limit (\"N:S,N:S\": N messages per S seconds): " +
                       parsed.error().message);
    }
    return value;
  }

  const std::string& file() const { return file_; }
  const std::optional<std::string>& credentials_directory() const { return credentials_directory_; }
  const std::optional<std::filesystem::path>& state_directory() const { return state_directory_; }

 private:
  std::string file_;
  std::vector<std::string>& warnings_;
  std::optional<std::string> credentials_directory_;
  std::optional<std::filesystem::path> state_directory_;
};

// A secret in a file (secret_file.hpp has the rule). `written` is the path as given, relative
// to `file`; `where` starts every message ("tb_gateway.yaml:7: thingsboard.security.KEY: ").
Expected<std::string> read_secret(const std::string& written, const std::string& file,
                                  const std::string& what,
                                  const std::optional<std::string>& credentials_directory,
                                  const std::string& where) {
  auto path = secret_path(written, file, credentials_directory);
  if (!path) return make_error(ErrorCode::invalid_argument, where + path.error().message);
  auto secret = read_secret_file(*path, what);
  if (!secret) return make_error(ErrorCode::invalid_argument, where + secret.error().message);
  return secret;
}

std::filesystem::path relative_to(const std::string& file, const std::string& value) {
  std::filesystem::path path(value);
  if (path.is_relative()) {
    const auto dir = std::filesystem::path(file).parent_path();
    if (!dir.empty()) path = dir / path;
  }
  return path;
}

// systemd's StateDirectory ($STATE_DIRECTORY, the first when it lists several), if any.
std::optional<std::filesystem::path> state_directory(const Environment& environment) {
  const auto state = environment("STATE_DIRECTORY");
  if (!state || state->empty()) return std::nullopt;
  return std::filesystem::path(state->substr(0, state->find(':')));
}

// A relative storage path is relative to the service's state directory when it has one: the only
// place a unit with ProtectSystem=strict may write (next to the configuration, /etc/dlmsgw, it
// restart-looped). Without systemd, relative to the configuration file.
std::filesystem::path storage_path(const std::string& value, const std::string& file,
                                   const std::optional<std::filesystem::path>& state) {
  const std::filesystem::path path(value);
  if (path.is_relative() && state) return *state / path;
  return relative_to(file, value);
}

Expected<void> parse_security(Reader& reader, const YAML::Node& node, GatewayConfig& config) {
  const std::string p = "thingsboard.security.";
  if (!node.IsMap()) return reader.error(node, "thingsboard.security", "expected a mapping");
  reader.check_keys(node, "thingsboard.security", p);
  auto& security = config.security;
  if (const auto type = node["type"]) {
    DLMSGW_TRY_ASSIGN(auto value, reader.text(type, p + "type"));
    static const std::set<std::string> types{"accessToken", "usernamePassword", "tlsAccessToken",
                                             "tlsPrivateKey"};
    if (types.count(value) == 0) {
      return reader.error(type, p + "type",
                          "'" + value +
                              "' is not one of accessToken, usernamePassword, tlsAccessToken, "
                              "tlsPrivateKey");
    }
    security.type = value;
  }
  const auto field = [&](const char* key, std::string& out) -> Expected<void> {
    if (const auto value = node[key]) {
      DLMSGW_TRY_ASSIGN(out, reader.text(value, p + key));
    }
    return {};
  };
  DLMSGW_TRY(field("accessToken", security.access_token));
  if (!security.access_token.empty()) {
    security.credentials_source = p + "accessToken in " + reader.file();
  }
  if (const auto file = node["accessTokenFile"]) {
    DLMSGW_TRY_ASSIGN(const auto path, reader.text(file, p + "accessTokenFile"));
    DLMSGW_TRY_ASSIGN(
        security.access_token,
        read_secret(path, reader.file(), "access token", reader.credentials_directory(),
                    reader.at(file) + ": " + p + "accessTokenFile: "));
    security.credentials_source = "the access token file " + path;
  }
  DLMSGW_TRY(field("username", security.username));
  if (!security.username.empty() && security.access_token.empty()) {
    security.credentials_source = p + "username/password in " + reader.file();
  }
  if (const auto password = node["password"]) {
    DLMSGW_TRY_ASSIGN(security.password, reader.text(password, p + "password"));
  }
  if (const auto file = node["passwordFile"]) {
    DLMSGW_TRY_ASSIGN(const auto path, reader.text(file, p + "passwordFile"));
    DLMSGW_TRY_ASSIGN(security.password,
                      read_secret(path, reader.file(), "password", reader.credentials_directory(),
                                  reader.at(file) + ": " + p + "passwordFile: "));
  }
  DLMSGW_TRY(field("clientId", security.client_id));
  std::string ca;
  std::string cert;
  std::string key;
  DLMSGW_TRY(field("caCert", ca));
  DLMSGW_TRY(field("cert", cert));
  DLMSGW_TRY(field("privateKey", key));
  if (cert.empty() != key.empty()) {
    return reader.error(node, "thingsboard.security",
                        "cert and privateKey go together (mutual TLS needs both)");
  }
  if (security.type == "tlsPrivateKey" && cert.empty()) {
    return reader.error(node, "thingsboard.security",
                        "type tlsPrivateKey needs cert and privateKey (the client certificate "
                        "and its key, mutual TLS)");
  }
  const auto tls_file = [&](const char* name, const std::string& written,
                            std::string& out) -> Expected<void> {
    if (written.empty()) return {};
    auto path = secret_path(written, reader.file(), reader.credentials_directory());
    if (!path) return reader.error(node[name], p + name, path.error().message);
    out = path->string();
    return {};
  };
  DLMSGW_TRY(tls_file("caCert", ca, security.ca_cert));
  DLMSGW_TRY(tls_file("cert", cert, security.cert));
  DLMSGW_TRY(tls_file("privateKey", key, security.private_key));
  return {};
}

// Decides, for each failed step, whether parsing goes on (validate collects every problem) or
// stops (run fails on the first); returns true to go on.
using KeepGoing = std::function<bool(Expected<void>)>;

// One step per key (a nested mapping is one step), so that `validate` reports each wrong key.
bool parse_thingsboard(Reader& reader, const YAML::Node& tb, GatewayConfig& config,
                       const KeepGoing& keep_going) {
  const std::string p = "thingsboard.";
  if (!tb.IsMap()) return keep_going(reader.error(tb, "thingsboard", "expected a mapping"));
  reader.check_keys(tb, "thingsboard", p);
  const auto host = [&]() -> Expected<void> {
    const auto node = tb["host"];
    if (!node) {
      return reader.error(tb, p + "host", "missing (the ThingsBoard server's name or address)");
    }
    DLMSGW_TRY_ASSIGN(config.host, reader.text(node, p + "host"));
    if (config.host.empty()) return reader.error(node, p + "host", "is empty");
    return {};
  };
  const auto port = [&]() -> Expected<void> {
    if (const auto node = tb["port"]) {
      DLMSGW_TRY_ASSIGN(const auto value,
                        reader.integer(node, p + "port", 1, 65535, "a port number (1-65535)"));
      config.port = static_cast<std::uint16_t>(value);
    }
    return {};
  };
  const auto qos = [&]() -> Expected<void> {
    if (const auto node = tb["qos"]) {
      DLMSGW_TRY_ASSIGN(const auto value,
                        reader.integer(node, p + "qos", 0, 1,
                                       "an MQTT QoS dlmsgw supports (1, or 0 to lose data)"));
      config.qos = static_cast<int>(value);
      if (config.qos == 0) {
        reader.warn(node, "thingsboard.qos: 0 gives no acknowledgement: readings may be lost");
      }
    }
    return {};
  };
  const auto version = [&]() -> Expected<void> {
    if (const auto node = tb["mqttVersion"]) {
      DLMSGW_TRY_ASSIGN(const auto value, reader.text(node, p + "mqttVersion"));
      if (value == "3.1.1") {
        config.mqtt_version = MqttVersion::v311;
      } else if (value == "5") {
        config.mqtt_version = MqttVersion::v5;
      } else {
        return reader.error(node, p + "mqttVersion",
                            "'" + value +
                                "' is not an MQTT version dlmsgw speaks: write 3.1.1 (the "
                                "default) or 5 (quoted or not)");
      }
    }
    return {};
  };
  const auto payload = [&]() -> Expected<void> {
    if (const auto node = tb["maxPayloadSizeBytes"]) {
      DLMSGW_TRY_ASSIGN(const auto value,
                        reader.integer(node, p + "maxPayloadSizeBytes", 256, 256 * 1024 * 1024,
                                       "a size in bytes (256 or more)"));
      config.max_payload_size_bytes = static_cast<std::size_t>(value);
    }
    return {};
  };
  const auto security = [&]() -> Expected<void> {
    if (const auto node = tb["security"]) return parse_security(reader, node, config);
    return {};
  };
  const auto statistics = [&]() -> Expected<void> {
    const auto stats = tb["statistics"];
    if (!stats) return {};
    if (!stats.IsMap()) return reader.error(stats, p + "statistics", "expected a mapping");
    reader.check_keys(stats, "thingsboard.statistics", p + "statistics.");
    if (const auto enable = stats["enable"]) {
      DLMSGW_TRY_ASSIGN(config.statistics, reader.boolean(enable, p + "statistics.enable"));
    }
    if (const auto period = stats["statsSendPeriodInSeconds"]) {
      DLMSGW_TRY_ASSIGN(const auto value,
                        reader.integer(period, p + "statistics.statsSendPeriodInSeconds", 1, 86400,
                                       "a period in seconds (1-86400)"));
      config.statistics_period = std::chrono::seconds(value);
    }
    return {};
  };
  const auto reboot = [&]() -> Expected<void> {
    if (const auto node = tb["rebootCommand"]) {
      DLMSGW_TRY_ASSIGN(config.reboot_command, reader.text(node, p + "rebootCommand"));
    }
    if (const auto node = tb["remoteConfiguration"]) {
      DLMSGW_TRY_ASSIGN(config.remote_configuration,
                        reader.boolean(node, p + "remoteConfiguration"));
    }
    return {};
  };
  const std::function<Expected<void>()> steps[] = {host,    port,     qos,        version,
                                                   payload, security, statistics, reboot};
  for (const auto& step : steps) {
    if (!keep_going(step())) return false;
  }
  const std::pair<const char*, std::string GatewayConfig::*> limits[] = {
      {"rateLimits", &GatewayConfig::rate_limits},
      {"dpRateLimits", &GatewayConfig::dp_rate_limits},
      {"messagesRateLimits", &GatewayConfig::messages_rate_limits},
      {"deviceRateLimits", &GatewayConfig::device_rate_limits},
      {"deviceDpRateLimits", &GatewayConfig::device_dp_rate_limits},
      {"deviceMessagesRateLimits", &GatewayConfig::device_messages_rate_limits},
  };
  for (const auto& [key, field] : limits) {
    if (const auto value = tb[key]) {
      auto limit = reader.rate_limit(value, p + key);
      if (limit) {
        config.*field = std::move(*limit);
      } else if (!keep_going(limit.error())) {
        return false;
      }
    }
  }
  return true;
}

Expected<void> parse_storage(Reader& reader, const YAML::Node& node, GatewayConfig& config) {
  const std::string p = "storage.";
  if (!node.IsMap()) return reader.error(node, "storage", "expected a mapping");
  reader.check_keys(node, "storage", p);
  auto& storage = config.storage;
  if (const auto type = node["type"]) {
    DLMSGW_TRY_ASSIGN(const auto value, reader.text(type, p + "type"));
    if (value == "memory") {
      storage.type = StorageType::memory;
    } else if (value == "sqlite") {
      storage.type = StorageType::sqlite;
    } else {
      return reader.error(type, p + "type",
                          "'" + value + "' is not a storage type dlmsgw has (memory or sqlite" +
                              (value == "file" ? "; use sqlite instead of file" : "") + ")");
    }
  }
  if (const auto path = node["data_file_path"]) {
    DLMSGW_TRY_ASSIGN(const auto value, reader.text(path, p + "data_file_path"));
    storage.data_file_path = storage_path(value, reader.file(), reader.state_directory());
  }
  if (const auto max = node["max_records_count"]) {
    DLMSGW_TRY_ASSIGN(const auto value, reader.integer(max, p + "max_records_count", 0, INT64_MAX,
                                                       "a record count (0 for no limit)"));
    storage.max_records_count = static_cast<std::uint64_t>(value);
  }
  if (const auto read = node["read_records_count"]) {
    DLMSGW_TRY_ASSIGN(const auto value, reader.integer(read, p + "read_records_count", 1, 100000,
                                                       "a record count (1-100000)"));
    storage.read_records_count = static_cast<std::size_t>(value);
  }
  if (const auto ttl = node["messages_ttl_in_days"]) {
    DLMSGW_TRY_ASSIGN(const auto value, reader.integer(ttl, p + "messages_ttl_in_days", 0, 36500,
                                                       "a number of days (0 to keep)"));
    storage.messages_ttl_in_days = static_cast<std::uint32_t>(value);
  }
  return {};
}

Expected<void> parse_connectors(Reader& reader, const YAML::Node& node, GatewayConfig& config) {
  if (!node.IsSequence()) return reader.error(node, "connectors", "expected a list");
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto item = node[i];
    const std::string p = "connectors[" + std::to_string(i) + "]";
    if (!item.IsMap())
      return reader.error(item, p, "expected a mapping with name, type, configuration");
    reader.check_keys(item, "connectors[]", p + ".");
    ConnectorConfig connector;
    for (const auto& [key, out] : {std::pair<const char*, std::string*>{"name", &connector.name},
                                   {"type", &connector.type}}) {
      const auto value = item[key];
      if (!value) return reader.error(item, p + "." + key, "missing");
      DLMSGW_TRY_ASSIGN(*out, reader.text(value, p + "." + key));
    }
    if (!names.insert(connector.name).second) {
      return reader.error(item["name"], p + ".name",
                          "'" + connector.name + "' is used twice; connector names must be unique");
    }
    const auto file = item["configuration"];
    if (!file)
      return reader.error(item, p + ".configuration", "missing (the connector's JSON file)");
    DLMSGW_TRY_ASSIGN(const auto path, reader.text(file, p + ".configuration"));
    connector.configuration = relative_to(reader.file(), path);
    config.connectors.push_back(std::move(connector));
  }
  return {};
}

// health: the /health and /metrics endpoint.
bool is_numeric_address(const std::string& host) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

Expected<void> parse_health(Reader& reader, const YAML::Node& node, GatewayConfig& config) {
  const std::string p = "health.";
  if (!node.IsMap())
    return reader.error(node, "health", "expected a mapping (enabled, host, port)");
  reader.check_keys(node, "health", p);
  auto& health = config.health;
  if (const auto enabled = node["enabled"]) {
    DLMSGW_TRY_ASSIGN(health.enabled, reader.boolean(enabled, p + "enabled"));
  }
  if (const auto host = node["host"]) {
    DLMSGW_TRY_ASSIGN(health.host, reader.text(host, p + "host"));
    if (!is_numeric_address(health.host)) {
      return reader.error(host, p + "host",
                          "'" + health.host +
                              "' is not a numeric IPv4 or IPv6 address (127.0.0.1 for this host "
                              "only, 0.0.0.0 for every interface)");
    }
  }
  if (const auto port = node["port"]) {
    DLMSGW_TRY_ASSIGN(const auto value, reader.integer(port, p + "port", 0, 65535,
                                                       "a port number (0-65535; 0: any free one)"));
    health.port = static_cast<std::uint16_t>(value);
  }
  if (const auto names = node["hostNames"]) {
    if (!names.IsSequence()) {
      return reader.error(names, p + "hostNames", "expected a list of names ([gw1.example.net])");
    }
    for (const auto& name : names) {
      DLMSGW_TRY_ASSIGN(auto value, reader.text(name, p + "hostNames"));
      health.host_names.push_back(std::move(value));
    }
  }
  if (const auto file = node["traceTokenFile"]) {
    DLMSGW_TRY_ASSIGN(const auto path, reader.text(file, p + "traceTokenFile"));
    DLMSGW_TRY_ASSIGN(
        health.trace_token,
        read_secret(path, reader.file(), "trace token", reader.credentials_directory(),
                    reader.at(file) + ": " + p + "traceTokenFile: "));
  }
  return {};
}

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

bool is_log_level(const std::string& level) {
  const auto& names = log_level_names();
  return std::find(names.begin(), names.end(), level) != names.end();
}

// logging: the default level and per-component levels.
Expected<void> parse_logging(Reader& reader, const YAML::Node& node, GatewayConfig& config) {
  const std::string p = "logging.";
  if (!node.IsMap()) return reader.error(node, "logging", "expected a mapping (level, levels)");
  reader.check_keys(node, "logging", p);
  const auto level_at = [&](const YAML::Node& value,
                            const std::string& key) -> Expected<std::string> {
    DLMSGW_TRY_ASSIGN(auto level, reader.text(value, key));
    if (!is_log_level(level)) {
      return reader.error(value, key,
                          "'" + level + "' is not a log level (" + joined(log_level_names()) + ")");
    }
    return level;
  };
  if (const auto level = node["level"]) {
    DLMSGW_TRY_ASSIGN(config.logging.level, level_at(level, p + "level"));
  }
  if (const auto levels = node["levels"]) {
    if (!levels.IsMap()) {
      return reader.error(levels, p + "levels", "expected a mapping of component: level");
    }
    const auto& components = log_component_names();
    for (const auto& item : levels) {
      const auto component = item.first.as<std::string>();
      if (std::find(components.begin(), components.end(), component) == components.end()) {
        return reader.error(item.first, p + "levels." + component,
                            "not a component (" + joined(components) + ")");
      }
      DLMSGW_TRY_ASSIGN(config.logging.levels[component],
                        level_at(item.second, p + "levels." + component));
    }
  }
  return {};
}

Expected<void> apply_observability_environment(GatewayConfig& config,
                                               const Environment& environment) {
  const auto bad = [](const char* name, const std::string& value, const std::string& what) {
    return make_error(ErrorCode::invalid_argument,
                      std::string("environment ") + name + ": '" + value + "' is not " + what);
  };
  if (auto v = environment("TB_GW_HEALTH_ENABLED")) {
    if (*v == "true" || *v == "1") {
      config.health.enabled = true;
    } else if (*v == "false" || *v == "0") {
      config.health.enabled = false;
    } else {
      return bad("TB_GW_HEALTH_ENABLED", *v, "true or false");
    }
  }
  if (auto v = environment("TB_GW_HEALTH_HOST")) {
    if (!is_numeric_address(*v)) return bad("TB_GW_HEALTH_HOST", *v, "a numeric IP address");
    config.health.host = *v;
  }
  if (auto v = environment("TB_GW_HEALTH_PORT")) {
    int port = 0;
    const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), port);
    if (ec != std::errc{} || ptr != v->data() + v->size() || port < 0 || port > 65535) {
      return bad("TB_GW_HEALTH_PORT", *v, "a port number (0-65535)");
    }
    config.health.port = static_cast<std::uint16_t>(port);
  }
  if (auto v = environment("TB_GW_LOG_LEVEL")) {
    if (!is_log_level(*v)) {
      return bad("TB_GW_LOG_LEVEL", *v, "a log level (" + joined(log_level_names()) + ")");
    }
    config.logging.level = *v;
  }
  return {};
}

Expected<void> apply_environment(GatewayConfig& config, const Environment& environment) {
  const auto env = [&](const char* name) { return environment(name); };
  const auto bad = [](const char* name, const std::string& value, const std::string& what) {
    return make_error(ErrorCode::invalid_argument,
                      std::string("environment ") + name + ": '" + value + "' is not " + what);
  };
  // Each variable is held to the rule of the key it replaces: an empty TB_GW_HOST passed here and
  // made `run` fail later, while `validate` approved it.
  if (auto v = env("TB_GW_HOST")) {
    if (v->empty()) {
      return bad("TB_GW_HOST", *v,
                 "a host name or address (it is empty: unset it to use thingsboard.host)");
    }
    config.host = *v;
  }
  if (auto v = env("TB_GW_PORT")) {
    int port = 0;
    const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), port);
    if (ec != std::errc{} || ptr != v->data() + v->size() || port < 1 || port > 65535) {
      return bad("TB_GW_PORT", *v, "a port number (1-65535)");
    }
    config.port = static_cast<std::uint16_t>(port);
  }
  if (auto v = env("TB_GW_QOS")) {
    if (*v != "0" && *v != "1") return bad("TB_GW_QOS", *v, "0 or 1");
    config.qos = *v == "1" ? 1 : 0;
  }
  if (auto v = env("TB_GW_MAX_PAYLOAD_SIZE_BYTES")) {
    std::size_t size = 0;
    const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), size);
    if (ec != std::errc{} || ptr != v->data() + v->size() || size < 256) {
      return bad("TB_GW_MAX_PAYLOAD_SIZE_BYTES", *v, "a size in bytes (256 or more)");
    }
    config.max_payload_size_bytes = size;
  }
  // A variable set but empty is refused like the empty key it replaces, never taken as "unset".
  const auto text = [&](const char* name, const char* key) -> Expected<std::optional<std::string>> {
    auto v = env(name);
    if (v && v->empty()) {
      return bad(name, *v, std::string("a value (it is empty: unset it to use ") + key + ")");
    }
    return v;
  };
  const auto credentials = env("CREDENTIALS_DIRECTORY");
  const auto secret = [&](const char* name, const char* what) -> Expected<std::string> {
    return read_secret(*env(name), "", what, credentials,
                       std::string("environment ") + name + ": ");
  };
  auto& security = config.security;
  const auto p = "thingsboard.security.";
  DLMSGW_TRY_ASSIGN(const auto token,
                    text("TB_GW_ACCESS_TOKEN", "thingsboard.security.accessToken"));
  DLMSGW_TRY_ASSIGN(const auto token_file,
                    text("TB_GW_ACCESS_TOKEN_FILE", "thingsboard.security.accessTokenFile"));
  DLMSGW_TRY_ASSIGN(const auto username, text("TB_GW_USERNAME", "thingsboard.security.username"));
  DLMSGW_TRY_ASSIGN(const auto password, text("TB_GW_PASSWORD", "thingsboard.security.password"));
  DLMSGW_TRY_ASSIGN(const auto password_file,
                    text("TB_GW_PASSWORD_FILE", "thingsboard.security.passwordFile"));
  // The variables apply after the file: credentials of one kind from the environment replace the
  // file's credentials of the other kind, which would otherwise win (a token is sent in
  // preference to a user name).
  if (token || token_file) {
    if (!security.username.empty() || security.password) {
      config.warnings.push_back(std::string("environment TB_GW_ACCESS_TOKEN") +
                                (token_file ? "_FILE" : "") + " replaces " + p +
                                "username/password of the file");
    }
    security.username.clear();
    security.password.reset();
  }
  if (username && !token && !token_file) {
    if (!security.access_token.empty()) {
      config.warnings.push_back(std::string("environment TB_GW_USERNAME replaces ") + p +
                                "accessToken of the file");
    }
    security.access_token.clear();
  }
  if (token) {
    security.access_token = *token;
    security.credentials_source = "the environment variable TB_GW_ACCESS_TOKEN";
  }
  if (token_file) {
    DLMSGW_TRY_ASSIGN(security.access_token, secret("TB_GW_ACCESS_TOKEN_FILE", "access token"));
    security.credentials_source =
        "the access token file " + *token_file + " (TB_GW_ACCESS_TOKEN_FILE)";
  }
  if (username) {
    security.username = *username;
    if (security.access_token.empty()) {
      security.credentials_source = "TB_GW_USERNAME/TB_GW_PASSWORD";
    }
  }
  if (password) security.password = *password;
  if (password_file) {
    DLMSGW_TRY_ASSIGN(security.password, secret("TB_GW_PASSWORD_FILE", "password"));
  }
  if ((token || token_file) && (username || password || password_file)) {
    config.warnings.push_back(
        "environment: TB_GW_ACCESS_TOKEN and TB_GW_USERNAME/TB_GW_PASSWORD are both set: the "
        "access token is used, the user name and password are not (unset one kind)");
  } else if (!security.access_token.empty() && (password || password_file)) {
    config.warnings.push_back(std::string("environment TB_GW_PASSWORD") +
                              (password_file ? "_FILE" : "") + " is not used: the access token (" +
                              p + "accessToken) is sent instead (set TB_GW_USERNAME too)");
  }
  DLMSGW_TRY_ASSIGN(const auto client_id, text("TB_GW_CLIENT_ID", "thingsboard.security.clientId"));
  if (client_id) security.client_id = *client_id;
  const struct {
    const char* name;
    const char* key;
    std::string& out;
  } tls_files[] = {{"TB_GW_CA_CERT", "thingsboard.security.caCert", security.ca_cert},
                   {"TB_GW_CERT", "thingsboard.security.cert", security.cert},
                   {"TB_GW_PRIVATE_KEY", "thingsboard.security.privateKey", security.private_key}};
  for (const auto& [name, key, out] : tls_files) {
    DLMSGW_TRY_ASSIGN(const auto value, text(name, key));
    if (!value) continue;
    auto path = secret_path(*value, "", credentials);
    if (!path) {
      return make_error(ErrorCode::invalid_argument,
                        std::string("environment ") + name + ": " + path.error().message);
    }
    out = path->string();
  }
  if (auto v = env("TB_GW_STORAGE_TYPE")) {
    if (*v == "memory") {
      config.storage.type = StorageType::memory;
    } else if (*v == "sqlite") {
      config.storage.type = StorageType::sqlite;
    } else {
      return bad("TB_GW_STORAGE_TYPE", *v, "memory or sqlite");
    }
  }
  if (auto v = env("TB_GW_STORAGE_PATH")) {
    if (v->empty()) return bad("TB_GW_STORAGE_PATH", *v, "a file path (it is empty)");
    config.storage.data_file_path = storage_path(*v, "", state_directory(environment));
  }
  if (security.cert.empty() != security.private_key.empty()) {
    return make_error(ErrorCode::invalid_argument,
                      "TLS client certificate and private key go together (TB_GW_CERT, "
                      "TB_GW_PRIVATE_KEY or security.cert, security.privateKey)");
  }
  // A client certificate without caCert is fine: the server is then verified against the system
  // trust store (uses_tls), never unverified.
  return {};
}

}  // namespace

const std::vector<std::string>& log_level_names() {
  static const std::vector<std::string> names{"trace", "debug",    "info", "warn",
                                              "error", "critical", "off"};
  return names;
}

const std::vector<std::string>& log_component_names() {
  static const std::vector<std::string> names{"gateway",   "uplink", "mqtt", "storage",
                                              "connector", "dlms",   "http"};
  return names;
}

std::optional<std::string> process_environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

const std::vector<ConfigKeySection>& gateway_config_keys() {
  static const std::vector<ConfigKeySection> sections = {
      {"", {"thingsboard", "storage", "connectors", "health", "logging"}, {"grpc", "logs"}},
      {"thingsboard",
       {"host", "port", "qos", "mqttVersion", "maxPayloadSizeBytes", "security", "statistics",
        "rateLimits", "dpRateLimits", "messagesRateLimits", "deviceRateLimits",
        "deviceDpRateLimits", "deviceMessagesRateLimits", "rebootCommand", "remoteConfiguration"},
       {"remoteShell", "deviceFiltering", "minPackSendDelayMS", "minPackSizeToSend",
        "checkConnectorsConfigurationInSeconds", "handleDeviceRenaming", "checkingDeviceActivity",
        "latencyDebugMode", "reportStrategy"}},
      {"thingsboard.security",
       {"type", "accessToken", "accessTokenFile", "username", "password", "passwordFile",
        "clientId", "caCert", "cert", "privateKey"},
       {}},
      {"thingsboard.statistics",
       {"enable", "statsSendPeriodInSeconds"},
       {"customStatsSendPeriodInSeconds", "commands"}},
      {"storage",
       {"type", "data_file_path", "max_records_count", "read_records_count",
        "messages_ttl_in_days"},
       {"data_folder_path", "max_file_count", "max_read_records_count", "max_records_per_file",
        "messages_ttl_check_in_hours", "max_db_connections"}},
      {"connectors[]",
       {"name", "type", "configuration"},
       {"class", "useGRPC", "configurationJson"}},
      {"health", {"enabled", "host", "port", "hostNames", "traceTokenFile"}, {}},
      // logging.levels holds component names, checked by parse_logging.
      {"logging", {"level", "levels"}, {}},
  };
  return sections;
}

namespace {

// Where readings are stored when the file does not say: on disk, as README promises, in the
// service's StateDirectory when systemd gives one ($STATE_DIRECTORY, /var/lib/dlmsgw for the
// package: the same file the packaged tb_gateway.yaml names), otherwise in data/ next to the
// gateway file. Memory storage (lost on exit) is only ever chosen explicitly.
void default_to_disk(StorageConfig& storage, const std::string& file_name,
                     const Environment& environment) {
  storage.type = StorageType::sqlite;
  // systemd lists several directories colon-separated when the unit names several.
  if (const auto state = state_directory(environment)) {
    storage.data_file_path = *state / "data.db";
  } else {
    storage.data_file_path = relative_to(file_name, "data/data.db");
  }
}

// Both entry points: with `errors`, every section is checked and each failure is collected;
// without, the first failure is returned.
Expected<GatewayConfig> parse(std::string_view text, const std::string& file_name,
                              const Environment& environment, std::vector<Error>* errors) {
  GatewayConfig config;
  default_to_disk(config.storage, file_name, environment);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::malformed, file_name + ":" + std::to_string(e.mark.line + 1) +
                                                ": not valid YAML/JSON: " + e.msg);
  }
  Reader reader(file_name, config.warnings, environment("CREDENTIALS_DIRECTORY"),
                state_directory(environment));
  // True when parsing goes on after `result` (it succeeded, or errors are being collected).
  std::optional<Error> first;
  const KeepGoing keep_going = [&](Expected<void> result) {
    if (result) return true;
    if (errors == nullptr) {
      first = result.error();
      return false;
    }
    errors->push_back(result.error());
    return true;
  };
  try {
    if (!root.IsMap()) {
      return make_error(ErrorCode::invalid_argument,
                        file_name + ": expected a mapping with thingsboard, storage, connectors");
    }
    reader.check_keys(root, "", "");
    const auto tb = root["thingsboard"];
    if (!tb) {
      if (!keep_going(make_error(
              ErrorCode::invalid_argument,
              file_name + ": thingsboard: missing (host, port, security of the server)"))) {
        return *first;
      }
    } else if (!parse_thingsboard(reader, tb, config, keep_going)) {
      return *first;
    }
    if (const auto storage = root["storage"]) {
      if (!keep_going(parse_storage(reader, storage, config))) return *first;
    }
    if (const auto connectors = root["connectors"]) {
      if (!keep_going(parse_connectors(reader, connectors, config))) return *first;
    }
    if (const auto health = root["health"]) {
      if (!keep_going(parse_health(reader, health, config))) return *first;
    }
    if (const auto logging = root["logging"]) {
      if (!keep_going(parse_logging(reader, logging, config))) return *first;
    }
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::invalid_argument,
                      file_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!keep_going(apply_environment(config, environment))) return *first;
  if (!keep_going(apply_observability_environment(config, environment))) return *first;
  config.storage.data_file_path = database_file(config.storage.data_file_path);
  const bool failed = errors != nullptr && !errors->empty();  // credentials may be what failed
  if (!failed && config.security.access_token.empty() && config.security.username.empty()) {
    config.warnings.push_back(file_name +
                              ": no credentials (thingsboard.security.accessToken or "
                              "TB_GW_ACCESS_TOKEN): ThingsBoard will refuse the connection");
  }
  return config;
}

}  // namespace

Expected<GatewayConfig> parse_gateway_config(std::string_view text, const std::string& file_name,
                                             const Environment& environment) {
  return parse(text, file_name, environment, nullptr);
}

GatewayConfigCheck check_gateway_config(std::string_view text, const std::string& file_name,
                                        const Environment& environment) {
  GatewayConfigCheck check;
  auto config = parse(text, file_name, environment, &check.errors);
  if (config) {
    check.config = std::move(*config);
  } else {
    check.errors.push_back(config.error());
  }
  return check;
}

Expected<GatewayConfig> load_gateway_config(const std::filesystem::path& path,
                                            const Environment& environment) {
  std::ifstream in(path);
  if (!in) {
    return make_error(ErrorCode::invalid_argument,
                      path.string() + ": cannot be read: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_gateway_config(text.str(), path.string(), environment);
  if (config) config->directory = path.has_parent_path() ? path.parent_path() : ".";
  return config;
}

bool uses_tls(const SecurityConfig& security) {
  return security.type == "tlsAccessToken" || security.type == "tlsPrivateKey" ||
         !security.ca_cert.empty() || !security.cert.empty();
}

GatewayOptions to_gateway_options(const GatewayConfig& config) {
  GatewayOptions options;
  auto& mqtt = options.mqtt;
  mqtt.host = config.host;
  mqtt.port = config.port;
  mqtt.version = config.mqtt_version;
  const auto& security = config.security;
  if (!security.access_token.empty()) {
    mqtt.username = security.access_token;  // ThingsBoard: the token is the user name
  } else {
    mqtt.username = security.username;
    mqtt.password = security.password;
  }
  mqtt.client_id = security.client_id;
  mqtt.credentials_source =
      security.credentials_source.empty() ? "the configuration" : security.credentials_source;
  if (uses_tls(security)) {
    mqtt.tls = MqttTls{security.ca_cert, security.cert, security.private_key};
  }
  auto& limits = options.uplink.limits;
  const auto parse = [](const std::string& text) {
    auto parsed = RateLimit::parse(text);
    return parsed ? std::move(*parsed) : RateLimit();
  };
  limits.messages = parse(config.messages_rate_limits);
  limits.telemetry_messages = parse(config.rate_limits);
  limits.telemetry_data_points = parse(config.dp_rate_limits);
  limits.device_messages = parse(config.device_messages_rate_limits);
  limits.device_telemetry_messages = parse(config.device_rate_limits);
  limits.device_telemetry_data_points = parse(config.device_dp_rate_limits);
  limits.max_payload_bytes = config.max_payload_size_bytes;
  options.uplink.max_batch_records = config.storage.read_records_count;
  options.uplink.qos = config.qos;
  options.statistics = config.statistics;
  options.statistics_period = config.statistics_period;
  // The devices publishing with their own token share one queue, next to the main one.
  options.direct_store = [storage = config.storage]() { return open_direct_store(storage); };
  if (config.storage.type != StorageType::memory) {
    options.direct_store_upgrade = [directory =
                                        database_file(config.storage.data_file_path).parent_path(),
                                    max = config.storage.max_records_count](RecordQueue& queue) {
      return take_over_device_files(queue, directory, max);
    };
  }
  options.direct_store_present = [storage = config.storage]() {
    if (storage.type == StorageType::memory) return false;
    const auto directory = database_file(storage.data_file_path).parent_path();
    std::error_code ec;
    if (std::filesystem::exists(directory / kDirectStoreFileName, ec)) return true;
    return !old_device_files(directory).empty();
  };
  return options;
}

std::filesystem::path database_file(const std::filesystem::path& data_file_path) {
  std::error_code ignored;
  if (!data_file_path.empty() &&
      (!data_file_path.has_filename() || std::filesystem::is_directory(data_file_path, ignored))) {
    return data_file_path / kDatabaseFileName;
  }
  return data_file_path;
}

Expected<void> check_record_queue(const StorageConfig& storage) {
  if (storage.type == StorageType::memory) return {};
  return SqliteQueue::check_location(storage.data_file_path);
}

Expected<std::unique_ptr<RecordQueue>> open_direct_store(const StorageConfig& storage) {
  if (storage.type == StorageType::memory) return open_record_queue(storage);
  StorageConfig shared = storage;
  shared.data_file_path =
      database_file(storage.data_file_path).parent_path() / kDirectStoreFileName;
  return open_record_queue(shared);
}

Expected<std::unique_ptr<RecordQueue>> open_record_queue(const StorageConfig& storage) {
  QueueLimits limits;
  limits.max_records = storage.max_records_count;
  limits.max_age = std::chrono::hours(24) * storage.messages_ttl_in_days;
  if (storage.type == StorageType::memory) {
    return std::unique_ptr<RecordQueue>(std::make_unique<MemoryQueue>(limits));
  }
  SqliteQueueOptions options;
  options.limits = limits;
  DLMSGW_TRY_ASSIGN(auto queue, SqliteQueue::open(storage.data_file_path, options));
  return std::unique_ptr<RecordQueue>(std::move(queue));
}

}  // namespace dlmsgw::gateway
