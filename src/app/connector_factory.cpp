#include "app/connector_factory.hpp"

#include <map>
#include <set>

#include "connectors/dlms/dlms_connector.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"

namespace dlmsgw::app {
namespace {

std::string describe_period(std::chrono::milliseconds period) {
  const auto ms = period.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string describe_device(const connectors::dlms::DeviceConfig& device) {
  const auto& connection = device.connection;
  const bool serial = std::holds_alternative<client::SerialTarget>(connection.endpoint);
  return "meter '" + device.name + "' (" + device.type + "): " + (serial ? "serial " : "") +
         connection.peer() + ", " + std::string(client::to_string(connection.transport)) +
         ", every " + describe_period(device.poll_period) + ", " +
         std::to_string(device.timeseries.size()) + " timeseries, " +
         std::to_string(device.attributes.size()) + " attributes";
}

Expected<BuiltConnector> make_dlms(asio::io_context& io, const gateway::ConnectorConfig& entry,
                                   std::shared_ptr<client::InvocationCounterStore> counters,
                                   std::shared_ptr<connectors::dlms::ProfileCursorStore> cursors) {
  DLMSGW_TRY_ASSIGN(auto config, connectors::dlms::load_dlms_connector_config(entry.configuration));
  BuiltConnector built;
  const auto count = config.devices.size();
  built.summary = "connector '" + entry.name + "' (dlms, " + entry.configuration.string() +
                  "): " + std::to_string(count) + (count == 1 ? " meter" : " meters");
  for (const auto& device : config.devices) {
    built.devices.push_back(describe_device(device));
    if (device.device_token) {
      built.device_tokens.push_back({entry.name, device.name, device.device_token->access_token});
    }
    if (!device.profiles.empty() && device.device_token) {
      built.profile_devices.push_back(device.name);
    }
  }
  built.warnings = config.warnings;
  built.connector = std::make_unique<connectors::dlms::DlmsConnector>(
      io, entry.name, std::move(config), std::move(counters), std::move(cursors));
  return built;
}

std::string entry_label(const gateway::ConnectorConfig& entry, std::size_t index) {
  return "connectors[" + std::to_string(index) + "] '" + entry.name + "' (type " + entry.type + ")";
}

}  // namespace

const std::vector<std::string_view>& supported_connector_types() {
  static const std::vector<std::string_view> types{"dlms"};
  return types;
}

std::vector<std::string> check_device_tokens(const std::vector<DeviceToken>& devices) {
  std::vector<std::string> problems;
  std::map<std::string, const DeviceToken*> first;  // token -> the first device using it
  for (const auto& device : devices) {
    const auto [earlier, fresh] = first.emplace(device.token, &device);
    if (fresh) continue;
    const DeviceToken& other = *earlier->second;
    problems.push_back("devices '" + other.device + "' (connector '" + other.connector +
                       "') and '" + device.device + "' (connector '" + device.connector +
                       "') have the same deviceToken: ThingsBoard would see them as one device; "
                       "give each the access token of its own ThingsBoard device, or remove "
                       "deviceToken from one so that it publishes through the gateway");
  }
  return problems;
}

std::optional<std::string> check_profiles_storage(gateway::StorageType storage,
                                                  const std::vector<std::string>& profile_devices) {
  if (storage != gateway::StorageType::memory || profile_devices.empty()) return std::nullopt;
  std::string names;
  constexpr std::size_t kNamed = 3;
  for (std::size_t i = 0; i < profile_devices.size() && i < kNamed; ++i) {
    names += (i == 0 ? "'" : ", '") + profile_devices[i] + "'";
  }
  if (profile_devices.size() > kNamed) {
    names += " and " + std::to_string(profile_devices.size() - kNamed) + " more";
  }
  return "storage.type: memory with profiles of devices with their own deviceToken (" + names +
         "): their profile entries waiting for the broker when the gateway stops are lost, and "
         "are not read from the meter again (its cursor says they were stored); set "
         "storage.type: sqlite so that they wait on disk";
}

Expected<BuiltConnector> make_connector(
    asio::io_context& io, const gateway::ConnectorConfig& entry, std::size_t index,
    std::shared_ptr<client::InvocationCounterStore> counters,
    std::shared_ptr<connectors::dlms::ProfileCursorStore> cursors) {
  if (entry.type == "dlms") {
    auto built = make_dlms(io, entry, std::move(counters), std::move(cursors));
    if (!built) {
      // The file's own error names the file and the key; say which entry pointed at it.
      return make_error(built.error().code,
                        entry_label(entry, index) + ": " + built.error().message);
    }
    return built;
  }
  std::string supported;
  for (const auto type : supported_connector_types()) {
    supported += (supported.empty() ? "" : ", ") + std::string(type);
  }
  return make_error(ErrorCode::unsupported,
                    entry_label(entry, index) +
                        ": not a supported connector type (supported: " + supported + ")");
}

Expected<std::vector<BuiltConnector>> make_connectors(
    asio::io_context& io, const std::vector<gateway::ConnectorConfig>& entries,
    const std::shared_ptr<client::InvocationCounterStore>& counters,
    const std::shared_ptr<connectors::dlms::ProfileCursorStore>& cursors) {
  std::vector<BuiltConnector> built;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    DLMSGW_TRY_ASSIGN(auto connector, make_connector(io, entries[i], i, counters, cursors));
    built.push_back(std::move(connector));
  }
  std::vector<DeviceToken> tokens;
  for (const auto& connector : built) {
    tokens.insert(tokens.end(), connector.device_tokens.begin(), connector.device_tokens.end());
  }
  if (const auto problems = check_device_tokens(tokens); !problems.empty()) {
    std::string message;
    for (const auto& problem : problems) message += (message.empty() ? "" : "; ") + problem;
    return make_error(ErrorCode::invalid_argument, message);
  }
  return built;
}

}  // namespace dlmsgw::app
