#include "dlms/hdlc/frame.hpp"

#include <gtest/gtest.h>

#include "core/hex.hpp"
#include "dlms/hdlc/crc16.hpp"
#include "dlms/hdlc/hdlc_vectors.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::hdlc {
namespace {

using ::dlmsgw::test::hex;

Frame decode_ok(std::string_view text) {
  auto frame = decode_frame(hex(text));
  EXPECT_TRUE(frame) << frame.error().message;
  return frame ? *frame : Frame{};
}

// Decodes a public frame and checks that encoding the result gives the same bytes back.
void expect_round_trip(std::string_view text) {
  const Frame frame = decode_ok(text);
  auto encoded = encode_frame(frame);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(to_hex(*encoded), to_hex(hex(text)));
}

TEST(HdlcFrame, GuruxSnrmWithoutInformation) {
  const Frame frame = decode_ok(vectors::kGuruxSnrm);
  EXPECT_EQ(frame.destination, *HdlcAddress::server(1, 0, 1));
  EXPECT_EQ(frame.source, *HdlcAddress::client(16));
  EXPECT_EQ(frame.control, ControlField::unnumbered(FrameType::snrm));
  EXPECT_FALSE(frame.segmented);
  EXPECT_TRUE(frame.information.empty());
  expect_round_trip(vectors::kGuruxSnrm);
}

TEST(HdlcFrame, EncodesTheCosemSnrmFromParts) {
  const Frame frame{*HdlcAddress::server(1, 17, 2),
                    *HdlcAddress::client(16),
                    ControlField::unnumbered(FrameType::snrm),
                    false,
                    {}};
  EXPECT_EQ(to_hex(*encode_frame(frame)), to_hex(hex(vectors::kCosemSnrm)));
}

TEST(HdlcFrame, PublicFramesRoundTrip) {
  for (auto text : {vectors::kCosemUa, vectors::kCosemAarq, vectors::kCosemAare,
                    vectors::kCosemSegment, vectors::kTraceSnrm, vectors::kTraceUa,
                    vectors::kTraceDisc, vectors::kTraceGetRequest, vectors::kTraceGetResponse}) {
    SCOPED_TRACE(text);
    expect_round_trip(text);
  }
}

TEST(HdlcFrame, AarqInformationFrame) {
  const Frame frame = decode_ok(vectors::kCosemAarq);
  EXPECT_EQ(frame.destination, *HdlcAddress::server(1, 17, 2));
  EXPECT_EQ(frame.control, ControlField::information(0, 0, true));
  ASSERT_GE(frame.information.size(), 3u);
  EXPECT_EQ(frame.information[0], 0xE6);
  EXPECT_EQ(frame.information[1], 0xE6);
  EXPECT_EQ(frame.information[3], 0x60);  // AARQ tag
}

TEST(HdlcFrame, SegmentWhoseLengthByteIsTheFlag) {
  const Frame frame = decode_ok(vectors::kCosemSegment);
  EXPECT_TRUE(frame.segmented);
  EXPECT_EQ(frame.control, ControlField::information(3, 4, true));
  EXPECT_EQ(frame.destination, *HdlcAddress::client(16));
  EXPECT_EQ(frame.source, *HdlcAddress::server_one_byte(0, 1));
  EXPECT_EQ(frame.information.size(), 126u - 2 - 1 - 1 - 1 - 2 - 2);
}

TEST(HdlcFrame, UserMeterSnrm) {
  // The user's SNRM: client SAP 1 (0x03) to server logical 0 / physical 1 packed in one byte
  // (0x03), no information field. Built by hand per IEC 62056-46; the checksum comes from crc16,
  // which is checked against the catalogue value and the public frames above.
  const Frame frame{*HdlcAddress::server_one_byte(0, 1),
                    *HdlcAddress::client(1),
                    ControlField::unnumbered(FrameType::snrm),
                    false,
                    {}};
  auto bytes = encode_frame(frame);
  ASSERT_TRUE(bytes);
  ASSERT_EQ(bytes->size(), 9u);
  EXPECT_EQ(to_hex(ByteView(*bytes).first(6)), "7E A0 07 03 03 93");
  const std::uint16_t fcs = crc16(ByteView(*bytes).subspan(1, 5));
  EXPECT_EQ((*bytes)[6], fcs & 0xFF);
  EXPECT_EQ((*bytes)[7], fcs >> 8);
  EXPECT_EQ(*decode_frame(*bytes), frame);
}

TEST(HdlcFrame, FourByteAddressesAndLongestFrame) {
  Frame frame{*HdlcAddress::server(0x3FFF, 0x1234, 4), *HdlcAddress::client(1),
              ControlField::information(5, 6, false), true, Bytes(2047 - 2 - 4 - 1 - 1 - 2 - 2)};
  for (std::size_t i = 0; i < frame.information.size(); ++i) {
    frame.information[i] = static_cast<std::uint8_t>(i * 7);
  }
  auto bytes = encode_frame(frame);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_EQ(bytes->size(), kMaxEncodedFrameSize);
  EXPECT_EQ((*bytes)[1], 0xAF);  // format type 3, S bit, length high bits 111
  EXPECT_EQ((*bytes)[2], 0xFF);
  EXPECT_EQ(*decode_frame(*bytes), frame);

  frame.information.push_back(0);
  auto too_long = encode_frame(frame);
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.error().code, ErrorCode::out_of_range);
}

Error decode_error(const Bytes& bytes) {
  auto frame = decode_frame(bytes);
  EXPECT_FALSE(frame);
  return frame ? Error{} : frame.error();
}

