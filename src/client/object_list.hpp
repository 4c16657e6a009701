#pragma once
// The object list of an Association LN (class 15, attribute 2): every object the association can
// see, with its class, version, logical name and access rights (Blue Book 4.4.3):
//
//   object_list_element ::= structure { class_id long-unsigned, version unsigned,
//     logical_name octet-string, access_rights structure {
//       attribute_access array of structure { attribute_id integer, access_mode enum,
//                                             access_selectors array of integer | null-data },
//       method_access array of structure { method_id integer, access_mode enum | boolean } } }
//
// Version 0 of the class sends method access as a boolean; both forms are read.

#include <cstdint>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/obis/obis_code.hpp"

namespace dlmsgw::client {

struct AttributeAccess {
  std::int8_t attribute_id = 0;
  std::uint8_t access_mode = 0;  // 0 none, 1 read, 2 write, 3 read-write, 4..6 authenticated
  bool operator==(const AttributeAccess&) const = default;
};

struct MethodAccess {
  std::int8_t method_id = 0;
  std::uint8_t access_mode = 0;  // 0 none, 1 access, 2 authenticated access
  bool operator==(const MethodAccess&) const = default;
};

struct ObjectListEntry {
  std::uint16_t class_id = 0;
  std::uint8_t version = 0;
  ObisCode logical_name;
  std::vector<AttributeAccess> attributes;
  std::vector<MethodAccess> methods;
  bool operator==(const ObjectListEntry&) const = default;
};

Expected<std::vector<ObjectListEntry>> decode_object_list(const axdr::Data& data);
// The inverse, for tests and the simulator.
axdr::Data encode_object_list(const std::vector<ObjectListEntry>& entries);

// "-", "R", "W", "RW", "aR", "aW", "aRW" (a = authenticated); "?N" for undefined modes.
std::string attribute_access_symbol(std::uint8_t mode);
// "-", "X", "aX".
std::string method_access_symbol(std::uint8_t mode);
// "1:R 2:RW 3:R; m1:X": the access rights in one column.
std::string describe_access(const ObjectListEntry& entry);

}  // namespace dlmsgw::client
