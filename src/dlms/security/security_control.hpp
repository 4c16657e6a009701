#pragma once
// SecurityControl: the security control byte (SC) that opens every security header.
//   bits 0-3  security suite id (0 = AES-GCM-128, the only suite implemented here)
//   bit 4     0x10 authentication (a GCM tag is present)
//   bit 5     0x20 encryption
//   bit 6     0x40 key set: 0 = unicast (global unicast encryption key), 1 = broadcast key
//   bit 7     0x80 compression
// SecurityPolicy is the protection level the two bits 4-5 express.

#include <cstdint>
#include <string_view>

namespace dlmsgw::security {

enum class SecurityPolicy : std::uint8_t {
  none = 0x00,
  authenticated = 0x10,
  encrypted = 0x20,
  authenticated_encrypted = 0x30,
};

std::string_view to_string(SecurityPolicy policy);

// True when `actual` gives at least every protection `required` asks for (authentication and/or
// encryption); used to refuse a response weaker than the association demands.
bool satisfies(SecurityPolicy actual, SecurityPolicy required);

class SecurityControl {
 public:
  static constexpr std::uint8_t kSuiteMask = 0x0F;
  static constexpr std::uint8_t kAuthentication = 0x10;
  static constexpr std::uint8_t kEncryption = 0x20;
  static constexpr std::uint8_t kBroadcastKey = 0x40;
  static constexpr std::uint8_t kCompression = 0x80;

  constexpr SecurityControl() = default;
  constexpr explicit SecurityControl(std::uint8_t byte) : byte_(byte) {}
  // The SC for sending with `policy` under suite `suite` (low 4 bits) with the unicast key set.
  static constexpr SecurityControl from_policy(SecurityPolicy policy, std::uint8_t suite = 0) {
    return SecurityControl(
        static_cast<std::uint8_t>(static_cast<std::uint8_t>(policy) | (suite & kSuiteMask)));
  }

  [[nodiscard]] constexpr std::uint8_t byte() const { return byte_; }
  [[nodiscard]] constexpr std::uint8_t suite() const { return byte_ & kSuiteMask; }
  [[nodiscard]] constexpr bool authenticated() const { return (byte_ & kAuthentication) != 0; }
  [[nodiscard]] constexpr bool encrypted() const { return (byte_ & kEncryption) != 0; }
  [[nodiscard]] constexpr bool broadcast_key() const { return (byte_ & kBroadcastKey) != 0; }
  [[nodiscard]] constexpr bool compressed() const { return (byte_ & kCompression) != 0; }
  [[nodiscard]] constexpr SecurityPolicy policy() const {
    return static_cast<SecurityPolicy>(byte_ & (kAuthentication | kEncryption));
  }

  friend constexpr bool operator==(SecurityControl, SecurityControl) = default;

 private:
  std::uint8_t byte_ = 0;
};

}  // namespace dlmsgw::security
