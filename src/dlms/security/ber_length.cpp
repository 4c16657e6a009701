#include "dlms/security/ber_length.hpp"

#include <cstdint>
#include <string>

#include "dlms/core/hex.hpp"

namespace dlmsgw::security {

void write_ber_length(ByteWriter& writer, std::size_t length) {
  if (length < 0x80) {
    writer.put_u8(static_cast<std::uint8_t>(length));
    return;
  }
  std::uint8_t count = 1;
  while (count < 4 && (static_cast<std::uint64_t>(length) >> (8 * count)) != 0) ++count;
  writer.put_u8(static_cast<std::uint8_t>(0x80 | count));
  for (int shift = 8 * (count - 1); shift >= 0; shift -= 8) {
    writer.put_u8(static_cast<std::uint8_t>(length >> shift));
  }
}

Expected<std::size_t> read_ber_length(ByteReader& reader, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const std::uint8_t first, reader.read_u8(what));
  std::size_t length = first;
  if (first >= 0x80) {
    const std::uint8_t count = first & 0x7F;
    if (count == 0 || count > 4) {
      return make_error(ErrorCode::malformed,
                        std::string(what) + ": length form 0x" + to_hex(ByteView(&first, 1)) +
                            " not supported (definite form with 1 to 4 length bytes expected)");
    }
    length = 0;
    for (std::uint8_t i = 0; i < count; ++i) {
      DLMSGW_TRY_ASSIGN(const std::uint8_t byte, reader.read_u8(what));
      length = (length << 8) | byte;
    }
  }
  if (length > reader.remaining()) {
    return make_error(ErrorCode::truncated, std::string(what) + ": declares " +
                                                std::to_string(length) + " byte(s), only " +
                                                std::to_string(reader.remaining()) + " follow");
  }
  return length;
}

}  // namespace dlmsgw::security
