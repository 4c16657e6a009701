#include "dlms/xdlms/attribute_with_selection.hpp"

#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

// Class id (2) + logical name (6) + attribute id (1) + access-selection flag (1).
constexpr std::size_t kMinAttributeWithSelectionSize = 10;

}  // namespace

Expected<std::vector<AttributeWithSelection>> decode_attribute_list(ByteReader& reader) {
  DLMSGW_TRY_ASSIGN(const std::uint32_t count,
                    read_element_count(reader, "attribute-descriptor-list count",
                                       kMinAttributeWithSelectionSize));
  std::vector<AttributeWithSelection> attributes;
  for (std::uint32_t i = 0; i < count; ++i) {
    auto item = AttributeWithSelection::decode(reader);
    if (!item) return item.error().with_context("attribute " + std::to_string(i + 1));
    attributes.push_back(std::move(*item));
  }
  return attributes;
}

}  // namespace dlmsgw::xdlms
