#include "gateway/config/platform_attributes.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "gateway/uplink/gateway_outgoing.hpp"

namespace dlmsgw::gateway {
namespace {

// The UI's level names (Python logging): dlmsgw's "warn" is "WARNING", "off" is "NONE".
std::string ui_log_level(std::string_view level) {
  if (level == "warn") return "WARNING";
  if (level == "off") return "NONE";
  if (level == "trace") return "DEBUG";
  std::string upper(level);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

std::int64_t mtime_ms(const std::filesystem::path& file) {
  std::error_code ec;
  const auto written = std::filesystem::last_write_time(file, ec);
  if (ec) return 0;
  const auto system = std::chrono::file_clock::to_sys(written);
  return std::chrono::duration_cast<std::chrono::milliseconds>(system.time_since_epoch()).count();
}

// The file's text, empty when it cannot be read.
std::string file_text(const std::filesystem::path& file) {
  // Read into a string of the file's size (not a stringstream, then a copy of it): the file is
  // megabytes at 10,000 meters, and this runs at start-up, at the gateway's peak.
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return {};
  std::string text;
  if (const auto size = in.tellg(); size > 0) text.resize(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) return {};
  return text;
}

// The size of a JSON text as nlohmann's dump() writes its tree (minified, invalid UTF-8
// replaced), counted in one SAX pass that builds no tree. A duplicate key counts each time.
struct DumpedJsonSize final : nlohmann::json::json_sax_t {
  std::size_t bytes = 0;

  bool null() override { return scalar(4); }
  bool boolean(bool value) override { return scalar(value ? 4 : 5); }
  bool number_integer(number_integer_t value) override { return scalar(digits(value)); }
  bool number_unsigned(number_unsigned_t value) override { return scalar(digits(value)); }
  bool number_float(number_float_t value, const string_t& /*text*/) override {
    return scalar_dumped(value);
  }
  bool string(string_t& value) override { return scalar(text_size(value)); }
  bool binary(binary_t& /*value*/) override { return false; }  // not in JSON text
  bool start_object(std::size_t /*elements*/) override { return open(true); }
  bool key(string_t& value) override {
    if (members_.back().second++ > 0) ++bytes;  // ,
    bytes += text_size(value) + 1;              // "key":
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t /*elements*/) override { return open(false); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) override {
    return false;
  }

 private:
  template <typename Value>
  static std::size_t dumped_size(const Value& value) {
    return nlohmann::json(value)
        .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
        .size();
  }
  // Most strings (keys, names, hosts, OBIS codes) are printable ASCII that dump() writes as they
  // are, quoted: counted without building their dump.
  static std::size_t text_size(const string_t& text) {
    const bool plain = std::all_of(text.begin(), text.end(), [](char c) {
      return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    return plain ? text.size() + 2 : dumped_size(text);
  }
  template <typename Integer>
  static std::size_t digits(Integer value) {
    char text[24];
    return static_cast<std::size_t>(std::to_chars(text, text + sizeof text, value).ptr - text);
  }
  // A value starts: after a comma when it is not an array's first (in an object, key() wrote it).
  void element() {
    if (!members_.empty() && !members_.back().first && members_.back().second++ > 0) ++bytes;
  }
  bool scalar(std::size_t size) {
    element();
    bytes += size;
    return true;
  }
  template <typename Value>
  bool scalar_dumped(const Value& value) {
    return scalar(dumped_size(value));
  }
  bool open(bool object) {
    element();
    ++bytes;
    members_.emplace_back(object, 0);
    return true;
  }
  bool close() {
    ++bytes;
    members_.pop_back();
    return true;
  }

  std::vector<std::pair<bool, std::size_t>> members_;  // per open container: object?, members
};

// A connector file as its client attribute's configurationJson: {} when it cannot be read or is
// not JSON. `fits(bytes)` is asked the file's dumped size first: when it says no, no tree is
// built (tens of megabytes at 10,000 meters, at start-up, the gateway's peak) and nullopt comes
// back with `bytes` set.
std::optional<nlohmann::json> file_json(const std::filesystem::path& file,
                                        const std::function<bool(std::size_t)>& fits,
                                        std::size_t& bytes) {
  const auto text = file_text(file);
  if (text.empty()) return nlohmann::json::object();
  // Comments allowed, as the DLMS connector reads the file; they are not part of the dump.
  DumpedJsonSize size;
  if (!nlohmann::json::sax_parse(text, &size, nlohmann::json::input_format_t::json, true, true)) {
    return nlohmann::json::object();
  }
  bytes = size.bytes;
  if (!fits(bytes)) return std::nullopt;
  return nlohmann::json::parse(text, nullptr, false, true);
}

// A stable id per connector name (FNV-1a, 64 bits as 16 hex digits): the UI keys connectors by
// it, and it must not change between restarts.
std::string connector_id(std::string_view name) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : name) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

nlohmann::json security_without_secrets(const SecurityConfig& security) {
  nlohmann::json out;
  if (!security.access_token.empty()) {
    out["type"] = security.ca_cert.empty() ? "accessToken" : "tlsAccessToken";
  } else {
    out["type"] = "usernamePassword";
    if (!security.client_id.empty()) out["clientId"] = security.client_id;
    if (!security.username.empty()) out["username"] = security.username;
  }
  if (!security.ca_cert.empty()) out["caCert"] = security.ca_cert;
  if (!security.cert.empty()) {
    out["type"] = "tlsPrivateKey";
    out["cert"] = security.cert;
    out["privateKey"] = security.private_key;  // a path, not the key
  }
  return out;
}

}  // namespace

nlohmann::json connector_client_attributes(const std::vector<ConnectorConfig>& connectors,
                                           std::string_view log_level,
                                           std::size_t max_payload_bytes) {
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json names = nlohmann::json::array();
  for (const auto& connector : connectors) {
    names.push_back(connector.name);
    out[connector.name] = {{"name", connector.name},
                           {"type", connector.type},
                           {"configuration", connector.configuration.filename().string()},
                           {"id", connector_id(connector.name)},
                           {"configVersion", kReportedGatewayVersion},
                           {"logLevel", ui_log_level(log_level)},
                           // Its lines go out while RemoteLoggingLevel is on, unless the
                           // page turns them off.
                           {"enableRemoteLogging", true},
                           {"ts", mtime_ms(connector.configuration)}};
    // Its size as GatewayService measures it, {"<name>":<entry>}: with configurationJson, the
    // entry's text grows by ,"configurationJson": and the file's.
    const auto entry_bytes = [&](std::size_t file_bytes) {
      return out[connector.name]
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                 .size() +
             std::string_view(R"(,"configurationJson":)").size() + file_bytes;
    };
    const auto name_bytes = nlohmann::json(connector.name)
                                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                .size();
    std::size_t file_bytes = 0;
    auto configuration = file_json(
        connector.configuration,
        [&](std::size_t bytes) {
          return name_bytes + 1 + entry_bytes(bytes) + 2 <= max_payload_bytes;
        },
        file_bytes);
    if (!configuration) {
      out[connector.name] = unsendable_attribute(entry_bytes(file_bytes));
      continue;
    }
    // Moved in, not listed above: an initializer list copies its elements, and this tree is the
    // connector file (10 KB a meter as a tree; the copy was half of the start-up peak).
    out[connector.name]["configurationJson"] = std::move(*configuration);
  }
  out["active_connectors"] = std::move(names);
  return out;
}

nlohmann::json gateway_client_attributes(const GatewayConfig& config, std::string_view own_version,
                                         std::int64_t loaded_ms) {
  const auto connector_level = config.logging.levels.count("connector") != 0
                                   ? config.logging.levels.at("connector")
                                   : config.logging.level;
  auto out = connector_client_attributes(config.connectors, connector_level,
                                         config.max_payload_size_bytes);
  out["Version"] = kReportedGatewayVersion;
  out["dlmsgwVersion"] = own_version;
  out["general_configuration"] = {
      {"host", config.host},
      {"port", config.port},
      {"qos", config.qos},
      {"maxPayloadSizeBytes", config.max_payload_size_bytes},
      {"remoteShell", false},
      {"remoteConfiguration", config.remote_configuration},
      {"statistics",
       {{"enable", config.statistics},
        {"statsSendPeriodInSeconds", config.statistics_period.count()}}},
      {"security", security_without_secrets(config.security)},
      {"ts", loaded_ms}};
  const auto& storage = config.storage;
  nlohmann::json storage_json{{"type", storage.type == StorageType::sqlite ? "sqlite" : "memory"},
                              {"max_records_count", storage.max_records_count},
                              {"read_records_count", storage.read_records_count},
                              {"ts", loaded_ms}};
  if (storage.type == StorageType::sqlite) {
    storage_json["data_file_path"] = storage.data_file_path.string();
    storage_json["messages_ttl_in_days"] = storage.messages_ttl_in_days;
    storage_json["max_read_records_count"] = storage.read_records_count;
  }
  out["storage_configuration"] = std::move(storage_json);
  nlohmann::json local = nlohmann::json::object();
  for (const auto& component : log_component_names()) {
    const auto level = config.logging.levels.count(component) != 0
                           ? config.logging.levels.at(component)
                           : config.logging.level;
    local[component] = {{"logLevel", ui_log_level(level)}, {"filePath", "journal"}};
  }
  out["logs_configuration"] = {
      {"dateFormat", "%Y-%m-%d %H:%M:%S"},
      {"logFormat", "%(asctime)s - |%(levelname)s| - [%(filename)s] - %(message)s"},
      {"type", "local"},
      {"remote", {{"enabled", false}, {"logLevel", "NONE"}}},
      {"local", std::move(local)},
      {"ts", loaded_ms}};
  return out;
}

}  // namespace dlmsgw::gateway
