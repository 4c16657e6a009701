#include "connectors/dlms/dlms_connector_config.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "connectors/dlms/config_device.hpp"
#include "connectors/dlms/config_reader.hpp"
#include "connectors/dlms/config_sections.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

Expected<Json> parse_json(std::string_view text, const std::string& file_name) {
  try {
    // Comments are allowed: a connector file is edited by hand.
    return Json::parse(text, nullptr, true, true);
  } catch (const Json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 3, ..." -> "parse error at line 3, ..."
    if (const auto bracket = what.find("] ");
        what.rfind("[json.", 0) == 0 && bracket != what.npos) {
      what = what.substr(bracket + 2);
    }
    return make_error(ErrorCode::malformed, file_name + ": not valid JSON: " + what);
  }
}

Expected<void> parse_header(ConfigReader& reader, const Json& root, DlmsConnectorConfig& config) {
  if (root.contains("name")) {
    DLMSGW_TRY_ASSIGN(config.name, reader.name(root.at("name"), "name"));
  }
  if (root.contains("type")) {
    DLMSGW_TRY_ASSIGN(const auto type, reader.text(root.at("type"), "type"));
    if (type != "dlms") {
      reader.warn("type",
                  "\"" + type + "\" read as dlms (this file is loaded by the DLMS connector)");
    }
  }
  if (root.contains("logLevel")) {
    // Accepted for compatibility; dlmsgw's log level is set for the whole process.
    DLMSGW_TRY_ASSIGN(const auto level, reader.text(root.at("logLevel"), "logLevel"));
    static const std::set<std::string> levels{"TRACE", "DEBUG", "INFO",     "WARNING",
                                              "WARN",  "ERROR", "CRITICAL", "NONE"};
    if (levels.count(level) == 0) {
      reader.warn("logLevel", "\"" + level + "\" is not a log level (DEBUG, INFO, WARNING, ERROR)");
    }
  }
  if (root.contains("maxConcurrentPolls")) {
    DLMSGW_TRY_ASSIGN(const auto value,
                      reader.integer(root.at("maxConcurrentPolls"), "maxConcurrentPolls", 1, 10000,
                                     "a number of sessions polled at once (1..10000)"));
    config.max_concurrent_polls = static_cast<unsigned>(value);
  }
  if (root.contains("statisticsPeriod")) {
    DLMSGW_TRY_ASSIGN(config.statistics_period,
                      reader.millis(root.at("statisticsPeriod"), "statisticsPeriod"));
  }
  return {};
}

// Collects failures when `errors` is given (and goes on), else stops at the first.
class Failures {
 public:
  explicit Failures(std::vector<Error>* errors) : errors_(errors) {}
  // True when parsing goes on after `result`.
  template <class T>
  bool keep_going(const Expected<T>& result) {
    if (result) return true;
    return keep_going(result.error());
  }
  bool keep_going(const Error& error) {
    if (errors_ == nullptr) {
      if (!first_) first_ = error;
      return false;
    }
    errors_->push_back(error);
    return true;
  }
  [[nodiscard]] const Error& first() const { return *first_; }

 private:
  std::vector<Error>* errors_;
  std::optional<Error> first_;
};

// The point lists seen so far, by a hash of their keys and what they read: a device whose list
// equals one of them shares it.
class PointListPool {
 public:
  void share(PointList& points) {
    if (points.empty()) return;
    auto& same_hash = lists_[hash(points)];
    for (const auto& seen : same_hash) {
      if (seen == points) {
        points.share(seen);
        return;
      }
    }
    same_hash.push_back(points);
  }

 private:
  static std::size_t hash(const PointList& points) {
    std::size_t h = points.size();
    const auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
    for (const auto& point : points) {
      mix(std::hash<std::string>{}(point.key));
      mix(point.attribute.class_id);
      for (const auto group : point.attribute.instance.groups()) mix(group);
      mix(static_cast<std::size_t>(point.attribute.attribute_id));
      mix(static_cast<std::size_t>(point.poll_period.count()));
    }
    return h;
  }
  std::unordered_map<std::size_t, std::vector<PointList>> lists_;
};

