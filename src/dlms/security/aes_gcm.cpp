#include "dlms/security/aes_gcm.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>

namespace dlmsgw::security {
namespace {

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

Error openssl_failure(std::string_view step) {
  return make_error(ErrorCode::crypto, "AES-GCM: OpenSSL " + std::string(step) + " failed");
}

Expected<int> evp_length(std::size_t size, std::string_view what) {
  if (size > static_cast<std::size_t>(INT_MAX)) {
    return make_error(ErrorCode::crypto, "AES-GCM: " + std::string(what) + " too long (" +
                                             std::to_string(size) + " bytes)");
  }
  return static_cast<int>(size);
}

// Sets up an encrypting or decrypting AES-128-GCM context with `key` and a 12-byte `iv`.
Expected<CipherContext> start(const AesKey128& key, const GcmIv& iv, bool encrypt) {
  CipherContext context(EVP_CIPHER_CTX_new());
  if (!context) return openssl_failure("context allocation");
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(context.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr, enc) != 1) {
    return openssl_failure("cipher init");
  }
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) != 1) {
    return openssl_failure("IV length");
  }
  if (EVP_CipherInit_ex(context.get(), nullptr, nullptr, key.bytes().data(), iv.data(), enc) != 1) {
    return openssl_failure("key/IV init");
  }
  return context;
}

Expected<void> add_aad(EVP_CIPHER_CTX* context, ByteView aad) {
  if (aad.empty()) return {};
  DLMSGW_TRY_ASSIGN(const int length, evp_length(aad.size(), "additional data"));
  int written = 0;
  if (EVP_CipherUpdate(context, nullptr, &written, aad.data(), length) != 1) {
    return openssl_failure("AAD update");
  }
  return {};
}

// Runs `input` through the cipher; GCM is a stream mode, so the output has the input's length.
Expected<Bytes> transform(EVP_CIPHER_CTX* context, ByteView input) {
  Bytes output(input.size());
  if (input.empty()) return output;
  DLMSGW_TRY_ASSIGN(const int length, evp_length(input.size(), "payload"));
  int written = 0;
  if (EVP_CipherUpdate(context, output.data(), &written, input.data(), length) != 1 ||
      written != length) {
    return openssl_failure("update");
  }
  return output;
}

}  // namespace

GcmIv make_gcm_iv(const SystemTitle& system_title, InvocationCounter invocation_counter) {
  GcmIv iv{};
  std::copy(system_title.bytes().begin(), system_title.bytes().end(), iv.begin());
  const std::uint32_t ic = invocation_counter.value();
  iv[8] = static_cast<std::uint8_t>(ic >> 24);
  iv[9] = static_cast<std::uint8_t>(ic >> 16);
  iv[10] = static_cast<std::uint8_t>(ic >> 8);
  iv[11] = static_cast<std::uint8_t>(ic);
  return iv;
}

Expected<GcmSealed> aes_gcm_encrypt(const AesKey128& key, const GcmIv& iv, ByteView aad,
                                    ByteView plaintext) {
  DLMSGW_TRY_ASSIGN(CipherContext context, start(key, iv, true));
  DLMSGW_TRY(add_aad(context.get(), aad));
  DLMSGW_TRY_ASSIGN(Bytes ciphertext, transform(context.get(), plaintext));
  int written = 0;
  std::array<std::uint8_t, 16> final_block{};
  if (EVP_EncryptFinal_ex(context.get(), final_block.data(), &written) != 1) {
    return openssl_failure("final");
  }
  // GCM computes a 16-byte tag; DLMS transmits its first 12 bytes.
  std::array<std::uint8_t, 16> full_tag{};
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(full_tag.size()),
                          full_tag.data()) != 1) {
    return openssl_failure("get tag");
  }
  GcmSealed sealed{std::move(ciphertext), {}};
  std::copy_n(full_tag.begin(), kGcmTagSize, sealed.tag.begin());
  return sealed;
}

Expected<Bytes> aes_gcm_decrypt(const AesKey128& key, const GcmIv& iv, ByteView aad,
                                ByteView ciphertext, ByteView tag) {
  if (tag.size() != kGcmTagSize) {
    return make_error(ErrorCode::crypto,
                      "AES-GCM: tag must be 12 bytes, got " + std::to_string(tag.size()));
  }
  DLMSGW_TRY_ASSIGN(CipherContext context, start(key, iv, false));
  DLMSGW_TRY(add_aad(context.get(), aad));
  DLMSGW_TRY_ASSIGN(Bytes plaintext, transform(context.get(), ciphertext));
  // OpenSSL verifies a truncated tag when told its length; it reads the bytes from a non-const
  // pointer but does not modify them.
  GcmTag expected{};
  std::copy(tag.begin(), tag.end(), expected.begin());
  if (EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(expected.size()),
                          expected.data()) != 1) {
    return openssl_failure("set tag");
  }
  int written = 0;
  std::array<std::uint8_t, 16> final_block{};
  if (EVP_DecryptFinal_ex(context.get(), final_block.data(), &written) != 1) {
    return make_error(ErrorCode::checksum,
                      "AES-GCM: authentication tag mismatch (wrong key, wrong system title or "
                      "invocation counter, or tampered data)");
  }
  return plaintext;
}

Expected<Bytes> aes_gcm_decrypt_unauthenticated(const AesKey128& key, const GcmIv& iv,
                                                ByteView ciphertext) {
  DLMSGW_TRY_ASSIGN(CipherContext context, start(key, iv, false));
  return transform(context.get(), ciphertext);
}

}  // namespace dlmsgw::security
