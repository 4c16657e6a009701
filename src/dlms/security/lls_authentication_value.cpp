#include "dlms/security/lls_authentication_value.hpp"

namespace dlmsgw::security {

Bytes lls_authentication_value(std::string_view password) {
  return Bytes(password.begin(), password.end());
}

}  // namespace dlmsgw::security
