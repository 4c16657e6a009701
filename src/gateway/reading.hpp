#pragma once
// What connectors hand to the gateway core: a device's values acquired at one moment (telemetry) or
// its client attributes. The core knows nothing of where they came from (DLMS, Modbus, ...).

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace dlmsgw::gateway {

// Acquisition time, milliseconds since the Unix epoch: ThingsBoard's "ts".
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// The value types ThingsBoard stores: boolean, long, double, string.
using TelemetryValue = std::variant<bool, std::int64_t, double, std::string>;

struct DataPoint {
  std::string key;
  TelemetryValue value;
  bool operator==(const DataPoint&) const = default;
};

// One device's values read at `ts`; becomes {"<device>":[{"ts":..,"values":{..}}]} on
// v1/gateway/telemetry.
struct Reading {
  std::string device;
  Timestamp ts;
  std::vector<DataPoint> values;
  bool operator==(const Reading&) const = default;
};

// Client-side attributes of a device; becomes {"<device>":{..}} on v1/gateway/attributes.
struct AttributeSet {
  std::string device;
  std::vector<DataPoint> values;
  bool operator==(const AttributeSet&) const = default;
};

}  // namespace dlmsgw::gateway
