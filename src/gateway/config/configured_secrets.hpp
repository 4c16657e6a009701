#pragma once
// configured_secrets: every secret the configuration gives the gateway, as it will be used (so that
// what leaves the machine, such as remote logs, can mask it): the access token, MQTT password and
// trace token of tb_gateway.yaml, and in the connector files every string under a key naming a
// secret (password, key, secret, token): the content of a `*File` key's file (systemd credentials
// included), the value of a `${env:NAME}` reference, else the text itself. Texts shorter than 4
// characters are left out: masking them would mangle ordinary words.

#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::gateway {

std::vector<std::string> configured_secrets(const GatewayConfig& config,
                                            const std::vector<ConnectorConfig>& connectors);

}  // namespace dlmsgw::gateway
