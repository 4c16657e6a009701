#include "app/config_check.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/connector_factory.hpp"
#include "app/gateway_file.hpp"
#include "app/json_line_index.hpp"
#include "app/startup_check.hpp"
#include "app/tls_files_check.hpp"
#include "client/serial_bus.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"

namespace dlmsgw::app {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// "file:line" of connectors[index].key in the gateway file (the entry's line when the key is
// absent), for problems found after its parser accepted the entry.
class GatewayPositions {
 public:
  GatewayPositions(const std::string& text, std::string file) : file_(std::move(file)) {
    try {
      root_ = YAML::Load(text);
    } catch (const YAML::Exception&) {
      root_ = YAML::Node();
    }
  }

  [[nodiscard]] std::string at(std::size_t index, const char* key) const {
    try {
      const auto connectors = root_["connectors"];
      if (connectors && connectors.IsSequence() && index < connectors.size()) {
        const auto entry = connectors[index];
        const auto value = entry.IsMap() && entry[key] ? entry[key] : entry;
        if (value.Mark().line >= 0) return file_ + ":" + std::to_string(value.Mark().line + 1);
      }
    } catch (const YAML::Exception&) {
    }
    return file_;
  }

 private:
  std::string file_;
  YAML::Node root_;
};

// "file: devices[0].port: problem" (the connector parsers' form) -> "file:12: devices[0].port:
// problem"; a JSON syntax error "at line N" gets line N.
std::string locate(const std::string& message, const std::string& file,
                   const JsonLineIndex& index) {
  const std::string prefix = file + ": ";
  if (message.rfind(prefix, 0) != 0) return message;
  const std::string rest = message.substr(prefix.size());
  const auto colon = rest.find(": ");
  if (colon != std::string::npos && rest.find(' ') > colon) {
    if (const auto line = index.line_of(rest.substr(0, colon))) {
      return file + ":" + std::to_string(*line) + ": " + rest;
    }
  }
  if (const auto at = rest.find("at line "); at != std::string::npos) {
    std::size_t end = at + 8;
    while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end])) != 0) ++end;
    if (end > at + 8) return file + ":" + rest.substr(at + 8, end - at - 8) + ": " + rest;
  }
  return message;
}

// Each device's name and the key that gave it, by position in devices[] (for problems across
// files, found after each file's parser ran).
struct NamedDevice {
  std::string name;
  std::string path;  // "devices[2].deviceName"
};

std::vector<NamedDevice> device_names(const std::string& text) {
  std::vector<NamedDevice> names;
  const auto root = nlohmann::json::parse(text, nullptr, false, true);
  if (!root.is_object() || !root.contains("devices") || !root["devices"].is_array()) return names;
  const auto& devices = root["devices"];
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const auto& device = devices[i];
    if (!device.is_object()) continue;
    for (const char* key : {"deviceName", "name"}) {
      if (device.contains(key) && device[key].is_string()) {
        names.push_back({device[key].get<std::string>(),
                         "devices[" + std::to_string(i) + "]." + std::string(key)});
        break;
      }
    }
  }
  return names;
}

std::string supported_types() {
  std::string supported;
  for (const auto type : supported_connector_types()) {
    supported += (supported.empty() ? "" : ", ") + std::string(type);
  }
  return supported;
}

class Checker {
 public:
  explicit Checker(ConfigCheck& check) : check_(check) {}

