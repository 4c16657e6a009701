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
#include <optional>
#include <span>
#include <string>
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

// Why a stored record's payload cannot be sent (attributes and plain telemetry: not a JSON object;
// a telemetry series: not a non-empty array of {"ts":<integer>,"values":{..}} objects); nullopt
// when it can.
std::optional<Error> check_payload(const StoredRecord& stored);

// The {"ts":..,"values":{..}} entries a telemetry record (plain or series) sends, joined by commas
// into items of at most `max_item_bytes` each: one item when the record fits, as many as it takes
// when it does not (a series stored before maxPayloadSizeBytes shrank), none when one entry alone
// is larger. The record must have passed the payload checks of encode_batch.
std::vector<std::string> telemetry_items(const Record& record, std::size_t max_item_bytes);

}  // namespace dlmsgw::gateway
