#pragma once
// The checks `dlmsgw run` makes at start beyond parsing the files, as one function that both `run`
// (before it builds anything) and `validate` call, so that a configuration validate passes cannot
// be refused by run at start: the storage location (SqliteQueue::check_location, which opening
// the queue runs too) and the MQTT client options (MqttClient::create: TLS files, client id).
// Nothing is created, opened for writing or connected.

#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {

// Each problem as "<gateway file>: <key>: problem (fix)"; empty when run can start.
std::vector<std::string> check_startup(const gateway::GatewayConfig& config,
                                       const std::string& gateway_file);

}  // namespace dlmsgw::app
