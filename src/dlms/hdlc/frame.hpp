#pragma once
// Frame: one HDLC frame of IEC 62056-46 (frame format type 3), and its byte codec.
//
//   7E | format (2) | destination (1,2,4) | source (1,2,4) | control | [HCS (2) | information] |
//   FCS (2) | 7E
//
// The format field is 0xA in its high nibble, the segmentation bit S, then an 11-bit frame length
// counting every byte between the flags. The length is the only thing that says where a frame
// ends: a 0x7E byte may appear anywhere inside (data, HCS, FCS, even the length byte itself). HCS
// and FCS are CRC-16/X.25 sent low byte first; HCS covers format..control and is present only when
// there is an information field, FCS covers format..information.

#include <cstddef>
#include <cstdint>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/hdlc/control_field.hpp"
#include "dlms/hdlc/hdlc_address.hpp"

namespace dlmsgw::hdlc {

inline constexpr std::uint8_t kFlag = 0x7E;
// The frame length field has 11 bits; with both flags a frame occupies at most 2049 bytes.
inline constexpr std::size_t kMaxFrameLength = 0x7FF;
inline constexpr std::size_t kMaxEncodedFrameSize = kMaxFrameLength + 2;
// format + 1-byte addresses + control + FCS: the shortest possible frame length.
inline constexpr std::size_t kMinFrameLength = 7;

struct Frame {
  HdlcAddress destination;
  HdlcAddress source;
  ControlField control;
  bool segmented = false;  // S bit: more of this APDU follows in the next I frame
  Bytes information;

  bool operator==(const Frame&) const = default;
};

// Both flags included. Errors when the frame would be longer than the 11-bit length allows.
Expected<Bytes> encode_frame(const Frame& frame);

// `bytes` must be exactly one frame, opening and closing flag included. Errors name the fault:
// missing flag, bad format type, truncated, length mismatch, address too long, bad HCS, bad FCS...
Expected<Frame> decode_frame(ByteView bytes);

// The frame length in a format field (the two bytes after the opening flag), or an error when the
// format type is not 3 or the length is below the minimum. Used by stream deframers to know how
// many bytes to wait for.
Expected<std::size_t> frame_length_from_format(std::uint8_t high, std::uint8_t low);

// Checks the HCS of the frame starting at `bytes` (opening flag first) as soon as its header is
// complete, so that a deframer can reject a false start without waiting for the whole length.
// Returns true when the header is good or cannot be judged yet (too few bytes, no information
// field), an error when it is certainly bad.
Expected<void> check_frame_header(ByteView bytes);

}  // namespace dlmsgw::hdlc
