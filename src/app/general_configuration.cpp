#include "app/general_configuration.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "app/remote_configurator.hpp"
#include "gateway/config/platform_attributes.hpp"

namespace dlmsgw::app {
namespace {

// The page's JSON as YAML: nulls left out, numbers and booleans as such.
YAML::Node yaml_from_json(const nlohmann::json& value) {
  if (value.is_object()) {
    YAML::Node node(YAML::NodeType::Map);
    for (const auto& [key, item] : value.items()) {
      if (!item.is_null()) node[key] = yaml_from_json(item);
    }
    return node;
  }
  if (value.is_array()) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (const auto& item : value) node.push_back(yaml_from_json(item));
    return node;
  }
  if (value.is_boolean()) return YAML::Node(value.get<bool>());
  if (value.is_number_integer()) return YAML::Node(value.get<std::int64_t>());
  if (value.is_number()) return YAML::Node(value.get<double>());
  if (value.is_string()) return YAML::Node(value.get<std::string>());
  return YAML::Node();
}

Error general_error(const std::string& what) {
  return Error{ErrorCode::invalid_argument, what};
}

// A string the page sent for `key` of `object`: nullopt when absent, empty or not a string.
std::optional<std::string> pushed_text(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string() || found->get<std::string>().empty()) {
    return std::nullopt;
  }
  return found->get<std::string>();
}

// The keys of the thingsboard section taken from the page, as they are in the yaml.
const std::vector<std::string>& taken_keys() {
  static const std::vector<std::string> keys = {"host",
                                                "port",
                                                "qos",
                                                "maxPayloadSizeBytes",
                                                "remoteConfiguration",
                                                "rateLimits",
                                                "dpRateLimits",
                                                "messagesRateLimits",
                                                "deviceRateLimits",
                                                "deviceDpRateLimits",
                                                "deviceMessagesRateLimits"};
  return keys;
}

// Builds the new security mapping. Secrets the page sent (and that differ from the running ones)
// go to `secrets`; the mapping names their files, or holds them in clear when `inline_secrets`
// (the text only checked, never written).
Expected<YAML::Node> new_security(
    const YAML::Node& old, const nlohmann::json& pushed, const gateway::SecurityConfig& running,
    const std::filesystem::path& directory, bool inline_secrets,
    std::vector<std::pair<std::filesystem::path, std::string>>& secrets) {
  if (!pushed.is_object()) return general_error("security: expected a JSON object");
  static const std::set<std::string> types{"accessToken", "usernamePassword", "tlsAccessToken",
                                           "tlsPrivateKey"};
  const auto type = pushed_text(pushed, "type");
  if (type && types.count(*type) == 0) {
    return general_error("security.type: '" + *type +
                         "' is not one of accessToken, usernamePassword, tlsAccessToken, "
                         "tlsPrivateKey");
  }
  YAML::Node node(YAML::NodeType::Map);
  if (old && old.IsMap()) {
    for (const auto& entry : old) node[entry.first.as<std::string>()] = YAML::Clone(entry.second);
  }
  const auto drop = [&](std::initializer_list<const char*> keys) {
    for (const auto* key : keys) node.remove(key);
  };
  if (type) {
    // The page's form for this type holds every key of it: the others go.
    node["type"] = *type;
    if (*type == "usernamePassword") {
      drop({"accessToken", "accessTokenFile"});
    } else {
      drop({"username", "password", "passwordFile"});
    }
    if (*type == "accessToken") drop({"caCert", "cert", "privateKey"});
    if (*type == "tlsAccessToken") drop({"cert", "privateKey"});
    for (const auto* key : {"clientId", "caCert", "cert", "privateKey", "username"}) {
      if (!pushed_text(pushed, key)) drop({key});
    }
  }
  for (const auto* key : {"clientId", "caCert", "cert", "privateKey", "username"}) {
    if (const auto value = pushed_text(pushed, key)) node[key] = *value;
  }
  const auto secret = [&](const char* key, const std::string& current, const char* file_key,
                          const char* file_name) {
    const auto value = pushed_text(pushed, key);
    if (!value || *value == current) return;  // the page does not have ours: kept
    node.remove(key);
    node.remove(file_key);
    if (inline_secrets) {
      node[key] = *value;
      return;
    }
    const auto path = std::filesystem::path("credentials") / file_name;
    node[file_key] = path.string();
    secrets.emplace_back(directory / path, *value + "\n");
  };
  secret("accessToken", running.access_token, "accessTokenFile", "thingsboard-access-token");
  secret("password", running.password.value_or(""), "passwordFile", "thingsboard-password");
  return node;
}

struct PlannedText {
  std::string text;
  std::vector<std::pair<std::filesystem::path, std::string>> secrets;
};

