#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/security/aes_key.hpp"
#include "dlms/security/invocation_counter.hpp"
#include "dlms/security/invocation_counter_guard.hpp"
#include "dlms/security/security_control.hpp"
#include "dlms/security/system_title.hpp"

namespace dlmsgw::security {
namespace {

TEST(SecuritySystemTitle, ParsesEightBytesFromHex) {
  // The server system title of the DLMS UA Green Book examples (ed. 7, Table 40).
  auto title = SystemTitle::from_hex("4D4D4D0000BC614E");
  ASSERT_TRUE(title) << title.error().message;
  EXPECT_EQ(title->to_hex(), "4D4D4D0000BC614E");
  EXPECT_EQ(title->bytes().size(), 8u);
  EXPECT_EQ(*title, *SystemTitle::from_hex("4d 4d 4d 00 00 bc 61 4e"));
}

TEST(SecuritySystemTitle, WrongLengthOrBadHexIsAnError) {
  auto short_title = SystemTitle::from_hex("4D4D4D0000BC61");
  ASSERT_FALSE(short_title);
  EXPECT_EQ(short_title.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(short_title.error().message, "system title: expected 8 bytes, got 7");
  auto bad = SystemTitle::from_hex("4D4D4D0000BC61XY");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::malformed);
  EXPECT_NE(bad.error().message.find("system title"), std::string::npos);
}

TEST(SecurityAesKey, ParsesSixteenBytesFromHex) {
  auto key = AesKey128::from_hex("block key", "000102030405060708090A0B0C0D0E0F");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(to_hex(key->bytes(), '\0'), "000102030405060708090A0B0C0D0E0F");
}

TEST(SecurityAesKey, ErrorsNameTheKeyAndTheExpectedLength) {
  auto short_key = AesKey128::from_hex("authentication key", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDE");
  ASSERT_FALSE(short_key);
  EXPECT_EQ(short_key.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(short_key.error().message,
            "authentication key: expected 16 bytes (32 hex digits) for AES-128, got 15 byte(s)");
  auto bad_digit = AesKey128::from_hex("block key", "G00102030405060708090A0B0C0D0E0F");
  ASSERT_FALSE(bad_digit);
  EXPECT_EQ(bad_digit.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(bad_digit.error().message.rfind("block key: ", 0), 0u);
  // The message must not echo the key text.
  EXPECT_EQ(bad_digit.error().message.find("0102030405"), std::string::npos);
}

TEST(SecurityInvocationCounter, NextRefusesToWrap) {
  EXPECT_EQ(InvocationCounter(41).next()->value(), 42u);
  auto wrapped = InvocationCounter(0xFFFFFFFFu).next();
  ASSERT_FALSE(wrapped);
  EXPECT_EQ(wrapped.error().code, ErrorCode::out_of_range);
  EXPECT_LT(InvocationCounter(1), InvocationCounter(2));
}

TEST(SecurityInvocationCounterGuard, AcceptsOnlyStrictlyIncreasingCounters) {
  InvocationCounterGuard guard;
  EXPECT_FALSE(guard.last_accepted());
  EXPECT_TRUE(guard.accept(InvocationCounter(0)));  // a fresh guard accepts 0
  EXPECT_TRUE(guard.accept(InvocationCounter(5)));
  auto replay = guard.accept(InvocationCounter(5));
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::protocol_state);
  EXPECT_EQ(
      replay.error().message,
      "invocation counter 5 does not exceed the last accepted 5 (replayed or reordered APDU)");
  EXPECT_FALSE(guard.accept(InvocationCounter(3)));
  EXPECT_EQ(guard.last_accepted()->value(), 5u);  // a rejection changes nothing
  EXPECT_TRUE(guard.accept(InvocationCounter(6)));

  InvocationCounterGuard resumed(InvocationCounter(100));
  EXPECT_FALSE(resumed.accept(InvocationCounter(0)));
  EXPECT_TRUE(resumed.accept(InvocationCounter(101)));
}

TEST(SecurityControlByte, DecodesEachBit) {
  const SecurityControl sc(0xF5);
  EXPECT_EQ(sc.suite(), 5);
  EXPECT_TRUE(sc.authenticated());
  EXPECT_TRUE(sc.encrypted());
  EXPECT_TRUE(sc.broadcast_key());
  EXPECT_TRUE(sc.compressed());
  EXPECT_EQ(sc.policy(), SecurityPolicy::authenticated_encrypted);

  const SecurityControl plain(0x00);
  EXPECT_FALSE(plain.authenticated() || plain.encrypted() || plain.broadcast_key() ||
               plain.compressed());
  EXPECT_EQ(plain.policy(), SecurityPolicy::none);
  EXPECT_EQ(SecurityControl(0x10).policy(), SecurityPolicy::authenticated);
  EXPECT_EQ(SecurityControl(0x20).policy(), SecurityPolicy::encrypted);
}

TEST(SecurityControlByte, FromPolicyBuildsTheGreenBookBytes) {
  EXPECT_EQ(SecurityControl::from_policy(SecurityPolicy::authenticated_encrypted).byte(), 0x30);
  EXPECT_EQ(SecurityControl::from_policy(SecurityPolicy::authenticated).byte(), 0x10);
  EXPECT_EQ(SecurityControl::from_policy(SecurityPolicy::encrypted, 1).byte(), 0x21);
  EXPECT_EQ(SecurityControl::from_policy(SecurityPolicy::none, 0x1F).byte(), 0x0F);
}

TEST(SecurityPolicyOrder, SatisfiesMeansAtLeastTheRequiredProtection) {
  using P = SecurityPolicy;
  EXPECT_TRUE(satisfies(P::authenticated_encrypted, P::authenticated));
  EXPECT_TRUE(satisfies(P::authenticated_encrypted, P::encrypted));
  EXPECT_TRUE(satisfies(P::authenticated, P::none));
  EXPECT_FALSE(satisfies(P::encrypted, P::authenticated));
  EXPECT_FALSE(satisfies(P::authenticated, P::authenticated_encrypted));
  EXPECT_FALSE(satisfies(P::none, P::encrypted));
  EXPECT_EQ(to_string(P::authenticated_encrypted), "authenticated+encrypted");
  EXPECT_EQ(to_string(P::none), "none");
  EXPECT_EQ(to_string(P::authenticated), "authenticated");
  EXPECT_EQ(to_string(P::encrypted), "encrypted");
}

}  // namespace
}  // namespace dlmsgw::security
