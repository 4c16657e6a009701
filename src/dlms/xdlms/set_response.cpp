#include "dlms/xdlms/set_response.hpp"

#include "dlms/axdr/axdr_length.hpp"
#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

void put_header(ByteWriter& writer, std::uint8_t choice, InvokeIdAndPriority invoke) {
  writer.put_u8(kSetResponseTag);
  writer.put_u8(choice);
  encode_invoke_id(writer, invoke);
}

Expected<SetResponseNormal> decode_normal(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetResponseTag, SetResponseNormal::kChoice));
  SetResponseNormal response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(const std::uint8_t result, reader.read_u8("data-access-result"));
  response.result = static_cast<DataAccessResult>(result);
  DLMSGW_TRY(require_end(reader));
  return response;
}

Expected<SetResponseDatablock> decode_datablock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetResponseTag, SetResponseDatablock::kChoice));
  SetResponseDatablock response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(response.block_number, reader.read_u32_be("block-number"));
  DLMSGW_TRY(require_end(reader));
  return response;
}

Expected<SetResponseLastDatablock> decode_last_datablock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetResponseTag, SetResponseLastDatablock::kChoice));
  SetResponseLastDatablock response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(const std::uint8_t result, reader.read_u8("data-access-result"));
  response.result = static_cast<DataAccessResult>(result);
  DLMSGW_TRY_ASSIGN(response.block_number, reader.read_u32_be("block-number"));
  DLMSGW_TRY(require_end(reader));
  return response;
}

Expected<SetResponseWithList> decode_with_list(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kSetResponseTag, SetResponseWithList::kChoice));
  SetResponseWithList response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(const std::uint32_t count, read_element_count(reader, "result count", 1));
  for (std::uint32_t i = 0; i < count; ++i) {
    DLMSGW_TRY_ASSIGN(const std::uint8_t result, reader.read_u8("data-access-result"));
    response.results.push_back(static_cast<DataAccessResult>(result));
  }
  DLMSGW_TRY(require_end(reader));
  return response;
}

}  // namespace

Bytes SetResponseNormal::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  writer.put_u8(static_cast<std::uint8_t>(result));
  return writer.take();
}

Expected<SetResponseNormal> SetResponseNormal::decode(ByteView bytes) {
  return in_context(decode_normal(bytes), "Set-Response-Normal");
}

Bytes SetResponseDatablock::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  writer.put_u32_be(block_number);
  return writer.take();
}

Expected<SetResponseDatablock> SetResponseDatablock::decode(ByteView bytes) {
  return in_context(decode_datablock(bytes), "Set-Response-Datablock");
}

Bytes SetResponseLastDatablock::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  writer.put_u8(static_cast<std::uint8_t>(result));
  writer.put_u32_be(block_number);
  return writer.take();
}

Expected<SetResponseLastDatablock> SetResponseLastDatablock::decode(ByteView bytes) {
  return in_context(decode_last_datablock(bytes), "Set-Response-Last-Datablock");
}

Bytes SetResponseWithList::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  axdr::encode_length(writer, static_cast<std::uint32_t>(results.size()));
  for (const auto result : results) writer.put_u8(static_cast<std::uint8_t>(result));
  return writer.take();
}

Expected<SetResponseWithList> SetResponseWithList::decode(ByteView bytes) {
  return in_context(decode_with_list(bytes), "Set-Response-With-List");
}

}  // namespace dlmsgw::xdlms
