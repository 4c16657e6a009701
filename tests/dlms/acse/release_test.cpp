#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/acse/release_request.hpp"
#include "dlms/acse/release_response.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::acse {
namespace {

using ::dlmsgw::test::hex;

TEST(Rlrq, EncodesANormalRelease) {
  // The usual RLRQ: reason normal, nothing else (dlms-cosem test_rlrq.py: 62 03 80 01 00).
  EXPECT_EQ(to_hex(encode_rlrq({})), "62 03 80 01 00");
  EXPECT_EQ(to_hex(encode_rlrq({std::nullopt, std::nullopt})), "62 00");
  RlrqParameters with_information{ReleaseRequestReason::urgent, hex("01 02 03")};
  const Bytes bytes = encode_rlrq(with_information);
  EXPECT_EQ(to_hex(bytes), "62 0A 80 01 01 BE 05 04 03 01 02 03");
  EXPECT_EQ(*decode_rlrq(bytes), with_information);
  EXPECT_EQ(to_string(ReleaseRequestReason::user_defined), "user-defined");
  EXPECT_EQ(to_string(static_cast<ReleaseRequestReason>(9)), "unknown");
}

TEST(Rlrq, DecodesAndRejects) {
  auto empty = decode_rlrq(hex("62 00"));
  ASSERT_TRUE(empty);
  EXPECT_FALSE(empty->reason);
  EXPECT_EQ(decode_rlrq(hex("62 03 80 01 1E"))->reason, ReleaseRequestReason::user_defined);
  EXPECT_TRUE(decode_rlrq(hex("62 03 99 01 00")));  // unknown element skipped
  EXPECT_FALSE(decode_rlrq(hex("62 03 80 01")));
  EXPECT_FALSE(decode_rlrq(hex("62 02 80 00")));
  EXPECT_FALSE(decode_rlrq(hex("62 04 BE 02 05 00")));
  EXPECT_FALSE(decode_rlrq(hex("63 00")));
}

// dlms-cosem test_rlre.py: "63 03 80 01 00", and one carrying an InitiateResponse (with
// negotiated QoS present) and one carrying a ciphered glo-InitiateResponse.
TEST(Rlre, DecodesPublicVectors) {
  auto simple = decode_rlre(hex("63 03 80 01 00"));
  ASSERT_TRUE(simple);
  EXPECT_EQ(simple->reason, ReleaseResponseReason::normal);
  EXPECT_FALSE(simple->user_information);

  auto with_response =
      decode_rlre(hex("63 16 80 01 00 BE 11 04 0F 08 01 00 06 5F 1F 04 00 00 1E 1D 04 C8 00 07"));
  ASSERT_TRUE(with_response) << with_response.error().message;
  EXPECT_EQ(to_hex(*with_response->user_information),
            "08 01 00 06 5F 1F 04 00 00 1E 1D 04 C8 00 07");

  const Bytes ciphered =
      hex("6328800100BE230421281F3001234567891214A0845E475714383F65BC19745CA235906525E4F3E1C893");
  auto with_cipher = decode_rlre(ciphered);
  ASSERT_TRUE(with_cipher);
  EXPECT_EQ(with_cipher->user_information->front(), 0x28);
  EXPECT_EQ(encode_rlre(*with_cipher), ciphered);
  EXPECT_EQ(to_string(ReleaseResponseReason::not_finished), "not-finished");
  EXPECT_EQ(to_string(static_cast<ReleaseResponseReason>(9)), "unknown");
}

TEST(Rlre, RoundTrips) {
  for (const RlreParameters& rlre :
       {RlreParameters{}, RlreParameters{std::nullopt, std::nullopt},
        RlreParameters{ReleaseResponseReason::user_defined, Bytes(300, 0xEE)}}) {
    EXPECT_EQ(*decode_rlre(encode_rlre(rlre)), rlre);
    const auto lenient = decode_rlre_leniently(encode_rlre(rlre));
    EXPECT_FALSE(lenient.defect);
    EXPECT_EQ(lenient.parameters, rlre);
  }
}

// Hand-built malformed RLREs of the kinds meters send: the association is released anyway, so the
// lenient decoder returns what it could read and says what was wrong.
TEST(Rlre, ToleratesMalformedRlres) {
  // Outer length claims 5 bytes, only 3 follow: the reason is still readable.
  auto overrun = decode_rlre_leniently(hex("63 05 80 01 00"));
  ASSERT_TRUE(overrun.defect);
  EXPECT_EQ(overrun.defect->code, ErrorCode::truncated);
  EXPECT_EQ(overrun.parameters.reason, ReleaseResponseReason::normal);
  EXPECT_FALSE(decode_rlre(hex("63 05 80 01 00")));

  // Garbage after a good reason.
  auto garbage = decode_rlre_leniently(hex("63 06 80 01 00 BE 7F 00"));
  ASSERT_TRUE(garbage.defect);
  EXPECT_EQ(garbage.parameters.reason, ReleaseResponseReason::normal);
  EXPECT_FALSE(garbage.parameters.user_information);

  // Wrong outer tag (an RLRQ echoed back).
  auto echoed = decode_rlre_leniently(hex("62 03 80 01 00"));
  ASSERT_TRUE(echoed.defect);
  EXPECT_EQ(echoed.defect->message, "RLRE: tag 0x62, expected 0x63");
  EXPECT_EQ(echoed.parameters.reason, ReleaseResponseReason::normal);

  // Long-form outer length that lies.
  auto long_form = decode_rlre_leniently(hex("63 82 FF FF 80 01 01"));
  ASSERT_TRUE(long_form.defect);
  EXPECT_EQ(long_form.parameters.reason, ReleaseResponseReason::not_finished);

  // Nothing usable at all.
  for (const char* text : {"", "63", "FF FF FF", "63 84", "63 02 80 05"}) {
    const auto nothing = decode_rlre_leniently(hex(text));
    EXPECT_TRUE(nothing.defect) << text;
    EXPECT_FALSE(nothing.parameters.reason) << text;
  }
}

}  // namespace
}  // namespace dlmsgw::acse
