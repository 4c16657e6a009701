#include "dlms/security/system_title.hpp"

#include <algorithm>

#include "core/hex.hpp"

namespace dlmsgw::security {

Expected<SystemTitle> SystemTitle::from_bytes(ByteView bytes) {
  if (bytes.size() != kSize) {
    return make_error(ErrorCode::invalid_argument,
                      "system title: expected 8 bytes, got " + std::to_string(bytes.size()));
  }
  std::array<std::uint8_t, kSize> array{};
  std::copy(bytes.begin(), bytes.end(), array.begin());
  return SystemTitle(array);
}

Expected<SystemTitle> SystemTitle::from_hex(std::string_view text) {
  auto bytes = parse_hex(text);
  if (!bytes) return bytes.error().with_context("system title");
  return from_bytes(*bytes);
}

std::string SystemTitle::to_hex() const {
  return dlmsgw::to_hex(bytes_, '\0');
}

}  // namespace dlmsgw::security
