#pragma once
// The gateway's client attributes as ThingsBoard's Gateways page reads them (the keys and shapes
// of the ThingsBoard IoT Gateway 3.8's remote configurator): what the gateway runs, so that the
// page shows its version, settings and connectors instead of an empty gateway.
//
//   Version                 "3.8.0": the configuration format the UI should use (the Python
//                           gateway's release that introduced it); dlmsgwVersion: ours
//   general_configuration   the thingsboard section as the UI edits it, secrets left out
//   storage_configuration, logs_configuration, active_connectors (names)
//   <connector name>        {name, type, configuration, id, configVersion, logLevel,
//                            enableRemoteLogging, configurationJson: the connector file, ts}
//
// Each configuration carries "ts", the time it was loaded (a connector's: its file's mtime), so
// that re-publishing unchanged settings after a reconnect shows them unchanged.

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::gateway {

// The Python gateway version whose configuration format the UI is to use.
inline constexpr std::string_view kReportedGatewayVersion = "3.8.0";

// The attributes above for `config`, loaded at `loaded_ms` (ms since the epoch). A connector file
// that cannot be read or is not JSON gets an empty configurationJson (the connector itself reports
// why it did not start); one too large for config.max_payload_size_bytes: see below.
nlohmann::json gateway_client_attributes(const GatewayConfig& config, std::string_view own_version,
                                         std::int64_t loaded_ms);

// Only the per-connector attributes and active_connectors (after a SIGHUP reload). A connector
// whose attribute is over `max_payload_bytes` alone (thousands of meters in its file) is never
// sent (the limit only tightens): its file is not parsed into a tree, its attribute is
// unsendable_attribute(its size) (gateway_outgoing.hpp), which GatewayService drops with a warning.
nlohmann::json connector_client_attributes(const std::vector<ConnectorConfig>& connectors,
                                           std::string_view log_level,
                                           std::size_t max_payload_bytes);

}  // namespace dlmsgw::gateway
