#pragma once
// DirectDeviceUplink: everything one device needs to publish as itself, with its own ThingsBoard
// access token on the device API, instead of as a child of the gateway (GatewaySink::
// device_uses_own_token). Migration: a meter that already publishes with its token keeps its
// ThingsBoard device and dashboards while dlmsgw reads it, so meters can move one at a time and
// back (parallel, hybrid, rollback).
//
// It is a small gateway of its own: an MqttClient (username = the token), a queue on a
// StorageService thread, and an UplinkService in UplinkApi::device mode, so the delivery guarantee
// is the gateway's: a record is stored before anything is sent and removed only after its PUBACK.
// No v1/gateway/connect (it is not a gateway child) and no getSessionLimits.

#include <asio/io_context.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"
#include "gateway/storage/record.hpp"
#include "gateway/storage/record_queue.hpp"
#include "gateway/storage/storage_service.hpp"
#include "gateway/uplink/mqtt_client.hpp"
#include "gateway/uplink_service.hpp"

namespace dlmsgw::gateway {

// The device's connection: the gateway's host, port, TLS, protocol and timings, with the device's
// token as username (no password), a fresh session and a client id derived from the device name.
MqttOptions direct_device_mqtt_options(const MqttOptions& gateway, std::string_view device,
                                       std::string_view access_token);
// The gateway's uplink options for one device: device API, no session-limits request, and of the
// rate limits only the per-device ones (the gateway-wide ones count the gateway's connection).
UplinkOptions direct_device_uplink_options(const UplinkOptions& gateway);
// A name made of [A-Za-z0-9_-] only, unique per device name (a hash of it is appended): for client
// ids and file names.
std::string device_file_stem(std::string_view device);

class DirectDeviceUplink {
 public:
  static Expected<std::unique_ptr<DirectDeviceUplink>> create(asio::io_context& io,
                                                              std::string device, MqttOptions mqtt,
                                                              UplinkOptions uplink,
                                                              std::unique_ptr<RecordQueue> queue);
  // Stops, then commits what storage still holds (it is delivered after the next start).
  ~DirectDeviceUplink();
  DirectDeviceUplink(const DirectDeviceUplink&) = delete;
  DirectDeviceUplink& operator=(const DirectDeviceUplink&) = delete;

  void start();
  void stop();
  // Closes the connection for good and hands over the device's queue with everything it still
  // holds (what was in flight included: it had no PUBACK), for a new identity or the gateway's own
  // queue (a deviceToken changed or removed on reload). Nothing else may be called afterwards.
  std::unique_ptr<RecordQueue> retire();
  // Takes over what a retired queue holds: stored in this device's queue, then sent.
  void take_over(std::unique_ptr<RecordQueue> retired);
  // Stores records of the device (then sends them); fails when storage refused them (all).
  Expected<void> submit(std::vector<Record> records);
  // `done` once what was submitted before is committed (StorageService::async_flush).
  void when_stored(std::function<void(Expected<void>)> done) {
    storage_->async_flush(std::move(done));
  }
  // Sends a control message (a claim) at once, outside storage; false when not connected.
  bool publish_now(const OutgoingMessage& message) { return uplink_->publish_now(message); }

  [[nodiscard]] const std::string& device() const { return device_; }
  [[nodiscard]] const UplinkCounters& counters() const { return uplink_->counters(); }
  [[nodiscard]] QueueStats queue_stats() const { return storage_->stats(); }
  [[nodiscard]] std::size_t pending_records() const { return storage_->pending_records(); }
  [[nodiscard]] MqttClient& mqtt() { return *client_; }
  // Moves the connection to new settings (remote configuration); what was in flight is sent
  // again from storage on the new session.
  Expected<void> reconnect_with(const MqttOptions& options);

 private:
  DirectDeviceUplink(asio::io_context& io, std::string device, std::unique_ptr<MqttClient> client,
                     UplinkOptions uplink, std::unique_ptr<RecordQueue> queue);

  std::string device_;
  std::unique_ptr<MqttClient> client_;
  std::unique_ptr<StorageService> storage_;
  std::unique_ptr<UplinkService> uplink_;
  bool started_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dlmsgw::gateway
