#include "dlms/xdlms/exception_response.hpp"

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "dlms/xdlms/service_header.hpp"

namespace dlmsgw::xdlms {
namespace {

std::string unknown(std::uint8_t value) {
  return "unknown (" + std::to_string(value) + ")";
}

std::string numbered(std::string name, std::uint8_t value) {
  if (name.starts_with("unknown")) return name;
  return name + " (" + std::to_string(value) + ")";
}

Expected<ExceptionResponse> decode_exception(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY_ASSIGN(const std::uint8_t tag, reader.read_u8("APDU tag"));
  if (tag != kExceptionResponseTag) {
    return make_error(ErrorCode::malformed, "tag " + std::to_string(tag) + ", expected 0xD8");
  }
  ExceptionResponse response;
  DLMSGW_TRY_ASSIGN(const std::uint8_t state, reader.read_u8("state-error"));
  response.state_error = static_cast<StateError>(state);
  DLMSGW_TRY_ASSIGN(const std::uint8_t service, reader.read_u8("service-error"));
  response.service_error = static_cast<ServiceError>(service);
  if (response.service_error == ServiceError::invocation_counter_error && !reader.empty()) {
    DLMSGW_TRY_ASSIGN(response.invocation_counter, reader.read_u32_be("invocation counter"));
  }
  DLMSGW_TRY(require_end(reader));
  return response;
}

}  // namespace

std::string to_string(StateError error) {
  switch (error) {
    case StateError::service_not_allowed:
      return "service-not-allowed";
    case StateError::service_unknown:
      return "service-unknown";
  }
  return unknown(static_cast<std::uint8_t>(error));
}

std::string to_string(ServiceError error) {
  switch (error) {
    case ServiceError::operation_not_possible:
      return "operation-not-possible";
    case ServiceError::service_not_supported:
      return "service-not-supported";
    case ServiceError::other_reason:
      return "other-reason";
    case ServiceError::pdu_too_long:
      return "pdu-too-long";
    case ServiceError::deciphering_error:
      return "deciphering-error";
    case ServiceError::invocation_counter_error:
      return "invocation-counter-error";
  }
  return unknown(static_cast<std::uint8_t>(error));
}

std::string ExceptionResponse::to_string() const {
  std::string text =
      numbered(xdlms::to_string(state_error), static_cast<std::uint8_t>(state_error)) + ", " +
      numbered(xdlms::to_string(service_error), static_cast<std::uint8_t>(service_error));
  if (invocation_counter) {
    text += ", expected invocation counter " + std::to_string(*invocation_counter);
  }
  return text;
}

Bytes ExceptionResponse::encode() const {
  ByteWriter writer;
  writer.put_u8(kExceptionResponseTag);
  writer.put_u8(static_cast<std::uint8_t>(state_error));
  writer.put_u8(static_cast<std::uint8_t>(service_error));
  if (service_error == ServiceError::invocation_counter_error && invocation_counter) {
    writer.put_u32_be(*invocation_counter);
  }
  return writer.take();
}

Expected<ExceptionResponse> ExceptionResponse::decode(ByteView bytes) {
  return in_context(decode_exception(bytes), "ExceptionResponse");
}

}  // namespace dlmsgw::xdlms