Expected<PlannedText> new_yaml(const std::string& old_text, const std::filesystem::path& file,
                               const nlohmann::json& pushed, const gateway::SecurityConfig& running,
                               bool inline_secrets) {
  YAML::Node root;
  try {
    root = YAML::Load(old_text);
  } catch (const YAML::Exception& e) {
    return general_error(file.string() + ": cannot be read as YAML: " + e.what());
  }
  if (!root.IsMap()) return general_error(file.string() + ": expected a mapping");
  YAML::Node tb = root["thingsboard"];
  PlannedText planned;
  for (const auto& key : taken_keys()) {
    if (const auto value = pushed.find(key); value != pushed.end() && !value->is_null()) {
      tb[key] = yaml_from_json(*value);
    }
  }
  if (const auto stats = pushed.find("statistics"); stats != pushed.end() && stats->is_object()) {
    YAML::Node node = tb["statistics"];
    for (const auto* key : {"enable", "statsSendPeriodInSeconds"}) {
      if (const auto value = stats->find(key); value != stats->end() && !value->is_null()) {
        node[key] = yaml_from_json(*value);
      }
    }
    tb["statistics"] = node;
  }
  if (const auto security = pushed.find("security"); security != pushed.end()) {
    DLMSGW_TRY_ASSIGN(auto node, new_security(tb["security"], *security, running,
                                              file.parent_path(), inline_secrets, planned.secrets));
    tb["security"] = node;
  }
  YAML::Emitter out;
  out << root;
  if (!out.good()) return general_error("the new tb_gateway.yaml: " + out.GetLastError());
  planned.text = std::string(
                     "# Written by dlmsgw: general_configuration from ThingsBoard's Gateways "
                     "page (the previous file, with\n# its comments, is in backup/).\n") +
                 out.c_str() + "\n";
  return planned;
}

