#include "gateway/uplink/gateway_outgoing.hpp"

#include <gtest/gtest.h>

#include "gateway/uplink/gateway_topic.hpp"

namespace dlmsgw::gateway {
namespace {

// Expected payloads follow the examples of thingsboard.io/docs/reference/gateway-mqtt-api.

TEST(GatewayOutgoing, ConnectAndDisconnectNameTheDevice) {
  EXPECT_EQ(encode_connect("Meter 1", "DLMS_Meter"),
            (OutgoingMessage{"v1/gateway/connect", R"({"device":"Meter 1","type":"DLMS_Meter"})"}));
  EXPECT_EQ(encode_disconnect("Meter \"1\""),
            (OutgoingMessage{"v1/gateway/disconnect", R"({"device":"Meter \"1\""})"}));
}

TEST(GatewayOutgoing, RpcRepliesGoToTheirTopics) {
  EXPECT_EQ(encode_device_rpc_reply("Meter 1", 42, {{"time", "2024-01-01"}}),
            (OutgoingMessage{"v1/gateway/rpc",
                             R"({"data":{"time":"2024-01-01"},"device":"Meter 1","id":42})"}));
  EXPECT_EQ(encode_gateway_rpc_reply(7, {{"code", 200}, {"resp", "pong"}}),
            (OutgoingMessage{"v1/devices/me/rpc/response/7", R"({"code":200,"resp":"pong"})"}));
  EXPECT_EQ(topic::device_rpc_response(-1), "v1/devices/me/rpc/response/-1");
}

// The shape ThingsBoard's GatewaySessionHandler.onDeviceAttributesRequestJson reads: "id",
// "device", "client" (a boolean: client or shared scope) and "key" or "keys".
TEST(GatewayOutgoing, AttributeRequestUsesKeyForOneAndKeysForSeveral) {
  EXPECT_EQ(encode_attribute_request(1, "Device A", {"fw_version", "battery"}, true),
            (OutgoingMessage{"v1/gateway/attributes/request",
                             R"({"client":true,"device":"Device A","id":1,)"
                             R"("keys":["fw_version","battery"]})"}));
  EXPECT_EQ(encode_attribute_request(2, "Device A", {"targetFw"}, false).payload,
            R"({"client":false,"device":"Device A","id":2,"key":"targetFw"})");
}

TEST(GatewayOutgoing, ClaimAndGatewayOwnData) {
  EXPECT_EQ(encode_claim("Meter 1", "s3cret", 60000),
            (OutgoingMessage{"v1/gateway/claim",
                             R"({"Meter 1":{"durationMs":60000,"secretKey":"s3cret"}})"}));
  EXPECT_EQ(encode_gateway_telemetry({{"queued", 3}}),
            (OutgoingMessage{"v1/devices/me/telemetry", R"({"queued":3})"}));
  EXPECT_EQ(encode_gateway_attributes({{"version", "0.1"}}),
            (OutgoingMessage{"v1/devices/me/attributes", R"({"version":"0.1"})"}));
}

TEST(GatewayOutgoing, InvalidUtf8InNamesIsReplacedNotThrown) {
  const auto message = encode_connect(std::string("Meter \xff"), "DLMS_Meter");
  EXPECT_EQ(message.payload, "{\"device\":\"Meter \xef\xbf\xbd\",\"type\":\"DLMS_Meter\"}");
}

}  // namespace
}  // namespace dlmsgw::gateway

namespace dlmsgw::gateway {
namespace {

// A 463-byte statistics message went out whole under maxPayloadSizeBytes: 256.
TEST(GatewayOutgoing, GatewayTelemetryIsSplitUnderThePayloadLimit) {
  nlohmann::json stats = nlohmann::json::object();
  for (int i = 0; i < 20; ++i) stats["counter" + std::to_string(i)] = 1000000 + i;
  stats["huge"] = std::string(300, 'h');
  ASSERT_GT(stats.dump().size(), 463U);
  const auto split = encode_gateway_telemetry(stats, 256);
  ASSERT_GT(split.messages.size(), 1U);
  nlohmann::json merged = nlohmann::json::object();
  for (const auto& message : split.messages) {
    EXPECT_EQ(message.topic, "v1/devices/me/telemetry");
    EXPECT_LE(message.payload.size(), 256U) << message.payload;
    merged.update(nlohmann::json::parse(message.payload));
  }
  EXPECT_EQ(split.left_out, std::vector<std::string>{"huge"});
  stats.erase("huge");
  EXPECT_EQ(merged, stats);
}

// A connector's configuration is one attribute: it goes whole or, alone over the limit, not at all.
TEST(GatewayOutgoing, GatewayAttributesAreSplitOnTheDeviceAttributesTopic) {
  const nlohmann::json attributes{{"Version", "3.8.0"},
                                  {"active_connectors", {"DLMS Meters"}},
                                  {"DLMS Meters", {{"configurationJson", std::string(200, 'c')}}},
                                  {"huge", std::string(300, 'h')}};
  const auto split = encode_gateway_attributes(attributes, 256);
  ASSERT_EQ(split.messages.size(), 2U);
  nlohmann::json merged = nlohmann::json::object();
  for (const auto& message : split.messages) {
    EXPECT_EQ(message.topic, "v1/devices/me/attributes");
    EXPECT_LE(message.payload.size(), 256U) << message.payload;
    merged.update(nlohmann::json::parse(message.payload));
  }
  EXPECT_EQ(split.left_out, std::vector<std::string>{"huge"});
  EXPECT_EQ(merged.size(), 3U);

  // Kept as text (the gateway keeps its client attributes so), the same messages; a later
  // merge replaces a member.
  DumpedAttributes dumped;
  merge_dumped(dumped, attributes);
  EXPECT_EQ(dumped.at("Version"), "\"3.8.0\"");
  const auto from_text = encode_dumped_gateway_attributes(dumped, 256);
  ASSERT_EQ(from_text.messages.size(), split.messages.size());
  for (std::size_t i = 0; i < split.messages.size(); ++i) {
    EXPECT_EQ(from_text.messages[i].payload, split.messages[i].payload);
  }
  EXPECT_EQ(from_text.left_out, split.left_out);
  merge_dumped(dumped, {{"Version", "3.9.0"}});
  EXPECT_EQ(dumped.at("Version"), "\"3.9.0\"");
  EXPECT_EQ(dumped.size(), 4U);
}

TEST(GatewayOutgoing, ChildClientAttributesNameTheDevice) {
  EXPECT_EQ(
      encode_child_client_attributes("Meter 1",
                                     {{"connectorType", "dlms"}, {"connectorName", "DLMS Meters"}}),
      (OutgoingMessage{"v1/gateway/attributes",
                       R"({"Meter 1":{"connectorName":"DLMS Meters","connectorType":"dlms"}})"}));
}

}  // namespace
}  // namespace dlmsgw::gateway
