#include "dlms/xdlms/action_response.hpp"

#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

Expected<ActionResponseNormal> decode_normal(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kActionResponseTag, ActionResponseNormal::kChoice));
  ActionResponseNormal response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(const std::uint8_t result, reader.read_u8("action-result"));
  response.result = static_cast<ActionResult>(result);
  DLMSGW_TRY_ASSIGN(const std::uint8_t present, reader.read_u8("return-parameters presence"));
  if (present > 1) {
    return make_error(ErrorCode::malformed, "return-parameters presence byte " +
                                                std::to_string(present) + ", expected 0 or 1");
  }
  if (present == 1) {
    auto parameters = decode_get_data_result(reader);
    if (!parameters) return parameters.error().with_context("return-parameters");
    response.return_parameters = std::move(*parameters);
  }
  DLMSGW_TRY(require_end(reader));
  return response;
}

Expected<ActionResponseNextPblock> decode_next_pblock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kActionResponseTag, ActionResponseNextPblock::kChoice));
  ActionResponseNextPblock response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(response.block_number, reader.read_u32_be("block-number"));
  DLMSGW_TRY(require_end(reader));
  return response;
}

}  // namespace

Bytes ActionResponseNormal::encode() const {
  ByteWriter writer;
  writer.put_u8(kActionResponseTag);
  writer.put_u8(kChoice);
  encode_invoke_id(writer, invoke);
  writer.put_u8(static_cast<std::uint8_t>(result));
  if (return_parameters) {
    writer.put_u8(0x01);
    encode_get_data_result(writer, *return_parameters);
  } else {
    writer.put_u8(0x00);
  }
  return writer.take();
}

Expected<ActionResponseNormal> ActionResponseNormal::decode(ByteView bytes) {
  return in_context(decode_normal(bytes), "Action-Response-Normal");
}

Bytes ActionResponseNextPblock::encode() const {
  ByteWriter writer;
  writer.put_u8(kActionResponseTag);
  writer.put_u8(kChoice);
  encode_invoke_id(writer, invoke);
  writer.put_u32_be(block_number);
  return writer.take();
}

Expected<ActionResponseNextPblock> ActionResponseNextPblock::decode(ByteView bytes) {
  return in_context(decode_next_pblock(bytes), "Action-Response-Next-Pblock");
}

}  // namespace dlmsgw::xdlms
