#pragma once
// ApplicationContextName: which COSEM application context an association uses (Green Book,
// 2.16.756.5.8.1.N): referencing by logical or short names, with or without ciphered APDUs.

#include <cstdint>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::acse {

enum class ApplicationContextName : std::uint8_t {
  logical_name = 1,           // LN referencing, no ciphering (the user's meter)
  short_name = 2,             // SN referencing, no ciphering
  logical_name_ciphered = 3,  // LN referencing with ciphering
  short_name_ciphered = 4,    // SN referencing with ciphering
};

// "LN", "SN", "LN with ciphering", "SN with ciphering".
std::string_view to_string(ApplicationContextName name);
[[nodiscard]] constexpr bool is_ciphered(ApplicationContextName name) {
  return name == ApplicationContextName::logical_name_ciphered ||
         name == ApplicationContextName::short_name_ciphered;
}

// The OID content octets, e.g. 60 85 74 05 08 01 01 for LN.
Bytes encode_application_context_name(ApplicationContextName name);
// Only the four DLMS UA contexts are accepted.
Expected<ApplicationContextName> decode_application_context_name(ByteView oid_content);

}  // namespace dlmsgw::acse