  void check_gateway(const fs::path& file) {
    check_.gateway_file = file;
    const auto text = read_text(file);
    if (!text) {
      check_.errors.push_back(file.string() + ": cannot be read: " + std::strerror(errno));
      return;
    }
    ++check_.gateway_files;
    auto result = gateway::check_gateway_config(*text, file.string());
    for (const auto& error : result.errors) check_.errors.push_back(error.message);
    append(check_.warnings, result.config.warnings);
    std::vector<std::string> tls_errors;
    check_tls_files(result.config.security, tls_errors);
    for (const auto& error : tls_errors) check_.errors.push_back(file.string() + ": " + error);
    const GatewayPositions positions(*text, file.string());
    for (std::size_t i = 0; i < result.config.connectors.size(); ++i) {
      check_connector(result.config.connectors[i], i, positions);
    }
    // What make_connectors refuses at run and reload, from the same code.
    append(check_.errors, check_device_tokens(device_tokens_));
    if (const auto warning = check_profiles_storage(result.config.storage.type, profile_devices_)) {
      check_.warnings.push_back(file.string() + ": " + *warning);
    }
    if (result.errors.empty()) check_storage_in_state_directory(result.config, file);
    if (result.errors.empty()) {
      // What `run` checks at start beyond the files, from the same code.
      const auto problems = check_startup(result.config, file.string());
      append(check_.errors, problems);
      if (problems.empty()) check_.gateway = std::move(result.config);
    }
  }

 private:
  // Under systemd (and in validate --as-user, which stands in the user's home for it) the unit
  // may write only in its state directory (ProtectSystem=strict): a database elsewhere passes
  // every file check and then restart-loops the service.
  void check_storage_in_state_directory(const gateway::GatewayConfig& config,
                                        const fs::path& file) {
    const char* state = std::getenv("STATE_DIRECTORY");
    if (state == nullptr || *state == '\0' || config.storage.type != gateway::StorageType::sqlite) {
      return;
    }
    const std::string first(state, std::strcspn(state, ":"));
    const auto directory = fs::path(first).lexically_normal();
    const auto database = config.storage.data_file_path.lexically_normal();
    const auto relative = database.lexically_relative(directory);
    if (!relative.empty() && *relative.begin() != "..") return;
    check_.warnings.push_back(
        file.string() + ": storage.data_file_path: " + database.string() +
        " is outside the state directory " + directory.string() +
        ", the only place the packaged unit may write (ProtectSystem=strict): "
        "use a path under it, or add ReadWritePaths= in a drop-in");
  }

  static void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
    to.insert(to.end(), from.begin(), from.end());
  }

  void check_connector(const gateway::ConnectorConfig& entry, std::size_t index,
                       const GatewayPositions& positions) {
    const std::string key = "connectors[" + std::to_string(index) + "]";
    if (entry.type != "dlms") {
      check_.errors.push_back(
          positions.at(index, "type") + ": " + key + ".type: '" + entry.type +
          "' is not a connector type dlmsgw has (supported: " + supported_types() + ")");
      return;
    }
    const std::string file = entry.configuration.string();
    const auto text = read_text(entry.configuration);
    if (!text) {
      check_.errors.push_back(positions.at(index, "configuration") + ": " + key +
                              ".configuration: " + file +
                              " cannot be read: " + std::strerror(errno) +
                              " (a relative path is relative to the gateway file's directory)");
      return;
    }
    ++check_.connector_files;
    const JsonLineIndex lines(*text);
    auto result = connectors::dlms::check_dlms_connector_config(*text, file);
    for (const auto& error : result.errors) {
      check_.errors.push_back(locate(error.message, file, lines));
    }
    for (const auto& warning : result.config.warnings) {
      check_.warnings.push_back(locate(warning, file, lines));
    }
    check_duplicates_across_files(*text, file, lines);
    for (const auto& device : result.config.devices) {
      if (device.device_token) {
        device_tokens_.push_back({entry.name, device.name, device.device_token->access_token});
      }
      if (!device.profiles.empty() && device.device_token) profile_devices_.push_back(device.name);
      MeterTarget meter;
      meter.name = device.name;
      meter.connection = device.connection;
      if (!device.timeseries.empty()) {
        meter.first_point = device.timeseries.front().attribute;
      } else if (!device.attributes.empty()) {
        meter.first_point = device.attributes.front().attribute;
      }
      check_.meters.push_back(std::move(meter));
    }
  }

  // Within a file the parser refuses a repeated name; across files only the whole configuration
  // shows it.
  void check_duplicates_across_files(const std::string& text, const std::string& file,
                                     const JsonLineIndex& lines) {
    std::map<std::string, std::string> seen_here;
    for (const auto& device : device_names(text)) {
      if (!seen_here.emplace(device.name, device.path).second) continue;
      const auto earlier = devices_.find(device.name);
      if (earlier != devices_.end() && earlier->second != file) {
        const auto line = lines.line_of(device.path);
        check_.errors.push_back(file + (line ? ":" + std::to_string(*line) : "") + ": " +
                                device.path + ": \"" + device.name + "\" is also a device of " +
                                earlier->second +
                                " (device names must be unique over all connectors: each is "
                                "one ThingsBoard device)");
      }
    }
    for (const auto& [name, path] : seen_here) devices_.emplace(name, file);
  }

  ConfigCheck& check_;
  std::map<std::string, std::string> devices_;  // device name -> the connector file it is in
  std::vector<DeviceToken> device_tokens_;      // over all connectors
  std::vector<std::string> profile_devices_;    // own-token devices reading profiles, all files
};

