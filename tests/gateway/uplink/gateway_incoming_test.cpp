#include "gateway/uplink/gateway_incoming.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::gateway {
namespace {

// Payload shapes from thingsboard.io/docs/reference/gateway-mqtt-api and
// thingsboard.io/docs/iot-gateway/how-device-removing-renaming-works.

template <class T>
T parse_as(std::string_view topic, std::string_view payload) {
  auto message = parse_incoming(topic, payload);
  EXPECT_TRUE(message) << (message ? "" : message.error().message);
  if (!message) return T{};
  EXPECT_TRUE(std::holds_alternative<T>(*message)) << "variant index " << message->index();
  if (!std::holds_alternative<T>(*message)) return T{};
  return std::get<T>(*message);
}

std::string error_of(std::string_view topic, std::string_view payload) {
  auto message = parse_incoming(topic, payload);
  EXPECT_FALSE(message) << topic << " " << payload;
  return message ? std::string() : message.error().message;
}

TEST(GatewayIncoming, DeviceRpcRequest) {
  const auto rpc = parse_as<DeviceRpcRequest>(
      "v1/gateway/rpc",
      R"({"device":"Meter 1","data":{"id":42,"method":"getTime","params":{"x":1}}})");
  EXPECT_EQ(rpc.device, "Meter 1");
  EXPECT_EQ(rpc.id, 42);
  EXPECT_EQ(rpc.method, "getTime");
  EXPECT_EQ(rpc.params, (nlohmann::json{{"x", 1}}));
  const auto bare = parse_as<DeviceRpcRequest>(
      "v1/gateway/rpc", R"({"device":"M","data":{"id":"7","method":"ping"}})");
  EXPECT_EQ(bare.id, 7);
  EXPECT_TRUE(bare.params.is_null());
}

TEST(GatewayIncoming, SharedAttributeUpdateAndAttributeResponses) {
  const auto update = parse_as<SharedAttributeUpdate>(
      "v1/gateway/attributes", R"({"device":"Meter 1","data":{"pollPeriod":30}})");
  EXPECT_EQ(update.device, "Meter 1");
  EXPECT_EQ(update.values, (nlohmann::json{{"pollPeriod", 30}}));

  const auto single = parse_as<AttributeResponse>("v1/gateway/attributes/response",
                                                  R"({"id":1,"device":"Device A","value":"v1"})");
  EXPECT_EQ(single.id, 1);
  EXPECT_EQ(single.device, "Device A");
  ASSERT_TRUE(single.value);
  EXPECT_EQ(*single.value, "v1");
  EXPECT_TRUE(single.values.is_null());
  const auto several = parse_as<AttributeResponse>(
      "v1/gateway/attributes/response", R"({"id":2,"device":"A","values":{"a":1,"b":true}})");
  EXPECT_FALSE(several.value);
  EXPECT_EQ(several.values, (nlohmann::json{{"a", 1}, {"b", true}}));
}

TEST(GatewayIncoming, GatewayOwnRpcAndRenameDeleteNotices) {
  const auto ping = parse_as<GatewayRpcRequest>("v1/devices/me/rpc/request/15",
                                                R"({"method":"gateway_ping","params":{}})");
  EXPECT_EQ(ping.request_id, 15);
  EXPECT_EQ(ping.method, "gateway_ping");
  const auto renamed = parse_as<DeviceRenamed>(
      "v1/devices/me/rpc/request/16",
      R"({"method":"gateway_device_renamed","params":{"Old name":"New name"}})");
  EXPECT_EQ(renamed.request_id, 16);
  EXPECT_EQ(renamed.old_name, "Old name");
  EXPECT_EQ(renamed.new_name, "New name");
  const auto deleted = parse_as<DeviceDeleted>(
      "v1/devices/me/rpc/request/17", R"({"method":"gateway_device_deleted","params":"Meter 9"})");
  EXPECT_EQ(deleted.device, "Meter 9");
  const auto own = parse_as<GatewayAttributeUpdate>("v1/devices/me/attributes", R"({"a":1})");
  EXPECT_EQ(own.values, (nlohmann::json{{"a", 1}}));
}

TEST(GatewayIncoming, MalformedMessagesNameTopicAndFault) {
  EXPECT_EQ(error_of("v1/gateway/rpc", "{not json"),
            "message on 'v1/gateway/rpc': payload is not valid JSON");
  EXPECT_EQ(error_of("v1/gateway/rpc", "[1]"),
            "message on 'v1/gateway/rpc': payload is a JSON array, expected an object");
  EXPECT_EQ(error_of("v1/gateway/rpc", R"({"data":{"id":1,"method":"m"}})"),
            "message on 'v1/gateway/rpc': missing \"device\"");
  EXPECT_EQ(error_of("v1/gateway/rpc", R"({"device":5,"data":{}})"),
            "message on 'v1/gateway/rpc': \"device\" is a number, expected a string");
  EXPECT_EQ(error_of("v1/gateway/rpc", R"({"device":"M","data":"x"})"),
            "message on 'v1/gateway/rpc': \"data\" is a string, expected an object");
  EXPECT_EQ(error_of("v1/gateway/rpc", R"({"device":"M","data":{"id":1.5,"method":"m"}})"),
            "message on 'v1/gateway/rpc': \"id\" is not a 64-bit integer");
  EXPECT_EQ(error_of("v1/gateway/rpc", R"({"device":"M","data":{"id":"x1","method":"m"}})"),
            "message on 'v1/gateway/rpc': \"id\" is a string, expected an integer");
  EXPECT_EQ(error_of("v1/gateway/rpc", R"({"device":"M","data":{"id":1}})"),
            "message on 'v1/gateway/rpc': missing \"method\"");
  EXPECT_EQ(error_of("v1/gateway/attributes/response", R"({"id":1,"device":"A","values":3})"),
            "message on 'v1/gateway/attributes/response': \"values\" is a number, expected an "
            "object");
  EXPECT_EQ(error_of("v1/devices/me/rpc/request/abc", R"({"method":"m"})"),
            "message on 'v1/devices/me/rpc/request/abc': request id 'abc' in the topic is not an "
            "integer");
  EXPECT_NE(error_of("v1/devices/me/rpc/request/1",
                     R"({"method":"gateway_device_renamed","params":["a"]})")
                .find("must be {\"old name\":\"new name\"}"),
            std::string::npos);
  EXPECT_NE(
      error_of("v1/devices/me/rpc/request/1", R"({"method":"gateway_device_deleted","params":{}})")
          .find("device name as a string"),
      std::string::npos);
  auto other = parse_incoming("v1/something/else", "{}");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::unsupported);
  EXPECT_FALSE(parse_incoming("v1/devices/me/rpc/request/", "{}"));
}

