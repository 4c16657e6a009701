#include "connectors/dlms/dlms_connector.hpp"

#include <algorithm>
#include <random>

#include "connectors/dlms/meter_worker.hpp"
#include "connectors/dlms/poll_limiter.hpp"
#include "gateway/component_logger.hpp"

namespace dlmsgw::connectors::dlms {

DlmsConnector::DlmsConnector(asio::io_context& io, std::string name, DlmsConnectorConfig config)
    : io_(io),
      name_(std::move(name)),
      config_(std::move(config)),
      limiter_(std::make_shared<PollLimiter>(config_.max_concurrent_polls)) {}

DlmsConnector::~DlmsConnector() {
  stop();
}

void DlmsConnector::start(gateway::GatewaySink& sink) {
  // Jitter seeds differ per meter and per run, so meters that failed together retry apart.
  std::random_device entropy;
  for (const auto& device : config_.devices) {
    auto worker = std::make_shared<MeterWorker>(io_, device, limiter_, config_.statistics_period,
                                                (std::uint64_t{entropy()} << 32) | entropy());
    worker->start(sink);
    workers_.push_back(std::move(worker));
  }
}

void DlmsConnector::stop() {
  for (auto& worker : workers_) worker->stop();
  // The workers finish on the loop (releasing their associations) and free themselves.
  workers_.clear();
}

MeterWorker* DlmsConnector::find(std::string_view device) {
  const auto found = std::find_if(workers_.begin(), workers_.end(), [&](const auto& worker) {
    return worker->config().name == device;
  });
  return found == workers_.end() ? nullptr : found->get();
}

void DlmsConnector::handle_rpc(gateway::RpcRequest request, gateway::RpcReply reply) {
  auto* worker = find(request.device);
  if (worker == nullptr) {
    reply(make_error(ErrorCode::invalid_argument,
                     "connector '" + name_ + "' has no device '" + request.device + "'"));
    return;
  }
  worker->handle_rpc(std::move(request), std::move(reply));
}

std::vector<MeterSnapshot> DlmsConnector::meter_snapshots() const {
  std::vector<MeterSnapshot> snapshots;
  snapshots.reserve(workers_.size());
  for (const auto& worker : workers_) snapshots.push_back(worker->snapshot());
  return snapshots;
}

std::uint64_t DlmsConnector::error_count() const {
  std::uint64_t errors = 0;
  for (const auto& worker : workers_) {
    const auto snapshot = worker->snapshot();
    errors += snapshot.statistics.reads_failed + snapshot.statistics.connect_failures;
  }
  return errors;
}

Expected<void> DlmsConnector::set_trace(std::string_view device, bool enabled) {
  auto* worker = find(device);
  if (worker == nullptr) {
    return make_error(ErrorCode::invalid_argument,
                      "connector '" + name_ + "' has no device '" + std::string(device) + "'");
  }
  worker->set_trace(enabled);
  return {};
}

void DlmsConnector::handle_attribute_update(std::string_view device, const nlohmann::json& values) {
  if (auto* worker = find(device)) {
    worker->handle_attribute_update(values);
  } else {
    gateway::component_logger("connector")
        ->warn("connector '{}': shared attributes for unknown device '{}' ignored", name_, device);
  }
}

}  // namespace dlmsgw::connectors::dlms
