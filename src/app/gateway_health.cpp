#include "app/gateway_health.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dlmsgw::app {

void GatewayHealth::storage_failed(const Error& error) {
  last_error_.emplace(std::chrono::steady_clock::now(), error.message);
}

std::optional<std::string> GatewayHealth::storage_problem() const {
  if (last_error_ && std::chrono::steady_clock::now() - last_error_->first < kStorageErrorMemory) {
    return "last commit failed: " + last_error_->second;
  }
  if (storage_.type != gateway::StorageType::sqlite) return std::nullopt;
  // SQLite writes the file and, for its journal, the directory.
  const auto& file = storage_.data_file_path;
  auto directory = file.parent_path();
  if (directory.empty()) directory = ".";
  if (::access(directory.c_str(), W_OK) != 0) {
    return "directory " + directory.string() + " is not writable: " + std::strerror(errno);
  }
  if (::access(file.c_str(), F_OK) == 0 && ::access(file.c_str(), W_OK) != 0) {
    return file.string() + " is not writable: " + std::strerror(errno);
  }
  return std::nullopt;
}

void GatewayHealth::update(observability::HealthState& health,
                           gateway::GatewayService& gateway) const {
  auto& mqtt = gateway.mqtt();
  if (mqtt.connected()) {
    health.set_ok("uplink");
  } else {
    std::string reason = "not connected to ThingsBoard at " + mqtt.endpoint();
    if (mqtt.refusal()) {
      reason += ": " + mqtt.refusal()->message;
    } else if (mqtt.last_connection_error()) {
      reason += ": " + mqtt.last_connection_error()->message;
    }
    health.set_failing("uplink", reason);
  }
  if (const auto problem = storage_problem()) {
    health.set_failing("storage", *problem);
  } else {
    health.set_ok("storage");
  }
}

}  // namespace dlmsgw::app
