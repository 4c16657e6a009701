#include "dlms/inspect/inspection.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/hdlc/frame.hpp"
#include "dlms/hdlc/hdlc_vectors.hpp"
#include "dlms/inspect/apdu_inspector.hpp"
#include "dlms/inspect/stream_inspector.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::inspect {
namespace {

using ::dlmsgw::test::hex;

std::string text_of(std::string_view hex_text) {
  std::string out;
  for (const auto& node : inspect_trace(hex(hex_text))) out += to_text(node);
  return out;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The user's AARQ (shared/reference/user-meter.md): LN, LLS with 22222222, InitiateRequest version
// 6, conformance 0x007E1F, max receive PDU 1200. The same bytes tests/dlms/acse/aarq_test.cpp pins.
constexpr std::string_view kUserAarq =
    "60 36 A1 09 06 07 60 85 74 05 08 01 01 8A 02 07 80 8B 07 60 85 74 05 08 02 01 AC 0A 80 08 32 "
    "32 32 "
    "32 32 32 32 32 BE 10 04 0E 01 00 00 00 06 5F 1F 04 00 00 7E 1F 04 B0";

TEST(InspectApdu, UserAarqShowsPasswordAndProposal) {
  const std::string text = to_text(inspect_apdu(hex(kUserAarq)));
  EXPECT_TRUE(contains(text, "AARQ: association request")) << text;
  EXPECT_TRUE(contains(text, "calling-authentication-value: 32 32 32 32 32 32 32 32 \"22222222\""))
      << text;
  EXPECT_TRUE(contains(text, "proposed-conformance: 0x007E1F")) << text;
  EXPECT_TRUE(contains(text, "client-max-receive-pdu-size: 1200")) << text;
}

// jDLMS (openmuc) LNConnectionTest AARE granting 0x00301D, as in tests/dlms/acse/aare_test.cpp.
TEST(InspectApdu, AareShowsResultAndNegotiation) {
  const std::string text = to_text(inspect_apdu(hex(
      "6129A109060760857405080101A203020100A305A103020100BE10040E0800065F1F040000301D19000007")));
  EXPECT_TRUE(contains(text, "AARE: AARE accepted (LN)")) << text;
  EXPECT_TRUE(contains(text, "negotiated-conformance: 0x00301D")) << text;
  EXPECT_TRUE(contains(text, "server-max-receive-pdu-size: 6400")) << text;
}

// Green Book glo-get-request, authenticated and encrypted (see
// tests/dlms/security/ciphered_apdu_test.cpp).
TEST(InspectApdu, CipheredApduShowsTheSecurityHeader) {
  const Inspection node =
      inspect_apdu(hex("C81E3001234567411312FF935A47566827C467BC7D825C3BE4A77C3FCC056B6B"));
  const std::string text = to_text(node);
  EXPECT_TRUE(contains(text, "security-control: 0x30 (authenticated, encrypted)")) << text;
  EXPECT_TRUE(contains(text, "invocation-counter: 19088743")) << text;
  EXPECT_FALSE(has_error(node));
  EXPECT_TRUE(has_error(inspect_apdu(hex("C8 1E 30 01"))));
}

TEST(InspectApdu, GetRequestAndErrors) {
  const std::string text = to_text(inspect_apdu(hex("C0 01 C1 00 03 01 01 20 07 00 FF 02 00")));
  EXPECT_TRUE(contains(text, "class 3 1-1:32.7.0 attribute 2")) << text;
  EXPECT_TRUE(has_error(inspect_apdu(hex("C0 01"))));
  EXPECT_TRUE(has_error(inspect_apdu({})));
  EXPECT_TRUE(has_error(inspect_apdu(hex("61 03 A1 01 00"))));
}

TEST(InspectTrace, HdlcExchangeFromARealMeter) {
  const std::string trace = std::string(hdlc::vectors::kTraceSnrm) + " " +
                            std::string(hdlc::vectors::kTraceUa) + " " +
                            std::string(hdlc::vectors::kTraceGetRequest) + " " +
                            std::string(hdlc::vectors::kTraceGetResponse);
  const auto nodes = inspect_trace(hex(trace));
  ASSERT_EQ(nodes.size(), 4u);
  const std::string ua = to_text(nodes[1]);
  EXPECT_TRUE(contains(ua, "HDLC frame: UA P/F")) << ua;
  EXPECT_TRUE(contains(ua, "max-info-field-length-transmit: 128")) << ua;
  const std::string response = to_text(nodes[3]);
  EXPECT_TRUE(contains(response, "LLC: server to client")) << response;
  EXPECT_TRUE(contains(response, "double-long-unsigned 3990664")) << response;
  for (const auto& node : nodes) EXPECT_FALSE(has_error(node)) << to_text(node);
}

TEST(InspectTrace, UnfinishedSegmentAndDamageAreReported) {
  // A middle segment alone (dlms-cosem's vector): shown as bytes, with a note.
  EXPECT_TRUE(
      contains(text_of(hdlc::vectors::kCosemSegment), "first segment is not in this trace"));
  // The first segment of a GET response whose last segment never comes.
  hdlc::Frame first;
  first.destination = *hdlc::HdlcAddress::client(16);
  first.source = *hdlc::HdlcAddress::server(1, 0, 1);
  first.control = hdlc::ControlField::information(0, 1);
  first.segmented = true;
  first.information = hex("E6 E7 00 C4 01 C1 00 01 02");
  const auto unfinished = inspect_trace(*hdlc::encode_frame(first));
  ASSERT_EQ(unfinished.size(), 2u);
  EXPECT_TRUE(contains(to_text(unfinished[1]), "never got its last segment"))
      << to_text(unfinished[1]);
  // ...and with its final segment the APDU is reassembled and decoded.
  hdlc::Frame last = first;
  last.segmented = false;
  last.control = hdlc::ControlField::information(1, 1);
  last.information = hex("11 05 11 06");
  Bytes both = *hdlc::encode_frame(first);
  const Bytes tail = *hdlc::encode_frame(last);
  both.insert(both.end(), tail.begin(), tail.end());
  const auto whole = inspect_trace(both);
  ASSERT_EQ(whole.size(), 2u);
  const std::string reassembled = to_text(whole[1]);
  EXPECT_TRUE(contains(reassembled, "unsigned 5") && contains(reassembled, "unsigned 6"))
      << reassembled;
  EXPECT_FALSE(has_error(whole[1]));
  // The UA with its FCS damaged: no frame, one error naming the checksum.
  std::string damaged(hdlc::vectors::kTraceUa);
  damaged.replace(damaged.size() - 8, 2, "00");
  const std::string text = text_of(damaged);
  EXPECT_TRUE(contains(text, "1 bad frame(s)")) << text;
}

TEST(InspectTrace, WrapperFrames) {
  const auto nodes =
      inspect_trace(hex("00 01 00 10 00 01 00 0D C0 01 C1 00 03 01 01 20 07 00 FF 02 00"
                        " 00 01 00 01 00 10 00 07 C4 01 C1 00 12 34 BC"));
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_TRUE(contains(to_text(nodes[0]), "source wPort: 16"));
  EXPECT_TRUE(contains(to_text(nodes[1]), "long-unsigned 13500")) << to_text(nodes[1]);
  EXPECT_TRUE(contains(text_of("00 01 00 10 00 01 00 0D C0"), "incomplete wrapper frame"));
  EXPECT_EQ(detect_trace_kind(hex("00 01")), TraceKind::apdu);
}

TEST(Inspection, TextIndentsChildrenAndContinuesMultiLineValues) {
  Inspection root{"frame", "I", {}};
  root.add("apdu", "get-response\nvalue 1");
  EXPECT_EQ(to_text(root), "frame: I\n  apdu: get-response\n    value 1\n");
  EXPECT_FALSE(has_error(root));
}

}  // namespace
}  // namespace dlmsgw::inspect
