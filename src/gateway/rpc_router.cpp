#include "gateway/rpc_router.hpp"

#include <spdlog/spdlog.h>

#include <type_traits>

namespace dlmsgw::gateway {

nlohmann::json rpc_error(const Error& error) {
  return {{"error", error.message}};
}

RpcRouter::RpcRouter(DeviceRegistry& registry, Send send)
    : registry_(registry), send_(std::move(send)) {}

void RpcRouter::add_connector(Connector& connector) {
  connectors_[std::string(connector.name())] = &connector;
}

void RpcRouter::remove_connector(std::string_view name) {
  if (const auto it = connectors_.find(name); it != connectors_.end()) connectors_.erase(it);
}

void RpcRouter::add_gateway_method(std::string method, GatewayMethod handler) {
  methods_[std::move(method)] = std::move(handler);
}

void RpcRouter::handle(const IncomingMessage& message) {
  std::visit(
      [this](const auto& value) {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, DeviceRpcRequest>) {
          on_device_rpc(value);
        } else if constexpr (std::is_same_v<T, SharedAttributeUpdate>) {
          on_attributes(value);
        } else if constexpr (std::is_same_v<T, GatewayRpcRequest>) {
          on_gateway_rpc(value);
        } else if constexpr (std::is_same_v<T, DeviceRenamed>) {
          auto renamed = registry_.rename(value.old_name, value.new_name);
          if (renamed && *renamed) {
            spdlog::info("device '{}' renamed to '{}' on the platform", value.old_name,
                         value.new_name);
          }
          reply_gateway(
              value.request_id,
              !renamed   ? Expected<nlohmann::json>(renamed.error())
              : *renamed ? Expected<nlohmann::json>(nlohmann::json{{"success", true}})
                         : Expected<nlohmann::json>(make_error(
                               ErrorCode::invalid_argument,
                               "device '" + value.old_name + "' is not served by this gateway")));
        } else if constexpr (std::is_same_v<T, DeviceDeleted>) {
          auto removed = registry_.remove(value.device);
          if (removed && *removed)
            spdlog::info("device '{}' deleted on the platform", value.device);
          reply_gateway(value.request_id,
                        removed ? Expected<nlohmann::json>(nlohmann::json{{"success", true}})
                                : Expected<nlohmann::json>(removed.error()));
        } else {
          // Attribute responses and the gateway's own shared attributes: nothing routes them yet.
          spdlog::debug("rpc router: message ignored");
        }
      },
      message);
}

Connector* RpcRouter::owner_of(const DeviceEntry& entry) {
  const auto it = connectors_.find(entry.connector);
  return it == connectors_.end() ? nullptr : it->second;
}

void RpcRouter::on_device_rpc(const DeviceRpcRequest& request) {
  const auto* entry = registry_.find(request.device);
  if (entry == nullptr) {
    reply_device(request.device, request.id,
                 make_error(ErrorCode::invalid_argument,
                            "device '" + request.device + "' is not served by this gateway"));
    return;
  }
  auto* connector = owner_of(*entry);
  if (connector == nullptr) {
    reply_device(
        request.device, request.id,
        make_error(ErrorCode::protocol_state, "connector '" + entry->connector + "' of device '" +
                                                  request.device + "' is not running"));
    return;
  }
  ++routed_;
  RpcRequest forwarded{entry->local_name, request.id, request.method, request.params};
  connector->handle_rpc(
      std::move(forwarded),
      [this, alive = alive_, device = request.device, id = request.id,
       answered = std::make_shared<bool>(false)](Expected<nlohmann::json> result) {
        if (!*alive || *answered) return;
        *answered = true;
        reply_device(device, id, std::move(result));
      });
}

void RpcRouter::on_attributes(const SharedAttributeUpdate& update) {
  const auto* entry = registry_.find(update.device);
  Connector* connector = entry != nullptr ? owner_of(*entry) : nullptr;
  if (connector == nullptr) {
    spdlog::warn("shared attributes for '{}', which no running connector serves: ignored",
                 update.device);
    return;
  }
  ++routed_;
  connector->handle_attribute_update(entry->local_name, update.values);
}

void RpcRouter::on_gateway_rpc(const GatewayRpcRequest& request) {
  const auto it = methods_.find(request.method);
  if (it == methods_.end()) {
    reply_gateway(
        request.request_id,
        make_error(ErrorCode::unsupported, "unknown gateway method '" + request.method + "'"));
    return;
  }
  reply_gateway(request.request_id, it->second(request.params));
}

void RpcRouter::reply_device(const std::string& device, std::int64_t id,
                             Expected<nlohmann::json> result) {
  if (!result) {
    ++errors_;
    spdlog::warn("RPC {} for '{}': {}", id, device, result.error().message);
  }
  send_(encode_device_rpc_reply(device, id, result ? *result : rpc_error(result.error())));
}

void RpcRouter::reply_gateway(std::int64_t id, Expected<nlohmann::json> result) {
  if (!result) {
    ++errors_;
    spdlog::warn("gateway RPC {}: {}", id, result.error().message);
  }
  send_(encode_gateway_rpc_reply(id, result ? *result : rpc_error(result.error())));
}

}  // namespace dlmsgw::gateway
