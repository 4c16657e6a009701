#include "dlms/hdlc/link_parameters.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/hdlc/frame.hpp"
#include "dlms/hdlc/hdlc_vectors.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::hdlc {
namespace {

using ::dlmsgw::test::hex;

LinkParameters parameters_of(std::string_view frame_hex) {
  auto frame = decode_frame(hex(frame_hex));
  EXPECT_TRUE(frame);
  auto parameters = decode_link_parameters(frame->information);
  EXPECT_TRUE(parameters) << parameters.error().message;
  return *parameters;
}

TEST(HdlcLinkParameters, RealMeterUaWithOneByteValues) {
  // Real meter trace (see hdlc_vectors.hpp): 05 01 80, 06 01 80, windows as 4 bytes.
  EXPECT_EQ(parameters_of(vectors::kTraceUa), (LinkParameters{128, 128, 1, 1}));
  // dlms-cosem TestUAFrame: 05 01 9A, 06 01 9A.
  EXPECT_EQ(parameters_of(vectors::kCosemUa), (LinkParameters{154, 154, 1, 1}));
  // Two-byte values in the trace's SNRM.
  EXPECT_EQ(parameters_of(vectors::kTraceSnrm), (LinkParameters{128, 128, 1, 1}));
}

TEST(HdlcLinkParameters, UserMeterUaBuiltByHand) {
  // No public trace of the user's meter exists: this UA is built by hand per IEC 62056-46 with the
  // meter's addressing (server 0x03 -> client 0x03) and one-byte values for all four parameters.
  const Frame ua{*HdlcAddress::client(1), *HdlcAddress::server_one_byte(0, 1),
                 ControlField::unnumbered(FrameType::ua), false,
                 hex("81 80 0C 05 01 80 06 01 80 07 01 01 08 01 01")};
  const Bytes bytes = *encode_frame(ua);
  EXPECT_EQ(to_hex(ByteView(bytes).first(6)), "7E A0 18 03 03 73");
  const Frame decoded = *decode_frame(bytes);
  EXPECT_EQ(*decode_link_parameters(decoded.information), (LinkParameters{128, 128, 1, 1}));
  // Our encoder picks the same one-byte form.
  EXPECT_EQ(encode_link_parameters({128, 128, 1, 1}), ua.information);
}

TEST(HdlcLinkParameters, EncodesSmallestWidth) {
  EXPECT_EQ(to_hex(encode_link_parameters({0x9A, 0x100, 7, 0x10000})),
            "81 80 10 05 01 9A 06 02 01 00 07 01 07 08 04 00 01 00 00");
  for (LinkParameters p : {LinkParameters{}, LinkParameters{2030, 32, 7, 3},
                           LinkParameters{0xFFFFFFFF, 255, 256, 65535}}) {
    EXPECT_EQ(*decode_link_parameters(encode_link_parameters(p)), p);
  }
}

TEST(HdlcLinkParameters, DefaultsWhenAbsent) {
  EXPECT_EQ(*decode_link_parameters({}), LinkParameters{});
  EXPECT_EQ(*decode_link_parameters(hex("81 80 00")), LinkParameters{});
  // Only the receive length given; an unknown parameter 0x09 is skipped.
  EXPECT_EQ(*decode_link_parameters(hex("81 80 07 06 02 01 00 09 01 FF")),
            (LinkParameters{128, 256, 1, 1}));
}

TEST(HdlcLinkParameters, Errors) {
  EXPECT_FALSE(decode_link_parameters(hex("81")));
  EXPECT_FALSE(decode_link_parameters(hex("82 80 00")));
  EXPECT_FALSE(decode_link_parameters(hex("81 80 05 05 01 80")));     // group longer than data
  EXPECT_FALSE(decode_link_parameters(hex("81 80 03 05 01 80 00")));  // bytes after the group
  EXPECT_FALSE(decode_link_parameters(hex("81 80 02 05 02")));        // value cut off
  auto three = decode_link_parameters(hex("81 80 05 05 03 00 00 80"));
  ASSERT_FALSE(three);
  EXPECT_NE(three.error().message.find("transmit"), std::string::npos);
  EXPECT_FALSE(decode_link_parameters(hex("81 80 03 07 01 00")));  // zero window
  EXPECT_FALSE(decode_link_parameters(hex("81 80 03 06 01 00")));
  EXPECT_FALSE(decode_link_parameters(hex("81 80 03 08 01 00")));
  EXPECT_FALSE(decode_link_parameters(hex("81 80 03 05 01 00")));
}

TEST(HdlcLinkParameters, Negotiation) {
  // Client proposes 1024/512 window 7/3; server can transmit 256, receive 2000, windows 1 and 7.
  const LinkParameters client{1024, 512, 7, 3};
  const LinkParameters server_own{256, 2000, 1, 7};
  const LinkParameters ua = negotiate_server(server_own, client);
  EXPECT_EQ(ua, (LinkParameters{256, 1024, 1, 7}));
  EXPECT_EQ(negotiate_client(client, ua), (LinkParameters{1024, 256, 7, 1}));
  // SNRM without parameters: defaults proposed, a larger UA does not raise them.
  EXPECT_EQ(
      negotiate_client(LinkParameters{},
                       *decode_link_parameters(decode_frame(hex(vectors::kCosemUa))->information)),
      LinkParameters{});
  // Values beyond what frames and sequence numbers allow are clamped.
  EXPECT_EQ(negotiate_client({5000, 5000, 9, 9}, {5000, 5000, 9, 9}),
            (LinkParameters{kMaxInformationLength, kMaxInformationLength, 7, 7}));
}

}  // namespace
}  // namespace dlmsgw::hdlc