TEST(GatewayIncoming, HostilePayloadsNeverThrow) {
  const std::string deep(100000, '[');
  const std::string samples[] = {"",    "\xff\xfe",    deep,       "{\"device\":\"\xff\"}",
                                 "nul", "{\"a\":1}{}", "1e999999", std::string(3, '\0')};
  for (const auto* topic :
       {"v1/gateway/rpc", "v1/gateway/attributes", "v1/gateway/attributes/response",
        "v1/devices/me/rpc/request/1", "v1/devices/me/attributes"}) {
    for (const auto& payload : samples) {
      EXPECT_NO_THROW((void)parse_incoming(topic, payload)) << topic;
    }
  }
}

// Every topic the gateway subscribes to and hands to parse_incoming.
constexpr const char* kSubscribedTopics[] = {
    "v1/gateway/rpc", "v1/gateway/attributes", "v1/gateway/attributes/response",
    "v1/devices/me/rpc/request/1", "v1/devices/me/attributes"};

// Balanced nesting parses as JSON: copying the tree used to recurse once per level and overflow
// the stack (SIGSEGV). Refused before any tree is built, with the bound in the message.
TEST(GatewayIncoming, DeeplyNestedPayloadsAreRefusedOnEveryTopic) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string inside = R"({"device":"M","data":{"id":1,"method":"m","params":)" + deep + "}}";
  for (const auto* topic : kSubscribedTopics) {
    for (const auto& payload : {deep, inside}) {
      auto message = parse_incoming(topic, payload);
      ASSERT_FALSE(message) << topic;
      EXPECT_EQ(message.error().code, ErrorCode::too_deep) << topic;
      EXPECT_NE(message.error().message.find(topic), std::string::npos);
    }
  }
}

