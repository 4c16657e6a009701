#include "dlms/acse/aare.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::acse {
namespace {

using ::dlmsgw::test::hex;

// jDLMS (openmuc) LNConnectionTest: a meter granting conformance 0x00301D (what the user's meter
// grants too) with server max receive PDU 0x1900.
TEST(Aare, DecodesAMeterNegotiating00301D) {
  const Bytes vector =
      hex("6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000301D19000007");
  auto aare = decode_aare(vector);
  ASSERT_TRUE(aare) << aare.error().message;
  EXPECT_EQ(aare->application_context, ApplicationContextName::logical_name);
  EXPECT_TRUE(aare->accepted());
  EXPECT_TRUE(aare->diagnostic.is(AcseServiceUserDiagnostic::null));
  EXPECT_FALSE(aare->mechanism);
  const auto* response = aare->initiate_response();
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->negotiated_conformance.value(), 0x00301Du);
  EXPECT_FALSE(response->negotiated_conformance.has(xdlms::ConformanceBit::multiple_references));
  EXPECT_EQ(response->server_max_receive_pdu_size, 0x1900);
  EXPECT_EQ(response->vaa_name, xdlms::kVaaNameLn);
  EXPECT_TRUE(require_accepted(*aare));
  EXPECT_EQ(describe(*aare), "AARE accepted (LN)");
  EXPECT_EQ(*encode_aare(*aare), vector);
}

// The user's meter's AARE, built by hand from the Green Book layout (no capture is public): the
// LLS association accepted with 0x00301D. Built with our encoder, checked byte by byte here.
TEST(Aare, EncodesTheUserMetersAare) {
  AareParameters aare;
  xdlms::InitiateResponse response;
  response.negotiated_conformance = xdlms::Conformance(0x00301D);
  response.server_max_receive_pdu_size = 0x01F4;
  aare.user_information = response;
  EXPECT_EQ(to_hex(*encode_aare(aare)),
            "61 29 A1 09 06 07 60 85 74 05 08 01 01 A2 03 02 01 00 A3 05 A1 03 02 01 00 BE 10 04 "
            "0E 08 00 06 5F 1F 04 00 00 30 1D 01 F4 00 07");
}

// A public Go DLMS client's tests (TestClient_InvalidPasswordLGZ, a Landis+Gyr meter): wrong LLS
// password, rejected-permanent with authentication-failure and NO user-information at all.
TEST(Aare, DecodesARejectionWithoutUserInformation) {
  const Bytes vector = hex("6117A109060760857405080101A203020101A305A10302010D");
  auto aare = decode_aare(vector);
  ASSERT_TRUE(aare) << aare.error().message;
  EXPECT_EQ(aare->result, AssociationResult::rejected_permanent);
  EXPECT_TRUE(aare->diagnostic.is(AcseServiceUserDiagnostic::authentication_failure));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(aare->user_information));
  EXPECT_EQ(describe(*aare), "AARE rejected: authentication failure (diagnostic 13)");
  auto accepted = require_accepted(*aare);
  ASSERT_FALSE(accepted);
  EXPECT_EQ(accepted.error().code, ErrorCode::rejected);
  EXPECT_EQ(accepted.error().message, "AARE rejected: authentication failure (diagnostic 13)");
  EXPECT_EQ(*encode_aare(*aare), vector);
}

// The same rejection from another meter of that Go client's tests, with an InitiateResponse.
TEST(Aare, DecodesARejectionWithAnInitiateResponse) {
  auto aare = decode_aare(hex(
      "6129A109060760857405080101A203020101A305A10302010DBE10040E0800065F1F040000101400800007"));
  ASSERT_TRUE(aare) << aare.error().message;
  EXPECT_FALSE(aare->accepted());
  ASSERT_NE(aare->initiate_response(), nullptr);
  EXPECT_EQ(aare->initiate_response()->negotiated_conformance.value(), 0x001014u);
  EXPECT_FALSE(require_accepted(*aare));
}

// Green Book via dlms-cosem test_aare.py: DLMS version too low, refused in the xDLMS layer with a
// ConfirmedServiceError (0E 01 06 01).
TEST(Aare, DecodesAConfirmedServiceError) {
  const Bytes vector = hex("611FA109060760857405080101A203020101A305A103020101BE0604040E010601");
  auto aare = decode_aare(vector);
  ASSERT_TRUE(aare) << aare.error().message;
  const auto* error = aare->confirmed_service_error();
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(*error, xdlms::ConfirmedServiceError::initiate_error(
                        xdlms::InitiateError::dlms_version_too_low));
  EXPECT_EQ(describe(*aare),
            "AARE rejected: no reason given (diagnostic 1); initiateError: initiate: "
            "dlms-version-too-low (1)");
  EXPECT_EQ(*encode_aare(*aare), vector);
}

