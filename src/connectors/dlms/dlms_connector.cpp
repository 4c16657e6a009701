#include "connectors/dlms/dlms_connector.hpp"

#include <algorithm>
#include <random>

#include "connectors/dlms/meter_worker.hpp"
#include "connectors/dlms/poll_limiter.hpp"
#include "gateway/component_logger.hpp"

namespace dlmsgw::connectors::dlms {

DlmsConnector::DlmsConnector(asio::io_context& io, std::string name, DlmsConnectorConfig config,
                             std::shared_ptr<client::InvocationCounterStore> counters,
                             std::shared_ptr<ProfileCursorStore> cursors)
    : io_(io),
      name_(std::move(name)),
      config_(std::move(config)),
      limiter_(std::make_shared<PollLimiter>(config_.max_concurrent_polls)),
      counters_(std::move(counters)),
      cursors_(cursors ? std::move(cursors) : std::make_shared<MemoryProfileCursorStore>()) {}

DlmsConnector::~DlmsConnector() {
  stop();
}

std::shared_ptr<MeterWorker> DlmsConnector::make_worker(DeviceConfig device) {
  // Jitter seeds differ per meter and per run, so meters that failed together retry apart.
  std::random_device entropy;
  return std::make_shared<MeterWorker>(io_, std::move(device), limiter_, config_.statistics_period,
                                       (std::uint64_t{entropy()} << 32) | entropy(), counters_,
                                       cursors_);
}

void DlmsConnector::start(gateway::GatewaySink& sink) {
  // Each meter's configuration moves into its worker: kept twice, it cost kilobytes per meter.
  for (auto& device : config_.devices) {
    auto worker = make_worker(std::move(device));
    worker->start(sink);
    workers_.push_back(std::move(worker));
  }
  // Released, not just emptied: `devices = {}` keeps the capacity (600 bytes a meter).
  std::vector<DeviceConfig>().swap(config_.devices);
}

bool DlmsConnector::reconfigure(gateway::Connector& replacement, gateway::GatewaySink& sink) {
  auto* next = dynamic_cast<DlmsConnector*>(&replacement);
  if (next == nullptr || next->config_.max_concurrent_polls != config_.max_concurrent_polls ||
      next->config_.statistics_period != config_.statistics_period) {
    return false;
  }
  std::vector<std::shared_ptr<MeterWorker>> kept;
  std::vector<const DeviceConfig*> to_start;
  for (const auto& device : next->config_.devices) {
    const auto same = std::find_if(workers_.begin(), workers_.end(), [&](const auto& worker) {
      return worker && worker->config() == device;
    });
    if (same == workers_.end()) {
      to_start.push_back(&device);
      continue;
    }
    (*same)->declare(sink);
    kept.push_back(std::move(*same));
  }
  // Removed and changed meters release their associations before their successors connect.
  std::size_t stopped = 0;
  for (auto& worker : workers_) {
    if (!worker) continue;
    worker->stop();
    ++stopped;
  }
  config_ = next->config_;
  // In the workers (to_start points into next's); released, not just emptied.
  std::vector<DeviceConfig>().swap(config_.devices);
  workers_ = std::move(kept);
  for (const auto* device : to_start) {
    auto worker = make_worker(*device);
    worker->start(sink);
    workers_.push_back(std::move(worker));
  }
  gateway::component_logger("connector")
      ->info("connector '{}': reload kept {} meter(s) running, stopped {}, started {}", name_,
             workers_.size() - to_start.size(), stopped, to_start.size());
  return true;
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
