#include "gateway/uplink/gateway_incoming.hpp"

#include <algorithm>
#include <charconv>

#include "gateway/uplink/bounded_json.hpp"
#include "gateway/uplink/gateway_topic.hpp"

namespace dlmsgw::gateway {
namespace {

using nlohmann::json;

Error fault(std::string_view topic, std::string what) {
  return make_error(ErrorCode::malformed, "message on '" + std::string(topic) + "': " + what);
}

Expected<json> parse_object(std::string_view topic, std::string_view payload) {
  auto parsed = parse_bounded_json(payload);
  if (!parsed) return parsed.error().with_context("message on '" + std::string(topic) + "'");
  auto& document = *parsed;
  if (!document.is_object()) {
    return fault(topic,
                 std::string("payload is a JSON ") + document.type_name() + ", expected an object");
  }
  return std::move(document);
}

Expected<std::string> string_field(std::string_view topic, const json& object,
                                   std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end()) return fault(topic, "missing \"" + std::string(name) + "\"");
  if (!it->is_string()) {
    return fault(topic,
                 "\"" + std::string(name) + "\" is a " + it->type_name() + ", expected a string");
  }
  return it->get<std::string>();
}

// RPC and request ids: ThingsBoard sends integers; a string of digits is accepted too since some
// test tools send them quoted.
Expected<std::int64_t> id_field(std::string_view topic, const json& object, std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end()) return fault(topic, "missing \"" + std::string(name) + "\"");
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_unsigned() || it->is_number_float()) {
    return fault(topic, "\"" + std::string(name) + "\" is not a 64-bit integer");
  }
  if (it->is_string()) {
    const auto& text = it->get_ref<const std::string&>();
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc{} && ptr == text.data() + text.size() && !text.empty()) return value;
  }
  return fault(topic,
               "\"" + std::string(name) + "\" is a " + it->type_name() + ", expected an integer");
}

Expected<json> object_field(std::string_view topic, const json& object, std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end()) return fault(topic, "missing \"" + std::string(name) + "\"");
  if (!it->is_object()) {
    return fault(topic,
                 "\"" + std::string(name) + "\" is a " + it->type_name() + ", expected an object");
  }
  return *it;
}

json optional_field(const json& object, std::string_view name) {
  const auto it = object.find(name);
  return it == object.end() ? json() : *it;
}

Expected<IncomingMessage> parse_device_rpc(std::string_view topic, const json& message) {
  DLMSGW_TRY_ASSIGN(auto device, string_field(topic, message, "device"));
  DLMSGW_TRY_ASSIGN(const auto data, object_field(topic, message, "data"));
  DLMSGW_TRY_ASSIGN(const auto id, id_field(topic, data, "id"));
  DLMSGW_TRY_ASSIGN(auto method, string_field(topic, data, "method"));
  return IncomingMessage{
      DeviceRpcRequest{std::move(device), id, std::move(method), optional_field(data, "params")}};
}

Expected<IncomingMessage> parse_shared_attributes(std::string_view topic, const json& message) {
  DLMSGW_TRY_ASSIGN(auto device, string_field(topic, message, "device"));
  DLMSGW_TRY_ASSIGN(auto data, object_field(topic, message, "data"));
  return IncomingMessage{SharedAttributeUpdate{std::move(device), std::move(data)}};
}

Expected<IncomingMessage> parse_attribute_response(std::string_view topic, const json& message) {
  DLMSGW_TRY_ASSIGN(const auto id, id_field(topic, message, "id"));
  DLMSGW_TRY_ASSIGN(auto device, string_field(topic, message, "device"));
  AttributeResponse response{id, std::move(device), std::nullopt, json()};
  if (const auto it = message.find("value"); it != message.end()) response.value = *it;
  if (message.contains("values")) {
    DLMSGW_TRY_ASSIGN(response.values, object_field(topic, message, "values"));
  }
  return IncomingMessage{std::move(response)};
}

bool is_gateway_rpc_topic(std::string_view topic) {
  const auto prefix = gateway::topic::device_rpc_request_prefix;
  return topic.size() > prefix.size() && topic.substr(0, prefix.size()) == prefix;
}

