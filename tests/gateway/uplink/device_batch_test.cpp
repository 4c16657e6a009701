// encode_device_batch and the helpers of a device publishing with its own token (migration).
// Expected payloads are ThingsBoard's device MQTT API (thingsboard.io/docs/reference/mqtt-api):
// telemetry [{"ts":..,"values":{..}},..] on v1/devices/me/telemetry, attributes {..} on
// v1/devices/me/attributes.

#include "gateway/uplink/device_batch.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway/config/gateway_config.hpp"
#include "gateway/direct_device_uplink.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "gateway/uplink/batch_record_ids.hpp"

namespace dlmsgw::gateway {
namespace {

using test::ids;

StoredRecord telemetry(std::uint64_t id, std::int64_t ts_ms, std::string payload) {
  return {RecordId{id}, Record{RecordKind::telemetry, "Meter 2",
                               Timestamp{std::chrono::milliseconds{ts_ms}}, std::move(payload)}};
}

StoredRecord attributes(std::uint64_t id, std::string payload) {
  return {RecordId{id}, Record{RecordKind::attributes, "Meter 2", Timestamp{}, std::move(payload)}};
}

TEST(DeviceBatch, TelemetryBecomesOneArrayOnTheDeviceTopicInStorageOrder) {
  const std::vector<StoredRecord> records{
      telemetry(1, 1700000000000, R"({"voltage":230.1})"),
      telemetry(2, 1700000060000, R"({"voltage":230.4,"ok":true})"),
  };
  const auto batch = encode_device_batch(records, 8192);
  ASSERT_TRUE(batch.rejected.empty());
  ASSERT_EQ(batch.messages.size(), 1U);
  EXPECT_EQ(batch.messages[0].message.topic, "v1/devices/me/telemetry");
  EXPECT_EQ(batch.messages[0].message.payload,
            R"([{"ts":1700000000000,"values":{"voltage":230.1}},)"
            R"({"ts":1700000060000,"values":{"voltage":230.4,"ok":true}}])");
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{1, 2}));
  // No device name anywhere: the connection's token says who publishes.
  EXPECT_EQ(batch.messages[0].message.payload.find("Meter"), std::string::npos);
}

TEST(DeviceBatch, ASeriesRecordIsEntriesOfTheArray) {
  const std::vector<StoredRecord> records{
      telemetry(1, 5, R"({"v":0})"),
      {RecordId{2},
       Record{RecordKind::telemetry_series, "Meter 2", Timestamp{std::chrono::milliseconds{10}},
              R"([{"ts":10,"values":{"a":1}},{"ts":12,"values":{"b":2}}])"}}};
  const auto batch = encode_device_batch(records, 8192);
  ASSERT_TRUE(batch.rejected.empty());
  ASSERT_EQ(batch.messages.size(), 1U);
  EXPECT_EQ(batch.messages[0].message.payload,
            R"([{"ts":5,"values":{"v":0}},{"ts":10,"values":{"a":1}},{"ts":12,"values":{"b":2}}])");
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{1, 2}));
}

TEST(DeviceBatch, AttributesGoAloneOnTheAttributesTopic) {
  const std::vector<StoredRecord> records{
      attributes(1, R"({"firmware":"1.2"})"),
      telemetry(2, 1700000000000, R"({"voltage":230.1})"),
      attributes(3, R"({"serial":"X"})"),
  };
  const auto batch = encode_device_batch(records, 8192);
  ASSERT_TRUE(batch.rejected.empty());
  ASSERT_EQ(batch.messages.size(), 3U);
  EXPECT_EQ(batch.messages[0].message.topic, "v1/devices/me/telemetry");
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{2}));
  EXPECT_EQ(batch.messages[1].message.topic, "v1/devices/me/attributes");
  EXPECT_EQ(batch.messages[1].message.payload, R"({"firmware":"1.2"})");
  EXPECT_EQ(ids(batch.messages[1]), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(batch.messages[2].message.payload, R"({"serial":"X"})");
  EXPECT_EQ(ids(batch.messages[2]), (std::vector<std::uint64_t>{3}));
}

TEST(DeviceBatch, SplitsUnderThePayloadLimitAndEveryRecordLandsOnce) {
  std::vector<StoredRecord> records;
  for (std::uint64_t i = 1; i <= 50; ++i) {
    records.push_back(telemetry(i, 1700000000000 + static_cast<std::int64_t>(i),
                                R"({"seq":)" + std::to_string(i) + "}"));
  }
  constexpr std::size_t kLimit = 200;
  const auto batch = encode_device_batch(records, kLimit);
  ASSERT_TRUE(batch.rejected.empty());
  ASSERT_GT(batch.messages.size(), 1U);
  std::vector<std::uint64_t> all;
  for (const auto& message : batch.messages) {
    EXPECT_LE(message.message.payload.size(), kLimit);
    const auto parsed = nlohmann::json::parse(message.message.payload);
    ASSERT_TRUE(parsed.is_array());
    EXPECT_EQ(parsed.size(), message.records.size());
    for (const auto id : message.records) all.push_back(id.value);
  }
  ASSERT_EQ(all.size(), 50U);
  for (std::uint64_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i + 1);
}

