#pragma once
// DlmsConnector: the gateway's DLMS/COSEM southbound side. One MeterWorker per configured device
// (one session kept open across poll cycles, its own schedule, watchdog and circuit breaker), all
// on the gateway's loop; readings and attributes go to the core through the GatewaySink, RPCs and
// shared-attribute updates come back through handle_rpc/handle_attribute_update.

#include <asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "client/invocation_counter_store.hpp"
#include "connectors/dlms/dlms_connector_config.hpp"
#include "connectors/dlms/meter_statistics.hpp"
#include "connectors/dlms/profile_cursor_store.hpp"
#include "gateway/connector.hpp"

namespace dlmsgw::connectors::dlms {

class MeterWorker;
class PollLimiter;

class DlmsConnector final : public gateway::Connector {
 public:
  // `name` is the connectors[] entry's name (it wins over the file's own "name").
  // `counters` keeps our invocation counters (shared by every meter and kept across reloads: a
  // counter must never restart); none: each meter keeps its own in memory (tests).
  DlmsConnector(asio::io_context& io, std::string name, DlmsConnectorConfig config,
                std::shared_ptr<client::InvocationCounterStore> counters = nullptr,
                std::shared_ptr<ProfileCursorStore> cursors = nullptr);
  ~DlmsConnector() override;
  DlmsConnector(const DlmsConnector&) = delete;
  DlmsConnector& operator=(const DlmsConnector&) = delete;

  [[nodiscard]] std::string_view name() const override { return name_; }
  [[nodiscard]] std::string_view type() const override { return "dlms"; }
  [[nodiscard]] std::uint64_t error_count() const override;
  void start(gateway::GatewaySink& sink) override;
  void stop() override;
  // Keeps the worker (session, counters, trace) of every device whose configuration is unchanged,
  // stops the removed and changed ones, starts the new and changed ones. False when a
  // connector-wide setting changed (maxConcurrentPolls, statisticsPeriod): those shape every
  // worker.
  bool reconfigure(gateway::Connector& replacement, gateway::GatewaySink& sink) override;
  void handle_rpc(gateway::RpcRequest request, gateway::RpcReply reply) override;
  void handle_attribute_update(std::string_view device, const nlohmann::json& values) override;

  // Its devices are empty once started: each meter's configuration is in its worker.
  [[nodiscard]] const DlmsConnectorConfig& config() const { return config_; }

  // Every running meter's statistics, for the metrics endpoint (read on the loop thread).
  [[nodiscard]] std::vector<MeterSnapshot> meter_snapshots() const;
  // Frame tracing of one meter on or off (MeterWorker::set_trace); fails for an unknown device.
  Expected<void> set_trace(std::string_view device, bool enabled);

 private:
  MeterWorker* find(std::string_view device);
  std::shared_ptr<MeterWorker> make_worker(DeviceConfig device);

  asio::io_context& io_;
  std::string name_;
  DlmsConnectorConfig config_;
  std::shared_ptr<PollLimiter> limiter_;
  std::shared_ptr<client::InvocationCounterStore> counters_;
  // Where each meter's profile cursors are kept (shared across reloads); none: in memory.
  std::shared_ptr<ProfileCursorStore> cursors_;
  std::vector<std::shared_ptr<MeterWorker>> workers_;
};

}  // namespace dlmsgw::connectors::dlms
