#pragma once
// The A-XDR (and BER) length form: one byte below 0x80, else 0x80|n followed by n big-endian bytes.
// We accept n up to 4 and refuse longer forms: no DLMS length exceeds 32 bits.

#include <cstdint>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"

namespace dlmsgw::axdr {

void encode_length(ByteWriter& writer, std::uint32_t length);
// `what` names the field in errors. The length is not checked against the bytes left: callers do
// that with the reader (read_bytes fails cleanly when the length runs past the end).
Expected<std::uint32_t> decode_length(ByteReader& reader, std::string_view what = "length");

}  // namespace dlmsgw::axdr
