#include "dlms/security/security_control.hpp"

namespace dlmsgw::security {

std::string_view to_string(SecurityPolicy policy) {
  switch (policy) {
    case SecurityPolicy::none:
      return "none";
    case SecurityPolicy::authenticated:
      return "authenticated";
    case SecurityPolicy::encrypted:
      return "encrypted";
    case SecurityPolicy::authenticated_encrypted:
      return "authenticated+encrypted";
  }
  return "unknown";
}

bool satisfies(SecurityPolicy actual, SecurityPolicy required) {
  const auto have = static_cast<std::uint8_t>(actual);
  const auto need = static_cast<std::uint8_t>(required);
  return (have & need) == need;
}

}  // namespace dlmsgw::security