TEST(GatewayIncoming, HugePayloadsAreRefusedOnEveryTopic) {
  const std::string huge = R"({"device":"M","data":{"id":1,"method":"get","params":")" +
                           std::string(3 << 20, 'a') + R"("}})";
  for (const auto* topic : kSubscribedTopics) {
    auto message = parse_incoming(topic, huge);
    ASSERT_FALSE(message) << topic;
    EXPECT_EQ(message.error().code, ErrorCode::out_of_range) << topic;
    EXPECT_LT(message.error().message.size(), 200u) << "the payload must not be echoed";
  }
}

TEST(GatewayIncoming, InvalidUtf8AndWrongTypesAreRefusedOnEveryTopic) {
  for (const auto* topic : kSubscribedTopics) {
    for (const std::string& payload :
         {std::string("{\"device\":\"M\xff\",\"data\":{\"id\":1,\"method\":\"m\"}}"),
          std::string("[1,2]"), std::string("\"text\""), std::string("42")}) {
      auto message = parse_incoming(topic, payload);
      EXPECT_FALSE(message) << topic << " " << payload;
    }
  }
}

TEST(GatewayIncoming, RefusedRpcsNameWhoWaitsForTheErrorReply) {
  const auto own = refused_rpc("v1/devices/me/rpc/request/12", "{not json");
  ASSERT_TRUE(own);
  EXPECT_FALSE(own->device);
  EXPECT_EQ(own->id, 12);
  const auto device =
      refused_rpc("v1/gateway/rpc", R"({"device":"Meter 1","data":{"id":"9","method":5}})");
  ASSERT_TRUE(device);
  EXPECT_EQ(device->device, "Meter 1");
  EXPECT_EQ(device->id, 9);
  // Our own reply echoed by a plain broker has a top-level id: never answered.
  EXPECT_FALSE(refused_rpc("v1/gateway/rpc", R"({"device":"Meter 1","id":9,"data":{"id":1}})"));
  EXPECT_FALSE(refused_rpc("v1/gateway/rpc", "{not json"));
  EXPECT_FALSE(refused_rpc("v1/devices/me/rpc/request/x", "{}"));
  EXPECT_FALSE(refused_rpc("v1/gateway/attributes", R"({"device":"M","data":{"id":1}})"));
}

TEST(GatewayIncoming, OnlyOurOwnMessagesEchoedByABrokerCountAsEchoes) {
  EXPECT_TRUE(is_own_echo("v1/gateway/rpc", R"({"device":"M","id":4,"data":{"error":"x"}})"));
  EXPECT_TRUE(is_own_echo("v1/gateway/attributes", R"({"Meter 1":{"serial":"X1"}})"));
  // Broken platform requests are not: they are warned about.
  EXPECT_FALSE(is_own_echo("v1/gateway/rpc", R"({"device":"M","data":{"id":4,"method":5}})"));
  EXPECT_FALSE(is_own_echo("v1/gateway/rpc", "{not json"));
  EXPECT_FALSE(is_own_echo("v1/gateway/attributes", R"({"data":{"k":1}})"));
  EXPECT_FALSE(is_own_echo("v1/gateway/attributes", R"({"device":5,"data":{"k":1}})"));
  EXPECT_FALSE(is_own_echo("v1/gateway/attributes", R"({"k":1})"));
  EXPECT_FALSE(is_own_echo("v1/devices/me/attributes", R"({"Meter 1":{"k":1}})"));
}

}  // namespace
}  // namespace dlmsgw::gateway
