#include "dlms/security/hls_gmac.hpp"

#include <openssl/crypto.h>

#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/hex.hpp"
#include "dlms/security/aes_gcm.hpp"
#include "dlms/security/authentication_challenge.hpp"
#include "dlms/security/security_control.hpp"

namespace dlmsgw::security {
namespace {

Expected<GcmTag> gmac(SecurityControl security_control, ByteView challenge,
                      const SystemTitle& sender_title, InvocationCounter invocation_counter,
                      const SecurityKeys& keys) {
  ByteWriter aad;
  aad.put_u8(security_control.byte());
  aad.put_bytes(keys.authentication_key.bytes());
  aad.put_bytes(challenge);
  DLMSGW_TRY_ASSIGN(const GcmSealed sealed,
                    aes_gcm_encrypt(keys.block_key, make_gcm_iv(sender_title, invocation_counter),
                                    aad.bytes(), ByteView{}));
  return sealed.tag;
}

}  // namespace

Expected<Bytes> hls_gmac_response(ByteView challenge, const SystemTitle& own_system_title,
                                  InvocationCounter invocation_counter, const SecurityKeys& keys) {
  DLMSGW_TRY(check_challenge(challenge, "HLS-GMAC: peer challenge"));
  const SecurityControl security_control =
      SecurityControl::from_policy(SecurityPolicy::authenticated);
  DLMSGW_TRY_ASSIGN(const GcmTag tag,
                    gmac(security_control, challenge, own_system_title, invocation_counter, keys));
  ByteWriter out;
  out.put_u8(security_control.byte());
  out.put_u32_be(invocation_counter.value());
  out.put_bytes(tag);
  return out.take();
}

Expected<InvocationCounter> verify_hls_gmac_response(ByteView response, ByteView own_challenge,
                                                     const SystemTitle& peer_system_title,
                                                     const SecurityKeys& keys) {
  if (response.size() != kHlsGmacResponseSize) {
    return make_error(ErrorCode::malformed, "HLS-GMAC: peer response has " +
                                                std::to_string(response.size()) +
                                                " byte(s), expected 17 (SC || IC || 12-byte tag)");
  }
  DLMSGW_TRY(check_challenge(own_challenge, "HLS-GMAC: own challenge"));
  ByteReader reader(response);
  const SecurityControl security_control(*reader.read_u8());
  const InvocationCounter invocation_counter(*reader.read_u32_be());
  const ByteView received_tag = reader.rest();
  if (!security_control.authenticated() || security_control.suite() != 0 ||
      security_control.compressed()) {
    return make_error(ErrorCode::malformed, "HLS-GMAC: peer response security control 0x" +
                                                to_hex(response.first(1)) +
                                                " is not authentication under suite 0");
  }
  // The peer's SC byte is part of what it authenticated, so it is used as received.
  DLMSGW_TRY_ASSIGN(const GcmTag expected, gmac(security_control, own_challenge, peer_system_title,
                                                invocation_counter, keys));
  if (CRYPTO_memcmp(expected.data(), received_tag.data(), kGcmTagSize) != 0) {
    return make_error(ErrorCode::checksum,
                      "HLS-GMAC: peer's f(challenge) does not verify (wrong keys or system title)");
  }
  return invocation_counter;
}

}  // namespace dlmsgw::security
