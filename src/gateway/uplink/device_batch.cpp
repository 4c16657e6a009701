#include "gateway/uplink/device_batch.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gateway/uplink/gateway_topic.hpp"

namespace dlmsgw::gateway {
namespace {

std::string describe(const StoredRecord& stored) {
  return "record " + std::to_string(stored.id.value) + " (" +
         std::string(to_string(stored.record.kind)) + " of device '" + stored.record.device + "')";
}

// Telemetry items waiting to be joined into one array message.
struct PendingArray {
  std::vector<std::string> items;
  std::vector<RecordId> ids;
  std::size_t size = 2;  // "[]"

  [[nodiscard]] std::size_t size_with(const std::string& item) const {
    return size + (items.empty() ? 0 : 1) + item.size();
  }
  void add(std::string item, RecordId id) {
    size = size_with(item);
    items.push_back(std::move(item));
    ids.push_back(id);
  }
  BatchMessage take() {
    std::string payload = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) payload += ',';
      payload += items[i];
    }
    payload += ']';
    BatchMessage message{{std::string(topic::device_telemetry), std::move(payload)},
                         std::move(ids)};
    items.clear();
    ids.clear();
    size = 2;
    return message;
  }
};

}  // namespace

EncodedBatch encode_device_batch(std::span<const StoredRecord> records,
                                 std::size_t max_payload_bytes) {
  EncodedBatch batch;
  PendingArray telemetry;
  std::vector<BatchMessage> attributes;
  for (const auto& stored : records) {
    if (auto fault = check_payload(stored)) {
      batch.rejected.push_back({stored.id, std::move(*fault)});
      continue;
    }
    const bool is_telemetry = stored.record.kind != RecordKind::attributes;
    std::vector<std::string> items;
    if (!is_telemetry) {
      if (stored.record.payload.size() <= max_payload_bytes) items.push_back(stored.record.payload);
    } else if (max_payload_bytes > 2) {
      items = telemetry_items(stored.record, max_payload_bytes - 2);  // inside "[..]"
    }
    if (items.empty()) {
      const std::size_t alone = is_telemetry
                                    ? telemetry_items(stored.record, SIZE_MAX).front().size() + 2
                                    : stored.record.payload.size();
      batch.rejected.push_back(
          {stored.id,
           make_error(ErrorCode::out_of_range,
                      describe(stored) + " alone makes a " + std::to_string(alone) +
                          "-byte message, over the " + std::to_string(max_payload_bytes) +
                          "-byte limit (maxPayloadSizeBytes)")});
      continue;
    }
    if (!is_telemetry) {
      attributes.push_back(
          {{std::string(topic::device_attributes), std::move(items.front())}, {stored.id}});
      continue;
    }
    // A record split over several messages (items.size() > 1) is listed with each of them.
    for (auto& item : items) {
      if (telemetry.size_with(item) > max_payload_bytes) batch.messages.push_back(telemetry.take());
      telemetry.add(std::move(item), stored.id);
    }
  }
  if (!telemetry.items.empty()) batch.messages.push_back(telemetry.take());
  for (auto& message : attributes) batch.messages.push_back(std::move(message));
  return batch;
}

}  // namespace dlmsgw::gateway