TEST(DeviceBatch, UnsendableRecordsAreRejectedNotBlocking) {
  const std::vector<StoredRecord> records{
      telemetry(1, 1, "not json"),
      telemetry(2, 1, "[1,2]"),
      telemetry(3, 1, R"({"big":")" + std::string(300, 'x') + R"("})"),
      attributes(4, R"({"big":")" + std::string(300, 'x') + R"("})"),
      telemetry(5, 1, R"({"ok":1})"),
  };
  const auto batch = encode_device_batch(records, 100);
  ASSERT_EQ(batch.rejected.size(), 4U);
  EXPECT_EQ(batch.rejected[0].error.code, ErrorCode::malformed);
  EXPECT_EQ(batch.rejected[2].error.code, ErrorCode::out_of_range);
  EXPECT_NE(batch.rejected[2].error.message.find("maxPayloadSizeBytes"), std::string::npos);
  ASSERT_EQ(batch.messages.size(), 1U);
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{5}));
}

TEST(DirectDevice, ConnectionUsesTheTokenAndTheGatewaysEndpoint) {
  MqttOptions gateway;
  gateway.host = "tb.example";
  gateway.port = 8883;
  gateway.username = "gateway-token";
  gateway.password = "secret";
  gateway.client_id = "gw";
  gateway.clean_session = false;
  gateway.tls = MqttTls{"ca.pem", "", ""};
  const auto own = direct_device_mqtt_options(gateway, "Meter 2/b", "meter-token");
  EXPECT_EQ(own.host, "tb.example");
  EXPECT_EQ(own.port, 8883);
  EXPECT_EQ(own.username, "meter-token");
  EXPECT_FALSE(own.password.has_value());
  EXPECT_TRUE(own.clean_session);
  ASSERT_TRUE(own.tls.has_value());
  EXPECT_EQ(own.tls->ca_file, "ca.pem");
  EXPECT_EQ(own.client_id.rfind("dlmsgw-Meter_2_b-", 0), 0U) << own.client_id;
  EXPECT_NE(own.credentials_source.find("Meter 2/b"), std::string::npos);
}

TEST(DirectDevice, FileStemsAreSafeStableAndDistinct) {
  const auto stem = device_file_stem("Meter 2/b");
  EXPECT_EQ(
      stem.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"),
      std::string::npos);
  EXPECT_EQ(stem, device_file_stem("Meter 2/b"));
  EXPECT_NE(stem, device_file_stem("Meter 2_b"));  // same sanitised text, different hash
}

TEST(DirectDevice, UplinkOptionsUseTheDeviceApiWithoutSessionLimitsOrGatewayLimits) {
  UplinkOptions gateway;
  gateway.limits.messages = *RateLimit::parse("10:1");
  gateway.limits.device_messages = *RateLimit::parse("5:1");
  gateway.limits.max_payload_bytes = 1234;
  const auto own = direct_device_uplink_options(gateway);
  EXPECT_EQ(own.api, UplinkApi::device);
  EXPECT_EQ(own.session_limits_wait.count(), 0);
  EXPECT_TRUE(own.limits.messages.unlimited());
  EXPECT_FALSE(own.limits.device_messages.unlimited());
  EXPECT_EQ(own.limits.max_payload_bytes, 1234U);
}

TEST(DirectDevice, WithSqliteStorageAllDevicesShareOneQueueFileNextToTheMainOne) {
  testing::TempDirectory dir;
  GatewayConfig config;
  config.host = "tb.example";
  config.storage.type = StorageType::sqlite;
  config.storage.data_file_path = dir.path() / "data" / "data.db";
  const auto options = to_gateway_options(config);
  ASSERT_TRUE(options.direct_store);
  auto queue = options.direct_store();
  ASSERT_TRUE(queue) << queue.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / kDirectStoreFileName));
  ASSERT_TRUE((*queue)->append({Record{RecordKind::telemetry, "Meter 2", Timestamp{}, "{}"},
                                Record{RecordKind::telemetry, "Meter 3", Timestamp{}, "{}"}}));
  EXPECT_EQ((*queue)->stats().records, 2U);
  auto meter3 = (*queue)->peek_device_after("Meter 3", RecordId{}, 10, UINT64_MAX);
  ASSERT_TRUE(meter3);
  ASSERT_EQ(meter3->size(), 1U);
  EXPECT_EQ(meter3->front().record.device, "Meter 3");
}

}  // namespace
}  // namespace dlmsgw::gateway
