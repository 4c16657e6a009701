#include "gateway/rpc_router.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <asio/post.hpp>
#include <climits>
#include <cstdint>
#include <type_traits>

#include "core/text_excerpt.hpp"
#include "gateway/component_logger.hpp"

namespace dlmsgw::gateway {
namespace {

// This file's log lines belong to the "gateway" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> rpc_log() {
  return component_logger("gateway");
}

}  // namespace

nlohmann::json rpc_error(const Error& error) {
  return {{"error", excerpt(error.message, kMaxRpcErrorBytes)}};
}

namespace {

// "30 s" for whole seconds, "250 ms" otherwise: the timeout as the operator configured it.
std::string duration_text(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
  return std::to_string(duration.count()) + " ms";
}

}  // namespace

RpcRouter::RpcRouter(asio::io_context& io, DeviceRegistry& registry, Send send,
                     std::chrono::milliseconds rpc_timeout)
    : io_(io), registry_(registry), send_(std::move(send)), rpc_timeout_(rpc_timeout) {}

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
            rpc_log()->info("device '{}' renamed to '{}' on the platform", value.old_name,
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
            rpc_log()->info("device '{}' deleted on the platform", value.device);
          reply_gateway(value.request_id,
                        removed ? Expected<nlohmann::json>(nlohmann::json{{"success", true}})
                                : Expected<nlohmann::json>(removed.error()));
        } else if constexpr (std::is_same_v<T, AttributeResponse>) {
          on_attribute_response(value);
        } else {
          // The gateway's own shared attributes: nothing uses them yet.
          rpc_log()->debug("rpc router: message ignored");
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
  forward(*entry, *connector, request.id, request.method, request.params, false);
}

void RpcRouter::forward(const DeviceEntry& entry, Connector& connector, std::int64_t id,
                        std::string method, nlohmann::json params, bool gateway_reply) {
  ++routed_;
  // Registered before the call: a connector may answer from inside handle_rpc.
  const std::uint64_t ticket = next_ticket_++;
  auto& pending = pending_[ticket];
  pending.device = entry.name;
  pending.connector = entry.connector;
  pending.id = id;
  pending.gateway_reply = gateway_reply;
  pending.timer = std::make_unique<asio::steady_timer>(io_, rpc_timeout_);
  pending.timer->async_wait([this, alive = alive_, ticket](std::error_code ec) {
    if (!*alive || ec) return;
    on_rpc_timeout(ticket);
  });
  RpcRequest forwarded{entry.local_name, id, std::move(method), std::move(params),
                       std::chrono::steady_clock::now() + rpc_timeout_};
  connector.handle_rpc(
      std::move(forwarded), [this, alive = alive_, ticket, device = entry.name, id,
                             owner = entry.connector](Expected<nlohmann::json> result) {
        if (!*alive) return;
        if (!pending_.contains(ticket)) {
          // Already answered: by the router after the timeout, or by the connector calling twice.
          rpc_log()->warn(
              "RPC {} for '{}': reply from connector '{}' dropped, the request was already "
              "answered (it came after the {} timeout, or twice)",
              id, device, owner, duration_text(rpc_timeout_));
          return;
        }
        on_connector_reply(ticket, std::move(result));
      });
}

void RpcRouter::on_connector_reply(std::uint64_t ticket, Expected<nlohmann::json> result) {
  const auto it = pending_.find(ticket);
  if (it == pending_.end()) return;
  Pending done = std::move(it->second);
  pending_.erase(it);  // destroying the timer cancels it
  if (done.gateway_reply) {
    reply_gateway(done.id, std::move(result));
  } else {
    reply_device(done.device, done.id, std::move(result));
  }
}

void RpcRouter::on_rpc_timeout(std::uint64_t ticket) {
  const auto it = pending_.find(ticket);
  if (it == pending_.end()) return;
  Pending expired = std::move(it->second);
  pending_.erase(it);
  ++timeouts_;
  auto error = make_error(ErrorCode::timeout,
                          "device '" + expired.device + "': no answer from connector '" +
                              expired.connector + "' within " + duration_text(rpc_timeout_));
  if (expired.gateway_reply) {
    reply_gateway(expired.id, std::move(error));
  } else {
    reply_device(expired.device, expired.id, std::move(error));
  }
}

