#include "dlms/xdlms/conformance.hpp"

#include <cstdio>

namespace dlmsgw::xdlms {

std::string_view to_string(ConformanceBit bit) {
  switch (bit) {
    case ConformanceBit::reserved_zero:
      return "reserved-zero";
    case ConformanceBit::general_protection:
      return "general-protection";
    case ConformanceBit::general_block_transfer:
      return "general-block-transfer";
    case ConformanceBit::read:
      return "read";
    case ConformanceBit::write:
      return "write";
    case ConformanceBit::unconfirmed_write:
      return "unconfirmed-write";
    case ConformanceBit::delta_value_encoding:
      return "delta-value-encoding";
    case ConformanceBit::reserved_seven:
      return "reserved-seven";
    case ConformanceBit::attribute0_supported_with_set:
      return "attribute0-supported-with-set";
    case ConformanceBit::priority_mgmt_supported:
      return "priority-mgmt-supported";
    case ConformanceBit::attribute0_supported_with_get:
      return "attribute0-supported-with-get";
    case ConformanceBit::block_transfer_with_get_or_read:
      return "block-transfer-with-get-or-read";
    case ConformanceBit::block_transfer_with_set_or_write:
      return "block-transfer-with-set-or-write";
    case ConformanceBit::block_transfer_with_action:
      return "block-transfer-with-action";
    case ConformanceBit::multiple_references:
      return "multiple-references";
    case ConformanceBit::information_report:
      return "information-report";
    case ConformanceBit::data_notification:
      return "data-notification";
    case ConformanceBit::access:
      return "access";
    case ConformanceBit::parameterized_access:
      return "parameterized-access";
    case ConformanceBit::get:
      return "get";
    case ConformanceBit::set:
      return "set";
    case ConformanceBit::selective_access:
      return "selective-access";
    case ConformanceBit::event_notification:
      return "event-notification";
    case ConformanceBit::action:
      return "action";
  }
  return "unknown";
}

std::vector<ConformanceBit> Conformance::bits() const {
  std::vector<ConformanceBit> set_bits;
  for (unsigned n = 0; n < 24; ++n) {
    const auto bit = static_cast<ConformanceBit>(n);
    if (has(bit)) set_bits.push_back(bit);
  }
  return set_bits;
}

std::string Conformance::to_string() const {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%06X", static_cast<unsigned>(value_));
  std::string text = hex;
  text += " (";
  const auto set_bits = bits();
  if (set_bits.empty()) text += "none";
  for (std::size_t i = 0; i < set_bits.size(); ++i) {
    if (i != 0) text += ", ";
    text += xdlms::to_string(set_bits[i]);
  }
  text += ')';
  return text;
}

void Conformance::encode(ByteWriter& writer) const {
  writer.put_u16_be(kTag);
  writer.put_u8(4);  // length: the unused-bits byte and three bytes of bits
  writer.put_u8(0);  // unused bits: all 24 are meaningful
  writer.put_u8(static_cast<std::uint8_t>(value_ >> 16));
  writer.put_u8(static_cast<std::uint8_t>(value_ >> 8));
  writer.put_u8(static_cast<std::uint8_t>(value_));
}

Expected<Conformance> Conformance::decode(ByteReader& reader) {
  DLMSGW_TRY_ASSIGN(const std::uint16_t tag, reader.read_u16_be("conformance tag"));
  if (tag != kTag) {
    char text[64];
    std::snprintf(text, sizeof text, "conformance: tag 0x%04X, expected 0x5F1F",
                  static_cast<unsigned>(tag));
    return make_error(ErrorCode::malformed, text);
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t length, reader.read_u8("conformance length"));
  if (length != 4) {
    return make_error(ErrorCode::malformed,
                      "conformance: length " + std::to_string(length) + ", expected 4");
  }
  DLMSGW_TRY_ASSIGN(const std::uint8_t unused_bits, reader.read_u8("conformance unused bits"));
  if (unused_bits != 0) {
    return make_error(ErrorCode::malformed,
                      "conformance: " + std::to_string(unused_bits) + " unused bits, expected 0");
  }
  DLMSGW_TRY_ASSIGN(const ByteView bytes, reader.read_bytes(3, "conformance bits"));
  return Conformance((std::uint32_t{bytes[0]} << 16) | (std::uint32_t{bytes[1]} << 8) | bytes[2]);
}

}  // namespace dlmsgw::xdlms
