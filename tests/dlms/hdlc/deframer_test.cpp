#include "dlms/hdlc/deframer.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/hex.hpp"
#include "dlms/hdlc/hdlc_vectors.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::hdlc {
namespace {

using ::dlmsgw::test::hex;

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::vector<Frame> feed_in_chunks(Deframer& deframer, const Bytes& stream, std::size_t chunk) {
  std::vector<Frame> frames;
  for (std::size_t at = 0; at < stream.size(); at += chunk) {
    const std::size_t size = std::min(chunk, stream.size() - at);
    for (Frame& frame : deframer.feed(ByteView(stream).subspan(at, size))) {
      frames.push_back(std::move(frame));
    }
  }
  return frames;
}

// An I frame from server 0/1 (one byte) to client 1 whose FCS contains 0x7E, found by trying
// payloads; the exact frame depends only on the CRC, so the search is deterministic.
Frame frame_with_flag_in_fcs() {
  Frame frame{*HdlcAddress::client(1),
              *HdlcAddress::server_one_byte(0, 1),
              ControlField::information(0, 1),
              false,
              {0xE6, 0xE7, 0x00, 0xC4, 0x01, 0x81, 0x00}};
  for (int value = 0; value < 0x10000; ++value) {
    frame.information.resize(7);
    frame.information.push_back(static_cast<std::uint8_t>(value >> 8));
    frame.information.push_back(static_cast<std::uint8_t>(value));
    const Bytes bytes = *encode_frame(frame);
    if (bytes[bytes.size() - 3] == kFlag || bytes[bytes.size() - 2] == kFlag) return frame;
  }
  ADD_FAILURE() << "no payload gives an FCS with 0x7E";
  return frame;
}

// An I frame whose HCS contains 0x7E and whose data contains 0x7E too (the invoke-id byte 126 that
// broke the user's old client), found by trying control fields and client addresses.
Frame frame_with_flag_in_hcs() {
  for (int sap = 1; sap < 128; ++sap) {
    for (int control = 0; control < 256; control += 2) {
      Frame frame{*HdlcAddress::server(1, 17, 2),
                  *HdlcAddress::client(static_cast<std::uint8_t>(sap)),
                  *ControlField::decode(static_cast<std::uint8_t>(control)), false,
                  hex("E6 E6 00 C0 01 7E 00 03 01 01 20 07 00 FF 02 00")};
      const Bytes bytes = *encode_frame(frame);
      const std::size_t hcs_at = 1 + 2 + 2 + 1 + 1;
      if (bytes[hcs_at] == kFlag || bytes[hcs_at + 1] == kFlag) return frame;
    }
  }
  ADD_FAILURE() << "no header gives an HCS with 0x7E";
  return {};
}

TEST(HdlcDeframer, PublicConversationInEverySplit) {
  const Bytes stream = concat({hex(vectors::kTraceSnrm), hex(vectors::kTraceUa),
                               hex(vectors::kTraceGetRequest), hex(vectors::kTraceGetResponse),
                               hex(vectors::kCosemSegment), hex(vectors::kTraceDisc)});
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    Deframer deframer;
    const auto frames = feed_in_chunks(deframer, stream, chunk);
    ASSERT_EQ(frames.size(), 6u) << "chunk " << chunk;
    EXPECT_EQ(frames[0].control.type, FrameType::snrm);
    EXPECT_EQ(frames[1].control.type, FrameType::ua);
    EXPECT_TRUE(frames[4].segmented);
    EXPECT_EQ(frames[5].control.type, FrameType::disc);
    EXPECT_EQ(deframer.stats().frames, 6u);
    EXPECT_EQ(deframer.stats().garbage_bytes, 0u);
    EXPECT_EQ(deframer.stats().bad_frames, 0u);
  }
}

TEST(HdlcDeframer, SharedFlagBetweenFrames) {
  // "7E ... 7E ... 7E": the closing flag of one frame opens the next.
  const Bytes ua = hex(vectors::kTraceUa);
  const Bytes req = hex(vectors::kTraceGetRequest);
  Bytes stream = ua;
  stream.insert(stream.end(), req.begin() + 1, req.end());
  Deframer deframer;
  const auto frames = deframer.feed(stream);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1], *decode_frame(req));
  // Extra fill flags between frames are not garbage either.
  const Bytes padded = concat({hex("7E 7E 7E"), ua, hex("7E 7E"), req});
  Deframer deframer2;
  EXPECT_EQ(deframer2.feed(padded).size(), 2u);
  EXPECT_EQ(deframer2.stats().garbage_bytes, 0u);
  EXPECT_EQ(deframer2.stats().bad_frames, 0u);
}

TEST(HdlcDeframer, FlagInsideFcs) {
  const Frame frame = frame_with_flag_in_fcs();
  const Bytes bytes = *encode_frame(frame);
  const Bytes stream = concat({bytes, bytes, hex(vectors::kTraceDisc)});
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    Deframer deframer;
    const auto frames = feed_in_chunks(deframer, stream, chunk);
    ASSERT_EQ(frames.size(), 3u) << chunk;
    EXPECT_EQ(frames[0], frame);
    EXPECT_EQ(frames[1], frame);
    EXPECT_EQ(deframer.stats().bad_frames, 0u);
  }
}

