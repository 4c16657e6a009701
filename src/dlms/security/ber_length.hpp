#pragma once
// The length prefix of ciphered APDUs and their octet strings, in A-XDR/BER definite form:
// one byte below 128, else 0x81..0x84 followed by 1..4 big-endian length bytes.

#include <cstddef>
#include <string_view>

#include "dlms/core/byte_reader.hpp"
#include "dlms/core/byte_writer.hpp"
#include "dlms/core/expected.hpp"

namespace dlmsgw::security {

// Shortest form. Lengths above 0xFFFFFFFF cannot occur here (APDUs are far smaller).
void write_ber_length(ByteWriter& writer, std::size_t length);

// Reads a length and checks that that many bytes remain in `reader`, so the caller can read them
// without a second check. Indefinite (0x80) and over-long (0x85+) forms are `malformed`; a length
// beyond the input is `truncated`. `what` names the field in errors.
Expected<std::size_t> read_ber_length(ByteReader& reader, std::string_view what);

}  // namespace dlmsgw::security