Expected<std::int64_t> gateway_rpc_id(std::string_view topic) {
  const auto id_text = topic.substr(gateway::topic::device_rpc_request_prefix.size());
  std::int64_t request_id = 0;
  const auto [ptr, ec] =
      std::from_chars(id_text.data(), id_text.data() + id_text.size(), request_id);
  if (id_text.empty() || ec != std::errc{} || ptr != id_text.data() + id_text.size()) {
    return fault(topic, "request id '" + std::string(id_text) + "' in the topic is not an integer");
  }
  return request_id;
}

Expected<IncomingMessage> parse_gateway_rpc(std::string_view topic, const json& message) {
  DLMSGW_TRY_ASSIGN(const auto request_id, gateway_rpc_id(topic));
  DLMSGW_TRY_ASSIGN(auto method, string_field(topic, message, "method"));
  auto params = optional_field(message, "params");

  if (method == "gateway_device_renamed") {
    if (!params.is_object() || params.size() != 1 || !params.begin().value().is_string()) {
      return fault(topic, "gateway_device_renamed params must be {\"old name\":\"new name\"}");
    }
    return IncomingMessage{
        DeviceRenamed{request_id, params.begin().key(), params.begin().value().get<std::string>()}};
  }
  if (method == "gateway_device_deleted") {
    if (!params.is_string()) {
      return fault(topic, "gateway_device_deleted params must be the device name as a string");
    }
    return IncomingMessage{DeviceDeleted{request_id, params.get<std::string>()}};
  }
  return IncomingMessage{GatewayRpcRequest{request_id, std::move(method), std::move(params)}};
}

}  // namespace

Expected<IncomingMessage> parse_incoming(std::string_view topic, std::string_view payload) {
  namespace t = gateway::topic;
  const bool gateway_rpc = is_gateway_rpc_topic(topic);
  if (topic != t::gateway_rpc && topic != t::gateway_attributes &&
      topic != t::gateway_attributes_response && topic != t::device_attributes && !gateway_rpc) {
    return make_error(ErrorCode::unsupported,
                      "message on '" + std::string(topic) + "': not a topic the gateway handles");
  }
  DLMSGW_TRY_ASSIGN(const auto message, parse_object(topic, payload));
  if (topic == t::gateway_rpc) return parse_device_rpc(topic, message);
  if (topic == t::gateway_attributes) return parse_shared_attributes(topic, message);
  if (topic == t::gateway_attributes_response) return parse_attribute_response(topic, message);
  if (topic == t::device_attributes) return IncomingMessage{GatewayAttributeUpdate{message}};
  return parse_gateway_rpc(topic, message);
}

bool is_own_echo(std::string_view topic, std::string_view payload) {
  if (topic != gateway::topic::gateway_rpc && topic != gateway::topic::gateway_attributes) {
    return false;
  }
  auto message = parse_bounded_json(payload);
  if (!message || !message->is_object()) return false;
  if (topic == gateway::topic::gateway_rpc) {
    return message->size() == 3 && message->contains("device") && message->contains("id") &&
           message->contains("data");
  }
  if (message->empty() || message->contains("device") || message->contains("data")) return false;
  return std::all_of(message->begin(), message->end(),
                     [](const json& values) { return values.is_object(); });
}

std::optional<RefusedRpc> refused_rpc(std::string_view topic, std::string_view payload) {
  if (is_gateway_rpc_topic(topic)) {
    auto id = gateway_rpc_id(topic);
    if (!id) return std::nullopt;
    return RefusedRpc{std::nullopt, *id};
  }
  if (topic != gateway::topic::gateway_rpc) return std::nullopt;
  auto message = parse_object(topic, payload);
  if (!message || message->contains("id")) return std::nullopt;
  auto device = string_field(topic, *message, "device");
  auto data = object_field(topic, *message, "data");
  if (!device || !data) return std::nullopt;
  auto id = id_field(topic, *data, "id");
  if (!id) return std::nullopt;
  return RefusedRpc{std::move(*device), *id};
}

}  // namespace dlmsgw::gateway
