#pragma once
// ObisCode: the six-group object identifier of IEC 62056-61 (A-B:C.D.E*F), e.g. 1-1:32.7.0 for the
// instantaneous L1 voltage. Parsed from and printed to the notations found in meter documentation.

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw {

enum class ObisNotation {
  reduced,  // 1-1:32.7.0 (the "*F" suffix only when F is not 255)
  full,     // 1-1:32.7.0*255
  dotted,   // 1.1.32.7.0.255
  hex,      // 0101200700FF
};

class ObisCode {
 public:
  constexpr ObisCode() = default;
  constexpr ObisCode(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d, std::uint8_t e,
                     std::uint8_t f = 255)
      : groups_{a, b, c, d, e, f} {}

  // Accepts "1-1:32.7.0", "1-1:32.7.0*255", "1-1:32.7.0.255", "1.1.32.7.0.255", "0101200700FF"
  // (spaces and an 0x prefix allowed in hex). Surrounding white space is ignored.
  static Expected<ObisCode> parse(std::string_view text);
  // Exactly six bytes, as carried in a COSEM attribute descriptor.
  static Expected<ObisCode> from_bytes(ByteView bytes);

  [[nodiscard]] constexpr std::uint8_t a() const { return groups_[0]; }
  [[nodiscard]] constexpr std::uint8_t b() const { return groups_[1]; }
  [[nodiscard]] constexpr std::uint8_t c() const { return groups_[2]; }
  [[nodiscard]] constexpr std::uint8_t d() const { return groups_[3]; }
  [[nodiscard]] constexpr std::uint8_t e() const { return groups_[4]; }
  [[nodiscard]] constexpr std::uint8_t f() const { return groups_[5]; }
  [[nodiscard]] constexpr const std::array<std::uint8_t, 6>& groups() const { return groups_; }

  // The same object on another channel (B field): the user's meter answers 1-1:... but not 1-0:...
  [[nodiscard]] constexpr ObisCode with_b(std::uint8_t b) const {
    ObisCode copy = *this;
    copy.groups_[1] = b;
    return copy;
  }

  [[nodiscard]] std::string to_string(ObisNotation notation = ObisNotation::reduced) const;

  constexpr auto operator<=>(const ObisCode&) const = default;

 private:
  std::array<std::uint8_t, 6> groups_{0, 0, 0, 0, 0, 255};
};

}  // namespace dlmsgw
