#include "dlms/acse/application_context_name.hpp"

#include <string>

#include "dlms/acse/dlms_object_identifier.hpp"

namespace dlmsgw::acse {

std::string_view to_string(ApplicationContextName name) {
  switch (name) {
    case ApplicationContextName::logical_name:
      return "LN";
    case ApplicationContextName::short_name:
      return "SN";
    case ApplicationContextName::logical_name_ciphered:
      return "LN with ciphering";
    case ApplicationContextName::short_name_ciphered:
      return "SN with ciphering";
  }
  return "unknown";
}

Bytes encode_application_context_name(ApplicationContextName name) {
  return encode_dlms_object_identifier(DlmsObjectKind::application_context,
                                       static_cast<std::uint8_t>(name));
}

Expected<ApplicationContextName> decode_application_context_name(ByteView oid_content) {
  static constexpr std::string_view kWhat = "application-context-name";
  DLMSGW_TRY_ASSIGN(
      const std::uint8_t id,
      decode_dlms_object_identifier(oid_content, DlmsObjectKind::application_context, kWhat));
  if (id < 1 || id > 4) {
    return make_error(ErrorCode::unsupported,
                      std::string(kWhat) + ": unknown DLMS context " + std::to_string(id));
  }
  return static_cast<ApplicationContextName>(id);
}

}  // namespace dlmsgw::acse
