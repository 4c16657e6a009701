#pragma once
// Shared known-answer values for the security tests.
//
// The keys, system titles and invocation counter are those of the DLMS UA Green Book worked
// examples (DLMS UA 1000-2 Ed. 7, Table 40 "Example: glo-get-request xDLMS APDU" and Table 43,
// HLS with GMAC), as reproduced in the dlms-cosem Python library's tests/test_security.py.

#include <gtest/gtest.h>

#include <string_view>

#include "core/bytes.hpp"
#include "core/hex.hpp"
#include "dlms/security/aes_key.hpp"
#include "dlms/security/security_keys.hpp"
#include "dlms/security/system_title.hpp"
#include "support/hex_bytes.hpp"

namespace dlmsgw::security::test {

using ::dlmsgw::test::hex;

inline SystemTitle title(std::string_view text) {
  return *SystemTitle::from_hex(text);
}

inline SecurityKeys green_book_keys() {
  return SecurityKeys{
      *AesKey128::from_hex("block key", "000102030405060708090A0B0C0D0E0F"),
      *AesKey128::from_hex("authentication key", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF")};
}

inline constexpr std::string_view kGreenBookServerTitle = "4D4D4D0000BC614E";
inline constexpr std::string_view kGreenBookClientTitle = "4D4D4D0000000001";
inline constexpr std::uint32_t kGreenBookInvocationCounter = 0x01234567;
// get-request-normal (C0 01), invoke-id-and-priority 0x00, class 8 (clock) 0.0.1.0.0.255
// attribute 2, no selective access.
inline constexpr std::string_view kGreenBookGetRequest = "C0010000080000010000FF0200";

}  // namespace dlmsgw::security::test
