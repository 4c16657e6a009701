#pragma once
// ThingsBoardEmulator: the platform's side of the gateway API, for tests. An MqttClient on the
// test's io_context, subscribed to everything on a real broker, that
//  - checks every payload the gateway publishes against the gateway-API contract (violations()
//    must stay empty),
//  - records what arrived: device connects, telemetry per device, attributes, RPC replies, the
//    gateway's own telemetry,
//  - answers the gateway's getSessionLimits request (with session_limits, if set),
//  - answers attribute requests (v1/gateway/attributes/request) as ThingsBoard does: client scope
//    from the client attributes the gateway published, shared scope from shared_attributes; one
//    value found comes as "value", several as "values", none as neither,
//  - records what the Gateways page reads: the gateway's own client attributes
//    (v1/devices/me/attributes) and each child's connectorType/connectorName,
//  - sends device RPCs, gateway RPCs and shared-attribute updates,
//  - holds the gateway's own shared attributes (gateway_shared_attributes), answers the gateway's
//    requests for them (v1/devices/me/attributes/request/<n>: {"shared":{..}}) and pushes changes
//    and deletions on v1/devices/me/attributes, as the Gateways page does when it saves,
//  - records the remote log lines the gateway sends as telemetry ([{"ts","values":{KEY_LOGS}}]).
// Header-only so that any test executable can use it.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <climits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gateway/uplink/mqtt_client.hpp"
#include "support/mosquitto_broker.hpp"

namespace dlmsgw::test {

class ThingsBoardEmulator {
 public:
  using json = nlohmann::json;

  struct Telemetry {
    std::int64_t ts = 0;
    json values;
  };

  ThingsBoardEmulator(asio::io_context& io, const MosquittoBroker& broker) {
    gateway::MqttOptions options;
    options.port = broker.port();
    options.username = broker.user();
    options.password = broker.password();
    // A persistent session: with a persistent broker, what the gateway publishes while the
    // emulator is away (broker restarting) is queued for it, as ThingsBoard keeps what it acked.
    options.client_id = "thingsboard-emulator-" + std::to_string(::getpid());
    options.clean_session = false;
    options.keepalive = std::chrono::seconds(10);
    options.reconnect_min = std::chrono::milliseconds(50);
    options.reconnect_max = std::chrono::milliseconds(300);
    auto client = gateway::MqttClient::create(io, options);
    if (!client) throw std::runtime_error(client.error().message);
    client_ = std::move(*client);
    client_->on_message([this](std::string_view topic, std::string_view payload) {
      on_message(std::string(topic), std::string(payload));
    });
    (void)client_->subscribe("#");
    client_->start();
  }

  [[nodiscard]] bool connected() const { return client_->connected(); }
  gateway::MqttClient& client() { return *client_; }

  // What getSessionLimits answers; nullopt: no answer (a platform older than 3.6).
  std::optional<json> session_limits = json{{"maxPayloadSize", 65536},
                                            {"maxInflightMessages", 100},
                                            {"rateLimits", json::object()},
                                            {"gatewayRateLimits", json::object()}};

  // true: getSessionLimits is answered only once gateway telemetry has arrived (a platform slow to
  // answer; readings must not wait for it).
  bool answer_session_limits_after_telemetry = false;

  // Shared attributes per device, as the platform holds them, for attribute requests.
  std::map<std::string, json> shared_attributes;
  // The gateway's own shared attributes, as the platform holds them.
  json gateway_shared_attributes = json::object();
  // false: attribute requests are recorded but never answered (timeout tests).
  bool answer_attribute_requests = true;

