#include "dlms/xdlms/get_response.hpp"

#include "dlms/axdr/axdr_length.hpp"
#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

constexpr std::uint8_t kRawDataChoice = 0;
constexpr std::uint8_t kDataAccessResultChoice = 1;

void put_header(ByteWriter& writer, std::uint8_t choice, InvokeIdAndPriority invoke) {
  writer.put_u8(kGetResponseTag);
  writer.put_u8(choice);
  encode_invoke_id(writer, invoke);
}

Expected<GetResponseNormal> decode_normal(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kGetResponseTag, GetResponseNormal::kChoice));
  GetResponseNormal response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(response.result, decode_get_data_result(reader));
  DLMSGW_TRY(require_end(reader));
  return response;
}

Expected<GetResponseWithDatablock> decode_with_datablock(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kGetResponseTag, GetResponseWithDatablock::kChoice));
  GetResponseWithDatablock response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(const std::uint8_t last, reader.read_u8("last-block"));
  if (last > 1) {
    return make_error(ErrorCode::malformed,
                      "last-block " + std::to_string(last) + " is not a BOOLEAN (0 or 1)");
  }
  response.last_block = last == 1;
  DLMSGW_TRY_ASSIGN(response.block_number, reader.read_u32_be("block-number"));
  DLMSGW_TRY_ASSIGN(const std::uint8_t choice, reader.read_u8("DataBlock-G result choice"));
  if (choice == kRawDataChoice) {
    DLMSGW_TRY_ASSIGN(const std::uint32_t length, axdr::decode_length(reader, "raw-data length"));
    DLMSGW_TRY_ASSIGN(const ByteView raw, reader.read_bytes(length, "raw-data"));
    response.result = Bytes(raw.begin(), raw.end());
  } else if (choice == kDataAccessResultChoice) {
    DLMSGW_TRY_ASSIGN(const std::uint8_t value, reader.read_u8("data-access-result"));
    response.result = static_cast<DataAccessResult>(value);
  } else {
    return make_error(ErrorCode::malformed,
                      "DataBlock-G result choice " + std::to_string(choice) + ", expected 0 or 1");
  }
  DLMSGW_TRY(require_end(reader));
  return response;
}

Expected<GetResponseWithList> decode_with_list(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY(read_service_header(reader, kGetResponseTag, GetResponseWithList::kChoice));
  GetResponseWithList response;
  DLMSGW_TRY_ASSIGN(response.invoke, decode_invoke_id(reader));
  DLMSGW_TRY_ASSIGN(response.results, decode_get_data_results(reader));
  DLMSGW_TRY(require_end(reader));
  return response;
}

}  // namespace

Bytes GetResponseNormal::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  encode_get_data_result(writer, result);
  return writer.take();
}

Expected<GetResponseNormal> GetResponseNormal::decode(ByteView bytes) {
  return in_context(decode_normal(bytes), "Get-Response-Normal");
}

Bytes GetResponseWithDatablock::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  writer.put_u8(last_block ? 1 : 0);
  writer.put_u32_be(block_number);
  if (const auto* raw = std::get_if<Bytes>(&result)) {
    writer.put_u8(kRawDataChoice);
    axdr::encode_length(writer, static_cast<std::uint32_t>(raw->size()));
    writer.put_bytes(*raw);
  } else {
    writer.put_u8(kDataAccessResultChoice);
    writer.put_u8(static_cast<std::uint8_t>(std::get<DataAccessResult>(result)));
  }
  return writer.take();
}

Expected<GetResponseWithDatablock> GetResponseWithDatablock::decode(ByteView bytes) {
  return in_context(decode_with_datablock(bytes), "Get-Response-With-Datablock");
}

Bytes GetResponseWithList::encode() const {
  ByteWriter writer;
  put_header(writer, kChoice, invoke);
  encode_get_data_results(writer, results);
  return writer.take();
}

Expected<GetResponseWithList> GetResponseWithList::decode(ByteView bytes) {
  return in_context(decode_with_list(bytes), "Get-Response-With-List");
}

}  // namespace dlmsgw::xdlms
