#pragma once
// ReadTarget: what `dlmsgw read` was asked to read, from its command-line form:
//   "voltage_l1"              a named measurement (measurement_catalog), B field as configured
//   "1-1:32.7.0"              an OBIS code; class and attribute by the rule below
//   "1-1:32.7.0:3:2"          OBIS:class:attribute, explicit
//   "1-1:32.7.0:3"            OBIS:class, attribute 2
//
// Default class when only an OBIS code is given (IEC 62056-6-1 value groups):
//   - 0-x:1.0.0 (the clock)                                 -> class 8 Clock
//   - A >= 1 (an energy type) and C = 1..92 (a measured quantity) and D a processing code
//     1..29 (averages, maxima, instantaneous, energies)   -> class 3 Register
//   - anything else (identifiers, C = 0 or 96..99, abstract objects) -> class 1 Data
// Attribute 2 (the value) in every case. When a meter models an object with another class, give
// it explicitly or look it up with `dlmsgw objects`.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"

namespace dlmsgw::client {

struct ReadTarget {
  std::string label;  // the key or the OBIS code as printed
  xdlms::CosemAttributeDescriptor attribute;
  bool class_defaulted = false;  // the class came from the rule, not from the user
};

std::uint16_t default_class_for(const ObisCode& obis);
Expected<ReadTarget> parse_read_target(std::string_view text, std::uint8_t b_field);

}  // namespace dlmsgw::client
