// The simple form: the file the user runs today (reference/user-meter.md) must load unchanged, so
// every default here is the user's Microstar meter: HDLC over TCP port 3333, client 1, server
// 0/1 in one byte, LLS "22222222", B field 1, 5000 ms, device type "DLMS_Meter".

#include <map>
#include <set>

#include "connectors/dlms/config_device.hpp"
#include "connectors/dlms/config_points.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

std::string at(const std::string& path, std::string_view key) {
  return ConfigReader::join(path, key);
}

// "${name}" -> "name"; nullopt when `text` is not exactly one placeholder.
std::optional<std::string> whole_placeholder(const std::string& text) {
  if (text.size() < 4 || text.rfind("${", 0) != 0 || text.back() != '}') return std::nullopt;
  const auto inner = text.substr(2, text.size() - 3);
  if (inner.find_first_of("${}") != std::string::npos) return std::nullopt;
  return inner;
}

struct Substitutions {
  std::map<std::string, std::string> values;  // host, port, name, deviceType
};

// Replaces ${host} ${port} ${name} ${deviceType} inside `text`.
Expected<std::string> substitute(const ConfigReader& reader, const std::string& path,
                                 const std::string& text, const Substitutions& substitutions) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("${", pos);
    if (open == std::string::npos) break;
    const auto close = text.find('}', open);
    if (close == std::string::npos) {
      return reader.error(path,
                          "unclosed ${ (placeholders are ${host}, ${port}, ${name}, "
                          "${deviceType} or a whole \"${measurement}\")");
    }
    const auto name = text.substr(open + 2, close - open - 2);
    const auto found = substitutions.values.find(name);
    if (found == substitutions.values.end()) {
      return reader.error(path, "unknown placeholder ${" + name +
                                    "} (use ${host}, ${port}, ${name}, ${deviceType}, or a "
                                    "catalog measurement as the whole value, e.g. "
                                    "\"${serial_number}\")");
    }
    out += text.substr(pos, open - pos) + found->second;
    pos = close + 1;
  }
  out += text.substr(pos);
  return out;
}

Expected<void> parse_attributes_mapping(ConfigReader& reader, const Json& node,
                                        const std::string& path, const Substitutions& subs,
                                        const PointDefaults& defaults, DeviceConfig& config) {
  if (!node.is_object()) {
    return reader.error(path, "expected an object of {\"attribute\": value or \"${...}\"}");
  }
  for (const auto& item : node.items()) {
    const auto where = at(path, item.key());
    const auto& value = item.value();
    gateway::DataPoint point{item.key(), false};
    if (value.is_boolean()) {
      point.value = value.get<bool>();
    } else if (value.is_number_integer()) {
      if (value.is_number_unsigned() &&
          value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        return reader.error(where, "is too large for a ThingsBoard long");
      }
      point.value = value.get<std::int64_t>();
    } else if (value.is_number_float()) {
      point.value = value.get<double>();
    } else if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      const auto placeholder = whole_placeholder(text);
      if (placeholder && subs.values.count(*placeholder) == 0) {
        // "${serial_number}": read that measurement and publish it as this attribute.
        const auto measurement = client::find_measurement(*placeholder);
        if (!measurement) return unknown_measurement(reader, where, *placeholder);
        PointConfig read;
        read.key = item.key();
        read.attribute = client::descriptor_for(*measurement, defaults.b_field);
        read.poll_period = config.attribute_poll_period;
        read.report_strategy = defaults.report_strategy;
        config.attributes.push_back(std::move(read));
        continue;
      }
      DLMSGW_TRY_ASSIGN(auto substituted, substitute(reader, where, text, subs));
      point.value = std::move(substituted);
    } else {
      return reader.error(where, "expected text, a number or true/false");
    }
    config.static_attributes.push_back(std::move(point));
  }
  return {};
}

