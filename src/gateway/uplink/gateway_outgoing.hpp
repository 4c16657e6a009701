#pragma once
// Encoders for the small control messages the gateway sends: device connect/disconnect, RPC
// replies, attribute requests, claiming, and the gateway's own telemetry. Telemetry and attributes
// of child devices are encoded in batches by gateway_batch.hpp.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlmsgw::gateway {

struct OutgoingMessage {
  std::string topic;
  std::string payload;
  bool operator==(const OutgoingMessage&) const = default;
};

// {"device":"Meter 1","type":"DLMS_Meter"}: makes ThingsBoard create the device with that profile
// and route its RPCs and shared attributes to us.
OutgoingMessage encode_connect(std::string_view device, std::string_view type);
// {"device":"Meter 1"}
OutgoingMessage encode_disconnect(std::string_view device);
// {"device":"Meter 1","id":42,"data":{...}}: the reply to a v1/gateway/rpc request.
OutgoingMessage encode_device_rpc_reply(std::string_view device, std::int64_t id,
                                        const nlohmann::json& data);
// The reply to an RPC addressed to the gateway itself, on v1/devices/me/rpc/response/<id>.
OutgoingMessage encode_gateway_rpc_reply(std::int64_t request_id, const nlohmann::json& data);
// {"id":1,"device":"Meter 1","client":true,"key":"k"} for one key, "keys":["a","b"] for several;
// "client":false asks for shared attributes. The shape ThingsBoard's gateway session handler
// parses (it reads "id" as a 32-bit int).
OutgoingMessage encode_attribute_request(std::int64_t id, std::string_view device,
                                         const std::vector<std::string>& keys, bool client_scope);
// {"Meter 1":{"secretKey":"..","durationMs":60000}}
OutgoingMessage encode_claim(std::string_view device, std::string_view secret_key,
                             std::int64_t duration_ms);
// A device with its own token claims itself: {"secretKey":"..","durationMs":60000} on
// v1/devices/me/claim.
OutgoingMessage encode_device_claim(std::string_view secret_key, std::int64_t duration_ms);
// The gateway's own telemetry/attributes (statistics, version): a flat JSON object.
OutgoingMessage encode_gateway_telemetry(const nlohmann::json& values);
// The same split over as many messages as it takes for each to stay within max_payload_bytes
// (statistics grow with the connectors and direct devices; the platform drops larger messages).
// A key whose value alone does not fit is left out and named in `left_out`.
struct SplitTelemetry {
  std::vector<OutgoingMessage> messages;
  std::vector<std::string> left_out;
};
SplitTelemetry encode_gateway_telemetry(const nlohmann::json& values,
                                        std::size_t max_payload_bytes);
OutgoingMessage encode_gateway_attributes(const nlohmann::json& values);
// The gateway's client attributes split the same way (a connector's configuration is one value).
SplitTelemetry encode_gateway_attributes(const nlohmann::json& values,
                                         std::size_t max_payload_bytes);
// A flat object kept as its members' JSON text (key -> the value dumped), in the key order of a
// JSON object: the gateway's client attributes, whose connector files cost kilobytes per meter as
// a tree and a few hundred bytes as text.
using DumpedAttributes = std::map<std::string, std::string>;
// Sets (or replaces) each member of `values` (an object) in `into`.
void merge_dumped(DumpedAttributes& into, const nlohmann::json& values);
// A client attribute's value that stands for one of `bytes` (dumped) left unbuilt because it can
// never be sent: over maxPayloadSizeBytes alone (a connector file with thousands of meters; the
// limit only tightens). GatewayService sends no such value and warns with the size. Its shape,
// {"configurationJson": {"dlmsgwUnsendableBytes": bytes}}, never equals a connector's echo.
nlohmann::json unsendable_attribute(std::size_t bytes);
// The bytes of such a value, from its dumped text; nullopt for any other value.
std::optional<std::size_t> unsendable_attribute_bytes(std::string_view dumped);
// As encode_gateway_attributes(values, max_payload_bytes), from the members' text.
SplitTelemetry encode_dumped_gateway_attributes(const DumpedAttributes& values,
                                                std::size_t max_payload_bytes);
// Client attributes of a child device on v1/gateway/attributes: {"<device>": {..}}.
OutgoingMessage encode_child_client_attributes(std::string_view device,
                                               const nlohmann::json& values);

}  // namespace dlmsgw::gateway
