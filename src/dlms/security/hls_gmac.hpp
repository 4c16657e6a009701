#pragma once
// HLS authentication mechanism 5 (HLS-GMAC), passes 3 and 4 of the association (Green Book,
// "HLS authentication mechanisms"). Each side proves it holds the keys by returning
//   f(challenge) = SC || IC || T,   T = GMAC over SC || AK || challenge
// with the GCM IV = its own system title || IC and SC = 0x10 | suite (authentication only).
// The client sends f(StoC) in the reply_to_HLS_authentication ACTION and checks the server's
// f(CtoS) in the ACTION response.

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/security/invocation_counter.hpp"
#include "dlms/security/security_keys.hpp"
#include "dlms/security/system_title.hpp"

namespace dlmsgw::security {

// SC (1) + IC (4) + tag (12).
inline constexpr std::size_t kHlsGmacResponseSize = 17;

// Our f(challenge) for the peer's `challenge` (8..64 bytes, else `out_of_range`), made with our own
// title and the invocation counter we are about to use (the caller advances it afterwards).
Expected<Bytes> hls_gmac_response(ByteView challenge, const SystemTitle& own_system_title,
                                  InvocationCounter invocation_counter, const SecurityKeys& keys);

// Checks the peer's f(`own_challenge`), computed with the peer's title. Returns the peer's
// invocation counter (for the replay guard). Wrong size or a security control without
// authentication is `malformed`; a wrong tag is `checksum`.
Expected<InvocationCounter> verify_hls_gmac_response(ByteView response, ByteView own_challenge,
                                                     const SystemTitle& peer_system_title,
                                                     const SecurityKeys& keys);

}  // namespace dlmsgw::security