// Where the environment overrides a setting the page changed: that change would not hold.
std::optional<std::string> environment_override(const gateway::Environment& environment,
                                                const nlohmann::json& pushed) {
  static const std::pair<const char*, const char*> overrides[] = {
      {"host", "TB_GW_HOST"},
      {"port", "TB_GW_PORT"},
      {"qos", "TB_GW_QOS"},
      {"maxPayloadSizeBytes", "TB_GW_MAX_PAYLOAD_SIZE_BYTES"}};
  for (const auto& [key, variable] : overrides) {
    if (pushed.contains(key) && environment(variable)) {
      return std::string(variable) + " is set in dlmsgw's environment and overrides " + key;
    }
  }
  if (const auto security = pushed.find("security"); security != pushed.end()) {
    for (const auto* variable : {"TB_GW_ACCESS_TOKEN", "TB_GW_ACCESS_TOKEN_FILE", "TB_GW_USERNAME",
                                 "TB_GW_PASSWORD", "TB_GW_PASSWORD_FILE", "TB_GW_CLIENT_ID",
                                 "TB_GW_CA_CERT", "TB_GW_CERT", "TB_GW_PRIVATE_KEY"}) {
      if (environment(variable)) {
        return std::string(variable) +
               " is set in dlmsgw's environment and overrides the security settings";
      }
    }
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json general_configuration_attribute(const gateway::GatewayConfig& config,
                                               std::int64_t ts) {
  return gateway::gateway_client_attributes(config, "", ts)["general_configuration"];
}

Expected<GeneralConfigurationChange> plan_general_configuration(
    const gateway::GatewayConfig& running, const std::filesystem::path& file,
    const nlohmann::json& pushed, const gateway::Environment& environment) {
  if (!pushed.is_object()) return general_error("not a JSON object");
  if (file.empty()) return general_error("dlmsgw was not started from a tb_gateway.yaml");
  if (file.extension() == ".json") {
    return general_error(file.string() +
                         ": dlmsgw rewrites only a YAML tb_gateway.yaml (rename it to "
                         "tb_gateway.yaml: JSON is YAML)");
  }
  if (const auto overridden = environment_override(environment, pushed)) {
    return general_error(*overridden + ": unset it to manage these settings from ThingsBoard");
  }
  std::ifstream in(file);
  if (!in) return general_error(file.string() + ": cannot be read: " + std::strerror(errno));
  // Found out before moving the connection, not after (the package's /etc/dlmsgw is read-only).
  const auto directory = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  if (::access(directory.c_str(), W_OK) != 0) {
    return general_error(directory.string() + ": cannot be written (" + std::strerror(errno) +
                         "): the new settings could not be kept (docs/operations.md: Managing "
                         "dlmsgw from ThingsBoard)");
  }
  std::stringstream text;
  text << in.rdbuf();

  // Checked with the secrets in clear (their files are written only once the change holds).
  DLMSGW_TRY_ASSIGN(auto checked, new_yaml(text.str(), file, pushed, running.security, true));
  auto parsed = gateway::parse_gateway_config(checked.text, file.string(), environment);
  if (!parsed) return parsed.error();
  DLMSGW_TRY_ASSIGN(auto written, new_yaml(text.str(), file, pushed, running.security, false));

  GeneralConfigurationChange change;
  change.yaml = std::move(written.text);
  change.planned_from = text.str();
  change.secrets = std::move(written.secrets);
  auto& next = change.config;
  next = running;
  next.host = parsed->host;
  next.port = parsed->port;
  next.security = parsed->security;
  if (next.security.access_token != running.security.access_token ||
      next.security.password != running.security.password) {
    next.security.credentials_source = "the credentials from ThingsBoard's Gateways page";
  }
  next.remote_configuration = parsed->remote_configuration;
  const auto& a = running.security;
  const auto& b = next.security;
  change.connection_changed = running.host != next.host || running.port != next.port ||
                              a.access_token != b.access_token || a.username != b.username ||
                              a.password != b.password || a.client_id != b.client_id ||
                              a.ca_cert != b.ca_cert || a.cert != b.cert ||
                              a.private_key != b.private_key || a.type != b.type;
  change.remote_configuration_changed =
      running.remote_configuration != parsed->remote_configuration;
  // Read once, at start, by the uplink and the statistics: written now, used after a restart.
  const auto restart = [&](bool differs, const char* key) {
    if (differs) change.restart_keys.emplace_back(key);
  };
  restart(running.qos != parsed->qos, "qos");
  restart(running.max_payload_size_bytes != parsed->max_payload_size_bytes, "maxPayloadSizeBytes");
  restart(running.statistics != parsed->statistics, "statistics.enable");
  restart(running.statistics_period != parsed->statistics_period,
          "statistics.statsSendPeriodInSeconds");
  restart(running.rate_limits != parsed->rate_limits, "rateLimits");
  restart(running.dp_rate_limits != parsed->dp_rate_limits, "dpRateLimits");
  restart(running.messages_rate_limits != parsed->messages_rate_limits, "messagesRateLimits");
  restart(running.device_rate_limits != parsed->device_rate_limits, "deviceRateLimits");
  restart(running.device_dp_rate_limits != parsed->device_dp_rate_limits, "deviceDpRateLimits");
  restart(running.device_messages_rate_limits != parsed->device_messages_rate_limits,
          "deviceMessagesRateLimits");
  next.qos = parsed->qos;
  next.max_payload_size_bytes = parsed->max_payload_size_bytes;
  next.statistics = parsed->statistics;
  next.statistics_period = parsed->statistics_period;
  next.rate_limits = parsed->rate_limits;
  next.dp_rate_limits = parsed->dp_rate_limits;
  next.messages_rate_limits = parsed->messages_rate_limits;
  next.device_rate_limits = parsed->device_rate_limits;
  next.device_dp_rate_limits = parsed->device_dp_rate_limits;
  next.device_messages_rate_limits = parsed->device_messages_rate_limits;
  return change;
}

Expected<std::string> gateway_file_with_connector(const std::filesystem::path& file,
                                                  const gateway::ConnectorConfig& entry) {
  std::ifstream in(file);
  if (!in) return general_error(file.string() + ": cannot be read: " + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  return gateway_file_with_connector(file, text.str(), entry);
}

Expected<std::string> gateway_file_with_connector(const std::filesystem::path& file,
                                                  const std::string& text,
                                                  const gateway::ConnectorConfig& entry) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return general_error(file.string() + ": cannot be read as YAML: " + e.what());
  }
  if (!root.IsMap()) return general_error(file.string() + ": expected a mapping");
  YAML::Node connectors = root["connectors"];
  if (connectors && !connectors.IsNull() && !connectors.IsSequence()) {
    return general_error(file.string() + ": connectors: expected a list");
  }
  YAML::Node added(YAML::NodeType::Map);
  added["name"] = entry.name;
  added["type"] = entry.type;
  const auto relative = entry.configuration.parent_path() == file.parent_path()
                            ? entry.configuration.filename()
                            : entry.configuration;
  added["configuration"] = relative.string();
  connectors.push_back(added);
  root["connectors"] = connectors;
  YAML::Emitter out;
  out << root;
  if (!out.good()) return general_error("the new tb_gateway.yaml: " + out.GetLastError());
  auto written = std::string(
                     "# Written by dlmsgw: a connector created on ThingsBoard's Gateways page was "
                     "added (the previous\n# file, with its comments, is in backup/).\n") +
                 out.c_str() + "\n";
  DLMSGW_TRY(gateway::parse_gateway_config(written, file.string()));
  return written;
}

Expected<std::filesystem::path> write_general_configuration(
    const std::filesystem::path& file, const GeneralConfigurationChange& change) {
  for (const auto& [path, content] : change.secrets) {
    if (::mkdir(path.parent_path().c_str(), 0700) != 0 && errno != EEXIST) {
      return general_error(path.parent_path().string() +
                           ": cannot be created: " + std::strerror(errno));
    }
    DLMSGW_TRY(write_private_file_atomically(path, content));
  }
  DLMSGW_TRY_ASSIGN(auto backup, back_up_file(file));
  DLMSGW_TRY(write_private_file_atomically(file, change.yaml));
  return backup;
}

}  // namespace dlmsgw::app
