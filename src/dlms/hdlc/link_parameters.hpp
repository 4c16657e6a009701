#pragma once
// LinkParameters: the HDLC parameter negotiation of IEC 62056-46 (clause 6.4.4.4.3.2) carried in
// the information field of SNRM and UA:
//   81 (format identifier) 80 (HDLC parameter group) <group length>
//   05 <n> max information field length, transmit    06 <n> ... receive
//   07 <n> window size, transmit                      08 <n> ... receive
// Each value is 1, 2 or 4 bytes big-endian; meters differ (the user's meter answers with one-byte
// values). Each side states the parameters from its own point of view. A parameter left out, or a
// missing information field (the user's client sends SNRM without one), means the default: 128
// bytes and a window of 1.

#include <cstdint>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::hdlc {

inline constexpr std::uint32_t kDefaultMaxInformationLength = 128;
inline constexpr std::uint32_t kDefaultWindowSize = 1;
// Sequence numbers count modulo 8, so at most 7 frames may be unacknowledged.
inline constexpr std::uint32_t kMaxWindowSize = 7;
// What fits in one 2047-byte frame with two 4-byte addresses, HCS and FCS.
inline constexpr std::uint32_t kMaxInformationLength = 2047 - 2 - 4 - 4 - 1 - 2 - 2;

struct LinkParameters {
  std::uint32_t max_info_transmit = kDefaultMaxInformationLength;
  std::uint32_t max_info_receive = kDefaultMaxInformationLength;
  std::uint32_t window_transmit = kDefaultWindowSize;
  std::uint32_t window_receive = kDefaultWindowSize;

  bool operator==(const LinkParameters&) const = default;
};

// The information field for SNRM or UA, each value in the fewest bytes (1, 2 or 4) that hold it.
Bytes encode_link_parameters(const LinkParameters& parameters);

// Parses an SNRM/UA information field; empty means all defaults. Unknown parameter identifiers
// are skipped; values must be 1, 2 or 4 bytes; a zero window or length is an error.
Expected<LinkParameters> decode_link_parameters(ByteView information);

// The client's effective parameters, from what it proposed in SNRM (defaults when it sent none)
// and what the server answered in UA (server's point of view): the client may transmit no more
// than the server receives, and receive no more than the server transmits. Results are also kept
// within what a frame and the sequence numbers allow.
LinkParameters negotiate_client(const LinkParameters& proposed, const LinkParameters& answered);

// The server's answer to an SNRM: its own limits reduced to what the client proposed. This is
// both the UA's content and the server's effective parameters (server's point of view).
LinkParameters negotiate_server(const LinkParameters& own, const LinkParameters& proposed);

}  // namespace dlmsgw::hdlc
