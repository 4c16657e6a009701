#include "dlms/server/server_config.hpp"

namespace dlmsgw::server {

SecuritySettings SecuritySettings::defaults() {
  SecuritySettings settings;
  settings.system_title = security::SystemTitle({0x4D, 0x4D, 0x4D, 0x00, 0x00, 0xBC, 0x61, 0x4E});
  settings.block_key = security::AesKey128({0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                            0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F});
  settings.authentication_key =
      security::AesKey128({0xD0, 0xD1, 0xD2, 0xD3, 0xD4, 0xD5, 0xD6, 0xD7, 0xD8, 0xD9, 0xDA, 0xDB,
                           0xDC, 0xDD, 0xDE, 0xDF});
  return settings;
}

ServerConfig ServerConfig::microstar() {
  ServerConfig config;
  config.clients[1] = {acse::MechanismName::low, "22222222", false};
  config.clients[32] = {acse::MechanismName::low, "11111111", false};
  config.clients[17] = {acse::MechanismName::low, "00000000", false};
  config.supported_conformance = xdlms::Conformance(kMicrostarConformance);
  return config;
}

ServerConfig ServerConfig::generic() {
  ServerConfig config;
  config.clients[16] = {acse::MechanismName::none, "", false};
  config.clients[32] = {acse::MechanismName::low, "12345678", false};
  config.clients[1] = {acse::MechanismName::high_gmac, "", true};
  return config;
}

}  // namespace dlmsgw::server
