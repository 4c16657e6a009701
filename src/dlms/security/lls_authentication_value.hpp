#pragma once
// LLS (authentication mechanism 1): the password itself is the calling-authentication-value of the
// AARQ, as raw bytes, without terminator or padding (e.g. the user's meter: "22222222").

#include <string_view>

#include "core/bytes.hpp"

namespace dlmsgw::security {

Bytes lls_authentication_value(std::string_view password);

}  // namespace dlmsgw::security
