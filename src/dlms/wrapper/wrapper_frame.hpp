#pragma once
// WrapperFrame: one APDU in the IEC 62056-47 TCP/UDP wrapper (the "wrapper" transport on port
// 4059). An 8-byte header precedes the APDU:
//
//   version (0x0001) | source wPort | destination wPort | length of the APDU   (all 16-bit BE)
//
// wPorts play the role of HDLC addresses: the client's SAP (e.g. 16 public client, 1 management)
// and the server's logical device (1 = management logical device).

#include <cstdint>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::wrapper {

inline constexpr std::uint16_t kWrapperVersion = 0x0001;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kMaxApduSize = 0xFFFF;  // the length field is 16 bits

struct WrapperHeader {
  std::uint16_t version = kWrapperVersion;
  std::uint16_t source_wport = 0;
  std::uint16_t destination_wport = 0;
  std::uint16_t length = 0;  // of the APDU that follows

  bool operator==(const WrapperHeader&) const = default;
};

struct WrapperFrame {
  std::uint16_t source_wport = 0;
  std::uint16_t destination_wport = 0;
  Bytes apdu;

  bool operator==(const WrapperFrame&) const = default;
};

// Reads the 8 header bytes at the start of `bytes`; a version other than 0x0001 is `unsupported`.
Expected<WrapperHeader> decode_wrapper_header(ByteView bytes);

// `invalid_argument` for an APDU longer than 65535 bytes.
Expected<Bytes> encode_wrapper_frame(const WrapperFrame& frame);
// The same into `out` (replacing its content, keeping its capacity: a sender reusing one buffer
// allocates nothing per frame). `apdu` must not view `out`'s own storage (it is cleared first):
// `invalid_argument` if it does.
Expected<void> encode_wrapper_frame_into(std::uint16_t source_wport,
                                         std::uint16_t destination_wport, ByteView apdu,
                                         Bytes& out);
// `bytes` must be exactly one frame: the header's length must match what follows.
Expected<WrapperFrame> decode_wrapper_frame(ByteView bytes);

}  // namespace dlmsgw::wrapper
