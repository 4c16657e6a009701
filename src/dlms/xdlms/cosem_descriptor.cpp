#include "dlms/xdlms/cosem_descriptor.hpp"

namespace dlmsgw::xdlms {
namespace {

void encode_address(ByteWriter& writer, std::uint16_t class_id, const ObisCode& instance,
                    std::int8_t member_id) {
  writer.put_u16_be(class_id);
  writer.put_bytes(instance.groups());
  writer.put_u8(static_cast<std::uint8_t>(member_id));
}

std::string describe_address(std::uint16_t class_id, const ObisCode& instance,
                             std::string_view member, std::int8_t member_id) {
  return "class " + std::to_string(class_id) + " " + instance.to_string() + " " +
         std::string(member) + " " + std::to_string(member_id);
}

}  // namespace

void CosemAttributeDescriptor::encode(ByteWriter& writer) const {
  encode_address(writer, class_id, instance, attribute_id);
}

Expected<CosemAttributeDescriptor> CosemAttributeDescriptor::decode(ByteReader& reader) {
  CosemAttributeDescriptor descriptor;
  DLMSGW_TRY_ASSIGN(descriptor.class_id, reader.read_u16_be("attribute descriptor class id"));
  DLMSGW_TRY_ASSIGN(const ByteView instance, reader.read_bytes(6, "attribute descriptor instance"));
  DLMSGW_TRY_ASSIGN(descriptor.instance, ObisCode::from_bytes(instance));
  DLMSGW_TRY_ASSIGN(const std::uint8_t id, reader.read_u8("attribute descriptor attribute id"));
  descriptor.attribute_id = static_cast<std::int8_t>(id);
  return descriptor;
}

std::string CosemAttributeDescriptor::to_string() const {
  return describe_address(class_id, instance, "attribute", attribute_id);
}

void CosemMethodDescriptor::encode(ByteWriter& writer) const {
  encode_address(writer, class_id, instance, method_id);
}

Expected<CosemMethodDescriptor> CosemMethodDescriptor::decode(ByteReader& reader) {
  CosemMethodDescriptor descriptor;
  DLMSGW_TRY_ASSIGN(descriptor.class_id, reader.read_u16_be("method descriptor class id"));
  DLMSGW_TRY_ASSIGN(const ByteView instance, reader.read_bytes(6, "method descriptor instance"));
  DLMSGW_TRY_ASSIGN(descriptor.instance, ObisCode::from_bytes(instance));
  DLMSGW_TRY_ASSIGN(const std::uint8_t id, reader.read_u8("method descriptor method id"));
  descriptor.method_id = static_cast<std::int8_t>(id);
  return descriptor;
}

std::string CosemMethodDescriptor::to_string() const {
  return describe_address(class_id, instance, "method", method_id);
}

}  // namespace dlmsgw::xdlms
