#include "dlms/security/ciphered_apdu_tag.hpp"

#include <array>

namespace dlmsgw::security {
namespace {

struct TagPair {
  std::uint8_t plain;
  std::uint8_t ciphered;
  KeySet key_set;
};

// Green Book xDLMS-APDU CHOICE, LN referencing services.
constexpr std::array<TagPair, 17> kTagPairs{{
    {0x01, 0x21, KeySet::global},     // initiate-request
    {0x08, 0x28, KeySet::global},     // initiate-response
    {0x0E, 0x2E, KeySet::global},     // confirmed-service-error
    {0xC0, 0xC8, KeySet::global},     // get-request
    {0xC1, 0xC9, KeySet::global},     // set-request
    {0xC2, 0xCA, KeySet::global},     // event-notification-request
    {0xC3, 0xCB, KeySet::global},     // action-request
    {0xC4, 0xCC, KeySet::global},     // get-response
    {0xC5, 0xCD, KeySet::global},     // set-response
    {0xC7, 0xCF, KeySet::global},     // action-response
    {0xC0, 0xD0, KeySet::dedicated},  // get-request
    {0xC1, 0xD1, KeySet::dedicated},  // set-request
    {0xC2, 0xD2, KeySet::dedicated},  // event-notification-request
    {0xC3, 0xD3, KeySet::dedicated},  // action-request
    {0xC4, 0xD4, KeySet::dedicated},  // get-response
    {0xC5, 0xD5, KeySet::dedicated},  // set-response
    {0xC7, 0xD7, KeySet::dedicated},  // action-response
}};

}  // namespace

std::optional<std::uint8_t> ciphered_tag_for(std::uint8_t plain_tag, KeySet key_set) {
  for (const TagPair& pair : kTagPairs) {
    if (pair.plain == plain_tag && pair.key_set == key_set) return pair.ciphered;
  }
  return std::nullopt;
}

std::optional<CipheredTagInfo> describe_ciphered_tag(std::uint8_t ciphered_tag) {
  if (ciphered_tag == apdu_tag::kGeneralGloCiphering) {
    return CipheredTagInfo{KeySet::global, true, std::nullopt};
  }
  if (ciphered_tag == apdu_tag::kGeneralDedCiphering) {
    return CipheredTagInfo{KeySet::dedicated, true, std::nullopt};
  }
  for (const TagPair& pair : kTagPairs) {
    if (pair.ciphered == ciphered_tag) return CipheredTagInfo{pair.key_set, false, pair.plain};
  }
  return std::nullopt;
}

}  // namespace dlmsgw::security