  // --- sending ---------------------------------------------------------------------------------
  bool send_device_rpc(const std::string& device, std::int64_t id, const std::string& method,
                       const json& params = json::object()) {
    return publish(
        "v1/gateway/rpc",
        json{{"device", device}, {"data", {{"id", id}, {"method", method}, {"params", params}}}});
  }
  bool send_gateway_rpc(std::int64_t id, const std::string& method,
                        const json& params = json::object()) {
    return publish("v1/devices/me/rpc/request/" + std::to_string(id),
                   json{{"method", method}, {"params", params}});
  }
  // Any payload on any topic, as a broken or hostile platform (or another broker client) might
  // send it: invalid JSON, invalid UTF-8, megabytes, deep nesting.
  bool send_raw(const std::string& topic, const std::string& payload) {
    sent_.insert(topic + '\n' + payload);
    return client_->publish(topic, payload).has_value();
  }
  // The page saving: the gateway's own shared attributes change (kept for its requests) and are
  // pushed.
  bool push_gateway_attributes(const json& values) {
    for (const auto& [key, value] : values.items()) gateway_shared_attributes[key] = value;
    return publish("v1/devices/me/attributes", values);
  }
  bool delete_gateway_attributes(const std::vector<std::string>& keys) {
    for (const auto& key : keys) gateway_shared_attributes.erase(key);
    return publish("v1/devices/me/attributes", json{{"deleted", keys}});
  }
  bool send_shared_attributes(const std::string& device, const json& values) {
    return publish("v1/gateway/attributes", json{{"device", device}, {"data", values}});
  }

  // --- what arrived ----------------------------------------------------------------------------
  const std::vector<std::string>& violations() const { return violations_; }
  const std::map<std::string, std::vector<Telemetry>>& telemetry() const { return telemetry_; }
  std::size_t telemetry_count() const { return telemetry_count_; }
  // Telemetry messages that arrived while a getSessionLimits answer was held back.
  std::size_t telemetry_before_session_limits() const { return telemetry_before_session_limits_; }
  const std::vector<json>& connects() const { return connects_; }
  const std::vector<json>& disconnects() const { return disconnects_; }
  // Child devices' attributes (v1/gateway/attributes), but for the connectorType/connectorName
  // messages, which are in connector_attributes().
  const std::vector<json>& attributes() const { return attributes_; }
  // device -> {"connectorType":..,"connectorName":..}
  const std::map<std::string, json>& connector_attributes() const { return connector_attributes_; }
  // The gateway's own client attributes (v1/devices/me/attributes), merged as the platform keeps
  // them, and every message as it came (each must stay under maxPayloadSizeBytes).
  const json& gateway_attributes() const { return gateway_attributes_; }
  const std::vector<std::string>& gateway_attribute_payloads() const {
    return gateway_attribute_payloads_;
  }
  const std::vector<json>& gateway_telemetry() const { return gateway_telemetry_; }
  const std::vector<std::string>& gateway_telemetry_payloads() const {
    return gateway_telemetry_payloads_;
  }
  std::size_t session_limit_requests() const { return session_limit_requests_; }
  const std::vector<json>& attribute_requests() const { return attribute_requests_; }
  // The gateway's requests for its own shared attributes, the keys each asked for.
  const std::vector<std::vector<std::string>>& gateway_attribute_requests() const {
    return gateway_attribute_requests_;
  }
  struct LogLine {
    std::int64_t ts = 0;
    std::string key;  // LOGS, SERVICE_LOGS, <connector>_LOGS...
    std::string line;
  };
  const std::vector<LogLine>& logs() const { return logs_; }
  // v1/gateway/claim messages as they came ({"Meter 1":{"secretKey":..,"durationMs":..}}), and
  // v1/devices/me/claim ones ({"secretKey":..,"durationMs":..}) from devices with their own token.
  const std::vector<json>& claims() const { return claims_; }
  const std::vector<json>& device_claims() const { return device_claims_; }
  // Replies to device RPCs by id, to gateway RPCs by request id.
  std::optional<json> device_reply(std::int64_t id) const { return find(device_replies_, id); }
  std::optional<json> gateway_reply(std::int64_t id) const { return find(gateway_replies_, id); }
  // How many replies came for a device RPC id (the gateway must send exactly one).
  std::size_t device_reply_count(std::int64_t id) const {
    const auto it = device_reply_counts_.find(id);
    return it == device_reply_counts_.end() ? 0 : it->second;
  }

  std::size_t connects_for(const std::string& device) const {
    std::size_t count = 0;
    for (const auto& c : connects_) count += c.value("device", "") == device ? 1 : 0;
    return count;
  }

 private:
  static std::optional<json> find(const std::map<std::int64_t, json>& map, std::int64_t id) {
    const auto it = map.find(id);
    if (it == map.end()) return std::nullopt;
    return it->second;
  }

