#pragma once
// check_tls_files: what `validate` says about the TLS files of thingsboard.security (caCert, cert,
// privateKey, or the TB_GW_CA_CERT/TB_GW_CERT/TB_GW_PRIVATE_KEY that replace them) before the
// service finds out at its first connection: a file that cannot be read is an error, and the
// private key follows the rule of every secret file (gateway/config/secret_file.hpp: readable by
// every user: refused).

#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {

void check_tls_files(const gateway::SecurityConfig& security, std::vector<std::string>& errors);

}  // namespace dlmsgw::app