TEST(HdlcFrame, BadHcsAndBadFcs) {
  Bytes bad_hcs = hex(vectors::kCosemAarq);
  bad_hcs[7] ^= 0x01;
  const Error hcs = decode_error(bad_hcs);
  EXPECT_EQ(hcs.code, ErrorCode::checksum);
  EXPECT_NE(hcs.message.find("header check sequence"), std::string::npos) << hcs.message;

  Bytes bad_fcs = hex(vectors::kCosemAarq);
  bad_fcs[bad_fcs.size() - 2] ^= 0x80;
  const Error fcs = decode_error(bad_fcs);
  EXPECT_EQ(fcs.code, ErrorCode::checksum);
  EXPECT_NE(fcs.message.find("frame check sequence"), std::string::npos) << fcs.message;

  Bytes bad_data = hex(vectors::kCosemAarq);
  bad_data[20] ^= 0x10;
  EXPECT_EQ(decode_error(bad_data).code, ErrorCode::checksum);

  Bytes bad_short_fcs = hex(vectors::kGuruxSnrm);
  bad_short_fcs[6] ^= 0xFF;
  EXPECT_EQ(decode_error(bad_short_fcs).code, ErrorCode::checksum);
}

TEST(HdlcFrame, StructuralErrors) {
  const Bytes good = hex(vectors::kCosemAare);
  // Truncated anywhere: a clear error, never a crash.
  for (std::size_t size = 0; size < good.size(); ++size) {
    auto frame = decode_frame(ByteView(good).first(size));
    ASSERT_FALSE(frame) << size;
  }
  EXPECT_EQ(decode_error(Bytes(good.begin(), good.end() - 1)).code, ErrorCode::truncated);

  Bytes no_flag = good;
  no_flag[0] = 0x7F;
  EXPECT_NE(decode_error(no_flag).message.find("0x7E"), std::string::npos);

  Bytes format_type = good;
  format_type[1] = 0x80;
  EXPECT_NE(decode_error(format_type).message.find("format type"), std::string::npos);

  Bytes no_closing = good;
  no_closing.back() = 0x00;
  EXPECT_NE(decode_error(no_closing).message.find("closing"), std::string::npos);

  Bytes extra = good;
  extra.push_back(0x7E);
  EXPECT_EQ(decode_error(extra).code, ErrorCode::malformed);

  // Length below the minimum, and a length that leaves no room for the header.
  EXPECT_NE(decode_error(hex("7E A0 06 03 21 93 0F 7E")).message.find("minimum"),
            std::string::npos);
  EXPECT_NE(decode_error(hex("7E A0 07 02 02 02 03 21 93 00 00 7E")).message.find("shorter"),
            std::string::npos);
  // Address without an end bit within 4 bytes.
  EXPECT_NE(decode_error(hex("7E A0 0A 02 02 02 02 21 93 00 00 7E")).message.find("too long"),
            std::string::npos);
  // Unknown control byte.
  EXPECT_EQ(decode_error(hex("7E A0 07 03 21 09 00 00 7E")).code, ErrorCode::unsupported);
}

TEST(HdlcFrame, HcsWithoutInformationIsMalformed) {
  // Two bytes between control and FCS: an HCS with an empty information field, which no encoder
  // produces. Checksums are made valid so that only the structure is at fault.
  Bytes bytes = hex("7E A0 09 03 21 93 00 00 00 00 7E");
  const std::uint16_t hcs = crc16(ByteView(bytes).subspan(1, 5));
  bytes[6] = static_cast<std::uint8_t>(hcs);
  bytes[7] = static_cast<std::uint8_t>(hcs >> 8);
  const std::uint16_t fcs = crc16(ByteView(bytes).subspan(1, 7));
  bytes[8] = static_cast<std::uint8_t>(fcs);
  bytes[9] = static_cast<std::uint8_t>(fcs >> 8);
  const Error error = decode_error(bytes);
  EXPECT_EQ(error.code, ErrorCode::malformed);
  EXPECT_NE(error.message.find("no information"), std::string::npos) << error.message;
}

TEST(HdlcFrame, FrameLengthFromFormat) {
  EXPECT_EQ(*frame_length_from_format(0xA0, 0x1D), 29u);  // dlms-cosem format field tests
  EXPECT_EQ(*frame_length_from_format(0xA8, 0x1D), 29u);
  EXPECT_EQ(*frame_length_from_format(0xA7, 0xFF), 2047u);
  EXPECT_FALSE(frame_length_from_format(0xB0, 0x1D));
  EXPECT_FALSE(frame_length_from_format(0xA0, 0x06));
}

TEST(HdlcFrame, CheckFrameHeaderJudgesEarly) {
  const Bytes good = hex(vectors::kCosemAarq);
  for (std::size_t size = 0; size <= good.size(); ++size) {
    EXPECT_TRUE(check_frame_header(ByteView(good).first(size))) << size;
  }
  Bytes bad = good;
  bad[7] ^= 0x01;
  EXPECT_TRUE(check_frame_header(ByteView(bad).first(7)));  // HCS not complete yet
  EXPECT_FALSE(check_frame_header(ByteView(bad).first(9)));
  EXPECT_TRUE(check_frame_header(hex("7E B0")));  // format incomplete: judged later
  EXPECT_FALSE(check_frame_header(hex("7E B0 00")));
  EXPECT_FALSE(check_frame_header(hex("7E A0 07 03 21 09")));
}

}  // namespace
}  // namespace dlmsgw::hdlc
