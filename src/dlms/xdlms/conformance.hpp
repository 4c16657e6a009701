#pragma once
// Conformance: the 24-bit conformance block of xDLMS (Green Book, DLMS UA 1000-2, "Conformance ::=
// [APPLICATION 31] IMPLICIT BIT STRING (SIZE(24))"). The client proposes one in the
// InitiateRequest, the server answers with the subset it grants; the client must then use only the
// granted services (e.g. no GET-with-list without multiple-references).
//
// Bit numbering follows the standard: bit 0 is the first (most significant) bit of the first byte,
// so in the 24-bit integer form bit n is worth 1 << (23 - n). 0x00301D therefore means get, set,
// selective-access, action, block-transfer-with-get-or-read and attribute0-supported-with-get.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/expected.hpp"

namespace dlmsgw::xdlms {

enum class ConformanceBit : std::uint8_t {
  reserved_zero = 0,
  general_protection = 1,
  general_block_transfer = 2,
  read = 3,
  write = 4,
  unconfirmed_write = 5,
  delta_value_encoding = 6,  // "reserved-six" before DLMS UA 1000-2 ed. 10
  reserved_seven = 7,
  attribute0_supported_with_set = 8,
  priority_mgmt_supported = 9,
  attribute0_supported_with_get = 10,
  block_transfer_with_get_or_read = 11,
  block_transfer_with_set_or_write = 12,
  block_transfer_with_action = 13,
  multiple_references = 14,
  information_report = 15,
  data_notification = 16,
  access = 17,
  parameterized_access = 18,
  get = 19,
  set = 20,
  selective_access = 21,
  event_notification = 22,
  action = 23,
};

// The Green Book's name for the bit, e.g. "block-transfer-with-get-or-read".
std::string_view to_string(ConformanceBit bit);

class Conformance {
 public:
  static constexpr std::uint32_t kMask = 0xFFFFFF;
  // The tag of the BER encoding used inside InitiateRequest/Response: [APPLICATION 31].
  static constexpr std::uint16_t kTag = 0x5F1F;

  constexpr Conformance() = default;
  // Higher bits than the 24 of the block are dropped.
  constexpr explicit Conformance(std::uint32_t value) : value_(value & kMask) {}
  Conformance(std::initializer_list<ConformanceBit> bits) {
    for (const ConformanceBit bit : bits) value_ |= mask_of(bit);
  }

  [[nodiscard]] constexpr std::uint32_t value() const { return value_; }
  [[nodiscard]] constexpr bool has(ConformanceBit bit) const {
    return (value_ & mask_of(bit)) != 0;
  }
  [[nodiscard]] constexpr Conformance with(ConformanceBit bit) const {
    return Conformance(value_ | mask_of(bit));
  }
  [[nodiscard]] constexpr Conformance without(ConformanceBit bit) const {
    return Conformance(value_ & ~mask_of(bit));
  }
  // What both sides support: the server grants at most proposed & supported.
  [[nodiscard]] constexpr Conformance operator&(Conformance other) const {
    return Conformance(value_ & other.value_);
  }
  constexpr bool operator==(const Conformance&) const = default;

  // The bits set, in bit order.
  [[nodiscard]] std::vector<ConformanceBit> bits() const;
  // "0x00301D (attribute0-supported-with-get, block-transfer-with-get-or-read, get, set,
  // selective-access, action)"; "0x000000 (none)".
  [[nodiscard]] std::string to_string() const;

  // 5F 1F 04 00 b1 b2 b3: tag, length 4, zero unused bits, the three bytes.
  void encode(ByteWriter& writer) const;
  // Reads exactly the 7-byte form above; any other tag, length or unused-bit count is an error.
  static Expected<Conformance> decode(ByteReader& reader);

  static constexpr std::uint32_t mask_of(ConformanceBit bit) {
    return std::uint32_t{1} << (23 - static_cast<unsigned>(bit));
  }

 private:
  std::uint32_t value_ = 0;
};

}  // namespace dlmsgw::xdlms