void RpcRouter::on_attributes(const SharedAttributeUpdate& update) {
  const auto* entry = registry_.find(update.device);
  Connector* connector = entry != nullptr ? owner_of(*entry) : nullptr;
  if (connector == nullptr) {
    rpc_log()->warn("shared attributes for '{}', which no running connector serves: ignored",
                    excerpt(update.device));
    return;
  }
  ++routed_;
  connector->handle_attribute_update(entry->local_name, update.values);
}

void RpcRouter::on_gateway_rpc(const GatewayRpcRequest& request) {
  const auto it = methods_.find(request.method);
  if (it != methods_.end()) {
    reply_gateway(request.request_id, it->second(request.params));
    return;
  }
  const auto underscore = request.method.find('_');
  const std::string_view type = underscore == std::string::npos
                                    ? std::string_view{}
                                    : std::string_view(request.method).substr(0, underscore);
  const bool served_type =
      !type.empty() && std::any_of(connectors_.begin(), connectors_.end(),
                                   [&](const auto& named) { return named.second->type() == type; });
  if (served_type) {
    on_connector_type_rpc(request, type);
    return;
  }
  if (type.empty() || type == "gateway") {
    reply_not_found(request.request_id,
                    "Method not found: '" + excerpt(request.method) + "' is no gateway method");
  } else {
    reply_not_found(request.request_id, "'" + excerpt(std::string(type)) +
                                            "' - connector not found in available connectors");
  }
}

void RpcRouter::on_connector_type_rpc(const GatewayRpcRequest& request, std::string_view type) {
  const std::string method = request.method.substr(type.size() + 1);
  const auto& params = request.params;
  if (method.empty() || !params.is_object() || !params.contains("device") ||
      !params["device"].is_string()) {
    reply_gateway(
        request.request_id,
        make_error(ErrorCode::invalid_argument,
                   request.method + ": params must name the device: {\"device\": "
                                    "\"Meter 1\", \"params\": <the device RPC's params>}"));
    return;
  }
  const auto device = params["device"].get<std::string>();
  const auto* entry = registry_.find(device);
  auto* connector = entry != nullptr ? owner_of(*entry) : nullptr;
  if (connector == nullptr || connector->type() != type) {
    reply_gateway(request.request_id,
                  make_error(ErrorCode::invalid_argument,
                             "device '" + excerpt(device) + "' is not served by a running '" +
                                 std::string(type) + "' connector of this gateway"));
    return;
  }
  nlohmann::json forwarded = params.contains("params") ? params["params"] : nlohmann::json();
  forward(*entry, *connector, request.request_id, method, std::move(forwarded), true);
}

void RpcRouter::reply_not_found(std::int64_t id, const std::string& message) {
  ++errors_;
  rpc_log()->warn("gateway RPC {}: {}", id, message);
  auto reply = rpc_error(make_error(ErrorCode::unsupported, message));
  reply["code"] = 404;
  (void)send_(encode_gateway_rpc_reply(id, reply));
}

void RpcRouter::request_attributes(std::string device, std::vector<std::string> keys,
                                   bool client_scope, AttributesDone done) {
  if (keys.empty()) {
    asio::post(io_, [done = std::move(done)] { done(nlohmann::json::object()); });
    return;
  }
  // Ids wrap within what ThingsBoard parses; skip any still waiting (after 2^31 requests).
  std::int64_t id = 0;
  do {
    next_attribute_id_ = next_attribute_id_ == INT32_MAX ? 1 : next_attribute_id_ + 1;
    id = next_attribute_id_;
  } while (attribute_requests_.contains(id));
  const auto message = encode_attribute_request(id, device, keys, client_scope);
  auto& pending = attribute_requests_[id];
  pending.device = std::move(device);
  pending.keys = std::move(keys);
  pending.done = std::move(done);
  pending.timer = std::make_unique<asio::steady_timer>(io_);
  if (!send_(message)) {
    pending.timer->expires_after(std::chrono::seconds(0));  // fails it on the loop, not in here
    pending.timer->async_wait([this, alive = alive_, id](std::error_code ec) {
      if (!*alive || ec) return;
      const auto name = attribute_requests_.at(id).device;
      finish_attribute_request(
          id, make_error(ErrorCode::connection_closed,
                         "device '" + name +
                             "': cannot request attributes, not connected to ThingsBoard"));
    });
    return;
  }
  pending.timer->expires_after(rpc_timeout_);
  pending.timer->async_wait([this, alive = alive_, id](std::error_code ec) {
    if (!*alive || ec) return;
    const auto name = attribute_requests_.at(id).device;
    finish_attribute_request(
        id, make_error(ErrorCode::timeout, "device '" + name +
                                               "': no answer from ThingsBoard to attribute "
                                               "request " +
                                               std::to_string(id) + " within " +
                                               duration_text(rpc_timeout_)));
  });
}