// Green Book via dlms-cosem test_aare.py: application-context-name not supported.
TEST(Aare, DecodesAnUnsupportedContextRejection) {
  auto aare = decode_aare(hex(
      "6129A109060760857405080101A203020101A305A103020102BE10040E0800065F1F040000501F01F40007"));
  ASSERT_TRUE(aare);
  EXPECT_EQ(describe(*aare),
            "AARE rejected: application context name not supported (diagnostic 2)");
}

// Green Book via dlms-cosem test_aare.py: HLS-GMAC accepted pending authentication, with the
// server's challenge StoC "P6wRJ21F".
TEST(Aare, DecodesAnHlsAareWithTheServerChallenge) {
  const Bytes vector = hex(
      "6142A109060760857405080101A203020100A305A10302010E88020780890760857405080205AA0A800850367752"
      "4A323146BE10040E0800065F1F040000501F01F40007");
  auto aare = decode_aare(vector);
  ASSERT_TRUE(aare) << aare.error().message;
  EXPECT_TRUE(aare->accepted());
  EXPECT_TRUE(aare->diagnostic.is(AcseServiceUserDiagnostic::authentication_required));
  EXPECT_EQ(aare->mechanism, MechanismName::high_gmac);
  EXPECT_EQ(*aare->responding_authentication_value,
            Bytes({'P', '6', 'w', 'R', 'J', '2', '1', 'F'}));
  EXPECT_TRUE(require_accepted(*aare));
  EXPECT_EQ(describe(*aare),
            "AARE accepted (LN, HLS-GMAC): authentication required (diagnostic 14)");
  EXPECT_EQ(*encode_aare(*aare), vector);
}

// Built by hand (no public ciphered AARE found): LN with ciphering, server system title, and the
// Green Book glo-InitiateResponse (0x28) that dlms-cosem test_rlre.py carries; it stays raw.
TEST(Aare, ReturnsCipheredUserInformationRaw) {
  const Bytes ciphered = hex("281F3001234567891214A0845E475714383F65BC19745CA235906525E4F3E1C893");
  AareParameters aare;
  aare.application_context = ApplicationContextName::logical_name_ciphered;
  aare.responding_ap_title = hex("4D 4D 4D 00 00 00 00 01");
  aare.user_information = CipheredUserInformation{ciphered};
  auto bytes = encode_aare(aare);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(to_hex(*bytes, '\0'),
            "6148A109060760857405080103A203020100A305A103020100A40A04084D4D4D0000000001BE2304212"
            "81F3001234567891214A0845E475714383F65BC19745CA235906525E4F3E1C893");
  auto decoded = decode_aare(*bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, aare);
  EXPECT_EQ(std::get<CipheredUserInformation>(decoded->user_information).apdu, ciphered);
}

TEST(Aare, ProviderDiagnosticsAndTransientRejections) {
  AareParameters aare;
  aare.result = AssociationResult::rejected_transient;
  aare.diagnostic =
      ResultSourceDiagnostic::provider(AcseServiceProviderDiagnostic::no_common_acse_version);
  auto bytes = encode_aare(aare);
  ASSERT_TRUE(bytes);
  EXPECT_NE(to_hex(*bytes).find("A3 05 A2 03 02 01 02"), std::string::npos);
  auto decoded = decode_aare(*bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, aare);
  EXPECT_EQ(describe(*decoded),
            "AARE rejected (transient): no common acse version (provider diagnostic 2)");
  const ResultSourceDiagnostic unknown{DiagnosticSource::acse_service_user, 99};
  EXPECT_EQ(unknown.name(), "unknown diagnostic 99");
  EXPECT_EQ(ResultSourceDiagnostic::user(
                AcseServiceUserDiagnostic::authentication_mechanism_name_not_recognised)
                .name(),
            "authentication-mechanism-name-not-recognised");
  EXPECT_EQ(to_string(AssociationResult::rejected_permanent), "rejected-permanent");
  EXPECT_EQ(to_string(static_cast<AssociationResult>(7)), "unknown");
}

