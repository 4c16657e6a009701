#include "client/measurement_catalog.hpp"

#include <array>

namespace dlmsgw::client {
namespace {

constexpr Measurement reg(std::string_view key, std::uint8_t c, std::uint8_t d,
                          std::string_view description) {
  return {key, ObisCode(1, 0, c, d, 0), 3, 2, true, description};
}

// IEC 62056-6-1 value groups: C = quantity (1 +P, 2 -P, 3 +Q, 4 -Q, 9 +S, 13 PF, 14 f, 21/41/61
// +P per phase, 31/51/71 current, 32/52/72 voltage, 33/53/73 PF per phase, 91 neutral current),
// D = processing (7 instantaneous, 8 time integral 1 = energy).
constexpr std::array kCatalog{
    // The user's keys.
    reg("voltage_l1", 32, 7, "L1 voltage, instantaneous"),
    reg("voltage_l2", 52, 7, "L2 voltage, instantaneous"),
    reg("voltage_l3", 72, 7, "L3 voltage, instantaneous"),
    reg("current_l1", 31, 7, "L1 current, instantaneous"),
    reg("current_l2", 51, 7, "L2 current, instantaneous"),
    reg("current_l3", 71, 7, "L3 current, instantaneous"),
    reg("frequency", 14, 7, "supply frequency"),
    reg("active_power", 1, 7, "active power import (+P), instantaneous"),
    reg("active_energy", 1, 8, "active energy import (+A)"),
    reg("reactive_power", 3, 7, "reactive power import (+Q), instantaneous"),
    reg("apparent_power", 9, 7, "apparent power import (+S), instantaneous"),
    reg("power_factor", 13, 7, "power factor, instantaneous"),
    reg("reactive_energy", 3, 8, "reactive energy import (+R)"),
    Measurement{"serial_number", ObisCode(1, 0, 0, 0, 0), 1, 2, false,
                "meter serial number (device ID 1)"},
    Measurement{"clock", ObisCode(0, 0, 1, 0, 0), 8, 2, false, "meter clock"},
    // The usual three-phase set.
    reg("active_power_export", 2, 7, "active power export (-P), instantaneous"),
    reg("active_energy_export", 2, 8, "active energy export (-A)"),
    reg("reactive_power_export", 4, 7, "reactive power export (-Q), instantaneous"),
    reg("reactive_energy_export", 4, 8, "reactive energy export (-R)"),
    reg("apparent_energy", 9, 8, "apparent energy import (+S)"),
    reg("active_power_l1", 21, 7, "L1 active power import, instantaneous"),
    reg("active_power_l2", 41, 7, "L2 active power import, instantaneous"),
    reg("active_power_l3", 61, 7, "L3 active power import, instantaneous"),
    reg("power_factor_l1", 33, 7, "L1 power factor, instantaneous"),
    reg("power_factor_l2", 53, 7, "L2 power factor, instantaneous"),
    reg("power_factor_l3", 73, 7, "L3 power factor, instantaneous"),
    reg("current_neutral", 91, 7, "neutral current, instantaneous"),
    Measurement{"device_id", ObisCode(0, 0, 96, 1, 0), 1, 2, false, "device ID (serial number)"},
};

}  // namespace

std::span<const Measurement> measurement_catalog() {
  return kCatalog;
}

std::optional<Measurement> find_measurement(std::string_view key) {
  for (const Measurement& measurement : kCatalog) {
    if (measurement.key == key) return measurement;
  }
  return std::nullopt;
}

std::optional<std::string_view> catalog_key(const xdlms::CosemAttributeDescriptor& attribute) {
  for (const Measurement& measurement : kCatalog) {
    if (measurement.class_id != attribute.class_id ||
        measurement.attribute != attribute.attribute_id) {
      continue;
    }
    const ObisCode code = measurement.channel_dependent
                              ? attribute.instance.with_b(measurement.obis.b())
                              : attribute.instance;
    if (code == measurement.obis) return measurement.key;
  }
  return std::nullopt;
}

xdlms::CosemAttributeDescriptor descriptor_for(const Measurement& measurement,
                                               std::uint8_t b_field) {
  const ObisCode obis =
      measurement.channel_dependent ? measurement.obis.with_b(b_field) : measurement.obis;
  return {measurement.class_id, obis, measurement.attribute};
}

}  // namespace dlmsgw::client
