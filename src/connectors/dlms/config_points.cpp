#include "connectors/dlms/config_points.hpp"

#include <set>

#include "client/read_target.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using client::Measurement;

Expected<std::uint16_t> class_id(const ConfigReader& reader, const Json& node,
                                 const std::string& path) {
  DLMSGW_TRY_ASSIGN(
      const auto value,
      reader.integer(node, path, 1, 65535, "a COSEM class id (1..65535, e.g. 3 for Register)"));
  return static_cast<std::uint16_t>(value);
}

Expected<std::int8_t> member_id(const ConfigReader& reader, const Json& node,
                                const std::string& path, const char* what) {
  DLMSGW_TRY_ASSIGN(const auto value, reader.integer(node, path, 1, 127, what));
  return static_cast<std::int8_t>(value);
}

constexpr const char* kAttributeWhat = "an attribute id (1..127; 2 is the value)";

// obis + classId (default by the OBIS rule) + attribute (default 2) of `node`.
Expected<xdlms::CosemAttributeDescriptor> explicit_descriptor(const ConfigReader& reader,
                                                              const Json& node,
                                                              const std::string& path) {
  xdlms::CosemAttributeDescriptor descriptor;
  DLMSGW_TRY_ASSIGN(descriptor.instance,
                    parse_obis(reader, node.at("obis"), ConfigReader::join(path, "obis")));
  descriptor.class_id = client::default_class_for(descriptor.instance);
  if (node.contains("classId")) {
    DLMSGW_TRY_ASSIGN(descriptor.class_id,
                      class_id(reader, node.at("classId"), ConfigReader::join(path, "classId")));
  }
  descriptor.attribute_id = 2;
  if (node.contains("attribute")) {
    DLMSGW_TRY_ASSIGN(descriptor.attribute_id,
                      member_id(reader, node.at("attribute"), ConfigReader::join(path, "attribute"),
                                kAttributeWhat));
  }
  return descriptor;
}

Error duplicate(const ConfigReader& reader, const std::string& path, const std::string& key,
                const char* list) {
  return reader.error(path, "\"" + key + "\" is used twice in " + list +
                                " (keys must be unique within a device's " + list + ")");
}

}  // namespace

Expected<ObisCode> parse_obis(const ConfigReader& reader, const Json& node,
                              const std::string& path) {
  DLMSGW_TRY_ASSIGN(const auto text, reader.text(node, path));
  auto obis = ObisCode::parse(text);
  if (!obis) {
    return reader.error(path, "\"" + text + "\" is not an OBIS code (write A-B:C.D.E, e.g. " +
                                  "1-0:32.7.0; " + obis.error().message + ")");
  }
  return *obis;
}

Error unknown_measurement(const ConfigReader& reader, const std::string& path,
                          const std::string& key) {
  std::string examples;
  std::size_t shown = 0;
  for (const Measurement& measurement : client::measurement_catalog()) {
    if (shown == 6) break;
    examples += (shown++ == 0 ? "" : ", ") + std::string(measurement.key);
  }
  return reader.error(path, "\"" + key + "\" is not a known measurement (use one of " + examples +
                                ", ... listed in docs/dlms-connector.md, or give its obis)");
}

Expected<Measurement> parse_measurement(const ConfigReader& reader, const Json& node,
                                        const std::string& path) {
  DLMSGW_TRY_ASSIGN(const auto key, reader.text(node, path));
  if (auto measurement = client::find_measurement(key)) return *measurement;
  return unknown_measurement(reader, path, key);
}

