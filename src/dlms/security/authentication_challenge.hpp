#pragma once
// Challenges for HLS (CtoS from the client in the AARQ, StoC from the server in the AARE). The
// Green Book allows 8 to 64 octets. This library owns no randomness: `make_challenge` takes the
// caller's random bytes; `draw_challenge_from_openssl_rand` is the one place that asks OpenSSL's
// CSPRNG, for callers that have no better source.

#include <cstddef>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::security {

inline constexpr std::size_t kMinChallengeSize = 8;
inline constexpr std::size_t kMaxChallengeSize = 64;
inline constexpr std::size_t kDefaultChallengeSize = 16;

// `out_of_range` unless 8 <= size <= 64; `what` names the challenge ("server challenge StoC").
Expected<void> check_challenge(ByteView challenge, std::string_view what);

// A challenge made of the caller's random bytes, after the length check.
Expected<Bytes> make_challenge(ByteView random_bytes);

// `size` bytes from OpenSSL RAND_bytes; `crypto` if the generator fails, `out_of_range` for a size
// the Green Book does not allow.
Expected<Bytes> draw_challenge_from_openssl_rand(std::size_t size = kDefaultChallengeSize);

}  // namespace dlmsgw::security
