#include "dlms/hdlc/control_field.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::hdlc {
namespace {

TEST(HdlcControlField, KnownBytes) {
  // Control bytes seen in public traces: 0x93 SNRM (Gurux "7E A0 07 03 21 93 0F 01 7E"), 0x73 UA,
  // 0x53 DISC, 0x10 I N(S)=0 N(R)=0 P (AARQ), 0x30 I N(S)=0 N(R)=1 F (AARE, dlms-cosem
  // TestInformationControlField), 0x32 I N(S)=1 N(R)=1, 0x96 I N(S)=3 N(R)=4.
  EXPECT_EQ(ControlField::unnumbered(FrameType::snrm).encode(), 0x93);
  EXPECT_EQ(ControlField::unnumbered(FrameType::ua).encode(), 0x73);
  EXPECT_EQ(ControlField::unnumbered(FrameType::disc).encode(), 0x53);
  EXPECT_EQ(ControlField::unnumbered(FrameType::dm).encode(), 0x1F);
  EXPECT_EQ(ControlField::unnumbered(FrameType::frmr).encode(), 0x97);
  EXPECT_EQ(ControlField::unnumbered(FrameType::ui).encode(), 0x13);
  EXPECT_EQ(ControlField::unnumbered(FrameType::ui, false).encode(), 0x03);
  EXPECT_EQ(ControlField::information(0, 0).encode(), 0x10);
  EXPECT_EQ(ControlField::information(0, 1).encode(), 0x30);
  EXPECT_EQ(ControlField::information(1, 1).encode(), 0x32);
  EXPECT_EQ(ControlField::information(3, 4).encode(), 0x96);
  EXPECT_EQ(ControlField::information(3, 4, false).encode(), 0x86);
  // RR N(R)=1 P = 0x31, RNR N(R)=2 P = 0x55 (IEC 62056-46 bit layout).
  EXPECT_EQ(ControlField::supervisory(FrameType::rr, 1).encode(), 0x31);
  EXPECT_EQ(ControlField::supervisory(FrameType::rnr, 2).encode(), 0x55);

  auto ctrl = ControlField::decode(0x30);
  ASSERT_TRUE(ctrl);
  EXPECT_EQ(ctrl->type, FrameType::i);
  EXPECT_EQ(ctrl->send_sequence, 0);
  EXPECT_EQ(ctrl->receive_sequence, 1);
  EXPECT_TRUE(ctrl->poll_final);
  EXPECT_EQ(ctrl->to_string(), "I N(S)=0 N(R)=1 P/F");
  EXPECT_EQ(ControlField::decode(0xF1)->to_string(), "RR N(R)=7 P/F");
  EXPECT_EQ(ControlField::decode(0x83)->to_string(), "SNRM");
}

TEST(HdlcControlField, EveryDefinedByteRoundTrips) {
  int defined = 0;
  for (int byte = 0; byte < 256; ++byte) {
    auto ctrl = ControlField::decode(static_cast<std::uint8_t>(byte));
    if (!ctrl) {
      EXPECT_EQ(ctrl.error().code, ErrorCode::unsupported);
      continue;
    }
    ++defined;
    EXPECT_EQ(ctrl->encode(), byte) << ctrl->to_string();
  }
  // 128 I (N(S), N(R), P/F), 16 RR and 16 RNR (N(R), P/F), 12 U (6 types x P/F).
  EXPECT_EQ(defined, 128 + 16 + 16 + 12);
}

TEST(HdlcControlField, RejectsRejAndUnknownUnnumbered) {
  EXPECT_FALSE(ControlField::decode(0x09));  // REJ
  EXPECT_FALSE(ControlField::decode(0x0D));  // SREJ
  auto unknown = ControlField::decode(0xEF);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("0xEF"), std::string::npos);
}

TEST(HdlcControlField, Names) {
  EXPECT_EQ(to_string(FrameType::rnr), "RNR");
  EXPECT_EQ(to_string(FrameType::frmr), "FRMR");
  EXPECT_EQ(to_string(FrameType::ui), "UI");
  EXPECT_EQ(to_string(FrameType::dm), "DM");
  EXPECT_EQ(to_string(FrameType::disc), "DISC");
  EXPECT_EQ(to_string(FrameType::ua), "UA");
  EXPECT_EQ(to_string(FrameType::snrm), "SNRM");
  EXPECT_EQ(to_string(FrameType::rr), "RR");
  EXPECT_EQ(to_string(FrameType::i), "I");
}

}  // namespace
}  // namespace dlmsgw::hdlc
