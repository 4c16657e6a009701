#include "dlms/xdlms/action_request.hpp"

#include "dlms/axdr/data_codec.hpp"
#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

Expected<ActionRequestNormal> decode_normal(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kActionRequestTag, ActionRequestNormal::kChoice));
  ActionRequestNormal request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.method, CosemMethodDescriptor::decode(reader));
  DLMSGW_TRY_ASSIGN(const std::uint8_t present,
                    reader.read_u8("method-invocation-parameters presence"));
  if (present > 1) {
    return make_error(ErrorCode::malformed, "method-invocation-parameters presence byte " +
                                                std::to_string(present) + ", expected 0 or 1");
  }
  if (present == 1) {
    auto parameters = axdr::decode_data(reader);
    if (!parameters) return parameters.error().with_context("method-invocation-parameters");
    request.parameters = std::move(*parameters);
  }
  DLMSGW_TRY(require_end(reader));
  return request;
}

Expected<ActionRequestWithFirstPblock> decode_with_first_pblock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kActionRequestTag, ActionRequestWithFirstPblock::kChoice));
  ActionRequestWithFirstPblock request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.method, CosemMethodDescriptor::decode(reader));
  DLMSGW_TRY_ASSIGN(request.block, DataBlockSa::decode(reader));
  DLMSGW_TRY(require_end(reader));
  return request;
}

Expected<ActionRequestWithPblock> decode_with_pblock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kActionRequestTag, ActionRequestWithPblock::kChoice));
  ActionRequestWithPblock request;
  DLMSGW_TRY_ASSIGN(request.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(request.block, DataBlockSa::decode(reader));
  DLMSGW_TRY(require_end(reader));
  return request;
}

void put_header(ByteWriter& writer, std::uint8_t choice, InvokeIdAndPriority invoke) {
  writer.put_u8(kActionRequestTag);
  writer.put_u8(choice);
  encode_invoke_id(writer, invoke);
}

}  // namespace

Bytes ActionRequestNormal::encode() const {
  ByteWriter writer;
  writer.put_u8(kActionRequestTag);
  writer.put_u8(kChoice);
  encode_invoke_id(writer, invoke);
  method.encode(writer);
  if (parameters) {
    writer.put_u8(0x01);
    axdr::encode_data(writer, *parameters);
  } else {
    writer.put_u8(0x00);
  }
  return writer.take();
}

Expected<ActionRequestNormal> ActionRequestNormal::decode(ByteView bytes) {
  return in_context(decode_normal(bytes), "Action-Request-Normal");
}

Bytes ActionRequestWithFirstPblock::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  method.encode(writer);
  block.encode(writer);
  return writer.take();
}

Expected<ActionRequestWithFirstPblock> ActionRequestWithFirstPblock::decode(ByteView bytes) {
  return in_context(decode_with_first_pblock(bytes), "Action-Request-With-First-Pblock");
}

Bytes ActionRequestWithPblock::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  block.encode(writer);
  return writer.take();
}

Expected<ActionRequestWithPblock> ActionRequestWithPblock::decode(ByteView bytes) {
  return in_context(decode_with_pblock(bytes), "Action-Request-With-Pblock");
}

}  // namespace dlmsgw::xdlms
