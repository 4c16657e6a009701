#pragma once
// Record: one entry of the durable queue between connectors and the uplink. The payload is the JSON
// object of the values, already serialised, so storage never parses what it stores and the uplink
// can batch records of many devices into one gateway-API message without re-encoding them.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.hpp"
#include "gateway/reading.hpp"

namespace dlmsgw::gateway {

enum class RecordKind : std::uint8_t {
  telemetry = 1,   // payload {"key":value,...} sent with ts on v1/gateway/telemetry
  attributes = 2,  // payload {"key":value,...} sent on v1/gateway/attributes
  // One poll of a device read with several requests: payload [{"ts":..,"values":{..}},...], each
  // value with the ts of its own answer, in the order read; sent as that many entries of one
  // message on v1/gateway/telemetry. The record's ts is the first entry's.
  telemetry_series = 3,
};

std::string_view to_string(RecordKind kind);
Expected<RecordKind> record_kind_from_int(int value);

struct Record {
  RecordKind kind = RecordKind::telemetry;
  std::string device;
  Timestamp ts{};
  std::string payload;  // a JSON object
  bool operator==(const Record&) const = default;
};

// Position in the queue: strictly increasing in append order, never reused.
struct RecordId {
  std::uint64_t value = 0;
  auto operator<=>(const RecordId&) const = default;
};

struct StoredRecord {
  RecordId id;
  Record record;
  bool operator==(const StoredRecord&) const = default;
};

}  // namespace dlmsgw::gateway
