#pragma once
// CRC-16/X.25 (reflected polynomial 0x8408, initial value 0xFFFF, final XOR 0xFFFF), the checksum
// IEC 62056-46 uses for both the header check sequence (HCS) and the frame check sequence (FCS).
// On the wire the result is sent low byte first.

#include <cstdint>

#include "core/bytes.hpp"

namespace dlmsgw::hdlc {

// The check value of the ASCII bytes "123456789" is 0x906E.
std::uint16_t crc16(ByteView data);

}  // namespace dlmsgw::hdlc
