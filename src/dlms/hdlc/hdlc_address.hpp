#pragma once
// HdlcAddress: an HDLC station address of IEC 62056-46 (clause 6.4.2.2). Every address byte carries
// seven address bits above an extension bit; the extension bit is 1 only on the last byte, which is
// how a decoder finds where an address ends.
//
// A client address is always one byte (the client SAP, 0..127). A server address is 1, 2 or 4
// bytes and has an upper part (logical device) and a lower part (physical device):
//   1 byte : upper part only, 7 bits (lower() is 0)
//   2 bytes: upper 7 bits, lower 7 bits
//   4 bytes: upper 14 bits, lower 14 bits
// The size is part of the value: server 1/17 as 2 bytes and as 4 bytes are different addresses on
// the wire, so they compare unequal.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/byte_reader.hpp"
#include "core/byte_writer.hpp"
#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::hdlc {

class HdlcAddress {
 public:
  // One-byte address 0 (the "no station" address); useful only as a placeholder.
  constexpr HdlcAddress() = default;

  // Client SAP, e.g. 1 (the user's meter, encoded 0x03) or 16 (public client, encoded 0x21).
  static Expected<HdlcAddress> client(std::uint8_t sap);

  // Server address of `size` bytes (1, 2 or 4). With size 1 only `upper` is carried and `lower`
  // must be 0; each part must fit its 7 or 14 bits.
  static Expected<HdlcAddress> server(std::uint16_t upper, std::uint16_t lower, std::size_t size);

  // The one-byte convention of the user's meter: logical and physical address packed as
  // (logical << 7) | physical into the single 7-bit value of a one-byte address. The standard says
  // a one-byte server address carries only the upper part; packing logical 0 / physical 1 gives the
  // value 1, which is byte 0x03 on the wire, exactly the standard one-byte address with upper 1.
  // The packed value must fit 7 bits, so in practice logical must be 0 and physical 0..127; other
  // combinations are rejected rather than silently truncated.
  static Expected<HdlcAddress> server_one_byte(std::uint16_t logical, std::uint16_t physical);

  // Reads one address from `reader`, its length given by the extension bit. Errors when no byte
  // ends the address within 4 bytes, or when it ends after 3 bytes (not a valid size).
  static Expected<HdlcAddress> decode(ByteReader& reader, std::string_view what = "HDLC address");

  [[nodiscard]] constexpr std::size_t size() const { return size_; }
  [[nodiscard]] constexpr std::uint16_t upper() const { return upper_; }
  [[nodiscard]] constexpr std::uint16_t lower() const { return lower_; }

  void encode(ByteWriter& writer) const;
  [[nodiscard]] Bytes encode() const;

  // "1 (1 byte)", "1/17 (2 bytes)", "1/17 (4 bytes)": for error messages.
  [[nodiscard]] std::string to_string() const;

  constexpr auto operator<=>(const HdlcAddress&) const = default;

 private:
  constexpr HdlcAddress(std::uint16_t upper, std::uint16_t lower, std::uint8_t size)
      : upper_(upper), lower_(lower), size_(size) {}

  std::uint16_t upper_ = 0;
  std::uint16_t lower_ = 0;
  std::uint8_t size_ = 1;
};

}  // namespace dlmsgw::hdlc