TEST(Aare, AcceptedButRefusedByXdlmsIsNotUsable) {
  AareParameters aare;
  aare.user_information =
      xdlms::ConfirmedServiceError::initiate_error(xdlms::InitiateError::pdu_size_too_short);
  EXPECT_FALSE(require_accepted(aare));
  EXPECT_EQ(describe(aare), "AARE accepted (LN); initiateError: initiate: pdu-size-too-short (3)");
}

TEST(Aare, SkipsUnknownElements) {
  // responding-AP-invocation-id (A6 03 02 01 00) and implementation-information (BD 02 41 42) are
  // not modelled: they are read past.
  auto aare =
      decode_aare(hex("6120A109060760857405080101A203020100A305A103020100A603020100BD024142"));
  ASSERT_TRUE(aare) << aare.error().message;
  EXPECT_TRUE(aare->accepted());
}

TEST(Aare, RejectsBadInput) {
  const auto error_of = [](std::string_view text) { return decode_aare(hex(text)).error(); };
  EXPECT_EQ(error_of("6000").message, "AARE: tag 0x60, expected 0x61");
  EXPECT_EQ(error_of("6105A203020100").message, "AARE: missing application-context-name");
  EXPECT_EQ(error_of("610BA109060760857405080101").message, "AARE: missing result");
  EXPECT_EQ(error_of("6110A109060760857405080101A203020100").message,
            "AARE: missing result-source-diagnostic");
  EXPECT_EQ(error_of("6110A109060760857405080101A203020103").message,
            "AARE result: 3 is not 0, 1 or 2");
  EXPECT_EQ(error_of("6110A109060760857405080101A2030201FF").code, ErrorCode::out_of_range);
  EXPECT_EQ(error_of("6111A109060760857405080101A20402020100").code, ErrorCode::out_of_range);
  EXPECT_EQ(error_of("6110A109060760857405080101A203040100").message,
            "AARE result: tag 0x04, expected 0x02");
  EXPECT_EQ(error_of("610FA109060760857405080101A2020200").code, ErrorCode::malformed);
  // Diagnostic with an unknown choice, or trailing bytes inside it.
  EXPECT_EQ(error_of("6117A109060760857405080101A203020100A305A403020100").code,
            ErrorCode::malformed);
  EXPECT_EQ(error_of("6118A109060760857405080101A203020100A306A10302010000").code,
            ErrorCode::malformed);
  // Nested length overflow: user-information claims 0x10 bytes, its octet string 0x20.
  const auto overflow = error_of(
      "6129A109060760857405080101A203020100A305A103020100BE10042008000"
      "65F1F040000301D19000007");
  EXPECT_EQ(overflow.code, ErrorCode::truncated);
  EXPECT_EQ(overflow.message, "AARE user-information: length 32 exceeds the 14 byte(s) available");
  // A malformed InitiateResponse inside.
  EXPECT_EQ(error_of("6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F"
                     "030000301D19000007")
                .message,
            "AARE user-information: InitiateResponse: conformance: length 3, expected 4");
  EXPECT_EQ(error_of("611FA109060760857405080101A203020101A305A103020101BE0604040E000601").message,
            "AARE user-information: ConfirmedServiceError: unknown service choice 0");
  EXPECT_EQ(error_of("6119A109060760857405080101A203020100A305A103020100891F").code,
            ErrorCode::truncated);
  EXPECT_EQ(error_of("6119A109060760857405080101A203020100A305A1030201008800").message,
            "AARE responder-acse-requirements: empty BIT STRING");
  // Every truncation of a full HLS AARE fails cleanly.
  const Bytes full = hex(
      "6142A109060760857405080101A203020100A305A10302010E88020780890760857405080205AA0A800850367752"
      "4A323146BE10040E0800065F1F040000501F01F40007");
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(decode_aare(ByteView(full).first(n))) << n;
  }
}

TEST(Aare, EncoderChecksTheSystemTitleAndEmptyUserInformationRoundTrips) {
  AareParameters aare;
  aare.responding_ap_title = Bytes(9, 1);
  EXPECT_EQ(encode_aare(aare).error().code, ErrorCode::invalid_argument);
  aare.responding_ap_title.reset();
  aare.user_information = CipheredUserInformation{};
  auto bytes = encode_aare(aare);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*decode_aare(*bytes), aare);
}

}  // namespace
}  // namespace dlmsgw::acse
