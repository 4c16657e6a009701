#pragma once
// AES-GCM-128 as DLMS/COSEM security suite 0 uses it: a 12-byte IV built from the sender's system
// title and invocation counter, and the GCM tag truncated to 12 bytes (96 bits). Thin wrappers over
// OpenSSL EVP that report every failure as an Error value.

#include <array>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/security/aes_key.hpp"
#include "dlms/security/invocation_counter.hpp"
#include "dlms/security/system_title.hpp"

namespace dlmsgw::security {

inline constexpr std::size_t kGcmIvSize = 12;
inline constexpr std::size_t kGcmTagSize = 12;

using GcmIv = std::array<std::uint8_t, kGcmIvSize>;
using GcmTag = std::array<std::uint8_t, kGcmTagSize>;

// IV = system title (8) || invocation counter (4, big-endian).
GcmIv make_gcm_iv(const SystemTitle& system_title, InvocationCounter invocation_counter);

struct GcmSealed {
  Bytes ciphertext;  // same length as the plaintext
  GcmTag tag;
};

// Encrypts `plaintext` (may be empty: then this is GMAC over `aad`) and authenticates `aad` too.
// Errors (`crypto`) only when OpenSSL fails or an input exceeds what EVP accepts.
Expected<GcmSealed> aes_gcm_encrypt(const AesKey128& key, const GcmIv& iv, ByteView aad,
                                    ByteView plaintext);

// Decrypts and checks `tag` (12 bytes); a mismatch is `checksum` and yields no plaintext.
Expected<Bytes> aes_gcm_decrypt(const AesKey128& key, const GcmIv& iv, ByteView aad,
                                ByteView ciphertext, ByteView tag);

// Decrypts without any tag: the "encryption only" policy carries none, so nothing is verified.
Expected<Bytes> aes_gcm_decrypt_unauthenticated(const AesKey128& key, const GcmIv& iv,
                                                ByteView ciphertext);

}  // namespace dlmsgw::security
