#include "gateway/uplink/gateway_batch.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gateway/uplink/batch_record_ids.hpp"

namespace dlmsgw::gateway {
namespace {

using test::ids;

StoredRecord telemetry(std::uint64_t id, std::string device, std::int64_t ts_ms,
                       std::string payload) {
  return {RecordId{id}, Record{RecordKind::telemetry, std::move(device),
                               Timestamp{std::chrono::milliseconds{ts_ms}}, std::move(payload)}};
}

StoredRecord attributes(std::uint64_t id, std::string device, std::string payload) {
  return {RecordId{id},
          Record{RecordKind::attributes, std::move(device), Timestamp{}, std::move(payload)}};
}

TEST(GatewayBatch, GroupsTelemetryOfManyDevicesKeepingEachDevicesOrder) {
  const std::vector<StoredRecord> records{
      telemetry(1, "Meter 1", 1700000000000, R"({"voltage":230.1})"),
      telemetry(2, "Meter 2", 1700000000500, R"({"voltage":229.9})"),
      telemetry(3, "Meter 1", 1700000060000, R"({"voltage":230.4,"ok":true})"),
  };
  const auto batch = encode_batch(records, 8192);
  ASSERT_TRUE(batch.rejected.empty());
  ASSERT_EQ(batch.messages.size(), 1U);
  EXPECT_EQ(batch.messages[0].message.topic, "v1/gateway/telemetry");
  EXPECT_EQ(batch.messages[0].message.payload,
            R"({"Meter 1":[{"ts":1700000000000,"values":{"voltage":230.1}},)"
            R"({"ts":1700000060000,"values":{"voltage":230.4,"ok":true}}],)"
            R"("Meter 2":[{"ts":1700000000500,"values":{"voltage":229.9}}]})");
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST(GatewayBatch, AttributesGoToTheirOwnTopicOneObjectPerDevice) {
  const std::vector<StoredRecord> records{
      attributes(1, "Meter 1", R"({"serial":"A1"})"), telemetry(2, "Meter 1", 5, R"({"e":1})"),
      attributes(3, "Meter 2", R"({"serial":"B2"})"),
      attributes(4, "Meter 1", R"({"fw":"2"})"),  // same device again: a second message
  };
  const auto batch = encode_batch(records, 8192);
  ASSERT_TRUE(batch.rejected.empty());
  ASSERT_EQ(batch.messages.size(), 3U);
  EXPECT_EQ(batch.messages[0].message.topic, "v1/gateway/attributes");
  EXPECT_EQ(batch.messages[0].message.payload,
            R"({"Meter 1":{"serial":"A1"},"Meter 2":{"serial":"B2"}})");
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(batch.messages[1].message.topic, "v1/gateway/telemetry");
  EXPECT_EQ(batch.messages[1].message.payload, R"({"Meter 1":[{"ts":5,"values":{"e":1}}]})");
  EXPECT_EQ(batch.messages[2].message.payload, R"({"Meter 1":{"fw":"2"}})");
  EXPECT_EQ(ids(batch.messages[2]), (std::vector<std::uint64_t>{4}));
}

TEST(GatewayBatch, SplitsAtTheSizeLimitExactly) {
  std::vector<StoredRecord> records;
  for (std::uint64_t i = 1; i <= 50; ++i) {
    records.push_back(telemetry(i, "Meter " + std::to_string(i % 3), static_cast<std::int64_t>(i),
                                R"({"v":)" + std::to_string(i * 7) + "}"));
  }
  for (const std::size_t limit : {std::size_t{60}, std::size_t{100}, std::size_t{333}}) {
    const auto batch = encode_batch(records, limit);
    ASSERT_TRUE(batch.rejected.empty()) << limit;
    std::vector<std::uint64_t> seen;
    std::map<std::string, std::int64_t> last_ts;
    for (const auto& message : batch.messages) {
      EXPECT_LE(message.message.payload.size(), limit);
      // Every message is valid JSON and the ids it claims are the records it holds.
      const auto parsed = nlohmann::json::parse(message.message.payload);
      std::size_t items = 0;
      for (const auto& [device, entries] : parsed.items()) {
        for (const auto& entry : entries) {
          ++items;
          const auto ts = entry["ts"].get<std::int64_t>();
          EXPECT_GT(ts, last_ts[device]) << "order per device kept across messages";
          last_ts[device] = ts;
          EXPECT_EQ(entry["values"]["v"].get<std::int64_t>(), ts * 7);
        }
      }
      EXPECT_EQ(items, message.records.size());
      for (const auto id : message.records) seen.push_back(id.value);
    }
    std::sort(seen.begin(), seen.end());
    ASSERT_EQ(seen.size(), 50U);
    for (std::uint64_t i = 0; i < 50; ++i) EXPECT_EQ(seen[i], i + 1);
  }
  // A limit that one record exactly fits: {"Meter 1":[{"ts":1,"values":{"v":7}}]} is 39 bytes.
  const auto exact = encode_batch(std::span(records).first(1), 39);
  EXPECT_TRUE(exact.rejected.empty());
  ASSERT_EQ(exact.messages.size(), 1U);
  EXPECT_EQ(exact.messages[0].message.payload.size(), 39U);
  const auto too_small = encode_batch(std::span(records).first(1), 38);
  ASSERT_EQ(too_small.rejected.size(), 1U);
}

TEST(GatewayBatch, RejectsWhatCanNeverBeSentInsteadOfLooping) {
  const std::vector<StoredRecord> records{
      telemetry(1, "Meter 1", 1, R"({"v":1})"),
      telemetry(2, "Meter 1", 2, std::string(200, 'x')),  // not JSON
      telemetry(3, "Meter 1", 3, R"([1,2])"),             // JSON, not an object
      telemetry(4, "Meter 1", 4, R"({"big":")" + std::string(500, 'y') + R"("})"),
      telemetry(5, "", 5, R"({"v":5})"),
      telemetry(6, "Meter 1", 6, R"({"v":6})"),
  };
  const auto batch = encode_batch(records, 100);
  ASSERT_EQ(batch.messages.size(), 1U);
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{1, 6}));
  ASSERT_EQ(batch.rejected.size(), 4U);
  EXPECT_EQ(batch.rejected[0].id.value, 2U);
  EXPECT_EQ(batch.rejected[0].error.message,
            "record 2 (telemetry of device 'Meter 1'): payload is not a JSON object, cannot be "
            "sent");
  EXPECT_EQ(batch.rejected[1].id.value, 3U);
  EXPECT_EQ(batch.rejected[2].id.value, 4U);
  EXPECT_EQ(batch.rejected[2].error.code, ErrorCode::out_of_range);
  EXPECT_NE(batch.rejected[2].error.message.find("over the 100-byte limit (maxPayloadSizeBytes)"),
            std::string::npos)
      << batch.rejected[2].error.message;
  EXPECT_NE(batch.rejected[3].error.message.find("empty device name"), std::string::npos);
}

StoredRecord series_record(std::uint64_t id, std::string device, std::string payload) {
  return {RecordId{id}, Record{RecordKind::telemetry_series, std::move(device),
                               Timestamp{std::chrono::milliseconds{1}}, std::move(payload)}};
}

TEST(GatewayBatch, ASeriesRecordIsEntriesOfItsDevicesArray) {
  const std::vector<StoredRecord> records{
      telemetry(1, "Meter 1", 5, R"({"v":0})"),
      series_record(2, "Meter 1", R"([{"ts":10,"values":{"a":1}},{"ts":12,"values":{"b":2}}])"),
      series_record(3, "Meter 2", R"([{"ts":11,"values":{"c":3}},{"ts":14,"values":{"d":4}}])"),
  };
  const auto batch = encode_batch(records, 8196);
  ASSERT_EQ(batch.messages.size(), 1U);
  EXPECT_TRUE(batch.rejected.empty());
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(batch.messages[0].message.payload,
            R"({"Meter 1":[{"ts":5,"values":{"v":0}},{"ts":10,"values":{"a":1}},)"
            R"({"ts":12,"values":{"b":2}}],"Meter 2":[{"ts":11,"values":{"c":3}},)"
            R"({"ts":14,"values":{"d":4}}]})");
}

TEST(GatewayBatch, ASeriesLargerThanTheLimitIsSplitOverMessagesInOrder) {
  // Stored when the limit was larger (the platform's getSessionLimits lowered it since).
  std::string payload = "[";
  for (int i = 1; i <= 6; ++i) {
    if (i > 1) payload += ',';
    payload += R"({"ts":)" + std::to_string(i) + R"(,"values":{"v":)" + std::to_string(i) + "}}";
  }
  payload += "]";
  const std::vector<StoredRecord> records{series_record(7, "M", payload),
                                          telemetry(8, "M", 9, "{}")};
  const auto batch = encode_batch(records, 60);
  EXPECT_TRUE(batch.rejected.empty());
  ASSERT_GE(batch.messages.size(), 2U);
  std::vector<std::int64_t> ts;
  for (const auto& message : batch.messages) {
    EXPECT_LE(message.message.payload.size(), 60U);
    const auto parsed = nlohmann::json::parse(message.message.payload);
    for (const auto& entry : parsed.at("M")) {
      ts.push_back(entry["ts"]);
    }
  }
  EXPECT_EQ(ts, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 9}));
  EXPECT_EQ(ids(batch.messages.front()), (std::vector<std::uint64_t>{7}));
  EXPECT_EQ(ids(batch.messages.back()).back(), 8U);
}

