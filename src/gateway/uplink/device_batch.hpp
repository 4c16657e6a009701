#pragma once
// encode_device_batch: the device-API counterpart of encode_batch, for a device that publishes with
// its own access token (one connection per device, so no device names in the payloads).
// Telemetry records become [{"ts":..,"values":{..}},..] on v1/devices/me/telemetry, as many per
// message as fit under max_payload_bytes, in storage order; each attribute record becomes its own
// {..} on v1/devices/me/attributes (one message per record keeps their order with no merging
// rules). Unsendable records (payload not a JSON object, or too large alone) are rejected, as in
// encode_batch. Records of several devices may be mixed: the caller's queue holds one device only.

#include <cstddef>
#include <span>

#include "gateway/storage/record.hpp"
#include "gateway/uplink/gateway_batch.hpp"

namespace dlmsgw::gateway {

EncodedBatch encode_device_batch(std::span<const StoredRecord> records,
                                 std::size_t max_payload_bytes);

}  // namespace dlmsgw::gateway
