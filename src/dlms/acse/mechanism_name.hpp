#pragma once
// MechanismName: the authentication mechanism of an association (Green Book, 2.16.756.5.8.2.N).
// LLS sends a password; the HLS levels exchange challenges and prove knowledge of a secret.

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::acse {

enum class MechanismName : std::uint8_t {
  none = 0,         // lowest level security: no authentication
  low = 1,          // LLS: password
  high = 2,         // HLS, manufacturer specific
  high_md5 = 3,     // HLS with MD5
  high_sha1 = 4,    // HLS with SHA-1
  high_gmac = 5,    // HLS with GMAC
  high_sha256 = 6,  // HLS with SHA-256
  high_ecdsa = 7,   // HLS with ECDSA
};

// "none", "LLS", "HLS", "HLS-MD5", "HLS-SHA1", "HLS-GMAC", "HLS-SHA256", "HLS-ECDSA".
std::string_view to_string(MechanismName name);

// The OID content octets, e.g. 60 85 74 05 08 02 01 for LLS.
Bytes encode_mechanism_name(MechanismName name);
// Only the eight DLMS UA mechanisms are accepted.
Expected<MechanismName> decode_mechanism_name(ByteView oid_content);

}  // namespace dlmsgw::acse
