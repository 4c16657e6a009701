#pragma once
// ControlField: the HDLC control byte of IEC 62056-46 (clause 6.4.3). It says what kind of frame
// this is (information, supervisory or unnumbered), carries the 3-bit sequence numbers N(S) and
// N(R) where the kind has them, and the poll/final bit.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::hdlc {

enum class FrameType : std::uint8_t {
  i,     // information: N(S), N(R), P/F
  rr,    // receive ready: N(R), P/F
  rnr,   // receive not ready (peer busy): N(R), P/F
  snrm,  // set normal response mode (connect)
  disc,  // disconnect
  ua,    // unnumbered acknowledge
  dm,    // disconnected mode
  frmr,  // frame reject
  ui,    // unnumbered information
};

// "I", "RR", "RNR", "SNRM", "DISC", "UA", "DM", "FRMR", "UI".
std::string_view to_string(FrameType type);

struct ControlField {
  FrameType type = FrameType::i;
  std::uint8_t send_sequence = 0;     // N(S), 0..7, I frames only
  std::uint8_t receive_sequence = 0;  // N(R), 0..7, I, RR and RNR frames only
  bool poll_final = true;

  static ControlField information(std::uint8_t ns, std::uint8_t nr, bool poll_final = true) {
    return {FrameType::i, ns, nr, poll_final};
  }
  static ControlField supervisory(FrameType type, std::uint8_t nr, bool poll_final = true) {
    return {type, 0, nr, poll_final};
  }
  static ControlField unnumbered(FrameType type, bool poll_final = true) {
    return {type, 0, 0, poll_final};
  }

  // Sequence numbers are taken modulo 8; fields a type does not carry are ignored.
  [[nodiscard]] std::uint8_t encode() const;
  // Errors on control bytes this profile does not define (REJ, SREJ, unknown U frames). Fields the
  // type does not carry come back as 0.
  static Expected<ControlField> decode(std::uint8_t byte);

  // "I N(S)=0 N(R)=1 F", "RR N(R)=3 P", "SNRM P", ...
  [[nodiscard]] std::string to_string() const;

  bool operator==(const ControlField&) const = default;
};

}  // namespace dlmsgw::hdlc
