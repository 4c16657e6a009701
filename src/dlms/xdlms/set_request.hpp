#pragma once
// Set-Request (tag 0xC1, Green Book xDLMS LN services), the forms this library writes and reads:
//
//   normal    [1]  invoke-id-and-priority, Cosem-Attribute-Descriptor, access-selection OPTIONAL,
//                  value Data
//   with-first-datablock [2]  invoke-id-and-priority, Cosem-Attribute-Descriptor,
//                  access-selection OPTIONAL, datablock DataBlock-SA (block 1)
//   with-datablock [3]  invoke-id-and-priority, datablock DataBlock-SA (blocks 2 and on)
//   with-list [4]  invoke-id-and-priority, SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection,
//                  value-list SEQUENCE OF Data (one value per attribute)
//
// The datablock forms carry a value too long for one PDU (long octet strings, calendars, images):
// see data_block_sa.hpp. with-list-and-first-datablock [5] is not implemented and decode_apdu
// reports it as unsupported.

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/axdr/data.hpp"
#include "dlms/xdlms/attribute_with_selection.hpp"
#include "dlms/xdlms/data_block_sa.hpp"
#include "dlms/xdlms/invoke_id_and_priority.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kSetRequestTag = 0xC1;

struct SetRequestNormal {
  static constexpr std::uint8_t kChoice = 1;
  InvokeIdAndPriority invoke;
  CosemAttributeDescriptor attribute;
  std::optional<SelectiveAccess> access;
  axdr::Data value;

  [[nodiscard]] Bytes encode() const;
  static Expected<SetRequestNormal> decode(ByteView bytes);
  bool operator==(const SetRequestNormal&) const = default;
};

struct SetRequestWithFirstDatablock {
  static constexpr std::uint8_t kChoice = 2;
  InvokeIdAndPriority invoke;
  CosemAttributeDescriptor attribute;
  std::optional<SelectiveAccess> access;
  DataBlockSa block;

  [[nodiscard]] Bytes encode() const;
  static Expected<SetRequestWithFirstDatablock> decode(ByteView bytes);
  bool operator==(const SetRequestWithFirstDatablock&) const = default;
};

struct SetRequestWithDatablock {
  static constexpr std::uint8_t kChoice = 3;
  InvokeIdAndPriority invoke;
  DataBlockSa block;

  [[nodiscard]] Bytes encode() const;
  static Expected<SetRequestWithDatablock> decode(ByteView bytes);
  bool operator==(const SetRequestWithDatablock&) const = default;
};

struct SetRequestWithList {
  static constexpr std::uint8_t kChoice = 4;
  InvokeIdAndPriority invoke;
  std::vector<AttributeWithSelection> attributes;
  axdr::DataList values;  // decode refuses a count different from attributes'

  [[nodiscard]] Bytes encode() const;
  static Expected<SetRequestWithList> decode(ByteView bytes);
  bool operator==(const SetRequestWithList&) const = default;
};

}  // namespace dlmsgw::xdlms
