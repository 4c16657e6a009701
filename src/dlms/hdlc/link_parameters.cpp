#include "dlms/hdlc/link_parameters.hpp"

#include <algorithm>
#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/hex.hpp"

namespace dlmsgw::hdlc {
namespace {

constexpr std::uint8_t kFormatIdentifier = 0x81;
constexpr std::uint8_t kGroupIdentifier = 0x80;
constexpr std::uint8_t kMaxInfoTransmit = 0x05;
constexpr std::uint8_t kMaxInfoReceive = 0x06;
constexpr std::uint8_t kWindowTransmit = 0x07;
constexpr std::uint8_t kWindowReceive = 0x08;

void put_parameter(ByteWriter& writer, std::uint8_t id, std::uint32_t value) {
  writer.put_u8(id);
  if (value <= 0xFF) {
    writer.put_u8(1);
    writer.put_u8(static_cast<std::uint8_t>(value));
  } else if (value <= 0xFFFF) {
    writer.put_u8(2);
    writer.put_u16_be(static_cast<std::uint16_t>(value));
  } else {
    writer.put_u8(4);
    writer.put_u32_be(value);
  }
}

const char* parameter_name(std::uint8_t id) {
  switch (id) {
    case kMaxInfoTransmit:
      return "max information field length transmit";
    case kMaxInfoReceive:
      return "max information field length receive";
    case kWindowTransmit:
      return "window size transmit";
    default:
      return "window size receive";
  }
}

LinkParameters clamp(LinkParameters p) {
  p.max_info_transmit = std::min(p.max_info_transmit, kMaxInformationLength);
  p.max_info_receive = std::min(p.max_info_receive, kMaxInformationLength);
  p.window_transmit = std::min(p.window_transmit, kMaxWindowSize);
  p.window_receive = std::min(p.window_receive, kMaxWindowSize);
  return p;
}

}  // namespace

Bytes encode_link_parameters(const LinkParameters& parameters) {
  ByteWriter group;
  put_parameter(group, kMaxInfoTransmit, parameters.max_info_transmit);
  put_parameter(group, kMaxInfoReceive, parameters.max_info_receive);
  put_parameter(group, kWindowTransmit, parameters.window_transmit);
  put_parameter(group, kWindowReceive, parameters.window_receive);
  ByteWriter writer;
  writer.put_u8(kFormatIdentifier);
  writer.put_u8(kGroupIdentifier);
  writer.put_u8(static_cast<std::uint8_t>(group.size()));  // at most 4 x 6 bytes
  writer.put_bytes(group.bytes());
  return writer.take();
}

Expected<LinkParameters> decode_link_parameters(ByteView information) {
  LinkParameters parameters;
  if (information.empty()) return parameters;
  ByteReader reader(information);
  DLMSGW_TRY_ASSIGN(const std::uint8_t format, reader.read_u8("HDLC parameters format identifier"));
  DLMSGW_TRY_ASSIGN(const std::uint8_t group, reader.read_u8("HDLC parameters group identifier"));
  if (format != kFormatIdentifier || group != kGroupIdentifier) {
    return make_error(ErrorCode::malformed,
                      "HDLC parameters: expected format 0x81 group 0x80, got 0x" +
                          to_hex(ByteView(information).first(2), '\0'));
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t group_length,
                    reader.read_u8("HDLC parameters group length"));
  DLMSGW_TRY_ASSIGN(const ByteView group_bytes,
                    reader.read_bytes(group_length, "HDLC parameters group"));
  if (!reader.empty()) {
    return make_error(ErrorCode::malformed,
                      "HDLC parameters: " + std::to_string(reader.remaining()) +
                          " byte(s) after the parameter group");
  }
  ByteReader group_reader(group_bytes);
  while (!group_reader.empty()) {
    DLMSGW_TRY_ASSIGN(const std::uint8_t id, group_reader.read_u8("HDLC parameter identifier"));
    DLMSGW_TRY_ASSIGN(const std::uint8_t size, group_reader.read_u8("HDLC parameter length"));
    DLMSGW_TRY_ASSIGN(const ByteView value_bytes,
                      group_reader.read_bytes(size, "HDLC parameter value"));
    if (id < kMaxInfoTransmit || id > kWindowReceive) continue;  // not ours to judge
    if (size != 1 && size != 2 && size != 4) {
      return make_error(ErrorCode::malformed, std::string("HDLC parameter ") + parameter_name(id) +
                                                  ": value of " + std::to_string(size) +
                                                  " bytes (expected 1, 2 or 4)");
    }
    std::uint32_t value = 0;
    for (const std::uint8_t byte : value_bytes) value = (value << 8) | byte;
    if (value == 0) {
      return make_error(ErrorCode::out_of_range,
                        std::string("HDLC parameter ") + parameter_name(id) + " is 0");
    }
    switch (id) {
      case kMaxInfoTransmit:
        parameters.max_info_transmit = value;
        break;
      case kMaxInfoReceive:
        parameters.max_info_receive = value;
        break;
      case kWindowTransmit:
        parameters.window_transmit = value;
        break;
      default:
        parameters.window_receive = value;
        break;
    }
  }
  return parameters;
}

LinkParameters negotiate_client(const LinkParameters& proposed, const LinkParameters& answered) {
  return clamp({std::min(proposed.max_info_transmit, answered.max_info_receive),
                std::min(proposed.max_info_receive, answered.max_info_transmit),
                std::min(proposed.window_transmit, answered.window_receive),
                std::min(proposed.window_receive, answered.window_transmit)});
}

LinkParameters negotiate_server(const LinkParameters& own, const LinkParameters& proposed) {
  return clamp({std::min(own.max_info_transmit, proposed.max_info_receive),
                std::min(own.max_info_receive, proposed.max_info_transmit),
                std::min(own.window_transmit, proposed.window_receive),
                std::min(own.window_receive, proposed.window_transmit)});
}

}  // namespace dlmsgw::hdlc
