#include "dlms/wrapper/wrapper_frame.hpp"

#include <functional>
#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/hex.hpp"

namespace dlmsgw::wrapper {

Expected<WrapperHeader> decode_wrapper_header(ByteView bytes) {
  ByteReader reader(bytes);
  WrapperHeader header;
  DLMSGW_TRY_ASSIGN(header.version, reader.read_u16_be("wrapper version"));
  if (header.version != kWrapperVersion) {
    const Bytes version = {static_cast<std::uint8_t>(header.version >> 8),
                           static_cast<std::uint8_t>(header.version)};
    return make_error(ErrorCode::unsupported,
                      "wrapper version 0x" + to_hex(version, '\0') +
                          ", expected 0x0001 (not an IEC 62056-47 stream?)");
  }
  DLMSGW_TRY_ASSIGN(header.source_wport, reader.read_u16_be("wrapper source wPort"));
  DLMSGW_TRY_ASSIGN(header.destination_wport, reader.read_u16_be("wrapper destination wPort"));
  DLMSGW_TRY_ASSIGN(header.length, reader.read_u16_be("wrapper length"));
  return header;
}

Expected<Bytes> encode_wrapper_frame(const WrapperFrame& frame) {
  Bytes out;
  DLMSGW_TRY(
      encode_wrapper_frame_into(frame.source_wport, frame.destination_wport, frame.apdu, out));
  return out;
}

Expected<void> encode_wrapper_frame_into(std::uint16_t source_wport,
                                         std::uint16_t destination_wport, ByteView apdu,
                                         Bytes& out) {
  if (apdu.size() > kMaxApduSize) {
    return make_error(ErrorCode::invalid_argument,
                      "wrapper: APDU of " + std::to_string(apdu.size()) +
                          " bytes exceeds the 65535 the length field can carry");
  }
  // `out` is cleared before `apdu` is copied: an APDU inside `out`'s storage would be overwritten
  // first (std::less: a total order even for pointers into unrelated objects).
  const std::less<const std::uint8_t*> before;
  if (!apdu.empty() && !before(apdu.data(), out.data()) &&
      before(apdu.data(), out.data() + out.capacity())) {
    return make_error(ErrorCode::invalid_argument,
                      "wrapper: the APDU to encode lies in the output buffer it would be encoded "
                      "into; encode from a buffer of its own");
  }
  const auto put_u16 = [&out](std::uint16_t value) {
    out.push_back(static_cast<std::uint8_t>(value >> 8));
    out.push_back(static_cast<std::uint8_t>(value));
  };
  out.clear();
  out.reserve(kHeaderSize + apdu.size());
  put_u16(kWrapperVersion);
  put_u16(source_wport);
  put_u16(destination_wport);
  put_u16(static_cast<std::uint16_t>(apdu.size()));
  out.insert(out.end(), apdu.begin(), apdu.end());
  return Expected<void>{};
}

Expected<WrapperFrame> decode_wrapper_frame(ByteView bytes) {
  DLMSGW_TRY_ASSIGN(const WrapperHeader header, decode_wrapper_header(bytes));
  const std::size_t available = bytes.size() - kHeaderSize;
  if (header.length != available) {
    return make_error(available < header.length ? ErrorCode::truncated : ErrorCode::malformed,
                      "wrapper length " + std::to_string(header.length) + ", but " +
                          std::to_string(available) + " APDU byte(s) follow the header");
  }
  const ByteView apdu = bytes.subspan(kHeaderSize);
  return WrapperFrame{header.source_wport, header.destination_wport,
                      Bytes(apdu.begin(), apdu.end())};
}

}  // namespace dlmsgw::wrapper