TEST(GatewayBatch, AMalformedSeriesIsRejected) {
  const std::vector<StoredRecord> records{series_record(1, "M", R"({"v":1})"),
                                          series_record(2, "M", "[]"),
                                          series_record(3, "M", R"([{"ts":"x","values":{}}])"),
                                          series_record(4, "M", R"([{"ts":1,"values":{"v":1}}])")};
  const auto batch = encode_batch(records, 1000);
  ASSERT_EQ(batch.rejected.size(), 3U);
  EXPECT_NE(batch.rejected[0].error.message.find("telemetry series"), std::string::npos);
  ASSERT_EQ(batch.messages.size(), 1U);
  EXPECT_EQ(ids(batch.messages[0]), (std::vector<std::uint64_t>{4}));
}

TEST(GatewayBatch, EscapesDeviceNamesAndHandlesAnEmptyBatch) {
  const std::vector<StoredRecord> records{telemetry(1, "Kitchen \"east\"\n", 1, R"({"v":1})")};
  const auto batch = encode_batch(records, 1000);
  ASSERT_EQ(batch.messages.size(), 1U);
  const auto parsed = nlohmann::json::parse(batch.messages[0].message.payload);
  EXPECT_TRUE(parsed.contains("Kitchen \"east\"\n"));
  EXPECT_TRUE(encode_batch({}, 1000).messages.empty());
}

}  // namespace
}  // namespace dlmsgw::gateway
