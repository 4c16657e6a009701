#include "dlms/acse/aarq.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/xdlms/initiate.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::acse {
namespace {

using ::dlmsgw::test::hex;
Bytes text_bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

Bytes user_initiate_request() {
  xdlms::InitiateRequest request;
  request.proposed_conformance = xdlms::Conformance(0x007E1F);
  request.client_max_receive_pdu_size = 1200;
  return request.encode();
}

// The user's AARQ (shared/reference/user-meter.md): LN without ciphering, LLS with password
// "22222222", InitiateRequest version 6, conformance 0x007E1F, max receive PDU 1200. Same layout
// as the Green Book LLS example (dlms-cosem test_aarq.py, password "12345678").
TEST(Aarq, EncodesTheUserMetersAarqExactly) {
  AarqParameters parameters;
  parameters.mechanism = MechanismName::low;
  parameters.calling_authentication_value = text_bytes("22222222");
  parameters.user_information = user_initiate_request();
  auto bytes = encode_aarq(parameters);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(to_hex(*bytes),
            "60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 0A "
            "80 08 32 32 32 32 32 32 32 32 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 00 7E 1F 04 B0");
  auto decoded = decode_aarq(*bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, parameters);
}

// Green Book v10 p. 444 via dlms-cosem test_aarq.py: no security, LN, 0x007E1F, PDU 1200.
TEST(Aarq, EncodesTheGreenBookNoSecurityExample) {
  AarqParameters parameters;
  parameters.user_information = user_initiate_request();
  EXPECT_EQ(to_hex(*encode_aarq(parameters), '\0'),
            "601DA109060760857405080101BE10040E01000000065F1F0400007E1F04B0");
}

// Green Book HLS-GMAC example via dlms-cosem test_aarq.py: challenge "K56iVagY".
TEST(Aarq, EncodesTheGreenBookHlsExample) {
  AarqParameters parameters;
  parameters.mechanism = MechanismName::high_gmac;
  parameters.calling_authentication_value = text_bytes("K56iVagY");
  parameters.user_information = user_initiate_request();
  EXPECT_EQ(to_hex(*encode_aarq(parameters), '\0'),
            "6036A1090607608574050801018A0207808B0760857405080205AC0A80084B353669566167"
            "59BE10040E01000000065F1F0400007E1F04B0");
}

// Green Book ciphered LLS example via dlms-cosem test_aarq.py: LN with ciphering, system title
// 4D4D4D0000BC614E, a glo-InitiateRequest (0x21) the caller ciphered, carried as bytes.
TEST(Aarq, RoundTripsTheGreenBookCipheredExample) {
  const Bytes vector = hex(
      "6066a109060760857405080103a60a04084D4D4D0000BC614E8a0207808b0760857405080201ac0a8008313233"
      "3435363738be34043221303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211"
      "BE6841DB204D39EE6FDB8E356855");
  auto decoded = decode_aarq(vector);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->application_context, ApplicationContextName::logical_name_ciphered);
  EXPECT_EQ(to_hex(*decoded->calling_ap_title, '\0'), "4D4D4D0000BC614E");
  EXPECT_EQ(decoded->mechanism, MechanismName::low);
  EXPECT_EQ(*decoded->calling_authentication_value, text_bytes("12345678"));
  ASSERT_TRUE(decoded->user_information);
  EXPECT_EQ(decoded->user_information->size(), 0x32u);
  EXPECT_EQ(decoded->user_information->front(), 0x21);
  EXPECT_EQ(*encode_aarq(*decoded), vector);
}

// A public Go DLMS client's tests (Landis+Gyr association): LLS password "00000001", 0x00181F.
TEST(Aarq, DecodesAPublicLlsVector) {
  auto decoded = decode_aarq(
      hex("6036A1090607608574050801018A0207808B0760857405080201AC0A80083030303030303031BE10040E0100"
          "0000065F1F040000181F0100"));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded->calling_authentication_value, text_bytes("00000001"));
  auto request = xdlms::InitiateRequest::decode(*decoded->user_information);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->proposed_conformance.value(), 0x00181Fu);
  EXPECT_EQ(request->client_max_receive_pdu_size, 256);
}

TEST(Aarq, LongAuthenticationValuesUseLongLengths) {
  // An HLS challenge may be up to 64 bytes and a password of any length; 200 forces 0x81 forms
  // at three nesting levels (the value, its element and the AARQ itself).
  AarqParameters parameters;
  parameters.application_context = ApplicationContextName::short_name;
  parameters.mechanism = MechanismName::high_sha256;
  parameters.calling_ap_title = hex("4D 4D 4D 00 00 00 00 01");
  parameters.calling_authentication_value = Bytes(200, 0x41);
  auto bytes = encode_aarq(parameters);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(to_hex(ByteView(*bytes).first(3)), "60 81 F2");
  const std::string text = to_hex(*bytes);
  EXPECT_NE(text.find("AC 81 CB 80 81 C8 41"), std::string::npos);
  EXPECT_EQ(*decode_aarq(*bytes), parameters);
  // 300 bytes: the two-octet long form.
  parameters.calling_authentication_value = Bytes(300, 0x42);
  bytes = encode_aarq(parameters);
  EXPECT_EQ(to_hex(ByteView(*bytes).first(4)), "60 82 01 58");
  EXPECT_EQ(*decode_aarq(*bytes), parameters);
}

