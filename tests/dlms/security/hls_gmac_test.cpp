#include "dlms/security/hls_gmac.hpp"

#include <gtest/gtest.h>

#include "dlms/security/authentication_challenge.hpp"
#include "dlms/security/lls_authentication_value.hpp"
#include "test_vectors.hpp"

namespace dlmsgw::security {
namespace {

using test::hex;

// DLMS UA Green Book Ed. 7, Table 43 "HLS example with GMAC" (also cited as Ed. 7 Amendment 2
// Table 18 in openmuc jDLMS's tests; the client side is in dlms-cosem tests/test_security.py
// test_gmac): client title 4D4D4D0000000001 with IC 1, server title 4D4D4D0000BC614E with IC
// 01234567, CtoS "K56iVagY", StoC "P6wRJ21F", Green Book block and authentication keys.
constexpr const char* kCtoS = "4B35366956616759";  // "K56iVagY"
constexpr const char* kStoC = "503677524A323146";  // "P6wRJ21F"
constexpr const char* kClientFStoC = "10000000011A52FE7DD3E72748973C1E28";
constexpr const char* kServerFCtoS = "1001234567FE1466AFB3DBCD4F9389E2B7";

const SystemTitle kClient = test::title(test::kGreenBookClientTitle);
const SystemTitle kServerSystemTitle = test::title(test::kGreenBookServerTitle);

TEST(SecurityHlsGmac, GreenBookClientReplyToServerChallenge) {
  auto f = hls_gmac_response(hex(kStoC), kClient, InvocationCounter(1), test::green_book_keys());
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(to_hex(*f, '\0'), kClientFStoC);
}

TEST(SecurityHlsGmac, GreenBookServerReplyVerifies) {
  auto ic = verify_hls_gmac_response(hex(kServerFCtoS), hex(kCtoS), kServerSystemTitle,
                                     test::green_book_keys());
  ASSERT_TRUE(ic) << ic.error().message;
  EXPECT_EQ(ic->value(), 0x01234567u);
  // The server side of the same computation gives the Green Book bytes (simulator use).
  auto f = hls_gmac_response(hex(kCtoS), kServerSystemTitle, InvocationCounter(0x01234567),
                             test::green_book_keys());
  ASSERT_TRUE(f);
  EXPECT_EQ(to_hex(*f, '\0'), kServerFCtoS);
}

TEST(SecurityHlsGmac, WrongKeyTitleChallengeOrTamperingFails) {
  SecurityKeys wrong = test::green_book_keys();
  wrong.authentication_key = wrong.block_key;
  auto bad_key = verify_hls_gmac_response(hex(kServerFCtoS), hex(kCtoS), kServerSystemTitle, wrong);
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.error().code, ErrorCode::checksum);
  // Verifying with the client's own title instead of the server's is a classic mistake.
  EXPECT_EQ(
      verify_hls_gmac_response(hex(kServerFCtoS), hex(kCtoS), kClient, test::green_book_keys())
          .error()
          .code,
      ErrorCode::checksum);
  EXPECT_FALSE(verify_hls_gmac_response(hex(kServerFCtoS), hex(kStoC), kServerSystemTitle,
                                        test::green_book_keys()));
  const Bytes good = hex(kServerFCtoS);
  for (std::size_t i = 1; i < good.size(); ++i) {  // byte 0 (SC) is checked separately below
    Bytes bad = good;
    bad[i] ^= 0x04;
    EXPECT_FALSE(
        verify_hls_gmac_response(bad, hex(kCtoS), kServerSystemTitle, test::green_book_keys()))
        << i;
  }
}

TEST(SecurityHlsGmac, MalformedResponsesAreRejected) {
  const SecurityKeys keys = test::green_book_keys();
  Bytes good = hex(kServerFCtoS);
  auto short_f =
      verify_hls_gmac_response(ByteView(good).first(16), hex(kCtoS), kServerSystemTitle, keys);
  ASSERT_FALSE(short_f);
  EXPECT_EQ(short_f.error().code, ErrorCode::malformed);
  Bytes long_f = good;
  long_f.push_back(0);
  EXPECT_EQ(verify_hls_gmac_response(long_f, hex(kCtoS), kServerSystemTitle, keys).error().code,
            ErrorCode::malformed);
  for (const std::uint8_t sc :
       {std::uint8_t{0x00}, std::uint8_t{0x20}, std::uint8_t{0x11}, std::uint8_t{0x90}}) {
    Bytes bad = good;
    bad[0] = sc;
    auto result = verify_hls_gmac_response(bad, hex(kCtoS), kServerSystemTitle, keys);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::malformed) << int{sc};
  }
  Bytes other_sc = good;
  other_sc[0] = 0x30;  // authenticated, but the tag was computed over SC 0x10
  EXPECT_EQ(verify_hls_gmac_response(other_sc, hex(kCtoS), kServerSystemTitle, keys).error().code,
            ErrorCode::checksum);
  EXPECT_EQ(verify_hls_gmac_response(good, hex("01020304"), kServerSystemTitle, keys).error().code,
            ErrorCode::out_of_range);
  EXPECT_EQ(hls_gmac_response(hex("0102"), kClient, InvocationCounter(1), keys).error().code,
            ErrorCode::out_of_range);
}

TEST(SecurityChallenge, LengthMustBeEightToSixtyFour) {
  EXPECT_EQ(make_challenge(Bytes(7, 0xAA)).error().code, ErrorCode::out_of_range);
  EXPECT_EQ(make_challenge(Bytes(65, 0xAA)).error().code, ErrorCode::out_of_range);
  EXPECT_EQ(make_challenge(Bytes(7, 0xAA)).error().message,
            "challenge: 7 byte(s), must be 8 to 64");
  EXPECT_EQ(*make_challenge(hex(kCtoS)), hex(kCtoS));
  EXPECT_EQ(make_challenge(Bytes(64, 0x01))->size(), 64u);
}

TEST(SecurityChallenge, OpenSslDrawGivesFreshBytesOfTheRequestedSize) {
  auto a = draw_challenge_from_openssl_rand();
  auto b = draw_challenge_from_openssl_rand();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->size(), kDefaultChallengeSize);
  EXPECT_NE(*a, *b);  // 2^-128 chance of a false failure
  EXPECT_EQ(draw_challenge_from_openssl_rand(32)->size(), 32u);
  EXPECT_FALSE(draw_challenge_from_openssl_rand(4));
}

TEST(SecurityLls, PasswordBytesAreTheAuthenticationValue) {
  // The user's meter label: SAP 1 password 22222222 (shared/reference/user-meter.md).
  EXPECT_EQ(to_hex(lls_authentication_value("22222222"), '\0'), "3232323232323232");
  EXPECT_TRUE(lls_authentication_value("").empty());
  EXPECT_EQ(lls_authentication_value(std::string_view("a\0b", 3)), (Bytes{'a', 0, 'b'}));
}

}  // namespace
}  // namespace dlmsgw::security
