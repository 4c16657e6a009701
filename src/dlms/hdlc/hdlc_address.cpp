#include "dlms/hdlc/hdlc_address.hpp"

#include <array>

namespace dlmsgw::hdlc {
namespace {

constexpr std::uint16_t kMax7 = 0x7F;
constexpr std::uint16_t kMax14 = 0x3FFF;

}  // namespace

Expected<HdlcAddress> HdlcAddress::client(std::uint8_t sap) {
  if (sap > kMax7) {
    return make_error(ErrorCode::out_of_range,
                      "HDLC client address " + std::to_string(sap) + " does not fit 7 bits");
  }
  return HdlcAddress(sap, 0, 1);
}

Expected<HdlcAddress> HdlcAddress::server(std::uint16_t upper, std::uint16_t lower,
                                          std::size_t size) {
  const auto describe = [&] {
    return "HDLC server address " + std::to_string(upper) + "/" + std::to_string(lower) + " in " +
           std::to_string(size) + " byte(s)";
  };
  switch (size) {
    case 1:
      if (upper > kMax7 || lower != 0) {
        return make_error(ErrorCode::out_of_range,
                          describe() + ": a one-byte address carries a 7-bit upper part only");
      }
      break;
    case 2:
      if (upper > kMax7 || lower > kMax7) {
        return make_error(ErrorCode::out_of_range, describe() + ": each part must fit 7 bits");
      }
      break;
    case 4:
      if (upper > kMax14 || lower > kMax14) {
        return make_error(ErrorCode::out_of_range, describe() + ": each part must fit 14 bits");
      }
      break;
    default:
      return make_error(ErrorCode::invalid_argument, describe() + ": size must be 1, 2 or 4");
  }
  return HdlcAddress(upper, lower, static_cast<std::uint8_t>(size));
}

Expected<HdlcAddress> HdlcAddress::server_one_byte(std::uint16_t logical, std::uint16_t physical) {
  const unsigned packed = (static_cast<unsigned>(logical) << 7) | physical;
  if (packed > kMax7) {
    return make_error(ErrorCode::out_of_range, "one-byte HDLC server address: (logical " +
                                                   std::to_string(logical) + " << 7) | physical " +
                                                   std::to_string(physical) + " = " +
                                                   std::to_string(packed) + " does not fit 7 bits");
  }
  return HdlcAddress(static_cast<std::uint16_t>(packed), 0, 1);
}

Expected<HdlcAddress> HdlcAddress::decode(ByteReader& reader, std::string_view what) {
  std::array<std::uint8_t, 4> bytes{};
  std::size_t count = 0;
  const std::size_t start = reader.position();
  while (true) {
    if (count == bytes.size()) {
      return make_error(ErrorCode::malformed, std::string(what) + " at offset " +
                                                  std::to_string(start) +
                                                  ": no end bit within 4 bytes (address too long)");
    }
    DLMSGW_TRY_ASSIGN(const std::uint8_t byte, reader.read_u8(what));
    bytes[count++] = byte;
    if ((byte & 1U) != 0) break;
  }
  const auto bits = [&](std::size_t i) { return static_cast<std::uint16_t>(bytes[i] >> 1); };
  switch (count) {
    case 1:
      return HdlcAddress(bits(0), 0, 1);
    case 2:
      return HdlcAddress(bits(0), bits(1), 2);
    case 4:
      return HdlcAddress(static_cast<std::uint16_t>((bits(0) << 7) | bits(1)),
                         static_cast<std::uint16_t>((bits(2) << 7) | bits(3)), 4);
    default:
      return make_error(ErrorCode::malformed, std::string(what) + " at offset " +
                                                  std::to_string(start) +
                                                  ": 3 bytes long (valid sizes are 1, 2 and 4)");
  }
}

void HdlcAddress::encode(ByteWriter& writer) const {
  const auto put = [&](unsigned seven_bits, bool last) {
    writer.put_u8(static_cast<std::uint8_t>(((seven_bits & kMax7) << 1) | (last ? 1U : 0U)));
  };
  switch (size_) {
    case 1:
      put(upper_, true);
      break;
    case 2:
      put(upper_, false);
      put(lower_, true);
      break;
    default:
      put(static_cast<unsigned>(upper_ >> 7), false);
      put(upper_, false);
      put(static_cast<unsigned>(lower_ >> 7), false);
      put(lower_, true);
      break;
  }
}

Bytes HdlcAddress::encode() const {
  ByteWriter writer;
  encode(writer);
  return writer.take();
}

std::string HdlcAddress::to_string() const {
  if (size_ == 1) return std::to_string(upper_) + " (1 byte)";
  return std::to_string(upper_) + "/" + std::to_string(lower_) + " (" + std::to_string(size_) +
         " bytes)";
}

}  // namespace dlmsgw::hdlc
