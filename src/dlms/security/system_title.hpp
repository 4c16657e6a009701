#pragma once
// SystemTitle: the 8-byte name of a DLMS/COSEM application entity (3-byte manufacturer id + 5-byte
// serial by convention). In security suite 0 it is the first 8 bytes of every AES-GCM IV, so each
// side's title must be known before anything it sends can be decrypted.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::security {

class SystemTitle {
 public:
  static constexpr std::size_t kSize = 8;

  constexpr SystemTitle() = default;
  constexpr explicit SystemTitle(const std::array<std::uint8_t, kSize>& bytes) : bytes_(bytes) {}

  // Exactly 8 bytes, or an `invalid_argument` error naming the length found.
  static Expected<SystemTitle> from_bytes(ByteView bytes);
  // "4D4D4D0000BC614E", separators as `parse_hex` accepts.
  static Expected<SystemTitle> from_hex(std::string_view text);

  [[nodiscard]] ByteView bytes() const { return bytes_; }
  [[nodiscard]] std::string to_hex() const;

  friend constexpr bool operator==(const SystemTitle&, const SystemTitle&) = default;

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

}  // namespace dlmsgw::security
