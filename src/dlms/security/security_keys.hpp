#pragma once
// SecurityKeys: the pair suite 0 needs for one protected exchange. The block key encrypts (global
// unicast key or dedicated key); the authentication key only enters the GCM additional data.

#include "dlms/security/aes_key.hpp"

namespace dlmsgw::security {

struct SecurityKeys {
  AesKey128 block_key;
  AesKey128 authentication_key;
};

}  // namespace dlmsgw::security
