#pragma once
// parse_incoming: what ThingsBoard sends the gateway, decoded from topic + payload into one typed
// value. Payloads come from the network: anything malformed gives an Error naming the topic and the
// fault, never an exception. Payloads too large or nested too deep (bounded_json.hpp) are refused
// before any tree is built.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

// v1/gateway/rpc: {"device":"Meter 1","data":{"id":42,"method":"getTime","params":{..}}}
struct DeviceRpcRequest {
  std::string device;
  std::int64_t id = 0;
  std::string method;
  nlohmann::json params;  // null when absent
};

// v1/gateway/attributes: {"device":"Meter 1","data":{"key":value,..}}; ThingsBoard lists removed
// shared attributes as {"deleted":["key",..]} inside data.
struct SharedAttributeUpdate {
  std::string device;
  nlohmann::json values;  // an object
};

// v1/gateway/attributes/response: {"id":1,"device":"Meter 1","value":..} when one key was asked
// for, {"id":1,"device":"Meter 1","values":{..}} when several were.
struct AttributeResponse {
  std::int64_t id = 0;
  std::string device;
  std::optional<nlohmann::json> value;  // the single-key form
  nlohmann::json values;                // the several-key form (an object), or null
};

// v1/devices/me/rpc/request/<id>: {"method":..,"params":..} for the gateway itself.
struct GatewayRpcRequest {
  std::int64_t request_id = 0;
  std::string method;
  nlohmann::json params;
};

// ThingsBoard's persistent RPCs to the gateway when a child device is renamed or deleted in the UI
// (since TB 3.3.3): method "gateway_device_renamed", params {"old name":"new name"}; method
// "gateway_device_deleted", params "device name". Answer them on the gateway RPC reply topic.
struct DeviceRenamed {
  std::int64_t request_id = 0;
  std::string old_name;
  std::string new_name;
};
struct DeviceDeleted {
  std::int64_t request_id = 0;
  std::string device;
};

// v1/devices/me/attributes: shared attribute updates of the gateway itself, a flat object.
struct GatewayAttributeUpdate {
  nlohmann::json values;
};

using IncomingMessage =
    std::variant<DeviceRpcRequest, SharedAttributeUpdate, AttributeResponse, GatewayRpcRequest,
                 DeviceRenamed, DeviceDeleted, GatewayAttributeUpdate>;

Expected<IncomingMessage> parse_incoming(std::string_view topic, std::string_view payload);

// Whether a message parse_incoming refused is one of ours coming back: a plain MQTT broker (not
// ThingsBoard) echoes what we publish on v1/gateway/rpc (replies {"device":..,"id":..,"data":{..}})
// and v1/gateway/attributes (batches {"Meter 1":{..},..}). Those are expected, not worth a warning;
// anything else refused is the platform's (or an intruder's) and is.
bool is_own_echo(std::string_view topic, std::string_view payload);

// Who waits for an answer to a request parse_incoming refused, so that the platform gets an error
// reply instead of waiting for its timeout. The gateway's own RPCs carry their id in the topic;
// device RPCs carry device and id in the payload, found only when that part is readable. nullopt:
// no one to answer (a shared-attribute update, a payload too broken, or our own reply echoed by a
// plain broker: {"device":..,"id":..,"data":..} has a top-level id, requests do not).
struct RefusedRpc {
  std::optional<std::string> device;  // nullopt: the gateway's own RPC
  std::int64_t id = 0;
};
std::optional<RefusedRpc> refused_rpc(std::string_view topic, std::string_view payload);

}  // namespace dlmsgw::gateway
