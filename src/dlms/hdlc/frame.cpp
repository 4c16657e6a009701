#include "dlms/hdlc/frame.hpp"

#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "dlms/hdlc/crc16.hpp"

namespace dlmsgw::hdlc {
namespace {

constexpr std::uint8_t kFormatType3 = 0xA0;
constexpr std::uint8_t kSegmentationBit = 0x08;

void put_crc(ByteWriter& writer, std::uint16_t crc) {
  writer.put_u8(static_cast<std::uint8_t>(crc & 0xFFU));
  writer.put_u8(static_cast<std::uint8_t>(crc >> 8));
}

std::uint16_t crc_on_wire(ByteView two_bytes) {
  return static_cast<std::uint16_t>(two_bytes[0] | (two_bytes[1] << 8));
}

std::string hex4(std::uint16_t value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string text = "0x";
  for (int shift = 12; shift >= 0; shift -= 4) text += kDigits[(value >> shift) & 0xFU];
  return text;
}

// Parsed header: where its parts are. Offsets count from the opening flag.
struct Header {
  std::size_t length = 0;  // frame length from the format field
  bool segmented = false;
  HdlcAddress destination;
  HdlcAddress source;
  ControlField control;
  std::size_t control_end = 0;  // offset just past the control byte
};

// Reads flag, format, addresses and control from `reader`, which starts at the opening flag.
Expected<Header> read_header(ByteReader& reader) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t flag, reader.read_u8("HDLC opening flag"));
  if (flag != kFlag) {
    return make_error(ErrorCode::malformed, "HDLC frame does not start with the 0x7E flag");
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t high, reader.read_u8("HDLC format field"));
  DLMSGW_TRY_ASSIGN(const std::uint8_t low, reader.read_u8("HDLC format field"));
  Header header;
  DLMSGW_TRY_ASSIGN(header.length, frame_length_from_format(high, low));
  header.segmented = (high & kSegmentationBit) != 0;
  DLMSGW_TRY_ASSIGN(header.destination, HdlcAddress::decode(reader, "HDLC destination address"));
  DLMSGW_TRY_ASSIGN(header.source, HdlcAddress::decode(reader, "HDLC source address"));
  DLMSGW_TRY_ASSIGN(const std::uint8_t control, reader.read_u8("HDLC control field"));
  DLMSGW_TRY_ASSIGN(header.control, ControlField::decode(control));
  header.control_end = reader.position();
  // Header bytes between the flag and the end of control, plus the FCS, must fit the length.
  if (header.control_end - 1 + 2 > header.length) {
    return make_error(ErrorCode::malformed, "HDLC frame length " + std::to_string(header.length) +
                                                " is shorter than its own header and FCS (" +
                                                std::to_string(header.control_end + 1) + " bytes)");
  }
  return header;
}

}  // namespace

Expected<std::size_t> frame_length_from_format(std::uint8_t high, std::uint8_t low) {
  if ((high & 0xF0U) != kFormatType3) {
    return make_error(ErrorCode::malformed,
                      "HDLC format field " + hex4(static_cast<std::uint16_t>((high << 8) | low)) +
                          ": frame format type is not 3 (0xA in the high nibble)");
  }
  const std::size_t length = (static_cast<std::size_t>(high & 0x07U) << 8) | low;
  if (length < kMinFrameLength) {
    return make_error(ErrorCode::malformed, "HDLC frame length " + std::to_string(length) +
                                                " is below the minimum of " +
                                                std::to_string(kMinFrameLength));
  }
  return length;
}

