#pragma once
// The lists of a device in the full form: timeseries[] and attributes[] (PointConfig),
// attributeUpdates[] and rpc[], plus the OBIS and catalog look-ups the simple form uses too.

#include <cstdint>
#include <string>
#include <vector>

#include "client/measurement_catalog.hpp"
#include "connectors/dlms/config_reader.hpp"
#include "connectors/dlms/config_sections.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"

namespace dlmsgw::connectors::dlms {

// What a point takes when it does not say: the device's settings.
struct PointDefaults {
  Milliseconds poll_period{5'000};
  ReportStrategy report_strategy;
  std::uint8_t b_field = client::kStandardBField;
};

Expected<ObisCode> parse_obis(const ConfigReader& reader, const Json& node,
                              const std::string& path);

// A catalog key ("voltage_l1"), or an error listing a few valid keys.
Expected<client::Measurement> parse_measurement(const ConfigReader& reader, const Json& node,
                                                const std::string& path);
Error unknown_measurement(const ConfigReader& reader, const std::string& path,
                          const std::string& key);

// One timeseries[]/attributes[] entry: {key, obis, classId, attribute, ...} or a catalog
// measurement ({"key": "voltage_l1"} or {"measurement": "voltage_l1", "key": "v1"}).
Expected<PointConfig> parse_point(ConfigReader& reader, const Json& node, const std::string& path,
                                  const PointDefaults& defaults);
// A list of them; keys must be unique within the list.
Expected<std::vector<PointConfig>> parse_points(ConfigReader& reader, const Json& node,
                                                const std::string& path,
                                                const PointDefaults& defaults);

Expected<std::vector<AttributeUpdateConfig>> parse_attribute_updates(ConfigReader& reader,
                                                                     const Json& node,
                                                                     const std::string& path);
Expected<std::vector<RpcMethodConfig>> parse_rpc_methods(ConfigReader& reader, const Json& node,
                                                         const std::string& path);

}  // namespace dlmsgw::connectors::dlms
