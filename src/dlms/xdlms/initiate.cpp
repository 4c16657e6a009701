#include "dlms/xdlms/initiate.hpp"

#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/hex.hpp"
#include "dlms/axdr/axdr_length.hpp"

namespace dlmsgw::xdlms {
namespace {

// Presence byte of an OPTIONAL or DEFAULT component: 0 or 1, anything else is malformed.
Expected<bool> read_presence(ByteReader& reader, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t flag, reader.read_u8(what));
  if (flag > 1) {
    return make_error(ErrorCode::malformed, std::string(what) + ": presence flag " +
                                                std::to_string(flag) + ", expected 0 or 1");
  }
  return flag == 1;
}

Expected<std::optional<std::int8_t>> read_quality_of_service(ByteReader& reader,
                                                             std::string_view what) {
  DLMSGW_TRY_ASSIGN(const bool present, read_presence(reader, what));
  if (!present) return std::optional<std::int8_t>{};
  DLMSGW_TRY_ASSIGN(const std::uint8_t value, reader.read_u8(what));
  return std::optional<std::int8_t>{static_cast<std::int8_t>(value)};
}

void write_quality_of_service(ByteWriter& writer, const std::optional<std::int8_t>& qos) {
  if (!qos) {
    writer.put_u8(0);
    return;
  }
  writer.put_u8(1);
  writer.put_u8(static_cast<std::uint8_t>(*qos));
}

Expected<void> expect_tag(ByteReader& reader, std::uint8_t expected, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t tag, reader.read_u8(std::string(what) + " tag"));
  if (tag != expected) {
    return make_error(ErrorCode::malformed, std::string(what) + ": tag " + to_hex_literal(tag) +
                                                ", expected " + to_hex_literal(expected));
  }
  return {};
}

Expected<void> expect_end(const ByteReader& reader, std::string_view what) {
  if (reader.empty()) return {};
  return make_error(ErrorCode::malformed, std::string(what) + ": " +
                                              std::to_string(reader.remaining()) +
                                              " unexpected byte(s) after the end");
}

}  // namespace

Bytes InitiateRequest::encode() const {
  ByteWriter writer;
  writer.put_u8(kInitiateRequestTag);
  if (dedicated_key) {
    writer.put_u8(1);
    axdr::encode_length(writer, static_cast<std::uint32_t>(dedicated_key->size()));
    writer.put_bytes(*dedicated_key);
  } else {
    writer.put_u8(0);
  }
  if (response_allowed) {
    writer.put_u8(0);  // DEFAULT TRUE: leave it out
  } else {
    writer.put_u8(1);
    writer.put_u8(0);
  }
  write_quality_of_service(writer, proposed_quality_of_service);
  writer.put_u8(proposed_dlms_version);
  proposed_conformance.encode(writer);
  writer.put_u16_be(client_max_receive_pdu_size);
  return writer.take();
}

Expected<InitiateRequest> InitiateRequest::decode(ByteView bytes) {
  static constexpr std::string_view kWhat = "InitiateRequest";
  ByteReader reader(bytes);
  InitiateRequest request;
  DLMSGW_TRY(expect_tag(reader, kInitiateRequestTag, kWhat));
  DLMSGW_TRY_ASSIGN(const bool has_key,
                    read_presence(reader, "InitiateRequest dedicated-key presence"));
  if (has_key) {
    DLMSGW_TRY_ASSIGN(const std::uint32_t key_length,
                      axdr::decode_length(reader, "InitiateRequest dedicated-key length"));
    DLMSGW_TRY_ASSIGN(const ByteView key,
                      reader.read_bytes(key_length, "InitiateRequest dedicated-key"));
    request.dedicated_key = Bytes(key.begin(), key.end());
  }
  DLMSGW_TRY_ASSIGN(const bool has_response_allowed,
                    read_presence(reader, "InitiateRequest response-allowed presence"));
  if (has_response_allowed) {
    DLMSGW_TRY_ASSIGN(const std::uint8_t allowed,
                      reader.read_u8("InitiateRequest response-allowed"));
    request.response_allowed = allowed != 0;
  }
  DLMSGW_TRY_ASSIGN(request.proposed_quality_of_service,
                    read_quality_of_service(reader, "InitiateRequest proposed-quality-of-service"));
  DLMSGW_TRY_ASSIGN(request.proposed_dlms_version,
                    reader.read_u8("InitiateRequest proposed-dlms-version-number"));
  auto conformance = Conformance::decode(reader);
  if (!conformance) return conformance.error().with_context(kWhat);
  request.proposed_conformance = *conformance;
  DLMSGW_TRY_ASSIGN(request.client_max_receive_pdu_size,
                    reader.read_u16_be("InitiateRequest client-max-receive-pdu-size"));
  DLMSGW_TRY(expect_end(reader, kWhat));
  return request;
}

Bytes InitiateResponse::encode() const {
  ByteWriter writer;
  writer.put_u8(kInitiateResponseTag);
  write_quality_of_service(writer, negotiated_quality_of_service);
  writer.put_u8(negotiated_dlms_version);
  negotiated_conformance.encode(writer);
  writer.put_u16_be(server_max_receive_pdu_size);
  writer.put_u16_be(vaa_name);
  return writer.take();
}

Expected<InitiateResponse> InitiateResponse::decode(ByteView bytes) {
  static constexpr std::string_view kWhat = "InitiateResponse";
  ByteReader reader(bytes);
  InitiateResponse response;
  DLMSGW_TRY(expect_tag(reader, kInitiateResponseTag, kWhat));
  DLMSGW_TRY_ASSIGN(
      response.negotiated_quality_of_service,
      read_quality_of_service(reader, "InitiateResponse negotiated-quality-of-service"));
  DLMSGW_TRY_ASSIGN(response.negotiated_dlms_version,
                    reader.read_u8("InitiateResponse negotiated-dlms-version-number"));
  auto conformance = Conformance::decode(reader);
  if (!conformance) return conformance.error().with_context(kWhat);
  response.negotiated_conformance = *conformance;
  DLMSGW_TRY_ASSIGN(response.server_max_receive_pdu_size,
                    reader.read_u16_be("InitiateResponse server-max-receive-pdu-size"));
  DLMSGW_TRY_ASSIGN(response.vaa_name, reader.read_u16_be("InitiateResponse vaa-name"));
  DLMSGW_TRY(expect_end(reader, kWhat));
  return response;
}

}  // namespace dlmsgw::xdlms