Expected<Bytes> encode_frame(const Frame& frame) {
  const std::size_t header_size = 2 + frame.destination.size() + frame.source.size() + 1;
  const bool has_information = !frame.information.empty();
  const std::size_t length = header_size + (has_information ? 2 + frame.information.size() : 0) + 2;
  if (length > kMaxFrameLength) {
    return make_error(ErrorCode::out_of_range,
                      "HDLC frame length " + std::to_string(length) + " exceeds the 11-bit limit " +
                          std::to_string(kMaxFrameLength) + " (information field of " +
                          std::to_string(frame.information.size()) + " bytes)");
  }
  ByteWriter writer;
  writer.put_u8(kFlag);
  writer.put_u8(static_cast<std::uint8_t>(kFormatType3 | (frame.segmented ? kSegmentationBit : 0U) |
                                          (length >> 8)));
  writer.put_u8(static_cast<std::uint8_t>(length & 0xFFU));
  frame.destination.encode(writer);
  frame.source.encode(writer);
  writer.put_u8(frame.control.encode());
  if (has_information) {
    put_crc(writer, crc16(ByteView(writer.bytes()).subspan(1)));
    writer.put_bytes(frame.information);
  }
  put_crc(writer, crc16(ByteView(writer.bytes()).subspan(1)));
  writer.put_u8(kFlag);
  return writer.take();
}

Expected<Frame> decode_frame(ByteView bytes) {
  ByteReader reader(bytes);
  DLMSGW_TRY_ASSIGN(const Header header, read_header(reader));
  const std::size_t expected_size = header.length + 2;
  if (bytes.size() < expected_size) {
    return make_error(ErrorCode::truncated, "HDLC frame length " + std::to_string(header.length) +
                                                " needs " + std::to_string(expected_size) +
                                                " bytes with flags, only " +
                                                std::to_string(bytes.size()) + " present");
  }
  if (bytes.size() > expected_size) {
    return make_error(ErrorCode::malformed, "HDLC frame length " + std::to_string(header.length) +
                                                " accounts for " + std::to_string(expected_size) +
                                                " bytes with flags, but " +
                                                std::to_string(bytes.size()) + " were given");
  }
  if (bytes[expected_size - 1] != kFlag) {
    return make_error(ErrorCode::malformed,
                      "HDLC frame has no closing 0x7E flag where its length field says it ends");
  }
  Frame frame{header.destination, header.source, header.control, header.segmented, {}};
  const std::size_t fcs_at = expected_size - 3;
  const std::size_t after_control = fcs_at - header.control_end;
  if (after_control > 0) {
    if (after_control <= 2) {
      return make_error(ErrorCode::malformed,
                        "HDLC frame has " + std::to_string(after_control) +
                            " byte(s) between control and FCS: room for an HCS but no information");
    }
    const std::uint16_t hcs = crc16(bytes.subspan(1, header.control_end - 1));
    const std::uint16_t hcs_sent = crc_on_wire(bytes.subspan(header.control_end, 2));
    if (hcs != hcs_sent) {
      return make_error(ErrorCode::checksum, "HDLC header check sequence: received " +
                                                 hex4(hcs_sent) + ", computed " + hex4(hcs));
    }
    const ByteView info = bytes.subspan(header.control_end + 2, after_control - 2);
    frame.information.assign(info.begin(), info.end());
  }
  const std::uint16_t fcs = crc16(bytes.subspan(1, fcs_at - 1));
  const std::uint16_t fcs_sent = crc_on_wire(bytes.subspan(fcs_at, 2));
  if (fcs != fcs_sent) {
    return make_error(ErrorCode::checksum, "HDLC frame check sequence: received " + hex4(fcs_sent) +
                                               ", computed " + hex4(fcs));
  }
  return frame;
}

Expected<void> check_frame_header(ByteView bytes) {
  ByteReader reader(bytes);
  auto header = read_header(reader);
  if (!header) {
    if (header.error().code == ErrorCode::truncated) return {};
    return header.error();
  }
  const bool has_information = header->length + 2 - 3 > header->control_end;
  if (!has_information || bytes.size() < header->control_end + 2) return {};
  const std::uint16_t hcs = crc16(bytes.subspan(1, header->control_end - 1));
  const std::uint16_t hcs_sent = crc_on_wire(bytes.subspan(header->control_end, 2));
  if (hcs != hcs_sent) {
    return make_error(ErrorCode::checksum, "HDLC header check sequence: received " +
                                               hex4(hcs_sent) + ", computed " + hex4(hcs));
  }
  return {};
}

}  // namespace dlmsgw::hdlc
