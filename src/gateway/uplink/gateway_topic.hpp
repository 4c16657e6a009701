#pragma once
// The MQTT topics of ThingsBoard's gateway API (one connection for all child devices) and of its
// device API that the gateway uses for itself. See thingsboard.io/docs/reference/gateway-mqtt-api.

#include <cstdint>
#include <string>
#include <string_view>

namespace dlmsgw::gateway::topic {

// Child devices, through the gateway.
inline constexpr std::string_view gateway_connect = "v1/gateway/connect";
inline constexpr std::string_view gateway_disconnect = "v1/gateway/disconnect";
inline constexpr std::string_view gateway_telemetry = "v1/gateway/telemetry";
// Published: client attributes. Subscribed: shared attribute updates.
inline constexpr std::string_view gateway_attributes = "v1/gateway/attributes";
inline constexpr std::string_view gateway_attributes_request = "v1/gateway/attributes/request";
inline constexpr std::string_view gateway_attributes_response = "v1/gateway/attributes/response";
// Subscribed: RPC requests for child devices. Published: their replies.
inline constexpr std::string_view gateway_rpc = "v1/gateway/rpc";
inline constexpr std::string_view gateway_claim = "v1/gateway/claim";

// The gateway as a device of its own.
inline constexpr std::string_view device_telemetry = "v1/devices/me/telemetry";
inline constexpr std::string_view device_attributes = "v1/devices/me/attributes";
// The gateway's own attributes asked for (request/<id>, {"sharedKeys":"a,b"}) and answered
// (response/<id>, {"shared":{..},"client":{..}}).
inline constexpr std::string_view device_attributes_request_prefix =
    "v1/devices/me/attributes/request/";
inline constexpr std::string_view device_attributes_response_prefix =
    "v1/devices/me/attributes/response/";
inline constexpr std::string_view device_claim = "v1/devices/me/claim";
inline constexpr std::string_view device_rpc_request_prefix = "v1/devices/me/rpc/request/";
inline constexpr std::string_view device_rpc_request_filter = "v1/devices/me/rpc/request/+";
inline constexpr std::string_view device_rpc_response_prefix = "v1/devices/me/rpc/response/";

inline std::string device_rpc_response(std::int64_t request_id) {
  return std::string(device_rpc_response_prefix) + std::to_string(request_id);
}

}  // namespace dlmsgw::gateway::topic
