#pragma once
// AARQ (A-ASSOCIATE request, [APPLICATION 0] = 0x60): what a client sends to open an application
// association. BER encoded; only the fields DLMS uses are modelled:
//
//   60 L  A1 application-context-name (OID)
//         A6 calling-AP-title (the client system title; ciphered contexts and HLS)
//         8A sender-acse-requirements (authentication bit)   } present together when a
//         8B mechanism-name (OID)                             } mechanism is given
//         AC calling-authentication-value (LLS password or HLS challenge CtoS)
//         BE user-information (the xDLMS InitiateRequest, plain or ciphered by the caller)
//
// The decoder (for the meter simulator) skips elements it does not model.

#include <optional>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/acse/application_context_name.hpp"
#include "dlms/acse/mechanism_name.hpp"

namespace dlmsgw::acse {

inline constexpr std::uint8_t kAarqTag = 0x60;

struct AarqParameters {
  ApplicationContextName application_context = ApplicationContextName::logical_name;
  // Exactly 8 bytes when present.
  std::optional<Bytes> calling_ap_title;
  // When present, sender-acse-requirements (authentication) and mechanism-name are sent.
  std::optional<MechanismName> mechanism;
  std::optional<Bytes> calling_authentication_value;
  // The xDLMS APDU bytes (InitiateRequest::encode() or its ciphered form), carried as they are.
  std::optional<Bytes> user_information;

  bool operator==(const AarqParameters&) const = default;
};

// `invalid_argument` if the calling-AP-title is not 8 bytes.
Expected<Bytes> encode_aarq(const AarqParameters& parameters);
Expected<AarqParameters> decode_aarq(ByteView bytes);

}  // namespace dlmsgw::acse
