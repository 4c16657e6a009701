#pragma once
// UplinkLimits: the rate limits and payload size the uplink honours, as configured in
// tb_gateway.yaml and as replaced by what ThingsBoard returns for the "getSessionLimits" RPC
// (TB 3.6+). Gateway limits count every message the gateway connection publishes; device limits
// count, per child device, the messages carrying its data and its data points.

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "gateway/uplink/rate_limit.hpp"

namespace dlmsgw::gateway {

struct UplinkLimits {
  RateLimit messages;                      // messagesRateLimits: all messages
  RateLimit telemetry_messages;            // rateLimits: telemetry/attribute messages
  RateLimit telemetry_data_points;         // dpRateLimits
  RateLimit device_messages;               // deviceMessagesRateLimits: per device
  RateLimit device_telemetry_messages;     // deviceRateLimits: per device
  RateLimit device_telemetry_data_points;  // deviceDpRateLimits: per device
  std::size_t max_payload_bytes = 8196;    // maxPayloadSizeBytes
};

// Applies a getSessionLimits response to `limits`: {"maxPayloadSize":..,"rateLimits":{"messages",
// "telemetryMessages","telemetryDataPoints"},"gatewayRateLimits":{..same keys..}}. Limits present
// in the response replace the configured ones; the payload size becomes the smaller of both. An
// error (and no change at all) when the response is malformed. Returns what changed, for the log.
Expected<std::vector<std::string>> apply_session_limits(UplinkLimits& limits,
                                                        const nlohmann::json& response);

}  // namespace dlmsgw::gateway
