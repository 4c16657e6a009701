#pragma once
// The addresses of LN-referencing services (Green Book, "Cosem-Attribute-Descriptor" and
// "Cosem-Method-Descriptor"): class id (Unsigned16), instance id (the OBIS code, six octets with no
// length) and attribute or method id (Integer8). A-XDR: 9 bytes, e.g. 00 03 01 01 20 07 00 FF 02
// for the value of register 1-1:32.7.0.

#include <cstdint>
#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/expected.hpp"
#include "dlms/obis/obis_code.hpp"

namespace dlmsgw::xdlms {

struct CosemAttributeDescriptor {
  std::uint16_t class_id = 0;
  ObisCode instance;
  std::int8_t attribute_id = 0;

  void encode(ByteWriter& writer) const;
  static Expected<CosemAttributeDescriptor> decode(ByteReader& reader);
  // "class 3 1-1:32.7.0 attribute 2".
  [[nodiscard]] std::string to_string() const;
  bool operator==(const CosemAttributeDescriptor&) const = default;
};

struct CosemMethodDescriptor {
  std::uint16_t class_id = 0;
  ObisCode instance;
  std::int8_t method_id = 0;

  void encode(ByteWriter& writer) const;
  static Expected<CosemMethodDescriptor> decode(ByteReader& reader);
  // "class 70 0-0:96.3.10 method 1".
  [[nodiscard]] std::string to_string() const;
  bool operator==(const CosemMethodDescriptor&) const = default;
};

}  // namespace dlmsgw::xdlms
