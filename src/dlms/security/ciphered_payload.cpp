#include "dlms/security/ciphered_payload.hpp"

#include <string>

#include "core/byte_writer.hpp"
#include "dlms/security/aes_gcm.hpp"

namespace dlmsgw::security {
namespace {

Expected<void> check_supported(SecurityControl security_control) {
  if (security_control.suite() != 0) {
    return make_error(ErrorCode::unsupported, "security suite " +
                                                  std::to_string(security_control.suite()) +
                                                  " (only suite 0, AES-GCM-128, is implemented)");
  }
  if (security_control.compressed()) {
    return make_error(ErrorCode::unsupported, "compressed ciphered APDUs");
  }
  return {};
}

// SC || AK, optionally followed by the authenticated-only plaintext.
Bytes make_aad(SecurityControl security_control, const SecurityKeys& keys, ByteView extra) {
  ByteWriter aad;
  aad.put_u8(security_control.byte());
  aad.put_bytes(keys.authentication_key.bytes());
  aad.put_bytes(extra);
  return aad.take();
}

}  // namespace

Expected<Bytes> encrypt_payload(SecurityControl security_control, const SystemTitle& sender_title,
                                InvocationCounter invocation_counter, const SecurityKeys& keys,
                                ByteView plaintext) {
  DLMSGW_TRY(check_supported(security_control));
  const GcmIv iv = make_gcm_iv(sender_title, invocation_counter);
  ByteWriter out;
  switch (security_control.policy()) {
    case SecurityPolicy::none:
      out.put_bytes(plaintext);
      break;
    case SecurityPolicy::authenticated: {
      DLMSGW_TRY_ASSIGN(const GcmSealed sealed,
                        aes_gcm_encrypt(keys.block_key, iv,
                                        make_aad(security_control, keys, plaintext), ByteView{}));
      out.put_bytes(plaintext);
      out.put_bytes(sealed.tag);
      break;
    }
    case SecurityPolicy::encrypted: {
      DLMSGW_TRY_ASSIGN(const GcmSealed sealed,
                        aes_gcm_encrypt(keys.block_key, iv, ByteView{}, plaintext));
      out.put_bytes(sealed.ciphertext);
      break;
    }
    case SecurityPolicy::authenticated_encrypted: {
      DLMSGW_TRY_ASSIGN(
          const GcmSealed sealed,
          aes_gcm_encrypt(keys.block_key, iv, make_aad(security_control, keys, {}), plaintext));
      out.put_bytes(sealed.ciphertext);
      out.put_bytes(sealed.tag);
      break;
    }
  }
  return out.take();
}

Expected<Bytes> decrypt_payload(SecurityControl security_control, const SystemTitle& sender_title,
                                InvocationCounter invocation_counter, const SecurityKeys& keys,
                                ByteView payload) {
  DLMSGW_TRY(check_supported(security_control));
  const GcmIv iv = make_gcm_iv(sender_title, invocation_counter);
  const SecurityPolicy policy = security_control.policy();
  if (policy == SecurityPolicy::none) return Bytes(payload.begin(), payload.end());
  if (policy == SecurityPolicy::encrypted) {
    return aes_gcm_decrypt_unauthenticated(keys.block_key, iv, payload);
  }
  if (payload.size() < kGcmTagSize) {
    return make_error(ErrorCode::truncated, "ciphered payload: " + std::to_string(payload.size()) +
                                                " byte(s), shorter than the 12-byte tag");
  }
  const ByteView body = payload.first(payload.size() - kGcmTagSize);
  const ByteView tag = payload.last(kGcmTagSize);
  if (policy == SecurityPolicy::authenticated) {
    DLMSGW_TRY(aes_gcm_decrypt(keys.block_key, iv, make_aad(security_control, keys, body),
                               ByteView{}, tag));
    return Bytes(body.begin(), body.end());
  }
  return aes_gcm_decrypt(keys.block_key, iv, make_aad(security_control, keys, {}), body, tag);
}

}  // namespace dlmsgw::security
