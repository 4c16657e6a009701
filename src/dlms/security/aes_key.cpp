#include "dlms/security/aes_key.hpp"

#include <algorithm>
#include <string>

#include "core/hex.hpp"

namespace dlmsgw::security {

Expected<AesKey128> AesKey128::from_bytes(std::string_view key_name, ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::invalid_argument,
                      std::string(key_name) +
                          ": expected 16 bytes (32 hex digits) for AES-128, got " +
                          std::to_string(bytes.size()) + " byte(s)");
  }
  std::array<std::uint8_t, kSize> array{};
  std::copy(bytes.begin(), bytes.end(), array.begin());
  return AesKey128(array);
}

Expected<AesKey128> AesKey128::from_hex(std::string_view key_name, std::string_view text) {
  auto bytes = parse_hex(text);
  if (!bytes) {
    // parse_hex names the offending character and position; it does not repeat the text, so the
    // key does not leak into logs.
    return Error{ErrorCode::invalid_argument, bytes.error().message}.with_context(key_name);
  }
  return from_bytes(key_name, *bytes);
}

}  // namespace dlmsgw::security
