#pragma once
// RpcRouter: what ThingsBoard sends the gateway, delivered to whoever must act on it.
//
//  - Device RPCs (v1/gateway/rpc) go to the connector owning the device, with the connector's own
//    name for the device; its reply goes straight back on v1/gateway/rpc with the same id (not
//    through storage: an RPC answer is worth nothing later). An unknown device, a connector that
//    is not running, or an error from the connector all give {"error": "..."}: never silence.
//    Nor does a connector that never answers: after rpc_timeout the router replies with an error
//    itself, and a reply that comes later is logged and dropped (never a second reply per id).
//  - Shared-attribute updates go to the owning connector (an unknown device is logged).
//  - Attribute requests of connectors (request_attributes) go out on v1/gateway/attributes/request
//    with an id of their own; the v1/gateway/attributes/response with that id completes them, or
//    the RPC timeout does.
//  - The gateway's own RPCs (v1/devices/me/rpc/request/<id>) go to the methods registered with
//    add_gateway_method (gateway_ping, gateway_devices, ... registered by GatewayService).
//    "<type>_<method>" with params {"device": name, "params": ..} goes to that device's connector
//    when it is of that type (Connector::type(), "dlms_get"), answered on the gateway's reply
//    topic. An unknown method or connector type gets {"error": .., "code": 404}, as the Python
//    gateway answers. gateway_device_renamed/deleted update the registry.
//
// Runs on the loop thread. Replies are handed to `send` (GatewayService publishes them).

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/connector.hpp"
#include "gateway/device_registry.hpp"
#include "gateway/uplink/gateway_incoming.hpp"
#include "gateway/uplink/gateway_outgoing.hpp"

namespace dlmsgw::gateway {

class RpcRouter {
 public:
  // Publishes a message; false when it could not be sent (not connected).
  using Send = std::function<bool(const OutgoingMessage&)>;
  using AttributesDone = std::function<void(Expected<nlohmann::json>)>;
  using GatewayMethod = std::function<Expected<nlohmann::json>(const nlohmann::json& params)>;

  // ThingsBoard itself gives up on a two-way RPC after 10 s by default (configurable on the
  // platform): 30 s here leaves slow meters room, and still frees every request eventually.
  static constexpr std::chrono::milliseconds kDefaultRpcTimeout{std::chrono::seconds(30)};

  RpcRouter(asio::io_context& io, DeviceRegistry& registry, Send send,
            std::chrono::milliseconds rpc_timeout = kDefaultRpcTimeout);

  // Connectors must outlive the router (GatewayService owns both).
  void add_connector(Connector& connector);
  // Forgets a connector (configuration reload): its devices' requests then get "not running".
  void remove_connector(std::string_view name);
  void add_gateway_method(std::string method, GatewayMethod handler);
  // The largest reply the platform accepts (maxPayloadSizeBytes, or what getSessionLimits said):
  // a larger answer is replaced by an error reply saying so. Unlimited until set.
  void limit_replies(std::function<std::size_t()> max_payload_bytes) {
    max_payload_bytes_ = std::move(max_payload_bytes);
  }

  void handle(const IncomingMessage& message);
  // A request that could not be parsed (refused_rpc found who waits): an error reply now, not
  // logged (the caller logs malformed messages, rate-limited).
  void refuse(const RefusedRpc& request, const Error& error);

  // Asks the platform for attributes of `device` (its platform name). `done` gets {"key":value,..}
  // or an error; it is called once, later on the loop, never from inside this call.
  void request_attributes(std::string device, std::vector<std::string> keys, bool client_scope,
                          AttributesDone done);

  // Statistics: requests routed to connectors and error replies sent.
  [[nodiscard]] std::uint64_t routed() const { return routed_; }
  [[nodiscard]] std::uint64_t errors() const { return errors_; }
  // RPCs answered by the router because their connector did not within rpc_timeout.
  [[nodiscard]] std::uint64_t timeouts() const { return timeouts_; }
  // Device RPCs waiting for their connector's answer.
  [[nodiscard]] std::size_t pending() const { return pending_.size(); }

 private:
  void on_device_rpc(const DeviceRpcRequest& request);
  void on_connector_type_rpc(const GatewayRpcRequest& request, std::string_view type);
  // Hands a request to the connector owning `entry`; its answer (or the timeout's error) goes to
  // the device reply topic, or to the gateway's when `gateway_reply`.
  void forward(const DeviceEntry& entry, Connector& connector, std::int64_t id, std::string method,
               nlohmann::json params, bool gateway_reply);
  void reply_not_found(std::int64_t id, const std::string& message);
  void on_attributes(const SharedAttributeUpdate& update);
  void on_gateway_rpc(const GatewayRpcRequest& request);
  void reply_device(const std::string& device, std::int64_t id, Expected<nlohmann::json> result);
  void reply_gateway(std::int64_t id, Expected<nlohmann::json> result);
  [[nodiscard]] Expected<void> fits(const OutgoingMessage& reply) const;
  Connector* owner_of(const DeviceEntry& entry);
  void on_connector_reply(std::uint64_t ticket, Expected<nlohmann::json> result);
  void on_rpc_timeout(std::uint64_t ticket);
  void on_attribute_response(const AttributeResponse& response);
  void finish_attribute_request(std::int64_t id, Expected<nlohmann::json> result);

  // A device RPC handed to a connector and not answered yet. The timer gives up on it.
  struct Pending {
    std::string device;  // platform name, as the reply must carry it
    std::string connector;
    std::int64_t id = 0;
    bool gateway_reply = false;  // a "<type>_<method>" gateway RPC
    std::unique_ptr<asio::steady_timer> timer;
  };

  asio::io_context& io_;
  DeviceRegistry& registry_;
  Send send_;
  std::chrono::milliseconds rpc_timeout_;
  std::map<std::uint64_t, Pending> pending_;  // by ticket, unique per forwarded request
  struct PendingAttributes {
    std::string device;
    std::vector<std::string> keys;
    AttributesDone done;
    std::unique_ptr<asio::steady_timer> timer;
  };
  std::map<std::int64_t, PendingAttributes> attribute_requests_;  // by request id
  std::int32_t next_attribute_id_ = 0;  // ThingsBoard reads the id as a 32-bit int
  std::uint64_t next_ticket_ = 1;
  std::uint64_t timeouts_ = 0;
  std::map<std::string, Connector*, std::less<>> connectors_;
  std::map<std::string, GatewayMethod, std::less<>> methods_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::uint64_t routed_ = 0;
  std::uint64_t errors_ = 0;
  std::function<std::size_t()> max_payload_bytes_;

 public:
  ~RpcRouter() { *alive_ = false; }
  RpcRouter(const RpcRouter&) = delete;
  RpcRouter& operator=(const RpcRouter&) = delete;
};

// The JSON an Error becomes in an RPC reply: {"error": message}, the message cut to
// kMaxRpcErrorBytes (errors may quote what the platform sent).
inline constexpr std::size_t kMaxRpcErrorBytes = 512;
nlohmann::json rpc_error(const Error& error);

}  // namespace dlmsgw::gateway
