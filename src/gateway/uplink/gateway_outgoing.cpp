#include "gateway/uplink/gateway_outgoing.hpp"

#include <charconv>

#include "gateway/uplink/gateway_topic.hpp"

namespace dlmsgw::gateway {
namespace {

// Device names and keys come from configuration and meters: dump_replacing() with replacement so
// that invalid UTF-8 becomes U+FFFD instead of an exception.
std::string dump_replacing(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

OutgoingMessage encode_connect(std::string_view device, std::string_view type) {
  return {std::string(topic::gateway_connect),
          dump_replacing({{"device", std::string(device)}, {"type", std::string(type)}})};
}

OutgoingMessage encode_disconnect(std::string_view device) {
  return {std::string(topic::gateway_disconnect),
          dump_replacing({{"device", std::string(device)}})};
}

OutgoingMessage encode_device_rpc_reply(std::string_view device, std::int64_t id,
                                        const nlohmann::json& data) {
  return {std::string(topic::gateway_rpc),
          dump_replacing({{"device", std::string(device)}, {"id", id}, {"data", data}})};
}

OutgoingMessage encode_gateway_rpc_reply(std::int64_t request_id, const nlohmann::json& data) {
  return {topic::device_rpc_response(request_id), dump_replacing(data)};
}

OutgoingMessage encode_attribute_request(std::int64_t id, std::string_view device,
                                         const std::vector<std::string>& keys, bool client_scope) {
  nlohmann::json request{{"id", id}, {"device", std::string(device)}, {"client", client_scope}};
  if (keys.size() == 1) {
    request["key"] = keys.front();
  } else {
    request["keys"] = keys;
  }
  return {std::string(topic::gateway_attributes_request), dump_replacing(request)};
}

OutgoingMessage encode_claim(std::string_view device, std::string_view secret_key,
                             std::int64_t duration_ms) {
  nlohmann::json claim = nlohmann::json::object();
  claim[std::string(device)] = {{"secretKey", std::string(secret_key)},
                                {"durationMs", duration_ms}};
  return {std::string(topic::gateway_claim), dump_replacing(claim)};
}

OutgoingMessage encode_device_claim(std::string_view secret_key, std::int64_t duration_ms) {
  const nlohmann::json claim{{"secretKey", std::string(secret_key)}, {"durationMs", duration_ms}};
  return {std::string(topic::device_claim), dump_replacing(claim)};
}

OutgoingMessage encode_gateway_telemetry(const nlohmann::json& values) {
  return {std::string(topic::device_telemetry), dump_replacing(values)};
}

namespace {

// `members` yields (key, value as JSON text) in order.
template <class Members>
SplitTelemetry split_members(std::string_view topic, const Members& members_in,
                             std::size_t max_payload_bytes) {
  SplitTelemetry split;
  std::string members;  // "k":v,"k":v of the message being filled
  const auto flush = [&] {
    if (members.empty()) return;
    split.messages.push_back({std::string(topic), "{" + members + "}"});
    members.clear();
  };
  for (const auto& [key, text] : members_in) {
    const std::string member = dump_replacing(key) + ":" + text;
    if (member.size() + 2 > max_payload_bytes) {
      split.left_out.push_back(key);
      continue;
    }
    if (!members.empty() && members.size() + 1 + member.size() + 2 > max_payload_bytes) flush();
    members += (members.empty() ? "" : ",") + member;
  }
  flush();
  return split;
}

SplitTelemetry split_flat_object(std::string_view topic, const nlohmann::json& values,
                                 std::size_t max_payload_bytes) {
  std::vector<std::pair<std::string, std::string>> members;
  members.reserve(values.size());
  for (const auto& [key, value] : values.items()) members.emplace_back(key, dump_replacing(value));
  return split_members(topic, members, max_payload_bytes);
}

}  // namespace

SplitTelemetry encode_gateway_telemetry(const nlohmann::json& values,
                                        std::size_t max_payload_bytes) {
  return split_flat_object(topic::device_telemetry, values, max_payload_bytes);
}

SplitTelemetry encode_gateway_attributes(const nlohmann::json& values,
                                         std::size_t max_payload_bytes) {
  return split_flat_object(topic::device_attributes, values, max_payload_bytes);
}

void merge_dumped(DumpedAttributes& into, const nlohmann::json& values) {
  for (const auto& [key, value] : values.items()) {
    // Kept for the process's life (the connector files are in it): at its size, not at the
    // capacity its growth left (up to twice that).
    auto text = dump_replacing(value);
    text.shrink_to_fit();
    into.insert_or_assign(key, std::move(text));
  }
}

nlohmann::json unsendable_attribute(std::size_t bytes) {
  return {{"configurationJson", {{"dlmsgwUnsendableBytes", bytes}}}};
}

std::optional<std::size_t> unsendable_attribute_bytes(std::string_view dumped) {
  constexpr std::string_view prefix = R"({"configurationJson":{"dlmsgwUnsendableBytes":)";
  if (!dumped.starts_with(prefix) || !dumped.ends_with("}}")) return std::nullopt;
  const auto digits = dumped.substr(prefix.size(), dumped.size() - prefix.size() - 2);
  std::size_t bytes = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), bytes);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return bytes;
}

SplitTelemetry encode_dumped_gateway_attributes(const DumpedAttributes& values,
                                                std::size_t max_payload_bytes) {
  return split_members(topic::device_attributes, values, max_payload_bytes);
}

OutgoingMessage encode_child_client_attributes(std::string_view device,
                                               const nlohmann::json& values) {
  return {std::string(topic::gateway_attributes), dump_replacing(nlohmann::json{{device, values}})};
}

OutgoingMessage encode_gateway_attributes(const nlohmann::json& values) {
  return {std::string(topic::device_attributes), dump_replacing(values)};
}

}  // namespace dlmsgw::gateway
