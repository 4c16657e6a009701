#include "dlms/acse/aare.hpp"

#include <algorithm>

#include "dlms/acse/acse_components.hpp"
#include "dlms/acse/ber_element.hpp"

namespace dlmsgw::acse {
namespace {

constexpr std::uint8_t kApplicationContextName = 0xA1;
constexpr std::uint8_t kResult = 0xA2;
constexpr std::uint8_t kResultSourceDiagnostic = 0xA3;
constexpr std::uint8_t kRespondingApTitle = 0xA4;
constexpr std::uint8_t kResponderAcseRequirements = 0x88;
constexpr std::uint8_t kMechanismName = 0x89;
constexpr std::uint8_t kRespondingAuthenticationValue = 0xAA;
constexpr std::uint8_t kUserInformation = 0xBE;
constexpr std::uint8_t kObjectIdentifier = 0x06;
constexpr std::uint8_t kServiceUser = 0xA1;      // acse-service-user [1]
constexpr std::uint8_t kServiceProvider = 0xA2;  // acse-service-provider [2]

Bytes encode_user_information_apdu(const AareUserInformation& user_information) {
  if (const auto* response = std::get_if<xdlms::InitiateResponse>(&user_information)) {
    return response->encode();
  }
  if (const auto* error = std::get_if<xdlms::ConfirmedServiceError>(&user_information)) {
    return error->encode();
  }
  return std::get<CipheredUserInformation>(user_information).apdu;
}

Expected<AareUserInformation> decode_user_information_apdu(ByteView apdu) {
  if (!apdu.empty() && apdu[0] == xdlms::kInitiateResponseTag) {
    auto response = xdlms::InitiateResponse::decode(apdu);
    if (!response) return response.error().with_context("AARE user-information");
    return AareUserInformation(*response);
  }
  if (!apdu.empty() && apdu[0] == xdlms::kConfirmedServiceErrorTag) {
    auto error = xdlms::ConfirmedServiceError::decode(apdu);
    if (!error) return error.error().with_context("AARE user-information");
    return AareUserInformation(*error);
  }
  return AareUserInformation(CipheredUserInformation{Bytes(apdu.begin(), apdu.end())});
}

Expected<ResultSourceDiagnostic> decode_diagnostic(ByteView content) {
  static constexpr std::string_view kWhat = "AARE result-source-diagnostic";
  ByteReader reader(content);
  DLMSGW_TRY_ASSIGN(const BerElement choice, read_ber_element(reader, kWhat));
  if (!reader.empty()) {
    return make_error(ErrorCode::malformed, std::string(kWhat) + ": " +
                                                std::to_string(reader.remaining()) +
                                                " unexpected byte(s) after the choice");
  }
  ResultSourceDiagnostic diagnostic;
  if (choice.tag == kServiceUser) {
    diagnostic.source = DiagnosticSource::acse_service_user;
  } else if (choice.tag == kServiceProvider) {
    diagnostic.source = DiagnosticSource::acse_service_provider;
  } else {
    return make_error(ErrorCode::malformed,
                      std::string(kWhat) + ": unknown choice tag " + std::to_string(choice.tag));
  }
  DLMSGW_TRY_ASSIGN(diagnostic.value, decode_explicit_integer(choice.value, kWhat));
  return diagnostic;
}

// "authentication-failure" -> "authentication failure", for sentences.
std::string as_words(std::string name) {
  std::replace(name.begin(), name.end(), '-', ' ');
  return name;
}

}  // namespace

Expected<Bytes> encode_aare(const AareParameters& parameters) {
  if (parameters.responding_ap_title &&
      parameters.responding_ap_title->size() != kSystemTitleSize) {
    return make_error(
        ErrorCode::invalid_argument,
        "AARE responding-AP-title: " + std::to_string(parameters.responding_ap_title->size()) +
            " bytes, a system title has 8");
  }
  ByteWriter content;
  content.put_bytes(
      ber_element(kApplicationContextName,
                  ber_element(kObjectIdentifier,
                              encode_application_context_name(parameters.application_context))));
  content.put_bytes(encode_explicit_integer(kResult, static_cast<std::uint8_t>(parameters.result)));
  const std::uint8_t source_tag =
      parameters.diagnostic.source == DiagnosticSource::acse_service_provider ? kServiceProvider
                                                                              : kServiceUser;
  content.put_bytes(ber_element(kResultSourceDiagnostic,
                                encode_explicit_integer(source_tag, parameters.diagnostic.value)));
  if (parameters.responding_ap_title) {
    content.put_bytes(encode_ap_title(kRespondingApTitle, *parameters.responding_ap_title));
  }
  if (parameters.mechanism) {
    content.put_bytes(encode_acse_requirements(kResponderAcseRequirements));
    content.put_bytes(ber_element(kMechanismName, encode_mechanism_name(*parameters.mechanism)));
  }
  if (parameters.responding_authentication_value) {
    content.put_bytes(encode_authentication_value(kRespondingAuthenticationValue,
                                                  *parameters.responding_authentication_value));
  }
  if (!std::holds_alternative<std::monostate>(parameters.user_information)) {
    content.put_bytes(
        encode_user_information(encode_user_information_apdu(parameters.user_information)));
  }
  return ber_element(kAareTag, content.bytes());
}

Expected<AareParameters> decode_aare(ByteView bytes) {
  DLMSGW_TRY_ASSIGN(const BerElement aare, read_only_ber_element(bytes, kAareTag, "AARE"));
  AareParameters parameters;
  bool has_context = false;
  bool has_result = false;
  bool has_diagnostic = false;
  ByteReader reader(aare.value);
  while (!reader.empty()) {
    DLMSGW_TRY_ASSIGN(const BerElement element, read_ber_element(reader, "AARE element"));
    switch (element.tag) {
      case kApplicationContextName: {
        DLMSGW_TRY_ASSIGN(const BerElement oid,
                          read_only_ber_element(element.value, kObjectIdentifier,
                                                "AARE application-context-name"));
        auto name = decode_application_context_name(oid.value);
        if (!name) return name.error().with_context("AARE");
        parameters.application_context = *name;
        has_context = true;
        break;
      }
      case kResult: {
        DLMSGW_TRY_ASSIGN(const std::uint8_t result,
                          decode_explicit_integer(element.value, "AARE result"));
        if (result > static_cast<std::uint8_t>(AssociationResult::rejected_transient)) {
          return make_error(ErrorCode::out_of_range,
                            "AARE result: " + std::to_string(result) + " is not 0, 1 or 2");
        }
        parameters.result = static_cast<AssociationResult>(result);
        has_result = true;
        break;
      }
      case kResultSourceDiagnostic: {
        DLMSGW_TRY_ASSIGN(parameters.diagnostic, decode_diagnostic(element.value));
        has_diagnostic = true;
        break;
      }
      case kRespondingApTitle: {
        DLMSGW_TRY_ASSIGN(parameters.responding_ap_title,
                          decode_ap_title(element.value, "AARE responding-AP-title"));
        break;
      }
      case kResponderAcseRequirements: {
        // Implied by the mechanism name; checked for well-formedness only.
        DLMSGW_TRY(decode_acse_requirements(element.value, "AARE responder-acse-requirements"));
        break;
      }
      case kMechanismName: {
        auto mechanism = decode_mechanism_name(element.value);
        if (!mechanism) return mechanism.error().with_context("AARE");
        parameters.mechanism = *mechanism;
        break;
      }
      case kRespondingAuthenticationValue: {
        DLMSGW_TRY_ASSIGN(
            parameters.responding_authentication_value,
            decode_authentication_value(element.value, "AARE responding-authentication-value"));
        break;
      }
      case kUserInformation: {
        DLMSGW_TRY_ASSIGN(const Bytes apdu,
                          decode_user_information(element.value, "AARE user-information"));
        DLMSGW_TRY_ASSIGN(parameters.user_information, decode_user_information_apdu(apdu));
        break;
      }
      default:
        break;  // protocol-version, AE qualifiers, invocation ids, implementation-information...
    }
  }
  if (!has_context) {
    return make_error(ErrorCode::malformed, "AARE: missing application-context-name");
  }
  if (!has_result) return make_error(ErrorCode::malformed, "AARE: missing result");
  if (!has_diagnostic) {
    return make_error(ErrorCode::malformed, "AARE: missing result-source-diagnostic");
  }
  return parameters;
}

std::string describe(const AareParameters& aare) {
  const std::string diagnostic =
      as_words(aare.diagnostic.name()) + " (" +
      (aare.diagnostic.source == DiagnosticSource::acse_service_provider ? "provider " : "") +
      "diagnostic " + std::to_string(aare.diagnostic.value) + ")";
  std::string text;
  if (aare.accepted()) {
    text = "AARE accepted (" + std::string(to_string(aare.application_context));
    if (aare.mechanism) text += ", " + std::string(to_string(*aare.mechanism));
    text += ")";
    if (!aare.diagnostic.is(AcseServiceUserDiagnostic::null)) text += ": " + diagnostic;
  } else {
    text = "AARE rejected";
    if (aare.result == AssociationResult::rejected_transient) text += " (transient)";
    text += ": " + diagnostic;
  }
  if (const auto* error = aare.confirmed_service_error()) text += "; " + error->to_string();
  return text;
}

Expected<void> require_accepted(const AareParameters& aare) {
  if (aare.accepted() && aare.confirmed_service_error() == nullptr) return {};
  return make_error(ErrorCode::rejected, describe(aare));
}

}  // namespace dlmsgw::acse
