#pragma once
// Which ciphered APDU tag carries which plain xDLMS APDU (Green Book, DLMS UA 1000-2 "xDLMS APDUs";
// values as in Gurux's Command enumeration). Service-specific glo- tags use the global unicast key,
// ded- tags the dedicated key; general-glo/ded-ciphering (0xDB/0xDC) may carry any APDU and also
// the sender's system title.

#include <cstdint>
#include <optional>

namespace dlmsgw::security {

enum class KeySet : std::uint8_t { global, dedicated };

namespace apdu_tag {
inline constexpr std::uint8_t kGeneralGloCiphering = 0xDB;
inline constexpr std::uint8_t kGeneralDedCiphering = 0xDC;
}  // namespace apdu_tag

// The service-specific ciphered tag for a plain APDU tag, e.g. get-request 0xC0 -> glo 0xC8 /
// ded 0xD0; nullopt when the service has no ciphered form under that key set (initiate-request
// and initiate-response are only ever glo-ciphered).
std::optional<std::uint8_t> ciphered_tag_for(std::uint8_t plain_tag, KeySet key_set);

struct CipheredTagInfo {
  KeySet key_set;
  bool general;                           // 0xDB / 0xDC: system title inside, any plain APDU
  std::optional<std::uint8_t> plain_tag;  // the plain tag it must carry (service-specific only)
};

// What a ciphered tag read from the wire means; nullopt if it is not a ciphered APDU tag.
std::optional<CipheredTagInfo> describe_ciphered_tag(std::uint8_t ciphered_tag);

}  // namespace dlmsgw::security