TEST(HdlcDeframer, FlagInsideHcsAndData) {
  const Frame frame = frame_with_flag_in_hcs();
  const Bytes bytes = *encode_frame(frame);
  EXPECT_EQ(*decode_frame(bytes), frame);
  const Bytes stream = concat({bytes, hex(vectors::kTraceUa), bytes});
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    Deframer deframer;
    const auto frames = feed_in_chunks(deframer, stream, chunk);
    ASSERT_EQ(frames.size(), 3u) << chunk;
    EXPECT_EQ(frames[2], frame);
  }
}

TEST(HdlcDeframer, GarbageBeforeAndBetweenFrames) {
  const Bytes stream =
      concat({hex("00 FF 12 A0"), hex(vectors::kTraceUa), hex("55 AA"), hex(vectors::kTraceDisc)});
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    Deframer deframer;
    const auto frames = feed_in_chunks(deframer, stream, chunk);
    ASSERT_EQ(frames.size(), 2u) << chunk;
    EXPECT_EQ(deframer.stats().garbage_bytes, 6u);
  }
}

TEST(HdlcDeframer, ResynchronisesAfterBadFrames) {
  Bytes bad_fcs = hex(vectors::kTraceGetResponse);
  bad_fcs[bad_fcs.size() - 2] ^= 0x01;
  Bytes bad_hcs = hex(vectors::kTraceGetRequest);
  bad_hcs[6] ^= 0x01;
  // A false start claiming a long frame: "7E A7 FF" then nothing valid; the real frame after it
  // must still come out once the false header is judged.
  const Bytes stream = concat({bad_fcs, bad_hcs, hex("7E A7 FF 03 21 10 00 00"),
                               hex(vectors::kTraceUa), hex("7E 80 07"), hex(vectors::kTraceDisc)});
  for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{7}, stream.size()}) {
    Deframer deframer;
    const auto frames = feed_in_chunks(deframer, stream, chunk);
    ASSERT_EQ(frames.size(), 2u) << chunk;
    EXPECT_EQ(frames[0].control.type, FrameType::ua);
    EXPECT_EQ(frames[1].control.type, FrameType::disc);
    EXPECT_GE(deframer.stats().bad_frames, 4u);
  }
}

TEST(HdlcDeframer, TruncatedFrameDoesNotSwallowTheNextOne) {
  // The first response lost its last 5 bytes on the line; its length field makes the deframer wait
  // into the next frame, whose bytes then fail the FCS, and resynchronisation recovers it.
  const Bytes response = hex(vectors::kTraceGetResponse);
  const Bytes stream =
      concat({Bytes(response.begin(), response.end() - 5), hex(vectors::kTraceGetResponse)});
  Deframer deframer;
  const auto frames = deframer.feed(stream);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], *decode_frame(response));
}

TEST(HdlcDeframer, FiltersEchoesAndForeignFrames) {
  // Half-duplex line: our SNRM (client 48 -> server 0x03) comes back before the meter's UA.
  Deframer deframer;
  deframer.expect_addresses(*HdlcAddress::client(48), *HdlcAddress::server(1, 0, 1));
  const Bytes stream = concat({hex(vectors::kTraceSnrm), hex(vectors::kTraceUa),
                               hex(vectors::kTraceDisc), hex(vectors::kCosemAare)});
  const auto frames = deframer.feed(stream);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].control.type, FrameType::ua);
  EXPECT_EQ(deframer.stats().echoes, 1u);
  EXPECT_EQ(deframer.stats().foreign_frames, 2u);  // DISC from client 16, AARE to client 16

  // Without a peer only the destination is checked.
  Deframer any_source;
  any_source.expect_addresses(*HdlcAddress::server(1, 0, 1), std::nullopt);
  EXPECT_EQ(any_source.feed(stream).size(), 2u);  // SNRM and DISC
  any_source.accept_any_address();
  EXPECT_EQ(any_source.feed(stream).size(), 4u);
}

TEST(HdlcDeframer, BoundedBufferAndReset) {
  Deframer deframer;
  // A plausible header for a maximal frame whose body never comes right: the buffer stays bounded.
  Bytes stream = hex("7E A7 FF 03 21 93");
  stream.resize(10000, 0x00);
  EXPECT_TRUE(deframer.feed(stream).empty());
  EXPECT_LE(deframer.buffered(), kMaxEncodedFrameSize);
  deframer.feed(hex("7E A0"));
  EXPECT_GT(deframer.buffered(), 0u);
  deframer.reset();
  EXPECT_EQ(deframer.buffered(), 0u);
  EXPECT_EQ(deframer.feed(hex(vectors::kTraceUa)).size(), 1u);
}

TEST(HdlcDeframer, MaximalFramesBackToBack) {
  Frame frame{*HdlcAddress::client(1), *HdlcAddress::server(0x3FFF, 0x3FFF, 4),
              ControlField::information(1, 2), true, Bytes(2047 - 12, 0x7E)};
  const Bytes bytes = *encode_frame(frame);
  ASSERT_EQ(bytes.size(), kMaxEncodedFrameSize);
  const Bytes stream = concat({bytes, bytes, bytes});
  for (std::size_t chunk : {std::size_t{1}, std::size_t{1000}, std::size_t{2049}, stream.size()}) {
    Deframer deframer;
    const auto frames = feed_in_chunks(deframer, stream, chunk);
    ASSERT_EQ(frames.size(), 3u) << chunk;
    EXPECT_EQ(frames[2], frame);
  }
}

}  // namespace
}  // namespace dlmsgw::hdlc
