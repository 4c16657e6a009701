#include "dlms/hdlc/control_field.hpp"

#include <cstdio>

namespace dlmsgw::hdlc {
namespace {

constexpr std::uint8_t kPollFinal = 0x10;

// Unnumbered frame codes with the P/F bit cleared.
constexpr std::uint8_t kSnrm = 0x83;
constexpr std::uint8_t kDisc = 0x43;
constexpr std::uint8_t kUa = 0x63;
constexpr std::uint8_t kDm = 0x0F;
constexpr std::uint8_t kFrmr = 0x87;
constexpr std::uint8_t kUi = 0x03;
constexpr std::uint8_t kRr = 0x01;
constexpr std::uint8_t kRnr = 0x05;

}  // namespace

std::string_view to_string(FrameType type) {
  switch (type) {
    case FrameType::i:
      return "I";
    case FrameType::rr:
      return "RR";
    case FrameType::rnr:
      return "RNR";
    case FrameType::snrm:
      return "SNRM";
    case FrameType::disc:
      return "DISC";
    case FrameType::ua:
      return "UA";
    case FrameType::dm:
      return "DM";
    case FrameType::frmr:
      return "FRMR";
    case FrameType::ui:
      return "UI";
  }
  return "?";
}

std::uint8_t ControlField::encode() const {
  const unsigned pf = poll_final ? kPollFinal : 0U;
  const unsigned nr = static_cast<unsigned>(receive_sequence & 7U) << 5;
  unsigned byte = 0;
  switch (type) {
    case FrameType::i:
      byte = nr | pf | (static_cast<unsigned>(send_sequence & 7U) << 1);
      break;
    case FrameType::rr:
      byte = nr | pf | kRr;
      break;
    case FrameType::rnr:
      byte = nr | pf | kRnr;
      break;
    case FrameType::snrm:
      byte = kSnrm | pf;
      break;
    case FrameType::disc:
      byte = kDisc | pf;
      break;
    case FrameType::ua:
      byte = kUa | pf;
      break;
    case FrameType::dm:
      byte = kDm | pf;
      break;
    case FrameType::frmr:
      byte = kFrmr | pf;
      break;
    case FrameType::ui:
      byte = kUi | pf;
      break;
  }
  return static_cast<std::uint8_t>(byte);
}

Expected<ControlField> ControlField::decode(std::uint8_t byte) {
  const bool pf = (byte & kPollFinal) != 0;
  const auto nr = static_cast<std::uint8_t>(byte >> 5);
  if ((byte & 1U) == 0) {
    return information(static_cast<std::uint8_t>((byte >> 1) & 7U), nr, pf);
  }
  if ((byte & 3U) == 1) {
    switch (byte & 0x0FU) {
      case kRr:
        return supervisory(FrameType::rr, nr, pf);
      case kRnr:
        return supervisory(FrameType::rnr, nr, pf);
      default:
        break;  // REJ and SREJ are not part of the DLMS profile.
    }
  } else {
    switch (static_cast<std::uint8_t>(byte & ~kPollFinal)) {
      case kSnrm:
        return unnumbered(FrameType::snrm, pf);
      case kDisc:
        return unnumbered(FrameType::disc, pf);
      case kUa:
        return unnumbered(FrameType::ua, pf);
      case kDm:
        return unnumbered(FrameType::dm, pf);
      case kFrmr:
        return unnumbered(FrameType::frmr, pf);
      case kUi:
        return unnumbered(FrameType::ui, pf);
      default:
        break;
    }
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "0x%02X", byte);
  return make_error(ErrorCode::unsupported, std::string("HDLC control field ") + hex +
                                                ": not a frame type of IEC 62056-46");
}

std::string ControlField::to_string() const {
  std::string text(hdlc::to_string(type));
  if (type == FrameType::i) text += " N(S)=" + std::to_string(send_sequence);
  if (type == FrameType::i || type == FrameType::rr || type == FrameType::rnr) {
    text += " N(R)=" + std::to_string(receive_sequence);
  }
  if (poll_final) text += " P/F";
  return text;
}

}  // namespace dlmsgw::hdlc
