#include "dlms/security/authentication_challenge.hpp"

#include <openssl/rand.h>

#include <string>

namespace dlmsgw::security {

Expected<void> check_challenge(ByteView challenge, std::string_view what) {
  if (challenge.size() < kMinChallengeSize || challenge.size() > kMaxChallengeSize) {
    return make_error(
        ErrorCode::out_of_range,
        std::string(what) + ": " + std::to_string(challenge.size()) + " byte(s), must be 8 to 64");
  }
  return {};
}

Expected<Bytes> make_challenge(ByteView random_bytes) {
  DLMSGW_TRY(check_challenge(random_bytes, "challenge"));
  return Bytes(random_bytes.begin(), random_bytes.end());
}

Expected<Bytes> draw_challenge_from_openssl_rand(std::size_t size) {
  Bytes challenge(size);
  DLMSGW_TRY(check_challenge(challenge, "challenge"));
  if (RAND_bytes(challenge.data(), static_cast<int>(challenge.size())) != 1) {
    return make_error(ErrorCode::crypto, "challenge: OpenSSL RAND_bytes failed");
  }
  return challenge;
}

}  // namespace dlmsgw::security
