#pragma once
// The name our invocation counter is kept under: the client system title and an id of the block
// key (the first 8 bytes of its SHA-256, in hex), so that a new key starts a new counter and the
// key itself is never written anywhere: "4D4D4D0000000001-5F2C...:tx".

#include <string>

#include "dlms/security/aes_key.hpp"
#include "dlms/security/system_title.hpp"

namespace dlmsgw::client {

std::string invocation_counter_key(const security::SystemTitle& own_system_title,
                                   const security::AesKey128& block_key);

}  // namespace dlmsgw::client
