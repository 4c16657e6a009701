#include "dlms/hdlc/crc16.hpp"

#include <array>

namespace dlmsgw::hdlc {
namespace {

// Byte-wise table for the reflected polynomial, built at compile time so there is no global state
// to initialise at run time.
constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned byte = 0; byte < 256; ++byte) {
    unsigned crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc & 1U) != 0 ? (crc >> 1) ^ 0x8408U : crc >> 1;
    table[byte] = static_cast<std::uint16_t>(crc);
  }
  return table;
}

constexpr std::array<std::uint16_t, 256> kTable = make_table();

}  // namespace

std::uint16_t crc16(ByteView data) {
  unsigned crc = 0xFFFF;
  for (const std::uint8_t byte : data) crc = (crc >> 8) ^ kTable[(crc ^ byte) & 0xFFU];
  return static_cast<std::uint16_t>(~crc & 0xFFFFU);
}

}  // namespace dlmsgw::hdlc