  bool publish(const std::string& topic, const json& message) {
    const auto payload = message.dump();
    sent_.insert(topic + '\n' + payload);
    return client_->publish(topic, payload).has_value();
  }

  void violation(const std::string& topic, const std::string& payload, const std::string& what) {
    violations_.push_back(topic + ": " + what + " in " + payload.substr(0, 300));
  }

  static bool is_primitive(const json& value) {
    return value.is_string() || value.is_number() || value.is_boolean();
  }

  void on_message(const std::string& topic, const std::string& payload) {
    // Our own message, echoed: each one we sent comes back once (the gateway may send the same
    // payload after it, as an echo of a shared attribute).
    if (const auto own = sent_.find(topic + '\n' + payload); own != sent_.end()) {
      sent_.erase(own);
      return;
    }
    const auto message = json::parse(payload, nullptr, false);
    if (message.is_discarded()) return violation(topic, payload, "not JSON");
    if (topic == "v1/devices/me/telemetry" && is_log_batch(message)) {
      return on_gateway_logs(topic, payload, message);
    }
    if (topic.rfind("v1/devices/me/attributes/request/", 0) == 0) {
      return on_gateway_attribute_request(topic, payload, message);
    }
    if (!message.is_object()) return violation(topic, payload, "not an object");
    const std::string rpc_request = "v1/devices/me/rpc/request/";
    const std::string rpc_response = "v1/devices/me/rpc/response/";
    if (topic == "v1/gateway/connect") {
      if (!message.contains("device") || !message["device"].is_string() ||
          message["device"].get<std::string>().empty()) {
        return violation(topic, payload, "no device name");
      }
      if (message.contains("type") && !message["type"].is_string()) {
        return violation(topic, payload, "type is not a string");
      }
      connects_.push_back(message);
    } else if (topic == "v1/gateway/disconnect") {
      if (!message.contains("device") || !message["device"].is_string()) {
        return violation(topic, payload, "no device name");
      }
      disconnects_.push_back(message);
    } else if (topic == "v1/gateway/telemetry") {
      for (const auto& [device, items] : message.items()) {
        if (!items.is_array() || items.empty()) {
          return violation(topic, payload, "device '" + device + "' has no array of records");
        }
        for (const auto& item : items) {
          if (!item.is_object() || !item.contains("ts") || !item["ts"].is_number_integer() ||
              !item.contains("values") || !item["values"].is_object() || item.size() != 2) {
            return violation(topic, payload, "record is not {\"ts\":int,\"values\":{..}}");
          }
          for (const auto& [key, value] : item["values"].items()) {
            if (!is_primitive(value)) return violation(topic, payload, "value of " + key);
          }
          telemetry_[device].push_back({item["ts"].get<std::int64_t>(), item["values"]});
          ++telemetry_count_;
        }
      }
      if (!held_session_limits_topic_.empty() && session_limits) {
        ++telemetry_before_session_limits_;
        publish(held_session_limits_topic_, *session_limits);
        held_session_limits_topic_.clear();
      }
    } else if (topic == "v1/gateway/attributes") {
      for (const auto& [device, values] : message.items()) {
        if (!values.is_object()) return violation(topic, payload, "attributes of " + device);
      }
      bool connector_names_only = true;
      for (const auto& [device, values] : message.items()) {
        for (const auto& [key, value] : values.items()) {
          connector_names_only &= key == "connectorType" || key == "connectorName";
        }
      }
      if (connector_names_only) {
        for (const auto& [device, values] : message.items()) {
          if (!values.contains("connectorType") || !values.contains("connectorName")) {
            return violation(topic, payload, "connectorType without connectorName, or back");
          }
          connector_attributes_[device] = values;
        }
        return;
      }
      attributes_.push_back(message);
      for (const auto& [device, values] : message.items()) {
        for (const auto& [key, value] : values.items()) client_attributes_[device][key] = value;
      }
    } else if (topic == "v1/gateway/attributes/request") {
      on_attribute_request(topic, payload, message);
    } else if (topic == "v1/gateway/claim") {
      for (const auto& [device, claim] : message.items()) {
        if (!claim.is_object() || !is_claim(claim)) {
          return violation(topic, payload, "claim of " + device + " is not {secretKey,durationMs}");
        }
      }
      claims_.push_back(message);
    } else if (topic == "v1/devices/me/claim") {
      if (!is_claim(message)) return violation(topic, payload, "not {secretKey,durationMs}");
      device_claims_.push_back(message);
    } else if (topic == "v1/gateway/rpc") {
      if (!message.contains("device") || !message["device"].is_string() ||
          !message.contains("id") || !message["id"].is_number_integer() ||
          !message.contains("data")) {
        return violation(topic, payload, "RPC reply is not {\"device\",\"id\",\"data\"}");
      }
      device_replies_[message["id"].get<std::int64_t>()] = message;
      ++device_reply_counts_[message["id"].get<std::int64_t>()];
    } else if (topic == "v1/devices/me/telemetry") {
      // The dashboard's statistics are JSON objects (ThingsBoard keeps JSON values); the rest
      // must be plain values.
      for (const auto& [key, value] : message.items()) {
        const bool dashboard =
            key == "machineStats" || key == "serviceStats" || key == "connectorsStats";
        if (dashboard ? !value.is_object() : !is_primitive(value)) {
          return violation(topic, payload, "statistic " + key);
        }
      }
      gateway_telemetry_.push_back(message);
      gateway_telemetry_payloads_.push_back(payload);
    } else if (topic.rfind(rpc_request, 0) == 0) {
      // The gateway asking the platform (client-side RPC).
      if (message.value("method", "") != "getSessionLimits") {
        return violation(topic, payload, "unexpected client-side RPC");
      }
      ++session_limit_requests_;
      if (session_limits) {
        const auto answer_topic = rpc_response + topic.substr(rpc_request.size());
        if (answer_session_limits_after_telemetry && telemetry_count() == 0) {
          held_session_limits_topic_ = answer_topic;
        } else {
          publish(answer_topic, *session_limits);
        }
      }
    } else if (topic.rfind(rpc_response, 0) == 0) {
      gateway_replies_[std::stoll(topic.substr(rpc_response.size()))] = message;
    } else if (topic == "v1/devices/me/attributes") {
      gateway_attribute_payloads_.push_back(payload);
      for (const auto& [key, value] : message.items()) gateway_attributes_[key] = value;
    } else {
      violation(topic, payload, "unknown topic");
    }
  }

