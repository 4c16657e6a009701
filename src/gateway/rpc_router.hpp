#pragma once
// RpcRouter: what ThingsBoard sends the gateway, delivered to whoever must act on it.
//
//  - Device RPCs (v1/gateway/rpc) go to the connector owning the device, with the connector's own
//    name for the device; its reply goes straight back on v1/gateway/rpc with the same id (not
//    through storage: an RPC answer is worth nothing later). An unknown device, a connector that
//    is not running, or an error from the connector all give {"error": "..."}: never silence.
//  - Shared-attribute updates go to the owning connector (an unknown device is logged).
//  - The gateway's own RPCs (v1/devices/me/rpc/request/<id>) go to the methods registered with
//    add_gateway_method (gateway_ping, gateway_devices, ... registered by GatewayService); an
//    unknown method gets an error reply. gateway_device_renamed/deleted update the registry.
//
// Runs on the loop thread. Replies are handed to `send` (GatewayService publishes them).

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "gateway/connector.hpp"
#include "gateway/device_registry.hpp"
#include "gateway/uplink/gateway_incoming.hpp"
#include "gateway/uplink/gateway_outgoing.hpp"

namespace dlmsgw::gateway {

class RpcRouter {
 public:
  using Send = std::function<void(const OutgoingMessage&)>;
  using GatewayMethod = std::function<Expected<nlohmann::json>(const nlohmann::json& params)>;

  RpcRouter(DeviceRegistry& registry, Send send);

  // Connectors must outlive the router (GatewayService owns both).
  void add_connector(Connector& connector);
  // Forgets a connector (configuration reload): its devices' requests then get "not running".
  void remove_connector(std::string_view name);
  void add_gateway_method(std::string method, GatewayMethod handler);

  void handle(const IncomingMessage& message);

  // Statistics: requests routed to connectors and error replies sent.
  [[nodiscard]] std::uint64_t routed() const { return routed_; }
  [[nodiscard]] std::uint64_t errors() const { return errors_; }

 private:
  void on_device_rpc(const DeviceRpcRequest& request);
  void on_attributes(const SharedAttributeUpdate& update);
  void on_gateway_rpc(const GatewayRpcRequest& request);
  void reply_device(const std::string& device, std::int64_t id, Expected<nlohmann::json> result);
  void reply_gateway(std::int64_t id, Expected<nlohmann::json> result);
  Connector* owner_of(const DeviceEntry& entry);

  DeviceRegistry& registry_;
  Send send_;
  std::map<std::string, Connector*, std::less<>> connectors_;
  std::map<std::string, GatewayMethod, std::less<>> methods_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint64_t routed_ = 0;
  std::uint64_t errors_ = 0;

 public:
  ~RpcRouter() { *alive_ = false; }
  RpcRouter(const RpcRouter&) = delete;
  RpcRouter& operator=(const RpcRouter&) = delete;
};

// The JSON an Error becomes in an RPC reply: {"error": message}.
nlohmann::json rpc_error(const Error& error);

}  // namespace dlmsgw::gateway
