#pragma once
// The connectors `dlmsgw run` can build from tb_gateway.yaml's connectors[] entries: one place that
// maps an entry's `type` to the code that reads its file and makes the Connector, so that adding a
// type (modbus, ...) touches only this file.

#include <asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/invocation_counter_store.hpp"
#include "connectors/dlms/profile_cursor_store.hpp"
#include "core/expected.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/connector.hpp"

namespace dlmsgw::app {

// A device publishing with its own access token (deviceToken), for check_device_tokens.
struct DeviceToken {
  std::string connector;  // the connector's name (tb_gateway.yaml connectors[].name)
  std::string device;
  std::string token;
};

// Two devices with one deviceToken would be one ThingsBoard device fed by two meters: each such
// pair as an error naming both devices and the fix. `dlmsgw validate`, `run` and every reload
// (make_connectors) refuse them from this one check.
std::vector<std::string> check_device_tokens(const std::vector<DeviceToken>& devices);

// Devices with their own deviceToken reading profiles (load profiles, billing values, event logs)
// with storage in memory: their entries wait in the own-token devices' store, which the profile
// cursors do not wait for (the gateway's queue they do), so the entries still waiting for the
// broker when the gateway stops are gone and the meter is not asked for them again. A warning
// naming the devices and the fix, or none. `dlmsgw validate` and `run` (at start and each reload)
// say it from this one check.
std::optional<std::string> check_profiles_storage(gateway::StorageType storage,
                                                  const std::vector<std::string>& profile_devices);

// A connector ready to be handed to GatewayService, with what `dlmsgw run` logs about it.
struct BuiltConnector {
  std::unique_ptr<gateway::Connector> connector;
  std::string summary;                // "connector 'DLMS' (dlms, /etc/dlmsgw/dlms.json): 2 meters"
  std::vector<std::string> devices;   // one line per device: name, type, endpoint, poll period
  std::vector<std::string> warnings;  // from its file (unknown keys...)
  std::vector<DeviceToken> device_tokens;    // its devices with a deviceToken (connector set)
  std::vector<std::string> profile_devices;  // its devices with a deviceToken reading profiles
};

// "dlms" (the only one so far).
const std::vector<std::string_view>& supported_connector_types();

// Reads the entry's file and makes its connector. Errors name the entry: "connectors[1] 'Meters'
// (type modbus): not a supported type (supported: dlms)", or carry the file's own error.
// `counters`: where DLMS meters keep our invocation counters (the gateway's one store);
// `cursors`: where they keep their profile cursors (in memory when none).
Expected<BuiltConnector> make_connector(
    asio::io_context& io, const gateway::ConnectorConfig& entry, std::size_t index,
    std::shared_ptr<client::InvocationCounterStore> counters,
    std::shared_ptr<connectors::dlms::ProfileCursorStore> cursors = nullptr);

// Every entry, or the first error: a reload either replaces all connectors or none. Devices sharing
// a deviceToken (check_device_tokens) are an error too.
Expected<std::vector<BuiltConnector>> make_connectors(
    asio::io_context& io, const std::vector<gateway::ConnectorConfig>& entries,
    const std::shared_ptr<client::InvocationCounterStore>& counters,
    const std::shared_ptr<connectors::dlms::ProfileCursorStore>& cursors = nullptr);

}  // namespace dlmsgw::app
