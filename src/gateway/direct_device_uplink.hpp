#pragma once
// DirectDeviceUplink: everything one device needs to publish as itself, with its own ThingsBoard
// access token on the device API, instead of as a child of the gateway (GatewaySink::
// device_uses_own_token). Migration: a meter that already publishes with its token keeps its
// ThingsBoard device and dashboards while dlmsgw reads it, so meters can move one at a time and
// back (parallel, hybrid, rollback).
//
// It is a small gateway of its own: an MqttClient (username = the token) and an UplinkService in
// UplinkApi::device mode, so the delivery guarantee is the gateway's: a record is stored before
// anything is sent and removed only after its PUBACK. No v1/gateway/connect (it is not a gateway
// child) and no getSessionLimits. Storage is shared: one StorageService (one thread, one queue, one
// database file) holds the records of every device with its own token, each stored under the
// device's key (direct_store_key: its connector and name, so two connectors' devices of one name
// never mix) and read by that device's uplink only (UplinkOptions::storage_device), so one device's
// backlog or refused token holds back no other. One device per token (check_device_tokens), so
// one connection per device: a changed token is a new connection reading the same key.

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
// rate limits only the per-device ones (the gateway-wide ones count the gateway's connection); a
// small window (a meter sends a record per poll), so that hundreds of them stay cheap in memory.
UplinkOptions direct_device_uplink_options(const UplinkOptions& gateway);
// The key a device publishing with its own token stores its records under in the shared store
// (Record::device there): unique per connector and device name, and stable across restarts.
std::string direct_store_key(std::string_view connector, std::string_view device);
// The device's name in a key made by direct_store_key (the key itself when it is not one: an
// older version's records, stored under the device name).
std::string_view direct_store_device(std::string_view key);

// A name made of [A-Za-z0-9_-] only, unique per device name (a hash of it is appended): for client
// ids and file names.
std::string device_file_stem(std::string_view device);

class DirectDeviceUplink {
 public:
  // `storage`: the store shared by every device with its own token; it must outlive this.
  // `key`: what its records are stored under (direct_store_key).
  static Expected<std::unique_ptr<DirectDeviceUplink>> create(asio::io_context& io,
                                                              std::string device, std::string key,
                                                              MqttOptions mqtt,
                                                              UplinkOptions uplink,
                                                              StorageService& storage);
  // Stops; what storage holds for it stays there (delivered by the next uplink of this device).
  ~DirectDeviceUplink();
  DirectDeviceUplink(const DirectDeviceUplink&) = delete;
  DirectDeviceUplink& operator=(const DirectDeviceUplink&) = delete;

  void start();
  void stop();
  // Sends what is stored under its key (records moved there, e.g. by the start-up sweep).
  void notify() { uplink_->notify(); }
  // Stores records (then sends them) under this device's key; fails when storage refused them.
  Expected<void> submit(std::vector<Record> records);
  // `done` once what was submitted before is committed (StorageService::async_flush).
  void when_stored(std::function<void(Expected<void>)> done) {
    storage_->async_flush(std::move(done));
  }
  // Sends a control message (a claim) at once, outside storage; false when not connected.
  bool publish_now(const OutgoingMessage& message) { return uplink_->publish_now(message); }

  [[nodiscard]] const std::string& device() const { return device_; }
  [[nodiscard]] const std::string& key() const { return key_; }
  [[nodiscard]] const UplinkCounters& counters() const { return uplink_->counters(); }
  [[nodiscard]] MqttClient& mqtt() { return *client_; }
  // Moves the connection to new settings (remote configuration); what was in flight is sent
  // again from storage on the new session.
  Expected<void> reconnect_with(const MqttOptions& options);

 private:
  DirectDeviceUplink(asio::io_context& io, std::string device, std::string key,
                     std::unique_ptr<MqttClient> client, UplinkOptions uplink,
                     StorageService& storage);

  std::string device_;
  std::string key_;
  std::unique_ptr<MqttClient> client_;
  StorageService* storage_;
  std::unique_ptr<UplinkService> uplink_;
  bool started_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace dlmsgw::gateway
