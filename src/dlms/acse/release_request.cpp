#include "dlms/acse/release_request.hpp"

#include "dlms/acse/acse_components.hpp"
#include "dlms/acse/ber_element.hpp"

namespace dlmsgw::acse {
namespace {

constexpr std::uint8_t kReason = 0x80;
constexpr std::uint8_t kUserInformation = 0xBE;

}  // namespace

std::string_view to_string(ReleaseRequestReason reason) {
  switch (reason) {
    case ReleaseRequestReason::normal:
      return "normal";
    case ReleaseRequestReason::urgent:
      return "urgent";
    case ReleaseRequestReason::user_defined:
      return "user-defined";
  }
  return "unknown";
}

Bytes encode_rlrq(const RlrqParameters& parameters) {
  ByteWriter content;
  if (parameters.reason) {
    content.put_bytes(
        encode_implicit_integer(kReason, static_cast<std::uint8_t>(*parameters.reason)));
  }
  if (parameters.user_information) {
    content.put_bytes(encode_user_information(*parameters.user_information));
  }
  return ber_element(kRlrqTag, content.bytes());
}

Expected<RlrqParameters> decode_rlrq(ByteView bytes) {
  DLMSGW_TRY_ASSIGN(const BerElement rlrq, read_only_ber_element(bytes, kRlrqTag, "RLRQ"));
  RlrqParameters parameters;
  parameters.reason.reset();
  ByteReader reader(rlrq.value);
  while (!reader.empty()) {
    DLMSGW_TRY_ASSIGN(const BerElement element, read_ber_element(reader, "RLRQ element"));
    if (element.tag == kReason) {
      DLMSGW_TRY_ASSIGN(const std::uint8_t reason,
                        decode_implicit_integer(element.value, "RLRQ reason"));
      parameters.reason = static_cast<ReleaseRequestReason>(reason);
    } else if (element.tag == kUserInformation) {
      DLMSGW_TRY_ASSIGN(parameters.user_information,
                        decode_user_information(element.value, "RLRQ user-information"));
    }
  }
  return parameters;
}

}  // namespace dlmsgw::acse
