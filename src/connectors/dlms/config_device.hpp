#pragma once
// One devices[] entry, in either form, into a DeviceConfig with everything resolved:
//   simple form (config_simple_form.cpp): {name, host, port, pollingInterval, measurements,
//     attributesMapping, timeseriesMapping, ...}; the user's meter is the default.
//   full form (config_full_form.cpp): {deviceName, connection{...}, pollPeriod, timeseries[],
//     attributes[], attributeUpdates[], rpc[], ...}.
// The parts both share are here (config_device.cpp).

#include <array>
#include <string>
#include <string_view>

#include "connectors/dlms/config_reader.hpp"
#include "connectors/dlms/config_sections.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"

namespace dlmsgw::connectors::dlms {

// True when `device` is written in the simple form: it has "host" or "measurements" and no
// "connection" object.
bool is_simple_form(const Json& device);

Expected<DeviceConfig> parse_simple_device(ConfigReader& reader, const Json& device,
                                           const std::string& path, const DeviceDefaults& defaults);
Expected<DeviceConfig> parse_full_device(ConfigReader& reader, const Json& device,
                                         const std::string& path, const DeviceDefaults& defaults);

// Shared by both forms.

// The link keys a simple-form device and a full-form connection{} have in common: transport,
// addresses, authentication and password, security and keys, maxPduSize, conformance,
// connectTimeout/responseTimeout/keepAliveInterval (ms), retries, frameCounterObis and
// frameCounterClient (the meter's own invocation counter, read as the public client before each
// ciphered association). `settings` starts from the user's meter (ConnectionSettings defaults)
// with the connector's timeouts.
Expected<void> parse_link(ConfigReader& reader, const Json& object, const std::string& path,
                          client::ConnectionSettings& settings);
// The link keys parse_link reads (for unknown-key checks).
inline constexpr std::array<std::string_view, 22> kLinkKeys = {"transport",
                                                               "clientAddress",
                                                               "serverLogicalAddress",
                                                               "serverPhysicalAddress",
                                                               "serverAddressSize",
                                                               "authentication",
                                                               "password",
                                                               "passwordFile",
                                                               "security",
                                                               "systemTitle",
                                                               "blockKey",
                                                               "blockKeyFile",
                                                               "authenticationKey",
                                                               "authenticationKeyFile",
                                                               "maxPduSize",
                                                               "conformance",
                                                               "connectTimeout",
                                                               "responseTimeout",
                                                               "retries",
                                                               "keepAliveInterval",
                                                               "frameCounterObis",
                                                               "frameCounterClient"};

// A TCP port number at `path`.
Expected<std::uint16_t> parse_port(const ConfigReader& reader, const Json& node,
                                   const std::string& path);

// deviceType, attributePollPeriod, publishClockOffset, deviceToken, profiles, and the inherited
// sections (reportStrategy, watchdog, circuitBreaker, retry) of `device` into `config`; returns the
// device's resolved defaults for its points.
Expected<DeviceDefaults> parse_device_common(ConfigReader& reader, const Json& device,
                                             const std::string& path,
                                             const DeviceDefaults& defaults, DeviceConfig& config);
inline constexpr std::array<std::string_view, 10> kDeviceCommonKeys = {
    "deviceType",         "attributePollPeriod",
    "publishClockOffset", "deviceToken",
    "reportStrategy",     "watchdog",
    "circuitBreaker",     "retry",
    "profiles",           "timeZone"};

// profiles[]: {"obis", "pollPeriod" (ms), "maxBackfillHours", "columns": [{"obis", "classId",
// "attribute", "key"}]}.
Expected<std::vector<ProfileConfig>> parse_profiles(ConfigReader& reader, const Json& node,
                                                    const std::string& path);

// connection.name = the device name, then ConnectionSettings::validate(), its error given the
// JSON path.
Expected<void> finish_connection(const ConfigReader& reader, const std::string& path,
                                 DeviceConfig& config);

}  // namespace dlmsgw::connectors::dlms