Expected<PointConfig> parse_point(ConfigReader& reader, const Json& node, const std::string& path,
                                  const PointDefaults& defaults) {
  DLMSGW_TRY(reader.expect_object(node, path, "key and obis, or a catalog measurement"));
  reader.check_keys(node, path,
                    {"key", "obis", "measurement", "classId", "attribute", "pollPeriod",
                     "multiplier", "divider", "round", "reportStrategy"});
  PointConfig point;
  point.poll_period = defaults.poll_period;
  point.report_strategy = defaults.report_strategy;
  if (node.contains("key")) {
    DLMSGW_TRY_ASSIGN(point.key, reader.name(node.at("key"), ConfigReader::join(path, "key")));
  }
  if (node.contains("obis")) {
    if (node.contains("measurement")) {
      return reader.error(ConfigReader::join(path, "measurement"),
                          "give obis or measurement, not both");
    }
    if (point.key.empty()) {
      return reader.error(ConfigReader::join(path, "key"),
                          "missing (the ThingsBoard key this value is published under)");
    }
    DLMSGW_TRY_ASSIGN(point.attribute, explicit_descriptor(reader, node, path));
  } else {
    // A catalog measurement: by "measurement", or by a key that is a catalog key.
    const bool by_measurement = node.contains("measurement");
    if (!by_measurement && point.key.empty()) {
      return reader.error(ConfigReader::join(path, "key"),
                          "missing (give key and obis, or a catalog key such as voltage_l1)");
    }
    const auto where = ConfigReader::join(path, by_measurement ? "measurement" : "key");
    std::string name = point.key;
    if (by_measurement) {
      DLMSGW_TRY_ASSIGN(name, reader.text(node.at("measurement"), where));
    }
    const auto measurement = client::find_measurement(name);
    if (!measurement) {
      if (!by_measurement) {
        return reader.error(
            ConfigReader::join(path, "obis"),
            "missing (\"" + name + "\" is not a catalog measurement, so its OBIS code is needed)");
      }
      return unknown_measurement(reader, where, name);
    }
    for (const char* key : {"classId", "attribute"}) {
      if (node.contains(key)) {
        return reader.error(ConfigReader::join(path, key),
                            "goes with obis (a catalog measurement has its own class and "
                            "attribute)");
      }
    }
    if (point.key.empty()) point.key = std::string(measurement->key);
    point.attribute = client::descriptor_for(*measurement, defaults.b_field);
  }
  if (node.contains("pollPeriod")) {
    DLMSGW_TRY_ASSIGN(point.poll_period,
                      reader.millis(node.at("pollPeriod"), ConfigReader::join(path, "pollPeriod")));
  }
  if (node.contains("multiplier")) {
    DLMSGW_TRY_ASSIGN(point.multiplier,
                      reader.number(node.at("multiplier"), ConfigReader::join(path, "multiplier")));
  }
  if (node.contains("divider")) {
    const auto where = ConfigReader::join(path, "divider");
    DLMSGW_TRY_ASSIGN(point.divider, reader.number(node.at("divider"), where));
    if (point.divider == 0) {
      return reader.error(where, "is 0 (a divider must be non-zero; 1 leaves the value as read)");
    }
  }
  if (node.contains("round")) {
    DLMSGW_TRY_ASSIGN(const auto places,
                      reader.integer(node.at("round"), ConfigReader::join(path, "round"), 0, 15,
                                     "a number of decimal places (0..15)"));
    point.round = static_cast<int>(places);
  }
  if (node.contains("reportStrategy")) {
    DLMSGW_TRY_ASSIGN(point.report_strategy,
                      parse_report_strategy(reader, node.at("reportStrategy"),
                                            ConfigReader::join(path, "reportStrategy")));
  }
  return point;
}

Expected<std::vector<PointConfig>> parse_points(ConfigReader& reader, const Json& node,
                                                const std::string& path,
                                                const PointDefaults& defaults) {
  if (!node.is_array()) return reader.error(path, "expected a list of {key, obis, ...} entries");
  std::vector<PointConfig> points;
  points.reserve(node.size());  // kept per meter for the process's life: no spare capacity
  std::set<std::string> keys;
  const std::string list = path.substr(path.rfind('.') + 1);
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto where = ConfigReader::index(path, i);
    DLMSGW_TRY_ASSIGN(auto point, parse_point(reader, node[i], where, defaults));
    if (!keys.insert(point.key).second) {
      return duplicate(reader, ConfigReader::join(where, "key"), point.key, list.c_str());
    }
    points.push_back(std::move(point));
  }
  return points;
}

Expected<std::vector<AttributeUpdateConfig>> parse_attribute_updates(ConfigReader& reader,
                                                                     const Json& node,
                                                                     const std::string& path) {
  if (!node.is_array()) return reader.error(path, "expected a list of {key, obis, ...} entries");
  std::vector<AttributeUpdateConfig> updates;
  std::set<std::string> keys;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto where = ConfigReader::index(path, i);
    const auto& entry = node[i];
    DLMSGW_TRY(reader.expect_object(entry, where, "key, obis, classId, attribute"));
    reader.check_keys(entry, where, {"key", "obis", "classId", "attribute"});
    AttributeUpdateConfig update;
    if (!entry.contains("key")) {
      return reader.error(ConfigReader::join(where, "key"),
                          "missing (the shared attribute's name in ThingsBoard)");
    }
    DLMSGW_TRY_ASSIGN(update.key, reader.name(entry.at("key"), ConfigReader::join(where, "key")));
    if (!entry.contains("obis")) {
      return reader.error(ConfigReader::join(where, "obis"),
                          "missing (the object written when the attribute changes)");
    }
    DLMSGW_TRY_ASSIGN(update.attribute, explicit_descriptor(reader, entry, where));
    if (!keys.insert(update.key).second) {
      return duplicate(reader, ConfigReader::join(where, "key"), update.key, "attributeUpdates");
    }
    updates.push_back(std::move(update));
  }
  return updates;
}

