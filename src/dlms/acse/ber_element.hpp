#pragma once
// BerElement: one BER tag-length-value, the building block of the ACSE APDUs (ITU-T X.690 as used
// by IEC 62056-5-3 / ISO 8650). Only the definite length forms occur in DLMS: short (one byte below
// 0x80) and long (0x81..0x84 then 1..4 length bytes). The indefinite form and longer length fields
// are refused: no meter needs them and they would only let a peer make us compute absurd sizes.
// Lengths are always computed from the content when encoding, never written as constants.

#include <cstdint>
#include <string_view>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::acse {

struct BerElement {
  // The identifier octets, big-endian: 0x60 for an AARQ, 0x5F1F for a high-tag-number form.
  std::uint32_t tag = 0;
  // The content, borrowed from the input.
  ByteView value;
};

// Reads one element; its length must fit in what the reader has left (a nested element can never
// claim more bytes than its parent holds). `what` names the element for the error message.
Expected<BerElement> read_ber_element(ByteReader& reader, std::string_view what);
// Reads one element that must span all of `bytes` and carry `tag`.
Expected<BerElement> read_only_ber_element(ByteView bytes, std::uint32_t tag,
                                           std::string_view what);
// Reads one element from `reader` that must carry `tag`.
Expected<BerElement> read_ber_element_tagged(ByteReader& reader, std::uint32_t tag,
                                             std::string_view what);

// The length octets for `length`: short form below 128, else the shortest long form.
void write_ber_length(ByteWriter& writer, std::size_t length);
// A one-byte tag, the computed length and `value`.
void write_ber_element(ByteWriter& writer, std::uint8_t tag, ByteView value);
// The same, returned as bytes, for building nested elements inside out.
Bytes ber_element(std::uint8_t tag, ByteView value);

}  // namespace dlmsgw::acse