  // A batch of remote log lines rather than a device's own telemetry (devices with their own
  // token also send arrays there): its first record's keys end in LOGS.
  static bool is_log_batch(const json& message) {
    if (!message.is_array() || message.empty() || !message[0].is_object()) return false;
    const auto values = message[0].find("values");
    if (values == message[0].end() || !values->is_object() || values->empty()) return false;
    for (const auto& [key, value] : values->items()) {
      if (key.size() < 4 || key.substr(key.size() - 4) != "LOGS") return false;
    }
    return true;
  }

  // Remote logs: [{"ts":int,"values":{"<KEY>_LOGS":"line",..}},..].
  void on_gateway_logs(const std::string& topic, const std::string& payload, const json& message) {
    for (const auto& item : message) {
      if (!item.is_object() || !item.contains("ts") || !item["ts"].is_number_integer() ||
          !item.contains("values") || !item["values"].is_object() || item.size() != 2) {
        return violation(topic, payload, "record is not {\"ts\":int,\"values\":{..}}");
      }
      for (const auto& [key, value] : item["values"].items()) {
        if (!value.is_string() || key.size() < 4 || key.substr(key.size() - 4) != "LOGS") {
          return violation(topic, payload, "log value " + key);
        }
        logs_.push_back({item["ts"].get<std::int64_t>(), key, value.get<std::string>()});
      }
    }
  }

  // tb_device_mqtt's request: {"sharedKeys":"a,b"} and/or {"clientKeys":".."}; ThingsBoard
  // answers {"client":{..},"shared":{..}} with what it has.
  void on_gateway_attribute_request(const std::string& topic, const std::string& payload,
                                    const json& message) {
    std::vector<std::string> keys;
    if (message.contains("sharedKeys")) {
      if (!message["sharedKeys"].is_string()) return violation(topic, payload, "sharedKeys");
      std::string list = message["sharedKeys"].get<std::string>();
      for (std::size_t at = 0; at <= list.size();) {
        const auto comma = std::min(list.find(',', at), list.size());
        if (comma > at) keys.push_back(list.substr(at, comma - at));
        at = comma + 1;
      }
    }
    gateway_attribute_requests_.push_back(keys);
    json shared = json::object();
    for (const auto& key : keys) {
      if (gateway_shared_attributes.contains(key)) shared[key] = gateway_shared_attributes[key];
    }
    json answer = json::object();
    if (!shared.empty()) answer["shared"] = shared;
    publish("v1/devices/me/attributes/response/" +
                topic.substr(std::string("v1/devices/me/attributes/request/").size()),
            answer);
  }