Expected<std::vector<RpcMethodConfig>> parse_rpc_methods(ConfigReader& reader, const Json& node,
                                                         const std::string& path) {
  if (!node.is_array()) return reader.error(path, "expected a list of {method, type, ...} entries");
  std::vector<RpcMethodConfig> methods;
  std::set<std::string> names;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const auto where = ConfigReader::index(path, i);
    const auto& entry = node[i];
    const auto at = [&](const char* key) { return ConfigReader::join(where, key); };
    DLMSGW_TRY(reader.expect_object(entry, where, "method, type, obis, ..."));
    reader.check_keys(
        entry, where,
        {"method", "type", "obis", "classId", "attribute", "methodId", "method_id", "value"});
    RpcMethodConfig rpc;
    if (!entry.contains("method")) {
      return reader.error(at("method"), "missing (the RPC method name ThingsBoard sends)");
    }
    DLMSGW_TRY_ASSIGN(rpc.method, reader.name(entry.at("method"), at("method")));
    if (!names.insert(rpc.method).second) {
      return reader.error(at("method"), "\"" + rpc.method +
                                            "\" is used twice (RPC method names must be unique "
                                            "within a device)");
    }
    const char* method_id_key = entry.contains("methodId") ? "methodId" : "method_id";
    const bool has_method_id = entry.contains(method_id_key);
    rpc.kind = has_method_id ? RpcKind::action : RpcKind::get;
    if (entry.contains("type")) {
      DLMSGW_TRY_ASSIGN(const auto type, reader.text(entry.at("type"), at("type")));
      if (type == "get") {
        rpc.kind = RpcKind::get;
      } else if (type == "set") {
        rpc.kind = RpcKind::set;
      } else if (type == "action") {
        rpc.kind = RpcKind::action;
      } else {
        return reader.error(at("type"), "\"" + type +
                                            "\" is not an RPC type (use get, set or "
                                            "action)");
      }
    }
    if (!entry.contains("obis")) {
      return reader.error(at("obis"), "missing (the object the RPC reads, writes or acts on)");
    }
    DLMSGW_TRY_ASSIGN(rpc.obis, parse_obis(reader, entry.at("obis"), at("obis")));
    if (rpc.kind == RpcKind::action) {
      if (!entry.contains("classId")) {
        return reader.error(at("classId"),
                            "missing (an action needs the object's class, e.g. 70 for "
                            "disconnect control)");
      }
      if (!has_method_id) {
        return reader.error(at("methodId"),
                            "missing (the method to invoke, e.g. 1 for "
                            "remote_disconnect)");
      }
      if (entry.contains("attribute")) {
        return reader.error(at("attribute"), "goes with get and set; an action has methodId");
      }
      DLMSGW_TRY_ASSIGN(rpc.id, member_id(reader, entry.at(method_id_key), at(method_id_key),
                                          "a method id (1..127)"));
    } else {
      if (has_method_id) {
        return reader.error(at(method_id_key), "goes with type action; get and set use attribute");
      }
      rpc.id = 2;
      if (entry.contains("attribute")) {
        DLMSGW_TRY_ASSIGN(
            rpc.id, member_id(reader, entry.at("attribute"), at("attribute"), kAttributeWhat));
      }
    }
    rpc.class_id = client::default_class_for(rpc.obis);
    if (entry.contains("classId")) {
      DLMSGW_TRY_ASSIGN(rpc.class_id, class_id(reader, entry.at("classId"), at("classId")));
    }
    if (entry.contains("value")) {
      if (rpc.kind == RpcKind::get) {
        reader.warn(at("value"), "a get sends no value, ignored");
      } else {
        rpc.value_json = entry.at("value").dump();
      }
    }
    methods.push_back(std::move(rpc));
  }
  return methods;
}

}  // namespace dlmsgw::connectors::dlms
