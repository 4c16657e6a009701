#include "dlms/xdlms/get_request.hpp"

#include "dlms/axdr/axdr_length.hpp"
#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

void put_header(ByteWriter& writer, std::uint8_t choice, InvokeIdAndPriority invoke) {
  writer.put_u8(kGetRequestTag);
  writer.put_u8(choice);
  encode_invoke_id(writer, invoke);
}

Expected<GetRequestNormal> decode_normal(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kGetRequestTag, GetRequestNormal::kChoice));
  GetRequestNormal request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.attribute, CosemAttributeDescriptor::decode(reader));
  DLMSGW_TRY_ASSIGN(request.access, decode_optional_access(reader));
  DLMSGW_TRY(require_end(reader));
  return request;
}

Expected<GetRequestNext> decode_next(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kGetRequestTag, GetRequestNext::kChoice));
  GetRequestNext request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.block_number, reader.read_u32_be("block-number"));
  DLMSGW_TRY(require_end(reader));
  return request;
}

Expected<GetRequestWithList> decode_with_list(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kGetRequestTag, GetRequestWithList::kChoice));
  GetRequestWithList request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.attributes, decode_attribute_list(reader));
  DLMSGW_TRY(require_end(reader));
  return request;
}

}  // namespace

Bytes GetRequestNormal::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  attribute.encode(writer);
  encode_optional_access(writer, access);
  return writer.take();
}

Expected<GetRequestNormal> GetRequestNormal::decode(ByteView bytes) {
  return in_context(decode_normal(bytes), "Get-Request-Normal");
}

Bytes GetRequestNext::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  writer.put_u32_be(block_number);
  return writer.take();
}

Expected<GetRequestNext> GetRequestNext::decode(ByteView bytes) {
  return in_context(decode_next(bytes), "Get-Request-Next");
}

Bytes GetRequestWithList::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  axdr::encode_length(writer, static_cast<std::uint32_t>(attributes.size()));
  for (const auto& item : attributes) item.encode(writer);
  return writer.take();
}

Expected<GetRequestWithList> GetRequestWithList::decode(ByteView bytes) {
  return in_context(decode_with_list(bytes), "Get-Request-With-List");
}

}  // namespace dlmsgw::xdlms