TEST(Aarq, EveryContextAndMechanismRoundTrips) {
  for (std::uint8_t context = 1; context <= 4; ++context) {
    for (std::uint8_t mechanism = 0; mechanism <= 7; ++mechanism) {
      AarqParameters parameters;
      parameters.application_context = static_cast<ApplicationContextName>(context);
      parameters.mechanism = static_cast<MechanismName>(mechanism);
      auto bytes = encode_aarq(parameters);
      ASSERT_TRUE(bytes);
      EXPECT_EQ((*bytes)[12], context);
      EXPECT_EQ(*decode_aarq(*bytes), parameters);
    }
  }
  EXPECT_EQ(to_string(ApplicationContextName::short_name_ciphered), "SN with ciphering");
  EXPECT_EQ(to_string(MechanismName::high_gmac), "HLS-GMAC");
  EXPECT_EQ(to_string(static_cast<MechanismName>(9)), "unknown");
  EXPECT_EQ(to_string(static_cast<ApplicationContextName>(9)), "unknown");
}

TEST(Aarq, RejectsASystemTitleOfTheWrongSize) {
  AarqParameters parameters;
  parameters.calling_ap_title = Bytes(7, 0);
  auto bytes = encode_aarq(parameters);
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(bytes.error().message, "AARQ calling-AP-title: 7 bytes, a system title has 8");
}

TEST(Aarq, SkipsUnknownElements) {
  // protocol-version (80 02 07 80) and implementation-information (BD) are not modelled.
  auto decoded = decode_aarq(hex("60 12 80 02 07 80 A1 09 06 07 60 85 74 05 08 01 02 BD 01 FF"));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->application_context, ApplicationContextName::short_name);
}

TEST(Aarq, RejectsBadInput) {
  EXPECT_EQ(decode_aarq(hex("61 00")).error().message, "AARQ: tag 0x61, expected 0x60");
  EXPECT_EQ(decode_aarq(hex("60 00")).error().message, "AARQ: missing application-context-name");
  // An element claiming more than its parent holds.
  auto nested = decode_aarq(hex("60 0B A1 0A 06 07 60 85 74 05 08 01 01"));
  ASSERT_FALSE(nested);
  EXPECT_EQ(nested.error().code, ErrorCode::truncated);
  EXPECT_EQ(nested.error().message, "AARQ element: length 10 exceeds the 9 byte(s) available");
  auto foreign = decode_aarq(hex("60 0B A1 09 06 07 2A 86 48 86 F7 0D 01"));
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::unsupported);
  EXPECT_EQ(foreign.error().message,
            "AARQ: application-context-name: OID 2A 86 48 86 F7 0D 01 is not a DLMS UA "
            "2.16.756.5.8.1.x");
  EXPECT_FALSE(decode_aarq(hex("60 0B A1 09 06 07 60 85 74 05 08 01 05")));
  EXPECT_FALSE(decode_aarq(hex("60 0B A1 09 04 07 60 85 74 05 08 01 01")));
  EXPECT_FALSE(decode_aarq(hex("60 0D A1 09 06 07 60 85 74 05 08 01 01 8A 00")));
  EXPECT_FALSE(decode_aarq(hex("60 0E A1 09 06 07 60 85 74 05 08 01 01 8A 01 08")));
  EXPECT_FALSE(
      decode_aarq(hex("60 14 A1 09 06 07 60 85 74 05 08 01 01 8B 07 60 85 74 05 08 02 08")));
  EXPECT_FALSE(decode_aarq(hex("60 10 A1 09 06 07 60 85 74 05 08 01 01 AC 03 81 01 41")));
  EXPECT_FALSE(decode_aarq(hex("60 10 A1 09 06 07 60 85 74 05 08 01 01 BE 03 05 01 41")));
  EXPECT_FALSE(decode_aarq(hex("60 10 A1 09 06 07 60 85 74 05 08 01 01 A6 03 05 01 41")));
  // Every truncation of the user's AARQ fails cleanly.
  AarqParameters parameters;
  parameters.mechanism = MechanismName::low;
  parameters.calling_authentication_value = text_bytes("22222222");
  parameters.user_information = user_initiate_request();
  const Bytes full = *encode_aarq(parameters);
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(decode_aarq(ByteView(full).first(n))) << n;
  }
}

}  // namespace
}  // namespace dlmsgw::acse
