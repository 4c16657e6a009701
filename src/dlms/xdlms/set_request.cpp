#include "dlms/xdlms/set_request.hpp"

#include "dlms/axdr/axdr_length.hpp"
#include "dlms/axdr/data_codec.hpp"
#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

void put_header(ByteWriter& writer, std::uint8_t choice, InvokeIdAndPriority invoke) {
  writer.put_u8(kSetRequestTag);
  writer.put_u8(choice);
  encode_invoke_id(writer, invoke);
}

Expected<axdr::Data> decode_value(ByteReader& reader, std::string_view what) {
  auto value = axdr::decode_data(reader);
  if (!value) return value.error().with_context(what);
  return value;
}

Expected<SetRequestNormal> decode_normal(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetRequestTag, SetRequestNormal::kChoice));
  SetRequestNormal request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.attribute, CosemAttributeDescriptor::decode(reader));
  DLMSGW_TRY_ASSIGN(request.access, decode_optional_access(reader));
  DLMSGW_TRY_ASSIGN(request.value, decode_value(reader, "value"));
  DLMSGW_TRY(require_end(reader));
  return request;
}

Expected<SetRequestWithFirstDatablock> decode_with_first_datablock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetRequestTag, SetRequestWithFirstDatablock::kChoice));
  SetRequestWithFirstDatablock request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.attribute, CosemAttributeDescriptor::decode(reader));
  DLMSGW_TRY_ASSIGN(request.access, decode_optional_access(reader));
  DLMSGW_TRY_ASSIGN(request.block, DataBlockSa::decode(reader));
  DLMSGW_TRY(require_end(reader));
  return request;
}

Expected<SetRequestWithDatablock> decode_with_datablock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetRequestTag, SetRequestWithDatablock::kChoice));
  SetRequestWithDatablock request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.block, DataBlockSa::decode(reader));
  DLMSGW_TRY(require_end(reader));
  return request;
}

Expected<SetRequestWithList> decode_with_list(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetRequestTag, SetRequestWithList::kChoice));
  SetRequestWithList request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.attributes, decode_attribute_list(reader));
  DLMSGW_TRY_ASSIGN(const std::uint32_t value_count,
                    read_element_count(reader, "value-list count", 1));
  if (value_count != request.attributes.size()) {
    return make_error(ErrorCode::malformed, std::to_string(request.attributes.size()) +
                                                " attribute(s) but " + std::to_string(value_count) +
                                                " value(s)");
  }
  for (std::uint32_t i = 0; i < value_count; ++i) {
    DLMSGW_TRY_ASSIGN(auto value, decode_value(reader, "value " + std::to_string(i + 1)));
    request.values.push_back(std::move(value));
  }
  DLMSGW_TRY(require_end(reader));
  return request;
}

}  // namespace

Bytes SetRequestNormal::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  attribute.encode(writer);
  encode_optional_access(writer, access);
  axdr::encode_data(writer, value);
  return writer.take();
}

Expected<SetRequestNormal> SetRequestNormal::decode(ByteView bytes) {
  return in_context(decode_normal(bytes), "Set-Request-Normal");
}

Bytes SetRequestWithFirstDatablock::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  attribute.encode(writer);
  encode_optional_access(writer, access);
  block.encode(writer);
  return writer.take();
}

Expected<SetRequestWithFirstDatablock> SetRequestWithFirstDatablock::decode(ByteView bytes) {
  return in_context(decode_with_first_datablock(bytes), "Set-Request-With-First-Datablock");
}

Bytes SetRequestWithDatablock::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  block.encode(writer);
  return writer.take();
}

Expected<SetRequestWithDatablock> SetRequestWithDatablock::decode(ByteView bytes) {
  return in_context(decode_with_datablock(bytes), "Set-Request-With-Datablock");
}

Bytes SetRequestWithList::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  axdr::encode_length(writer, static_cast<std::uint32_t>(attributes.size()));
  for (const auto& item : attributes) item.encode(writer);
  axdr::encode_length(writer, static_cast<std::uint32_t>(values.size()));
  for (const auto& value : values) axdr::encode_data(writer, value);
  return writer.take();
}

Expected<SetRequestWithList> SetRequestWithList::decode(ByteView bytes) {
  return in_context(decode_with_list(bytes), "Set-Request-With-List");
}

}  // namespace dlmsgw::xdlms