bool parse_devices(ConfigReader& reader, const Json& root, const DeviceDefaults& defaults,
                   DlmsConnectorConfig& config, Failures& failures) {
  // Apart for timeseries and attributes: a device whose two lists are equal must keep two
  // vectors, since the report filter tells a point's slot by where it lies (MeterWorker::slot_of).
  PointListPool timeseries_pool;
  PointListPool attributes_pool;
  if (!root.contains("devices")) {
    return failures.keep_going(
        reader.error("devices", "missing (the list of meters this connector reads)"));
  }
  const auto& devices = root.at("devices");
  if (!devices.is_array()) {
    return failures.keep_going(reader.error("devices", "expected a list of devices"));
  }
  if (devices.empty()) reader.warn("devices", "is empty: this connector reads no meter");
  std::set<std::string> names;
  for (std::size_t i = 0; i < devices.size(); ++i) {
    const auto path = ConfigReader::index("devices", i);
    const auto& device = devices[i];
    Expected<DeviceConfig> parsed = DeviceConfig{};
    if (auto object = reader.expect_object(device, path, "one meter"); !object) {
      parsed = object.error();
    } else if (is_simple_form(device)) {
      parsed = parse_simple_device(reader, device, path, defaults);
    } else if (device.contains("connection") || device.contains("deviceName") ||
               device.contains("timeseries")) {
      parsed = parse_full_device(reader, device, path, defaults);
    } else {
      parsed = reader.error(path,
                            "is neither form (give host and measurements for the simple form, or "
                            "deviceName and connection{} for the full form)");
    }
    const char* key = device.contains("deviceName") ? "deviceName" : "name";
    if (!parsed) {
      if (!failures.keep_going(parsed)) return false;
      // Its name still counts for the uniqueness of the next ones.
      if (device.is_object() && device.contains(key) && device.at(key).is_string()) {
        names.insert(device.at(key).get<std::string>());
      }
      continue;
    }
    if (!names.insert(parsed->name).second) {
      if (!failures.keep_going(
              reader.error(ConfigReader::join(path, key),
                           "\"" + parsed->name +
                               "\" is used twice (device names must be unique: each is one "
                               "ThingsBoard device)"))) {
        return false;
      }
      continue;
    }
    timeseries_pool.share(parsed->timeseries);
    attributes_pool.share(parsed->attributes);
    config.devices.push_back(std::move(*parsed));
  }
  return true;
}

Expected<DlmsConnectorConfig> parse(std::string_view text, const std::string& file_name,
                                    std::vector<Error>* errors) {
  DLMSGW_TRY_ASSIGN(const auto root, parse_json(text, file_name));
  DlmsConnectorConfig config;
  ConfigReader reader(file_name, config.warnings);
  if (!root.is_object()) {
    return reader.error("", "expected a JSON object with name and devices");
  }
  Failures failures(errors);
  reader.check_keys(root, "",
                    {"name", "type", "logLevel", "devices", "connectionTimeout", "requestTimeout",
                     "reconnectDelay", "maxReconnectAttempts", "watchdog", "circuitBreaker",
                     "retry", "reportStrategy", "maxConcurrentPolls", "statisticsPeriod"});
  if (!failures.keep_going(parse_header(reader, root, config))) return failures.first();
  DeviceDefaults defaults;
  if (auto timing = parse_simple_timing(reader, root, defaults); !failures.keep_going(timing)) {
    return failures.first();
  } else if (timing) {
    defaults = *timing;
  }
  if (auto inherited = parse_inherited(reader, root, "", defaults);
      !failures.keep_going(inherited)) {
    return failures.first();
  } else if (inherited) {
    defaults = *inherited;
  }
  if (!parse_devices(reader, root, defaults, config, failures)) return failures.first();
  return config;
}

}  // namespace

PointList::PointList(std::vector<PointConfig> points) {
  if (points.empty()) return;
  points.shrink_to_fit();
  points_ = std::make_shared<std::vector<PointConfig>>(std::move(points));
}

const std::vector<PointConfig>& PointList::list() const {
  static const std::vector<PointConfig> kNone;
  return points_ ? *points_ : kNone;
}

std::vector<PointConfig>& PointList::own() {
  if (!points_) {
    points_ = std::make_shared<std::vector<PointConfig>>();
  } else if (points_.use_count() > 1) {
    points_ = std::make_shared<std::vector<PointConfig>>(*points_);
  }
  return *points_;
}

std::string_view to_string(ReportStrategyType type) {
  switch (type) {
    case ReportStrategyType::on_received:
      return "ON_RECEIVED";
    case ReportStrategyType::on_change:
      return "ON_CHANGE";
    case ReportStrategyType::on_report_period:
      return "ON_REPORT_PERIOD";
    case ReportStrategyType::on_change_or_report_period:
      return "ON_CHANGE_OR_REPORT_PERIOD";
  }
  return "ON_RECEIVED";
}

Expected<DlmsConnectorConfig> parse_dlms_connector_config(std::string_view text,
                                                          const std::string& file_name) {
  return parse(text, file_name, nullptr);
}

DlmsConnectorCheck check_dlms_connector_config(std::string_view text,
                                               const std::string& file_name) {
  DlmsConnectorCheck check;
  auto config = parse(text, file_name, &check.errors);
  if (config) {
    check.config = std::move(*config);
  } else {
    check.errors.push_back(config.error());
  }
  return check;
}

Expected<DlmsConnectorConfig> load_dlms_connector_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    return make_error(ErrorCode::invalid_argument,
                      path.string() + ": cannot be read: " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_dlms_connector_config(text.str(), path.string());
}

}  // namespace dlmsgw::connectors::dlms
