#pragma once
// AesKey128: a 16-byte AES key (block/encryption key, authentication key, dedicated key). Keys come
// from configuration, so parse errors name the key ("authentication key") and the expected length,
// and never echo the key material itself.

#include <array>
#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::security {

class AesKey128 {
 public:
  static constexpr std::size_t kSize = 16;

  constexpr AesKey128() = default;
  constexpr explicit AesKey128(const std::array<std::uint8_t, kSize>& bytes) : bytes_(bytes) {}

  // `key_name` is used in the error message only, e.g. "block key".
  static Expected<AesKey128> from_bytes(std::string_view key_name, ByteView bytes);
  // 32 hex digits; separators as `parse_hex` accepts.
  static Expected<AesKey128> from_hex(std::string_view key_name, std::string_view text);

  [[nodiscard]] ByteView bytes() const { return bytes_; }

  friend constexpr bool operator==(const AesKey128&, const AesKey128&) = default;

 private:
  std::array<std::uint8_t, kSize> bytes_{};
};

}  // namespace dlmsgw::security
