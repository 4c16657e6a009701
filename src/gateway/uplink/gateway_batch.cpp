#include "gateway/uplink/gateway_batch.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

#include "gateway/uplink/gateway_topic.hpp"
#include "gateway/uplink/payload_shape.hpp"

namespace dlmsgw::gateway {
namespace {

std::string json_quoted(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// One message under construction. Items are kept as text and joined at the end, so the size is
// known exactly before anything is committed to the message.
class MessageBuilder {
 public:
  MessageBuilder(std::string_view topic, bool grouped) : topic_(topic), grouped_(grouped) {}

  // Bytes the message would have with `item` appended for `device`; nullopt if this kind of
  // message cannot take the device again (attributes: one object per device per message).
  [[nodiscard]] std::optional<std::size_t> size_with(const std::string& quoted_device,
                                                     const std::string& item) const {
    const auto* group = find(quoted_device);
    if (group != nullptr) {
      if (!grouped_) return std::nullopt;
      return size_ + 1 + item.size();  // ",item" inside the device's array
    }
    // {"dev":[item]} or {"dev":item}, plus a comma after a previous device.
    const std::size_t brackets = grouped_ ? 2 : 0;
    return size_ + (groups_.empty() ? 0 : 1) + quoted_device.size() + 1 + brackets + item.size();
  }

  void add(const std::string& quoted_device, std::string item, RecordId id) {
    size_ = *size_with(quoted_device, item);
    auto* group = find(quoted_device);
    if (group == nullptr) {
      groups_.push_back({quoted_device, {}});
      group = &groups_.back();
    }
    group->items.push_back(std::move(item));
    ids_.push_back(id);
  }

  [[nodiscard]] bool empty() const { return groups_.empty(); }

  BatchMessage take() {
    std::string payload = "{";
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      if (g > 0) payload += ',';
      payload += groups_[g].device;
      payload += ':';
      if (grouped_) payload += '[';
      for (std::size_t i = 0; i < groups_[g].items.size(); ++i) {
        if (i > 0) payload += ',';
        payload += groups_[g].items[i];
      }
      if (grouped_) payload += ']';
    }
    payload += '}';
    BatchMessage message{{std::string(topic_), std::move(payload)}, std::move(ids_)};
    groups_.clear();
    ids_.clear();
    size_ = 2;
    return message;
  }

 private:
  struct Group {
    std::string device;  // quoted
    std::vector<std::string> items;
  };
  const Group* find(const std::string& quoted_device) const {
    for (const auto& group : groups_) {
      if (group.device == quoted_device) return &group;
    }
    return nullptr;
  }
  Group* find(const std::string& quoted_device) {
    return const_cast<Group*>(std::as_const(*this).find(quoted_device));
  }

  std::string_view topic_;
  bool grouped_;  // telemetry: "dev":[items]; attributes: "dev":item
  std::vector<Group> groups_;
  std::vector<RecordId> ids_;
  std::size_t size_ = 2;  // "{}"
};

std::string describe_stored(const StoredRecord& stored) {
  return "record " + std::to_string(stored.id.value) + " (" +
         std::string(to_string(stored.record.kind)) + " of device '" + stored.record.device + "')";
}

std::optional<Error> check(const StoredRecord& stored) {
  if (stored.record.device.empty()) {
    return make_error(ErrorCode::invalid_argument, describe_stored(stored) + ": empty device name");
  }
  return check_payload(stored);
}

}  // namespace

std::optional<Error> check_payload(const StoredRecord& stored) {
  if (stored.record.kind != RecordKind::telemetry_series) {
    if (!is_json_object(stored.record.payload)) {
      return make_error(ErrorCode::malformed,
                        describe_stored(stored) + ": payload is not a JSON object, cannot be sent");
    }
    return std::nullopt;
  }
  if (!is_telemetry_series(stored.record.payload)) {
    return make_error(ErrorCode::malformed,
                      describe_stored(stored) +
                          ": payload is not a JSON array of {\"ts\",\"values\"} objects, "
                          "cannot be sent");
  }
  return std::nullopt;
}

std::vector<std::string> telemetry_items(const Record& record, std::size_t max_item_bytes) {
  if (record.kind != RecordKind::telemetry_series) {
    std::string item = "{\"ts\":" + std::to_string(record.ts.time_since_epoch().count()) +
                       ",\"values\":" + record.payload + "}";
    if (item.size() > max_item_bytes) return {};
    return {std::move(item)};
  }
  // The entries as stored, without the array's brackets: no re-encoding on the common path.
  const auto open = record.payload.find('[');
  const auto close = record.payload.rfind(']');
  std::string inner = record.payload.substr(open + 1, close - open - 1);
  if (inner.size() <= max_item_bytes) return {std::move(inner)};
  std::vector<std::string> items;
  std::string item;
  for (const auto& entry : nlohmann::json::parse(record.payload)) {
    std::string text = entry.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > max_item_bytes) return {};
    if (!item.empty() && item.size() + 1 + text.size() > max_item_bytes) {
      items.push_back(std::move(item));
      item.clear();
    }
    if (!item.empty()) item += ',';
    item += text;
  }
  if (!item.empty()) items.push_back(std::move(item));
  return items;
}

EncodedBatch encode_batch(std::span<const StoredRecord> records, std::size_t max_payload_bytes) {
  EncodedBatch batch;
  MessageBuilder telemetry(topic::gateway_telemetry, true);
  MessageBuilder attributes(topic::gateway_attributes, false);

  for (const auto& stored : records) {
    if (auto fault = check(stored)) {
      batch.rejected.push_back({stored.id, std::move(*fault)});
      continue;
    }
    const bool is_telemetry = stored.record.kind != RecordKind::attributes;
    auto& builder = is_telemetry ? telemetry : attributes;
    const std::string device = json_quoted(stored.record.device);
    // {"<device>":[item]} or {"<device>":item}: what a message costs besides its item.
    const std::size_t overhead =
        *MessageBuilder(topic::gateway_telemetry, is_telemetry).size_with(device, std::string());
    std::vector<std::string> items;
    if (is_telemetry) {
      if (max_payload_bytes > overhead) {
        items = telemetry_items(stored.record, max_payload_bytes - overhead);
      }
    } else if (overhead + stored.record.payload.size() <= max_payload_bytes) {
      items.push_back(stored.record.payload);
    }
    // Alone in a fresh message: if it does not fit there, it never will.
    if (items.empty()) {
      const std::size_t alone =
          overhead + (is_telemetry ? telemetry_items(stored.record, SIZE_MAX).front().size()
                                   : stored.record.payload.size());
      batch.rejected.push_back(
          {stored.id,
           make_error(ErrorCode::out_of_range,
                      describe_stored(stored) + " alone makes a " + std::to_string(alone) +
                          "-byte message, over the " + std::to_string(max_payload_bytes) +
                          "-byte limit (maxPayloadSizeBytes)")});
      continue;
    }
    // A record split over several messages (items.size() > 1) is listed with each of them.
    for (auto& item : items) {
      const auto size = builder.size_with(device, item);
      if (!size || *size > max_payload_bytes) batch.messages.push_back(builder.take());
      builder.add(device, std::move(item), stored.id);
    }
  }
  if (!telemetry.empty()) batch.messages.push_back(telemetry.take());
  if (!attributes.empty()) batch.messages.push_back(attributes.take());
  return batch;
}

}  // namespace dlmsgw::gateway
