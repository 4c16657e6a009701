#pragma once
// AARE (A-ASSOCIATE response, [APPLICATION 1] = 0x61): the server's answer to an AARQ.
//
//   61 L  A1 application-context-name   A2 result   A3 result-source-diagnostic
//         A4 responding-AP-title (server system title)
//         88 responder-acse-requirements } present together when a mechanism is given
//         89 mechanism-name             }
//         AA responding-authentication-value (HLS challenge StoC)
//         BE user-information: InitiateResponse, ConfirmedServiceError, or a ciphered APDU
//
// A rejecting AARE may have no user-information at all. Elements not modelled are skipped.

#include <optional>
#include <string>
#include <variant>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/acse/application_context_name.hpp"
#include "dlms/acse/association_result.hpp"
#include "dlms/acse/mechanism_name.hpp"
#include "dlms/xdlms/confirmed_service_error.hpp"
#include "dlms/xdlms/initiate.hpp"

namespace dlmsgw::acse {

inline constexpr std::uint8_t kAareTag = 0x61;

// Any xDLMS APDU in the user-information other than a plain InitiateResponse or
// ConfirmedServiceError (in practice a glo-/ded-/general-ciphered InitiateResponse), returned as
// it came for the security layer to decipher.
struct CipheredUserInformation {
  Bytes apdu;
  bool operator==(const CipheredUserInformation&) const = default;
};

using AareUserInformation =
    std::variant<std::monostate,  // no user-information element
                 xdlms::InitiateResponse, xdlms::ConfirmedServiceError, CipheredUserInformation>;

struct AareParameters {
  ApplicationContextName application_context = ApplicationContextName::logical_name;
  AssociationResult result = AssociationResult::accepted;
  ResultSourceDiagnostic diagnostic;
  std::optional<Bytes> responding_ap_title;  // exactly 8 bytes when encoding
  // When present, responder-acse-requirements (authentication) and mechanism-name are sent.
  std::optional<MechanismName> mechanism;
  std::optional<Bytes> responding_authentication_value;
  AareUserInformation user_information;

  [[nodiscard]] bool accepted() const { return result == AssociationResult::accepted; }
  [[nodiscard]] const xdlms::InitiateResponse* initiate_response() const {
    return std::get_if<xdlms::InitiateResponse>(&user_information);
  }
  [[nodiscard]] const xdlms::ConfirmedServiceError* confirmed_service_error() const {
    return std::get_if<xdlms::ConfirmedServiceError>(&user_information);
  }

  bool operator==(const AareParameters&) const = default;
};

// `invalid_argument` if the responding-AP-title is not 8 bytes.
Expected<Bytes> encode_aare(const AareParameters& parameters);
// application-context-name, result and result-source-diagnostic are required; a result other than
// 0..2 or a malformed InitiateResponse/ConfirmedServiceError is an error.
Expected<AareParameters> decode_aare(ByteView bytes);

// One line for logs and errors: "AARE accepted (LN, LLS)",
// "AARE rejected: authentication failure (diagnostic 13)",
// "AARE rejected: no reason given (diagnostic 1); initiateError: initiate: dlms-version-too-low
// (1)".
std::string describe(const AareParameters& aare);

// Success when the association is usable: accepted and not carrying a ConfirmedServiceError.
// Otherwise a `rejected` error whose message is describe(aare).
Expected<void> require_accepted(const AareParameters& aare);

}  // namespace dlmsgw::acse