// measurements[] and timeseriesMapping{} into timeseries points. A mapped measurement is
// published under its new key(s) only; an unmapped one under its own key.
Expected<void> parse_timeseries(ConfigReader& reader, const Json& device, const std::string& path,
                                const PointDefaults& defaults, DeviceConfig& config) {
  std::vector<std::pair<client::Measurement, std::string>> measured;  // with where it was named
  std::set<std::string> listed;
  if (device.contains("measurements")) {
    const auto where = at(path, "measurements");
    const auto& list = device.at("measurements");
    if (!list.is_array()) {
      return reader.error(where, "expected a list of measurement keys, e.g. [\"voltage_l1\"]");
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto item = ConfigReader::index(where, i);
      DLMSGW_TRY_ASSIGN(auto measurement, parse_measurement(reader, list[i], item));
      if (!listed.insert(std::string(measurement.key)).second) {
        return reader.error(item, "\"" + std::string(measurement.key) +
                                      "\" is listed twice (each measurement is read once)");
      }
      measured.emplace_back(measurement, item);
    }
  }
  std::multimap<std::string, std::pair<std::string, std::string>> renames;  // from -> (to, where)
  if (device.contains("timeseriesMapping")) {
    const auto where = at(path, "timeseriesMapping");
    const auto& mapping = device.at("timeseriesMapping");
    if (!mapping.is_object()) {
      return reader.error(where, "expected an object of {\"published_key\": \"${measurement}\"}");
    }
    for (const auto& item : mapping.items()) {
      const auto entry = at(where, item.key());
      DLMSGW_TRY_ASSIGN(const auto text, reader.text(item.value(), entry));
      const auto source = whole_placeholder(text);
      if (!source) {
        return reader.error(entry, "\"" + text +
                                       "\" is not a measurement reference (write "
                                       "\"${voltage_l1}\": the measurement published under \"" +
                                       item.key() + "\")");
      }
      const auto measurement = client::find_measurement(*source);
      if (!measurement) return unknown_measurement(reader, entry, *source);
      if (listed.insert(*source).second) measured.emplace_back(*measurement, entry);
      renames.emplace(*source, std::make_pair(item.key(), entry));
    }
  }
  std::set<std::string> keys;
  for (const auto& [measurement, named_at] : measured) {
    std::vector<std::pair<std::string, std::string>> published;
    const auto [first, last] = renames.equal_range(std::string(measurement.key));
    for (auto it = first; it != last; ++it) published.push_back(it->second);
    if (published.empty()) published.emplace_back(std::string(measurement.key), named_at);
    for (const auto& [key, where] : published) {
      if (!keys.insert(key).second) {
        return reader.error(where, "\"" + key +
                                       "\" is published twice (timeseries keys must be unique "
                                       "within a device; check timeseriesMapping)");
      }
      PointConfig point;
      point.key = key;
      point.attribute = client::descriptor_for(measurement, defaults.b_field);
      point.poll_period = defaults.poll_period;
      point.report_strategy = defaults.report_strategy;
      config.timeseries.push_back(std::move(point));
    }
  }
  return {};
}

}  // namespace

Expected<DeviceConfig> parse_simple_device(ConfigReader& reader, const Json& device,
                                           const std::string& path,
                                           const DeviceDefaults& defaults) {
  std::vector<std::string_view> known = {"name",   "deviceName",        "host",
                                         "port",   "pollingInterval",   "measurements",
                                         "bField", "attributesMapping", "timeseriesMapping"};
  known.insert(known.end(), kLinkKeys.begin(), kLinkKeys.end());
  known.insert(known.end(), kDeviceCommonKeys.begin(), kDeviceCommonKeys.end());
  reader.check_keys(device, path, known);

  DeviceConfig config;
  const char* name_key = device.contains("name") ? "name" : "deviceName";
  if (!device.contains(name_key)) {
    return reader.error(at(path, "name"), "missing (the device's name in ThingsBoard)");
  }
  DLMSGW_TRY_ASSIGN(config.name, reader.name(device.at(name_key), at(path, name_key)));
  DLMSGW_TRY_ASSIGN(const auto resolved,
                    parse_device_common(reader, device, path, defaults, config));
  DLMSGW_TRY(parse_link(reader, device, path, config.connection));

  client::TcpTarget tcp;
  if (!device.contains("host")) {
    return reader.error(at(path, "host"), "missing (the meter's or its TCP gateway's address)");
  }
  DLMSGW_TRY_ASSIGN(tcp.host, reader.name(device.at("host"), at(path, "host")));
  tcp.port = config.connection.transport == client::Transport::wrapper
                 ? client::kDefaultWrapperPort
                 : client::kDefaultHdlcTcpPort;
  if (device.contains("port")) {
    DLMSGW_TRY_ASSIGN(tcp.port, parse_port(reader, device.at("port"), at(path, "port")));
  }
  config.connection.endpoint = tcp;

  if (device.contains("pollingInterval")) {
    DLMSGW_TRY_ASSIGN(config.poll_period,
                      reader.millis(device.at("pollingInterval"), at(path, "pollingInterval")));
  }
  PointDefaults points{config.poll_period, resolved.report_strategy, client::kUserMeterBField};
  if (device.contains("bField")) {
    DLMSGW_TRY_ASSIGN(const auto b, reader.integer(device.at("bField"), at(path, "bField"), 0, 255,
                                                   "an OBIS B field (0..255)"));
    points.b_field = static_cast<std::uint8_t>(b);
  }
  DLMSGW_TRY(parse_timeseries(reader, device, path, points, config));
  if (device.contains("attributesMapping")) {
    const Substitutions substitutions{{{"host", tcp.host},
                                       {"port", std::to_string(tcp.port)},
                                       {"name", config.name},
                                       {"deviceType", config.type}}};
    DLMSGW_TRY(parse_attributes_mapping(reader, device.at("attributesMapping"),
                                        at(path, "attributesMapping"), substitutions, points,
                                        config));
  }
  DLMSGW_TRY(finish_connection(reader, path, config));
  return config;
}

}  // namespace dlmsgw::connectors::dlms
