#pragma once
// The outcome an AARE reports: the result (accepted or rejected) and the result-source-diagnostic
// saying who decided and why (ISO 8650 / IEC 62056-5-3 "Associate-result" and
// "Associate-source-diagnostic"). Diagnostic 14 (authentication-required) with an accepted result
// is the normal first step of HLS, not a failure.

#include <cstdint>
#include <string>
#include <string_view>

namespace dlmsgw::acse {

enum class AssociationResult : std::uint8_t {
  accepted = 0,
  rejected_permanent = 1,
  rejected_transient = 2,
};

// "accepted", "rejected-permanent", "rejected-transient".
std::string_view to_string(AssociationResult result);

enum class DiagnosticSource : std::uint8_t {
  acse_service_user = 1,      // [1]: the peer application refused (password, context, ...)
  acse_service_provider = 2,  // [2]: the ACSE itself refused
};

// Values of acse-service-user (the usual source).
enum class AcseServiceUserDiagnostic : std::uint8_t {
  null = 0,
  no_reason_given = 1,
  application_context_name_not_supported = 2,
  calling_ap_title_not_recognized = 3,
  calling_ap_invocation_identifier_not_recognized = 4,
  calling_ae_qualifier_not_recognized = 5,
  calling_ae_invocation_identifier_not_recognized = 6,
  called_ap_title_not_recognized = 7,
  called_ap_invocation_identifier_not_recognized = 8,
  called_ae_qualifier_not_recognized = 9,
  called_ae_invocation_identifier_not_recognized = 10,
  authentication_mechanism_name_not_recognised = 11,
  authentication_mechanism_name_required = 12,
  authentication_failure = 13,
  authentication_required = 14,
};

// Values of acse-service-provider.
enum class AcseServiceProviderDiagnostic : std::uint8_t {
  null = 0,
  no_reason_given = 1,
  no_common_acse_version = 2,
};

struct ResultSourceDiagnostic {
  DiagnosticSource source = DiagnosticSource::acse_service_user;
  std::uint8_t value = 0;  // unknown values are kept, not rejected

  static ResultSourceDiagnostic user(AcseServiceUserDiagnostic diagnostic) {
    return {DiagnosticSource::acse_service_user, static_cast<std::uint8_t>(diagnostic)};
  }
  static ResultSourceDiagnostic provider(AcseServiceProviderDiagnostic diagnostic) {
    return {DiagnosticSource::acse_service_provider, static_cast<std::uint8_t>(diagnostic)};
  }
  [[nodiscard]] bool is(AcseServiceUserDiagnostic diagnostic) const {
    return source == DiagnosticSource::acse_service_user &&
           value == static_cast<std::uint8_t>(diagnostic);
  }

  // The ASN.1 name, e.g. "authentication-failure"; "unknown diagnostic N" when undefined.
  [[nodiscard]] std::string name() const;

  bool operator==(const ResultSourceDiagnostic&) const = default;
};

}  // namespace dlmsgw::acse
