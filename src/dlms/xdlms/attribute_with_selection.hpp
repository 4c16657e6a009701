#pragma once
// Cosem-Attribute-Descriptor-With-Selection (Green Book): one element of the GET and SET with-list
// requests, an attribute address and its optional selective access.

#include <optional>
#include <string>
#include <vector>

#include "dlms/xdlms/cosem_descriptor.hpp"
#include "dlms/xdlms/selective_access.hpp"

namespace dlmsgw::xdlms {

struct AttributeWithSelection {
  CosemAttributeDescriptor attribute;
  std::optional<SelectiveAccess> access;

  void encode(ByteWriter& writer) const {
    attribute.encode(writer);
    encode_optional_access(writer, access);
  }
  static Expected<AttributeWithSelection> decode(ByteReader& reader) {
    AttributeWithSelection item;
    DLMSGW_TRY_ASSIGN(item.attribute, CosemAttributeDescriptor::decode(reader));
    DLMSGW_TRY_ASSIGN(item.access, decode_optional_access(reader));
    return item;
  }
  // "class 7 1-0:99.1.0 attribute 2, range_descriptor ...".
  [[nodiscard]] std::string to_string() const {
    return access ? attribute.to_string() + ", " + access->to_string() : attribute.to_string();
  }
  bool operator==(const AttributeWithSelection&) const = default;
};

// The attribute-descriptor-list of GET and SET with-list requests: a count, then the items. A count
// that the bytes left cannot hold is refused before anything is read.
Expected<std::vector<AttributeWithSelection>> decode_attribute_list(ByteReader& reader);

}  // namespace dlmsgw::xdlms
