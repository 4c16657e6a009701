#include "client/invocation_counter_key.hpp"

#include <openssl/evp.h>

#include <array>

#include "core/hex.hpp"

namespace dlmsgw::client {

std::string invocation_counter_key(const security::SystemTitle& own_system_title,
                                   const security::AesKey128& block_key) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  const auto key = block_key.bytes();
  // SHA-256 cannot fail on an in-memory buffer short of OpenSSL being broken; then the id is
  // all zeros, which still keeps one counter per system title.
  EVP_Digest(key.data(), key.size(), digest.data(), &size, EVP_sha256(), nullptr);
  const Bytes id(digest.begin(), digest.begin() + 8);
  return own_system_title.to_hex() + "-" + to_hex(id, '\0') + ":tx";
}

}  // namespace dlmsgw::client
