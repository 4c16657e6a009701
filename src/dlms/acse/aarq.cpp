#include "dlms/acse/aarq.hpp"

#include <string>

#include "dlms/acse/acse_components.hpp"
#include "dlms/acse/ber_element.hpp"

namespace dlmsgw::acse {
namespace {

constexpr std::uint8_t kApplicationContextName = 0xA1;
constexpr std::uint8_t kCallingApTitle = 0xA6;
constexpr std::uint8_t kSenderAcseRequirements = 0x8A;
constexpr std::uint8_t kMechanismName = 0x8B;
constexpr std::uint8_t kCallingAuthenticationValue = 0xAC;
constexpr std::uint8_t kUserInformation = 0xBE;
constexpr std::uint8_t kObjectIdentifier = 0x06;

}  // namespace

Expected<Bytes> encode_aarq(const AarqParameters& parameters) {
  if (parameters.calling_ap_title && parameters.calling_ap_title->size() != kSystemTitleSize) {
    return make_error(
        ErrorCode::invalid_argument,
        "AARQ calling-AP-title: " + std::to_string(parameters.calling_ap_title->size()) +
            " bytes, a system title has 8");
  }
  ByteWriter content;
  content.put_bytes(
      ber_element(kApplicationContextName,
                  ber_element(kObjectIdentifier,
                              encode_application_context_name(parameters.application_context))));
  if (parameters.calling_ap_title) {
    content.put_bytes(encode_ap_title(kCallingApTitle, *parameters.calling_ap_title));
  }
  if (parameters.mechanism) {
    content.put_bytes(encode_acse_requirements(kSenderAcseRequirements));
    content.put_bytes(ber_element(kMechanismName, encode_mechanism_name(*parameters.mechanism)));
  }
  if (parameters.calling_authentication_value) {
    content.put_bytes(encode_authentication_value(kCallingAuthenticationValue,
                                                  *parameters.calling_authentication_value));
  }
  if (parameters.user_information) {
    content.put_bytes(encode_user_information(*parameters.user_information));
  }
  return ber_element(kAarqTag, content.bytes());
}

Expected<AarqParameters> decode_aarq(ByteView bytes) {
  DLMSGW_TRY_ASSIGN(const BerElement aarq, read_only_ber_element(bytes, kAarqTag, "AARQ"));
  AarqParameters parameters;
  bool has_context = false;
  ByteReader reader(aarq.value);
  while (!reader.empty()) {
    DLMSGW_TRY_ASSIGN(const BerElement element, read_ber_element(reader, "AARQ element"));
    switch (element.tag) {
      case kApplicationContextName: {
        DLMSGW_TRY_ASSIGN(const BerElement oid,
                          read_only_ber_element(element.value, kObjectIdentifier,
                                                "AARQ application-context-name"));
        auto name = decode_application_context_name(oid.value);
        if (!name) return name.error().with_context("AARQ");
        parameters.application_context = *name;
        has_context = true;
        break;
      }
      case kCallingApTitle: {
        DLMSGW_TRY_ASSIGN(parameters.calling_ap_title,
                          decode_ap_title(element.value, "AARQ calling-AP-title"));
        break;
      }
      case kSenderAcseRequirements: {
        // Implied by the mechanism name; checked for well-formedness only.
        DLMSGW_TRY(decode_acse_requirements(element.value, "AARQ sender-acse-requirements"));
        break;
      }
      case kMechanismName: {
        auto mechanism = decode_mechanism_name(element.value);
        if (!mechanism) return mechanism.error().with_context("AARQ");
        parameters.mechanism = *mechanism;
        break;
      }
      case kCallingAuthenticationValue: {
        DLMSGW_TRY_ASSIGN(
            parameters.calling_authentication_value,
            decode_authentication_value(element.value, "AARQ calling-authentication-value"));
        break;
      }
      case kUserInformation: {
        DLMSGW_TRY_ASSIGN(parameters.user_information,
                          decode_user_information(element.value, "AARQ user-information"));
        break;
      }
      default:
        break;  // protocol-version, called-AP-title, implementation-information, ...: not used
    }
  }
  if (!has_context) {
    return make_error(ErrorCode::malformed, "AARQ: missing application-context-name");
  }
  return parameters;
}

}  // namespace dlmsgw::acse
