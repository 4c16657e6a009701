#pragma once
// Get-Request (tag 0xC0, Green Book xDLMS LN services):
//
//   normal    [1]  invoke-id-and-priority, Cosem-Attribute-Descriptor, access-selection OPTIONAL
//   next      [2]  invoke-id-and-priority, block-number Unsigned32   (asks for the next block)
//   with-list [3]  invoke-id-and-priority, SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection
//
// Each form encodes to a whole APDU and decodes from one; the whole buffer must be the APDU.

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/xdlms/attribute_with_selection.hpp"
#include "dlms/xdlms/invoke_id_and_priority.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kGetRequestTag = 0xC0;

struct GetRequestNormal {
  static constexpr std::uint8_t kChoice = 1;
  InvokeIdAndPriority invoke;
  CosemAttributeDescriptor attribute;
  std::optional<SelectiveAccess> access;

  [[nodiscard]] Bytes encode() const;
  static Expected<GetRequestNormal> decode(ByteView bytes);
  bool operator==(const GetRequestNormal&) const = default;
};

struct GetRequestNext {
  static constexpr std::uint8_t kChoice = 2;
  InvokeIdAndPriority invoke;
  std::uint32_t block_number = 0;  // the last block received

  [[nodiscard]] Bytes encode() const;
  static Expected<GetRequestNext> decode(ByteView bytes);
  bool operator==(const GetRequestNext&) const = default;
};

struct GetRequestWithList {
  static constexpr std::uint8_t kChoice = 3;
  InvokeIdAndPriority invoke;
  std::vector<AttributeWithSelection> attributes;

  [[nodiscard]] Bytes encode() const;
  static Expected<GetRequestWithList> decode(ByteView bytes);
  bool operator==(const GetRequestWithList&) const = default;
};

}  // namespace dlmsgw::xdlms