void RpcRouter::on_attribute_response(const AttributeResponse& response) {
  const auto it = attribute_requests_.find(response.id);
  if (it == attribute_requests_.end() || it->second.device != response.device) {
    rpc_log()->warn(
        "attribute response {} for '{}' matches no waiting request (timed out?): ignored",
        response.id, response.device);
    return;
  }
  // Several keys come as "values":{..}; one key as "value": v (absent when the platform has none).
  nlohmann::json values = nlohmann::json::object();
  if (response.values.is_object()) {
    values = response.values;
  } else if (response.value && it->second.keys.size() == 1) {
    values[it->second.keys.front()] = *response.value;
  } else if (response.value) {
    // ThingsBoard found one of several keys and does not say which.
    finish_attribute_request(
        response.id,
        make_error(ErrorCode::malformed,
                   "device '" + response.device + "': ThingsBoard knows only one of the " +
                       std::to_string(it->second.keys.size()) +
                       " attributes asked for and does not say which; ask for them one by one"));
    return;
  }
  finish_attribute_request(response.id, std::move(values));
}

void RpcRouter::finish_attribute_request(std::int64_t id, Expected<nlohmann::json> result) {
  const auto it = attribute_requests_.find(id);
  if (it == attribute_requests_.end()) return;
  PendingAttributes done = std::move(it->second);
  attribute_requests_.erase(it);
  if (!result) rpc_log()->warn("{}", result.error().message);
  done.done(std::move(result));
}

void RpcRouter::refuse(const RefusedRpc& request, const Error& error) {
  // Not logged here: the caller logs malformed messages rate-limited, and a flood of them must
  // not become a flood of log lines through this path.
  ++errors_;
  const auto data = rpc_error(error);
  (void)send_(request.device ? encode_device_rpc_reply(*request.device, request.id, data)
                             : encode_gateway_rpc_reply(request.id, data));
}

Expected<void> RpcRouter::fits(const OutgoingMessage& reply) const {
  if (!max_payload_bytes_) return {};
  const auto limit = max_payload_bytes_();
  if (reply.payload.size() <= limit) return {};
  return make_error(ErrorCode::out_of_range,
                    "the reply of " + std::to_string(reply.payload.size()) +
                        " bytes is over the platform's " + std::to_string(limit) +
                        "-byte message limit (maxPayloadSizeBytes); ask for less at a time");
}

void RpcRouter::reply_device(const std::string& device, std::int64_t id,
                             Expected<nlohmann::json> result) {
  if (!result) {
    ++errors_;
    rpc_log()->warn("RPC {} for '{}': {}", id, excerpt(device),
                    excerpt(result.error().message, kMaxRpcErrorBytes));
  }
  auto reply = encode_device_rpc_reply(device, id, result ? *result : rpc_error(result.error()));
  if (auto fitted = fits(reply); !fitted) {
    if (result) ++errors_;
    rpc_log()->warn("RPC {} for '{}': {}", id, excerpt(device), fitted.error().message);
    reply = encode_device_rpc_reply(device, id, rpc_error(fitted.error()));
  }
  (void)send_(reply);
}

void RpcRouter::reply_gateway(std::int64_t id, Expected<nlohmann::json> result) {
  if (!result) {
    ++errors_;
    rpc_log()->warn("gateway RPC {}: {}", id, excerpt(result.error().message, kMaxRpcErrorBytes));
  }
  auto reply = encode_gateway_rpc_reply(id, result ? *result : rpc_error(result.error()));
  if (auto fitted = fits(reply); !fitted) {
    if (result) ++errors_;
    rpc_log()->warn("gateway RPC {}: {}", id, fitted.error().message);
    reply = encode_gateway_rpc_reply(id, rpc_error(fitted.error()));
  }
  (void)send_(reply);
}

}  // namespace dlmsgw::gateway