// Meters on one serial port (RS-485 multi-drop) share its one owner: the line settings must be the
// same, each meter needs its own HDLC address, and the mode E opening (an optical probe, one meter)
// cannot be shared.
void check_serial_buses(ConfigCheck& check) {
  std::map<std::string, std::vector<const MeterTarget*>> ports;
  for (const auto& meter : check.meters) {
    if (const auto* serial = std::get_if<client::SerialTarget>(&meter.connection.endpoint)) {
      // By the port itself: /dev/serial/by-id/... and the /dev/ttyUSB0 it links to are one bus.
      ports[client::serial_port_identity(serial->line.device)].push_back(&meter);
    }
  }
  for (const auto& [device, meters] : ports) {
    if (meters.size() < 2) continue;
    const MeterTarget& first = *meters.front();
    const auto& line = std::get<client::SerialTarget>(first.connection.endpoint);
    for (std::size_t i = 1; i < meters.size(); ++i) {
      const MeterTarget& other = *meters[i];
      const auto& other_line = std::get<client::SerialTarget>(other.connection.endpoint);
      if (other_line.line != line.line) {
        check.errors.push_back("devices '" + first.name + "' and '" + other.name +
                               "' share serial port " + device + " with different settings (" +
                               client::describe_line(line.line) + " and " +
                               client::describe_line(other_line.line) +
                               "): meters on one port share its line; give them the same "
                               "baudrate, dataBits, parity and stopBits");
      }
    }
    std::map<std::string, std::string> addresses;  // HDLC server address -> device name
    for (const auto* meter : meters) {
      const auto& serial = std::get<client::SerialTarget>(meter->connection.endpoint);
      if (serial.iec_mode_e) {
        check.errors.push_back("device '" + meter->name + "' uses serial.iecModeE on " + device +
                               ", which other devices share: the mode E opening (an optical "
                               "probe) is for one meter per port; remove iecModeE or give this "
                               "meter a port of its own");
      }
      auto address = meter->connection.server_hdlc_address();
      if (!address) continue;
      const auto [earlier, fresh] = addresses.emplace(address->to_string(), meter->name);
      if (!fresh) {
        check.errors.push_back("devices '" + earlier->second + "' and '" + meter->name +
                               "' on serial port " + device + " have the same HDLC address " +
                               address->to_string() +
                               ": each meter on a bus needs its own (serverPhysicalAddress, "
                               "serverLogicalAddress)");
      }
    }
  }
}

}  // namespace

ConfigCheck check_configuration(const fs::path& config) {
  ConfigCheck check;
  auto file = find_gateway_file(config);
  if (!file) {
    check.errors.push_back(file.error().message);
    return check;
  }
  Checker(check).check_gateway(*file);
  check_serial_buses(check);
  return check;
}

}  // namespace dlmsgw::app
