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

// Parses `text` (comments allowed: a connector file is edited by hand), handing every event to
// `callback` (nlohmann's parser callback: returning false drops the value from the tree).
Expected<Json> parse_json(std::string_view text, const std::string& file_name,
                          const Json::parser_callback_t& callback) {
  try {
    return Json::parse(text, callback, true, true);
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

// Follows the parser's events to tell when one element of the root's "devices" list is complete
// (an object, a list or a plain value at depth 2 inside that list), so that the element can be
// read and dropped at once: the whole file is never one tree (about 7 KB a meter otherwise).
// The root may name "devices" more than once; as with a whole tree, the last one counts.
class DeviceElements {
 public:
  // True when this event completes an element of a root "devices" list.
  bool completes_element(int depth, Json::parse_event_t event, const Json& parsed) {
    using Event = Json::parse_event_t;
    if (depth == 1) {
      if (event == Event::key) {
        after_devices_key_ =
            parsed.is_string() && parsed.get_ref<const std::string&>() == "devices";
        if (after_devices_key_) ++lists_;
      } else if (event == Event::array_start) {
        in_list_ = after_devices_key_;
        if (in_list_) elements_ = 0;
      } else if (event == Event::array_end) {
        in_list_ = false;
      }
      return false;
    }
    if (!in_list_ || depth != 2) return false;
    if (event != Event::object_end && event != Event::array_end && event != Event::value) {
      return false;
    }
    ++elements_;
    return true;
  }
  // The root's "devices" keys seen so far (the current one is the last of them).
  [[nodiscard]] std::size_t lists() const { return lists_; }
  // The elements of the current "devices" list seen so far.
  [[nodiscard]] std::size_t elements() const { return elements_; }

 private:
  bool after_devices_key_ = false;
  bool in_list_ = false;
  std::size_t lists_ = 0;
  std::size_t elements_ = 0;
};

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

// Reads the devices one by one, in the order of the file, as the parser completes them.
class DeviceParser {
 public:
  DeviceParser(ConfigReader& reader, const DeviceDefaults& defaults, DlmsConnectorConfig& config,
               Failures& failures)
      : reader_(reader), defaults_(defaults), config_(config), failures_(failures) {}

  // False when parsing stops (the first error, when errors are not collected).
  bool add(std::size_t i, const Json& device) {
    const auto path = ConfigReader::index("devices", i);
    Expected<DeviceConfig> parsed = DeviceConfig{};
    if (auto object = reader_.expect_object(device, path, "one meter"); !object) {
      parsed = object.error();
    } else if (is_simple_form(device)) {
      parsed = parse_simple_device(reader_, device, path, defaults_);
    } else if (device.contains("connection") || device.contains("deviceName") ||
               device.contains("timeseries")) {
      parsed = parse_full_device(reader_, device, path, defaults_);
    } else {
      parsed = reader_.error(path,
                             "is neither form (give host and measurements for the simple form, or "
                             "deviceName and connection{} for the full form)");
    }
    const char* key = device.contains("deviceName") ? "deviceName" : "name";
    if (!parsed) {
      if (!failures_.keep_going(parsed)) return false;
      // Its name still counts for the uniqueness of the next ones.
      if (device.is_object() && device.contains(key) && device.at(key).is_string()) {
        names_.insert(device.at(key).get<std::string>());
      }
      return true;
    }
    if (!names_.insert(parsed->name).second) {
      return failures_.keep_going(
          reader_.error(ConfigReader::join(path, key),
                        "\"" + parsed->name +
                            "\" is used twice (device names must be unique: each is one "
                            "ThingsBoard device)"));
    }
    timeseries_pool_.share(parsed->timeseries);
    attributes_pool_.share(parsed->attributes);
    config_.devices.push_back(std::move(*parsed));
    return true;
  }

 private:
  ConfigReader& reader_;
  const DeviceDefaults& defaults_;
  DlmsConnectorConfig& config_;
  Failures& failures_;
  std::set<std::string> names_;
  // Apart for timeseries and attributes: a device whose two lists are equal must keep two
  // vectors, since the report filter tells a point's slot by where it lies (MeterWorker::slot_of).
  PointListPool timeseries_pool_;
  PointListPool attributes_pool_;
};

// Two passes over the text, neither holding the whole tree: the first drops each device as it
// completes (keeping the connector-level settings, which may come before or after "devices"),
// the second reads each device with those settings, then drops it.
Expected<DlmsConnectorConfig> parse(std::string_view text, const std::string& file_name,
                                    std::vector<Error>* errors) {
  DeviceElements first_pass;
  DLMSGW_TRY_ASSIGN(const auto root,
                    parse_json(text, file_name,
                               [&first_pass](int depth, Json::parse_event_t event, Json& parsed) {
                                 return !first_pass.completes_element(depth, event, parsed);
                               }));
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
  if (!root.contains("devices")) {
    if (!failures.keep_going(
            reader.error("devices", "missing (the list of meters this connector reads)"))) {
      return failures.first();
    }
    return config;
  }
  if (!root.at("devices").is_array()) {
    if (!failures.keep_going(reader.error("devices", "expected a list of devices"))) {
      return failures.first();
    }
    return config;
  }
  if (first_pass.elements() == 0) {
    reader.warn("devices", "is empty: this connector reads no meter");
    return config;
  }
  config.devices.reserve(first_pass.elements());
  DeviceParser devices(reader, defaults, config, failures);
  DeviceElements second_pass;
  bool stopped = false;
  const auto last_list = first_pass.lists();
  DLMSGW_TRY(parse_json(text, file_name, [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (!second_pass.completes_element(depth, event, parsed)) return true;
    if (!stopped && second_pass.lists() == last_list) {
      stopped = !devices.add(second_pass.elements() - 1, parsed);
    }
    return false;
  }));
  if (stopped) return failures.first();
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
