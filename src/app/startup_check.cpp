#include "app/startup_check.hpp"

#include <asio/io_context.hpp>

#include "gateway/uplink/mqtt_client.hpp"

namespace dlmsgw::app {

std::vector<std::string> check_startup(const gateway::GatewayConfig& config,
                                       const std::string& gateway_file) {
  std::vector<std::string> problems;
  if (auto storage = gateway::check_record_queue(config.storage); !storage) {
    problems.push_back(gateway_file + ": storage.data_file_path: " + storage.error().message);
  }
  // The client is created exactly as GatewayService::create does, and never started.
  asio::io_context io;
  if (auto client = gateway::MqttClient::create(io, gateway::to_gateway_options(config).mqtt);
      !client) {
    problems.push_back(gateway_file + ": thingsboard: " + client.error().message);
  }
  return problems;
}

}  // namespace dlmsgw::app
