#include "connectors/dlms/dlms_connector.hpp"

// Skeleton while the meter workers are being built: the connector declares its devices and
// answers every RPC with an error. Replaced by the polling runtime.

namespace dlmsgw::connectors::dlms {

class MeterWorker {};
class PollLimiter {};

DlmsConnector::DlmsConnector(asio::io_context& io, std::string name, DlmsConnectorConfig config)
    : io_(io), name_(std::move(name)), config_(std::move(config)) {}

DlmsConnector::~DlmsConnector() = default;

void DlmsConnector::start(gateway::GatewaySink& sink) {
  for (const auto& device : config_.devices) sink.device_connected(device.name, device.type);
}

void DlmsConnector::stop() {}

void DlmsConnector::handle_rpc(gateway::RpcRequest request, gateway::RpcReply reply) {
  reply(
      make_error(ErrorCode::unsupported, "device '" + request.device + "': no meter runtime yet"));
}

void DlmsConnector::handle_attribute_update(std::string_view, const nlohmann::json&) {}

MeterWorker* DlmsConnector::find(std::string_view) {
  return nullptr;
}

}  // namespace dlmsgw::connectors::dlms
