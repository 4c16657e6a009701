#include "dlms/axdr/axdr_length.hpp"

#include <string>

#include "core/hex.hpp"

namespace dlmsgw::axdr {

void encode_length(ByteWriter& writer, std::uint32_t length) {
  if (length < 0x80) {
    writer.put_u8(static_cast<std::uint8_t>(length));
    return;
  }
  int byte_count = 1;
  while (byte_count < 4 && (length >> (8 * byte_count)) != 0) ++byte_count;
  writer.put_u8(static_cast<std::uint8_t>(0x80 | byte_count));
  for (int shift = 8 * (byte_count - 1); shift >= 0; shift -= 8) {
    writer.put_u8(static_cast<std::uint8_t>(length >> shift));
  }
}

Expected<std::uint32_t> decode_length(ByteReader& reader, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t first, reader.read_u8(what));
  if (first < 0x80) return first;
  const int byte_count = first & 0x7F;
  if (byte_count == 0) {
    return make_error(ErrorCode::malformed,
                      std::string(what) + ": the indefinite length form 0x80 is not used by DLMS");
  }
  if (byte_count > 4) {
    return make_error(ErrorCode::malformed, std::string(what) + ": length form 0x" +
                                                to_hex(ByteView(&first, 1)) + " needs " +
                                                std::to_string(byte_count) +
                                                " length bytes; 1 to 4 are allowed");
  }
  std::uint32_t length = 0;
  for (int i = 0; i < byte_count; ++i) {
    DLMSGW_TRY_ASSIGN(const std::uint8_t next, reader.read_u8(what));
    length = (length << 8) | next;
  }
  return length;
}

}  // namespace dlmsgw::axdr
