#pragma once
// GatewayHealth: the checks behind /health, recomputed before each answer from the state the
// gateway already keeps (it costs a few reads and one access(2)):
//   uplink   ok while connected to ThingsBoard's broker; otherwise "not connected to HOST:PORT"
//            and the last connection error or the fatal one (credentials refused) when known.
//   storage  ok while the queue accepts data: failing for kStorageErrorMemory after a commit
//            error (the storage thread retries every second, so a lasting fault stays failing),
//            and while the SQLite file or its directory is not writable.

#include <chrono>
#include <optional>
#include <string>

#include "core/expected.hpp"
#include "gateway/config/gateway_config.hpp"
#include "gateway/gateway_service.hpp"
#include "observability/health_state.hpp"

namespace dlmsgw::app {

inline constexpr std::chrono::seconds kStorageErrorMemory{30};

class GatewayHealth {
 public:
  explicit GatewayHealth(gateway::StorageConfig storage) : storage_(std::move(storage)) {}

  // From StorageServiceOptions::on_error (on the loop).
  void storage_failed(const Error& error);
  // Brings `health` up to date.
  void update(observability::HealthState& health, gateway::GatewayService& gateway) const;

 private:
  [[nodiscard]] std::optional<std::string> storage_problem() const;

  gateway::StorageConfig storage_;
  std::optional<std::pair<std::chrono::steady_clock::time_point, std::string>> last_error_;
};

}  // namespace dlmsgw::app
