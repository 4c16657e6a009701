#include "dlms/acse/ber_element.hpp"

#include <string>

#include "core/hex.hpp"
#include "dlms/axdr/axdr_length.hpp"

namespace dlmsgw::acse {
namespace {

constexpr unsigned kMaxTagOctets = 4;

std::string hex_tag(std::uint32_t tag) {
  Bytes bytes;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto byte = static_cast<std::uint8_t>(tag >> shift);
    if (byte != 0 || !bytes.empty() || shift == 0) bytes.push_back(byte);
  }
  return "0x" + to_hex(bytes, '\0');
}

Expected<std::uint32_t> read_tag(ByteReader& reader, std::string_view what) {
  const std::string field = std::string(what) + " tag";
  DLMSGW_TRY_ASSIGN(const std::uint8_t first, reader.read_u8(field));
  std::uint32_t tag = first;
  if ((first & 0x1F) != 0x1F) return tag;
  // High tag number form: more identifier octets while bit 8 is set.
  for (unsigned octets = 1;; ++octets) {
    if (octets == kMaxTagOctets) {
      return make_error(ErrorCode::malformed, field + ": more than 4 identifier octets");
    }
    DLMSGW_TRY_ASSIGN(const std::uint8_t next, reader.read_u8(field));
    tag = (tag << 8) | next;
    if ((next & 0x80) == 0) return tag;
  }
}

// BER definite lengths have the A-XDR form; the indefinite form (0x80) does not occur in DLMS.
Expected<std::size_t> read_length(ByteReader& reader, std::string_view what) {
  DLMSGW_TRY_ASSIGN(const std::uint32_t length,
                    axdr::decode_length(reader, std::string(what) + " length"));
  return std::size_t{length};
}

}  // namespace

Expected<BerElement> read_ber_element(ByteReader& reader, std::string_view what) {
  BerElement element;
  DLMSGW_TRY_ASSIGN(element.tag, read_tag(reader, what));
  DLMSGW_TRY_ASSIGN(const std::size_t length, read_length(reader, what));
  if (length > reader.remaining()) {
    return make_error(ErrorCode::truncated,
                      std::string(what) + ": length " + std::to_string(length) + " exceeds the " +
                          std::to_string(reader.remaining()) + " byte(s) available");
  }
  DLMSGW_TRY_ASSIGN(element.value, reader.read_bytes(length, what));
  return element;
}

Expected<BerElement> read_ber_element_tagged(ByteReader& reader, std::uint32_t tag,
                                             std::string_view what) {
  DLMSGW_TRY_ASSIGN(const BerElement element, read_ber_element(reader, what));
  if (element.tag != tag) {
    return make_error(ErrorCode::malformed, std::string(what) + ": tag " + hex_tag(element.tag) +
                                                ", expected " + hex_tag(tag));
  }
  return element;
}

Expected<BerElement> read_only_ber_element(ByteView bytes, std::uint32_t tag,
                                           std::string_view what) {
  ByteReader reader(bytes);
  DLMSGW_TRY_ASSIGN(const BerElement element, read_ber_element_tagged(reader, tag, what));
  if (!reader.empty()) {
    return make_error(ErrorCode::malformed, std::string(what) + ": " +
                                                std::to_string(reader.remaining()) +
                                                " unexpected byte(s) after the end");
  }
  return element;
}

void write_ber_length(ByteWriter& writer, std::size_t length) {
  axdr::encode_length(writer, static_cast<std::uint32_t>(length));
}

void write_ber_element(ByteWriter& writer, std::uint8_t tag, ByteView value) {
  writer.put_u8(tag);
  write_ber_length(writer, value.size());
  writer.put_bytes(value);
}

Bytes ber_element(std::uint8_t tag, ByteView value) {
  ByteWriter writer;
  write_ber_element(writer, tag, value);
  return writer.take();
}

}  // namespace dlmsgw::acse
