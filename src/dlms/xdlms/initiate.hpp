#pragma once
// InitiateRequest / InitiateResponse: the xDLMS APDUs carried in the user-information of the AARQ
// and AARE (Green Book, DLMS UA 1000-2, "xDLMS-Initiate.request/response"). They negotiate the DLMS
// version, the conformance block and the maximum APDU size each side accepts. A-XDR encoded:
//
//   InitiateRequest  ::= 01 dedicated-key? response-allowed(DEFAULT TRUE) proposed-qos?
//                        proposed-dlms-version-number conformance client-max-receive-pdu-size
//   InitiateResponse ::= 08 negotiated-qos? negotiated-dlms-version-number conformance
//                        server-max-receive-pdu-size vaa-name
//
// An OPTIONAL field is a presence byte (00 absent, 01 present) followed by the value; the DEFAULT
// field is 00 for "the default" or 01 and the value.

#include <cstdint>
#include <optional>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "dlms/xdlms/conformance.hpp"

namespace dlmsgw::xdlms {

inline constexpr std::uint8_t kInitiateRequestTag = 0x01;
inline constexpr std::uint8_t kInitiateResponseTag = 0x08;
inline constexpr std::uint8_t kDlmsVersion = 6;
// The VAA name the server reports: the Association LN object's base name for SN referencing
// (0xFA00), and the fixed value 0x0007 for LN referencing.
inline constexpr std::uint16_t kVaaNameLn = 0x0007;
inline constexpr std::uint16_t kVaaNameSn = 0xFA00;

struct InitiateRequest {
  // Only sent when the association uses a dedicated key (it then travels ciphered).
  std::optional<Bytes> dedicated_key;
  bool response_allowed = true;
  std::optional<std::int8_t> proposed_quality_of_service;
  std::uint8_t proposed_dlms_version = kDlmsVersion;
  Conformance proposed_conformance;
  std::uint16_t client_max_receive_pdu_size = 0xFFFF;

  [[nodiscard]] Bytes encode() const;
  // The whole of `bytes` must be one InitiateRequest: trailing bytes are an error.
  static Expected<InitiateRequest> decode(ByteView bytes);

  bool operator==(const InitiateRequest&) const = default;
};

struct InitiateResponse {
  std::optional<std::int8_t> negotiated_quality_of_service;
  std::uint8_t negotiated_dlms_version = kDlmsVersion;
  Conformance negotiated_conformance;
  std::uint16_t server_max_receive_pdu_size = 0;
  std::uint16_t vaa_name = kVaaNameLn;

  [[nodiscard]] Bytes encode() const;
  // The whole of `bytes` must be one InitiateResponse: trailing bytes are an error.
  static Expected<InitiateResponse> decode(ByteView bytes);

  bool operator==(const InitiateResponse&) const = default;
};

}  // namespace dlmsgw::xdlms
