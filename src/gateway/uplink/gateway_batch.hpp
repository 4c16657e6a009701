#pragma once
// encode_batch: turns records read from storage into as few gateway-API messages as fit under
// ThingsBoard's maxPayloadSizeBytes. Telemetry of many devices shares a message,
// {"Meter 1":[{"ts":..,"values":{..}},..],"Meter 2":[..]}, and each device's records keep their
// storage order, within a message and across messages. Client attributes go to
// {"Meter 1":{..},"Meter 2":{..}} on their own topic.
//
// Every record lands in exactly one message or in `rejected`: a record that can never be sent (its
// payload is not a JSON object, or it alone exceeds the size limit) is reported instead of
// blocking the queue forever. The uplink logs and deletes rejected records.

#include <cstddef>
#include <span>
#include <vector>

#include "core/expected.hpp"
#include "gateway/storage/record.hpp"
#include "gateway/uplink/gateway_outgoing.hpp"

namespace dlmsgw::gateway {

struct BatchMessage {
  OutgoingMessage message;
  std::vector<RecordId> records;  // what this message carries: delete them once it is acknowledged
};

struct RejectedRecord {
  RecordId id;
  Error error;
};

struct EncodedBatch {
  std::vector<BatchMessage> messages;
  std::vector<RejectedRecord> rejected;
};

EncodedBatch encode_batch(std::span<const StoredRecord> records, std::size_t max_payload_bytes);

}  // namespace dlmsgw::gateway
