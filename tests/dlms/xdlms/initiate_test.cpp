#include "dlms/xdlms/initiate.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::xdlms {
namespace {

using ::dlmsgw::test::hex;

// The user's AARQ user-information (shared/reference/user-meter.md): version 6, conformance
// 0x007E1F, max receive PDU 1200. The same shape as the Green Book's InitiateRequest example
// "01 00 00 00 06 5F 1F 04 00 00 7E 1F 04 B0".
TEST(InitiateRequest, EncodesTheUserMetersRequest) {
  InitiateRequest request;
  request.proposed_conformance = Conformance(0x007E1F);
  request.client_max_receive_pdu_size = 1200;
  EXPECT_EQ(to_hex(request.encode()), "01 00 00 00 06 5F 1F 04 00 00 7E 1F 04 B0");
  EXPECT_EQ(*InitiateRequest::decode(request.encode()), request);
}

// From the Gurux/go DLMS client tests (AARQ user-information "01 00 00 00 06 5F 1F 04 00 00 18 1F
// 01 00"): conformance 0x00181F, max PDU 256.
TEST(InitiateRequest, DecodesAPublicVector) {
  auto request = InitiateRequest::decode(hex("01 00 00 00 06 5F 1F 04 00 00 18 1F 01 00"));
  ASSERT_TRUE(request) << request.error().message;
  EXPECT_FALSE(request->dedicated_key);
  EXPECT_TRUE(request->response_allowed);
  EXPECT_FALSE(request->proposed_quality_of_service);
  EXPECT_EQ(request->proposed_dlms_version, 6);
  EXPECT_EQ(request->proposed_conformance.value(), 0x00181Fu);
  EXPECT_EQ(request->client_max_receive_pdu_size, 256);
}

TEST(InitiateRequest, RoundTripsEveryOptionalField) {
  InitiateRequest request;
  request.dedicated_key = Bytes(16, 0xAB);
  request.response_allowed = false;
  request.proposed_quality_of_service = -3;
  request.proposed_dlms_version = 5;
  request.proposed_conformance = Conformance(0x00301D);
  request.client_max_receive_pdu_size = 0xFFFF;
  const Bytes bytes = request.encode();
  EXPECT_EQ(to_hex(bytes).substr(0, 11), "01 01 10 AB");
  auto decoded = InitiateRequest::decode(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, request);
}

TEST(InitiateRequest, LongDedicatedKeyUsesTheLongLengthForm) {
  InitiateRequest request;
  request.dedicated_key = Bytes(200, 0x11);
  const Bytes bytes = request.encode();
  EXPECT_EQ(bytes[2], 0x81);
  EXPECT_EQ(bytes[3], 200);
  EXPECT_EQ(*InitiateRequest::decode(bytes), request);
}

TEST(InitiateRequest, RejectsBadInput) {
  auto wrong_tag = InitiateRequest::decode(hex("08 00 00 00 06 5F 1F 04 00 00 7E 1F 04 B0"));
  ASSERT_FALSE(wrong_tag);
  EXPECT_EQ(wrong_tag.error().message, "InitiateRequest: tag 0x08, expected 0x01");
  // A dedicated key claiming 0x7F bytes with 3 present.
  auto overflow = InitiateRequest::decode(hex("01 01 7F 01 02 03"));
  ASSERT_FALSE(overflow);
  EXPECT_EQ(overflow.error().code, ErrorCode::truncated);
  EXPECT_NE(overflow.error().message.find("dedicated-key"), std::string::npos);
  // A five-byte length is refused before any arithmetic.
  auto huge = InitiateRequest::decode(hex("01 01 85 FF FF FF FF FF"));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::malformed);
  EXPECT_FALSE(InitiateRequest::decode(hex("01 01 80")));
  EXPECT_FALSE(InitiateRequest::decode(hex("01 02")));  // presence flag must be 0 or 1
  auto bad_conformance = InitiateRequest::decode(hex("01 00 00 00 06 5F 1F 03 00 7E 1F 04 B0"));
  ASSERT_FALSE(bad_conformance);
  EXPECT_EQ(bad_conformance.error().message, "InitiateRequest: conformance: length 3, expected 4");
  auto trailing = InitiateRequest::decode(hex("01 00 00 00 06 5F 1F 04 00 00 7E 1F 04 B0 00"));
  ASSERT_FALSE(trailing);
  EXPECT_EQ(trailing.error().message, "InitiateRequest: 1 unexpected byte(s) after the end");
  // Every truncation of the user's request is an error, never a crash.
  const Bytes full = hex("01 01 02 AA BB 01 00 01 05 06 5F 1F 04 00 00 7E 1F 04 B0");
  ASSERT_TRUE(InitiateRequest::decode(full));
  for (std::size_t n = 0; n < full.size(); ++n) {
    EXPECT_FALSE(InitiateRequest::decode(ByteView(full).first(n))) << n;
  }
}

// jDLMS (openmuc) LNConnectionTest AARE user-information: conformance 0x00301D (the user's
// meter's grant), server max PDU 0x1900, VAA name 0x0007.
TEST(InitiateResponse, DecodesTheJdlmsVector) {
  auto response = InitiateResponse::decode(hex("08 00 06 5F 1F 04 00 00 30 1D 19 00 00 07"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_FALSE(response->negotiated_quality_of_service);
  EXPECT_EQ(response->negotiated_dlms_version, 6);
  EXPECT_EQ(response->negotiated_conformance.value(), 0x00301Du);
  EXPECT_FALSE(response->negotiated_conformance.has(ConformanceBit::multiple_references));
  EXPECT_EQ(response->server_max_receive_pdu_size, 0x1900);
  EXPECT_EQ(response->vaa_name, kVaaNameLn);
}

// dlms-cosem (Python) test_aare.py, from the Green Book: 0x00501F, max PDU 500.
TEST(InitiateResponse, EncodesTheGreenBookExample) {
  InitiateResponse response;
  response.negotiated_conformance = Conformance(0x00501F);
  response.server_max_receive_pdu_size = 500;
  EXPECT_EQ(to_hex(response.encode()), "08 00 06 5F 1F 04 00 00 50 1F 01 F4 00 07");
}

TEST(InitiateResponse, RoundTripsWithQualityOfServiceAndShortNames) {
  InitiateResponse response;
  response.negotiated_quality_of_service = 1;
  response.negotiated_conformance = Conformance(0x1C0320);
  response.server_max_receive_pdu_size = 0x0400;
  response.vaa_name = kVaaNameSn;
  const Bytes bytes = response.encode();
  EXPECT_EQ(to_hex(bytes), "08 01 01 06 5F 1F 04 00 1C 03 20 04 00 FA 00");
  EXPECT_EQ(*InitiateResponse::decode(bytes), response);
}

TEST(InitiateResponse, RejectsBadInput) {
  EXPECT_EQ(InitiateResponse::decode(hex("0E 01 06 01")).error().message,
            "InitiateResponse: tag 0x0E, expected 0x08");
  EXPECT_FALSE(InitiateResponse::decode(hex("08 00 06 5F 1F 04 00 00 30 1D 19 00 00 07 FF")));
  EXPECT_FALSE(InitiateResponse::decode(hex("08 00 06 5F 1F 04 00 00 30 1D 19 00 00")));
  EXPECT_FALSE(InitiateResponse::decode(hex("08 00 06 5E 1F 04 00 00 30 1D 19 00 00 07")));
  EXPECT_FALSE(InitiateResponse::decode({}));
}

}  // namespace
}  // namespace dlmsgw::xdlms
