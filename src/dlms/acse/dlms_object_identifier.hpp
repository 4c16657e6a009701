#pragma once
// The DLMS UA object identifiers used by the ACSE: {joint-iso-ccitt(2) country(16)
// country-name(756) identified-organization(5) DLMS-UA(8) kind id}, where kind is 1 for application
// context names and 2 for authentication mechanism names (Green Book, "COSEM application context /
// mechanism names"). Encoded as the 7 content octets 60 85 74 05 08 kind id.

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::acse {

enum class DlmsObjectKind : std::uint8_t {
  application_context = 1,
  authentication_mechanism = 2,
};

// The 7 content octets of the OID (no tag, no length).
Bytes encode_dlms_object_identifier(DlmsObjectKind kind, std::uint8_t id);
// The last arc of a DLMS UA OID of `kind`; any other OID is an `unsupported` error naming `what`.
Expected<std::uint8_t> decode_dlms_object_identifier(ByteView content, DlmsObjectKind kind,
                                                     std::string_view what);

}  // namespace dlmsgw::acse
