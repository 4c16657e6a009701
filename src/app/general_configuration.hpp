#pragma once
// general_configuration from ThingsBoard's Gateways page (the `thingsboard` section as the page
// edits it) turned into a new tb_gateway.yaml and the running settings it means.
//
// What is taken: host, port, security (type, accessToken, username, password, clientId, caCert,
// cert, privateKey), qos, maxPayloadSizeBytes, statistics.{enable, statsSendPeriodInSeconds},
// the rate limits and remoteConfiguration. Keys of the Python gateway dlmsgw does not use
// (remoteShell, checkingDeviceActivity, ...) are left out of the file; rebootCommand is never
// taken from the network (a shell command). A secret the page sends (accessToken, password) goes
// to a file of its own next to tb_gateway.yaml (credentials/, mode 0600), named by
// accessTokenFile/passwordFile: never into the yaml in clear. An empty or missing secret keeps the
// running one (the page never gets ours back). The result is parsed by the reader `dlmsgw run`
// uses, with the same environment; a setting the environment overrides (TB_GW_HOST, ...) is
// refused rather than silently not applied.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/expected.hpp"
#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {

struct GeneralConfigurationChange {
  // The running configuration with the pushed thingsboard settings.
  gateway::GatewayConfig config;
  std::string yaml;  // the whole new tb_gateway.yaml
  // The text of tb_gateway.yaml it was planned from: the file is not overwritten once it differs
  // (an operator's edit, a connector added meanwhile): the change is planned again from it.
  std::string planned_from;
  // Files to write (mode 0600) with it: {path, content}.
  std::vector<std::pair<std::filesystem::path, std::string>> secrets;
  bool connection_changed = false;  // host, port, credentials, client id or TLS
  bool remote_configuration_changed = false;
  std::vector<std::string> restart_keys;  // changed settings read only at start
  [[nodiscard]] bool changed() const {
    return connection_changed || remote_configuration_changed || !restart_keys.empty();
  }
};

// `running`: what runs now; `file`: its tb_gateway.yaml (rewritten from its current text).
Expected<GeneralConfigurationChange> plan_general_configuration(
    const gateway::GatewayConfig& running, const std::filesystem::path& file,
    const nlohmann::json& pushed,
    const gateway::Environment& environment = gateway::process_environment);

// Writes the secrets, then tb_gateway.yaml (the old one copied to backup/ first), each
// atomically and readable by the owner only. Returns the backup's path.
Expected<std::filesystem::path> write_general_configuration(
    const std::filesystem::path& file, const GeneralConfigurationChange& change);

// The text of `file` (tb_gateway.yaml) with `entry` added to its connectors list (its
// configuration written as a file name relative to `file`), checked by the reader `dlmsgw run`
// uses. Comments of the file are not kept (its backup keeps them).
Expected<std::string> gateway_file_with_connector(const std::filesystem::path& file,
                                                  const gateway::ConnectorConfig& entry);
// The same from `text`, the file's content.
Expected<std::string> gateway_file_with_connector(const std::filesystem::path& file,
                                                  const std::string& text,
                                                  const gateway::ConnectorConfig& entry);

// The general_configuration client attribute for `config` (secrets left out) with `ts`.
nlohmann::json general_configuration_attribute(const gateway::GatewayConfig& config,
                                               std::int64_t ts);

}  // namespace dlmsgw::app
