#include "dlms/acse/mechanism_name.hpp"

#include <string>

#include "dlms/acse/dlms_object_identifier.hpp"

namespace dlmsgw::acse {

std::string_view to_string(MechanismName name) {
  switch (name) {
    case MechanismName::none:
      return "none";
    case MechanismName::low:
      return "LLS";
    case MechanismName::high:
      return "HLS";
    case MechanismName::high_md5:
      return "HLS-MD5";
    case MechanismName::high_sha1:
      return "HLS-SHA1";
    case MechanismName::high_gmac:
      return "HLS-GMAC";
    case MechanismName::high_sha256:
      return "HLS-SHA256";
    case MechanismName::high_ecdsa:
      return "HLS-ECDSA";
  }
  return "unknown";
}

Bytes encode_mechanism_name(MechanismName name) {
  return encode_dlms_object_identifier(DlmsObjectKind::authentication_mechanism,
                                       static_cast<std::uint8_t>(name));
}

Expected<MechanismName> decode_mechanism_name(ByteView oid_content) {
  static constexpr std::string_view kWhat = "mechanism-name";
  DLMSGW_TRY_ASSIGN(
      const std::uint8_t id,
      decode_dlms_object_identifier(oid_content, DlmsObjectKind::authentication_mechanism, kWhat));
  if (id > 7) {
    return make_error(ErrorCode::unsupported,
                      std::string(kWhat) + ": unknown DLMS mechanism " + std::to_string(id));
  }
  return static_cast<MechanismName>(id);
}

}  // namespace dlmsgw::acse
