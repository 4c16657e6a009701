#include "dlms/security/aes_gcm.hpp"

#include <gtest/gtest.h>

#include "dlms/security/ciphered_payload.hpp"
#include "test_vectors.hpp"

namespace dlmsgw::security {
namespace {

using test::green_book_keys;
using test::hex;

const SystemTitle kServer = test::title(test::kGreenBookServerTitle);
const InvocationCounter kIc{test::kGreenBookInvocationCounter};

TEST(SecurityAesGcm, IvIsSystemTitleThenBigEndianCounter) {
  const GcmIv iv = make_gcm_iv(kServer, kIc);
  EXPECT_EQ(to_hex(iv, '\0'), "4D4D4D0000BC614E01234567");
}

// Green Book Ed. 7 Table 40, authenticated+encrypted (SC 0x30): C and T; also in dlms-cosem
// tests/test_security.py::test_encrypt_authenticated.
TEST(SecurityCipheredPayload, GreenBookAuthenticatedEncrypted) {
  const Bytes plain = hex(test::kGreenBookGetRequest);
  auto payload = encrypt_payload(SecurityControl(0x30), kServer, kIc, green_book_keys(), plain);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(to_hex(*payload, '\0'), "411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B");
  auto back = decrypt_payload(SecurityControl(0x30), kServer, kIc, green_book_keys(), *payload);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, plain);
}

// Green Book Ed. 7 Table 40, authentication only (SC 0x10): plaintext || T with
// T = 06725D910F9221D263877516; the same value is asserted in openmuc jDLMS's security tests.
TEST(SecurityCipheredPayload, GreenBookAuthenticatedOnly) {
  const Bytes plain = hex(test::kGreenBookGetRequest);
  auto payload = encrypt_payload(SecurityControl(0x10), kServer, kIc, green_book_keys(), plain);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(to_hex(*payload, '\0'), "C0010000080000010000FF020006725D910F9221D263877516");
  auto back = decrypt_payload(SecurityControl(0x10), kServer, kIc, green_book_keys(), *payload);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, plain);
}

// Green Book Ed. 7 Table 40, encryption only (SC 0x20): C without tag.
TEST(SecurityCipheredPayload, GreenBookEncryptedOnly) {
  const Bytes plain = hex(test::kGreenBookGetRequest);
  auto payload = encrypt_payload(SecurityControl(0x20), kServer, kIc, green_book_keys(), plain);
  ASSERT_TRUE(payload) << payload.error().message;
  EXPECT_EQ(to_hex(*payload, '\0'), "411312FF935A47566827C467BC");
  auto back = decrypt_payload(SecurityControl(0x20), kServer, kIc, green_book_keys(), *payload);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, plain);
}

TEST(SecurityCipheredPayload, PolicyNoneCarriesThePlaintext) {
  const Bytes plain = hex("C0010000080000010000FF0200");
  EXPECT_EQ(*encrypt_payload(SecurityControl(0x00), kServer, kIc, green_book_keys(), plain), plain);
  EXPECT_EQ(*decrypt_payload(SecurityControl(0x00), kServer, kIc, green_book_keys(), plain), plain);
}

TEST(SecurityCipheredPayload, WrongKeyFailsAuthentication) {
  const Bytes payload = hex("411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B");
  SecurityKeys wrong = green_book_keys();
  wrong.block_key = *AesKey128::from_hex("block key", "000102030405060708090A0B0C0D0E0E");
  auto result = decrypt_payload(SecurityControl(0x30), kServer, kIc, wrong, payload);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::checksum);

  SecurityKeys wrong_ak = green_book_keys();
  wrong_ak.authentication_key = wrong.block_key;
  EXPECT_EQ(decrypt_payload(SecurityControl(0x30), kServer, kIc, wrong_ak, payload).error().code,
            ErrorCode::checksum);
  // The IV is part of the check too: another counter or another title fails.
  EXPECT_FALSE(decrypt_payload(SecurityControl(0x30), kServer, InvocationCounter(0x01234568),
                               green_book_keys(), payload));
  EXPECT_FALSE(decrypt_payload(SecurityControl(0x30), test::title(test::kGreenBookClientTitle), kIc,
                               green_book_keys(), payload));
}

TEST(SecurityCipheredPayload, EveryTamperedByteIsDetected) {
  for (const std::uint8_t sc : {std::uint8_t{0x10}, std::uint8_t{0x30}}) {
    const Bytes good = *encrypt_payload(SecurityControl(sc), kServer, kIc, green_book_keys(),
                                        hex(test::kGreenBookGetRequest));
    for (std::size_t i = 0; i < good.size(); ++i) {
      Bytes bad = good;
      bad[i] ^= 0x01;
      auto result = decrypt_payload(SecurityControl(sc), kServer, kIc, green_book_keys(), bad);
      ASSERT_FALSE(result) << "SC " << int{sc} << " byte " << i;
      EXPECT_EQ(result.error().code, ErrorCode::checksum);
    }
    // The SC byte is authenticated: decrypting under another SC of the same shape fails.
    EXPECT_FALSE(decrypt_payload(SecurityControl(static_cast<std::uint8_t>(sc | 0x40)), kServer,
                                 kIc, green_book_keys(), good));
  }
}

TEST(SecurityCipheredPayload, PayloadShorterThanTheTagIsTruncated) {
  auto result = decrypt_payload(SecurityControl(0x30), kServer, kIc, green_book_keys(),
                                hex("0102030405060708090A0B"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::truncated);
  // Exactly a tag and nothing else is a valid (empty) authenticated+encrypted payload.
  auto empty = encrypt_payload(SecurityControl(0x30), kServer, kIc, green_book_keys(), {});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), kGcmTagSize);
  EXPECT_TRUE(
      decrypt_payload(SecurityControl(0x30), kServer, kIc, green_book_keys(), *empty)->empty());
}

TEST(SecurityCipheredPayload, OtherSuitesAndCompressionAreUnsupported) {
  const Bytes plain = hex("C0");
  EXPECT_EQ(
      encrypt_payload(SecurityControl(0x31), kServer, kIc, green_book_keys(), plain).error().code,
      ErrorCode::unsupported);
  EXPECT_EQ(
      decrypt_payload(SecurityControl(0xB0), kServer, kIc, green_book_keys(), plain).error().code,
      ErrorCode::unsupported);
}

TEST(SecurityAesGcm, TagOfWrongLengthIsRejected) {
  auto result =
      aes_gcm_decrypt(green_book_keys().block_key, make_gcm_iv(kServer, kIc), {}, {}, hex("0102"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::crypto);
}

}  // namespace
}  // namespace dlmsgw::security
