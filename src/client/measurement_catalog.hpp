#pragma once
// The named measurements a connector or `dlmsgw read` may ask for by key ("voltage_l1"), with
// their OBIS codes and COSEM classes: the user's keys (reference/user-meter.md) and the usual
// three-phase set. Electricity measurements are listed with channel B = 0 (the standard) and take
// the B field the meter needs (the user's meter answers only B = 1); identification and clock
// objects keep their own codes.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dlms/obis/obis_code.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"

namespace dlmsgw::client {

struct Measurement {
  std::string_view key;          // "voltage_l1"
  ObisCode obis;                 // with B = 0 when `channel_dependent`
  std::uint16_t class_id;        // 3 Register, 1 Data, 8 Clock
  std::int8_t attribute;         // 2: the value
  bool channel_dependent;        // the B field follows the meter's channel
  std::string_view description;  // "L1 voltage, instantaneous"
};

inline constexpr std::uint8_t kStandardBField = 0;
inline constexpr std::uint8_t kUserMeterBField = 1;

std::span<const Measurement> measurement_catalog();
std::optional<Measurement> find_measurement(std::string_view key);
// The key of the catalog's measurement that `attribute` is, whatever the meter's B field:
// "active_energy" for class 3 1-0:1.8.0 and 1-1:1.8.0 attribute 2. None when it is not listed.
std::optional<std::string_view> catalog_key(const xdlms::CosemAttributeDescriptor& attribute);

// The attribute to read for `measurement` on a meter whose channel is `b_field`.
xdlms::CosemAttributeDescriptor descriptor_for(const Measurement& measurement,
                                               std::uint8_t b_field);

}  // namespace dlmsgw::client