  // ThingsBoard's JsonConverter reads an optional string "secretKey" and an optional long
  // "durationMs" of a claim.
  static bool is_claim(const json& claim) {
    return (!claim.contains("secretKey") || claim["secretKey"].is_string()) &&
           (!claim.contains("durationMs") || claim["durationMs"].is_number_integer());
  }

  // ThingsBoard's GatewaySessionHandler reads "id" (an int), "device", "client" (a boolean) and
  // "key" or "keys"; JsonConverter answers with "value" for one attribute found, "values" for more.
  void on_attribute_request(const std::string& topic, const std::string& payload,
                            const json& message) {
    const auto id = message.find("id");
    if (id == message.end() || !id->is_number_integer() || id->get<std::int64_t>() > INT32_MAX ||
        id->get<std::int64_t>() < INT32_MIN) {
      return violation(topic, payload, "id is not a 32-bit integer");
    }
    if (!message.contains("device") || !message["device"].is_string()) {
      return violation(topic, payload, "no device name");
    }
    if (!message.contains("client") || !message["client"].is_boolean()) {
      return violation(topic, payload, "\"client\" is not a boolean");
    }
    std::vector<std::string> keys;
    if (message.contains("key") == message.contains("keys")) {
      return violation(topic, payload, "needs exactly one of \"key\" and \"keys\"");
    }
    if (message.contains("key")) {
      if (!message["key"].is_string()) return violation(topic, payload, "key is not a string");
      keys.push_back(message["key"].get<std::string>());
    } else {
      if (!message["keys"].is_array()) return violation(topic, payload, "keys is not an array");
      for (const auto& key : message["keys"]) {
        if (!key.is_string()) return violation(topic, payload, "a key is not a string");
        keys.push_back(key.get<std::string>());
      }
    }
    attribute_requests_.push_back(message);
    if (!answer_attribute_requests) return;
    const auto device = message["device"].get<std::string>();
    const auto& scope = message["client"].get<bool>() ? client_attributes_ : shared_attributes;
    json found = json::object();
    if (const auto it = scope.find(device); it != scope.end()) {
      for (const auto& key : keys) {
        if (it->second.contains(key)) found[key] = it->second[key];
      }
    }
    json response{{"id", *id}, {"device", device}};
    if (found.size() == 1) {
      response["value"] = found.begin().value();
    } else if (found.size() > 1) {
      response["values"] = found;
    }
    publish("v1/gateway/attributes/response", response);
  }

  std::unique_ptr<gateway::MqttClient> client_;
  std::map<std::string, json> client_attributes_;
  std::vector<json> attribute_requests_;
  std::vector<json> claims_;
  std::vector<json> device_claims_;
  std::multiset<std::string> sent_;
  std::vector<std::vector<std::string>> gateway_attribute_requests_;
  std::vector<LogLine> logs_;
  std::vector<std::string> violations_;
  std::map<std::string, std::vector<Telemetry>> telemetry_;
  std::size_t telemetry_count_ = 0;
  std::vector<json> connects_;
  std::vector<json> disconnects_;
  std::vector<json> attributes_;
  std::map<std::string, json> connector_attributes_;
  json gateway_attributes_ = json::object();
  std::vector<std::string> gateway_attribute_payloads_;
  std::vector<json> gateway_telemetry_;
  std::vector<std::string> gateway_telemetry_payloads_;
  std::map<std::int64_t, json> device_replies_;
  std::map<std::int64_t, std::size_t> device_reply_counts_;
  std::map<std::int64_t, json> gateway_replies_;
  std::size_t session_limit_requests_ = 0;
  std::string held_session_limits_topic_;  // answer_session_limits_after_telemetry
  std::size_t telemetry_before_session_limits_ = 0;
};

}  // namespace dlmsgw::test
