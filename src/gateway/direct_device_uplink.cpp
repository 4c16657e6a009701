#include "gateway/direct_device_uplink.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>

#include "gateway/component_logger.hpp"

namespace dlmsgw::gateway {
namespace {

// This file's log lines belong to the "uplink" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> direct_uplink_log() {
  return component_logger("uplink");
}

}  // namespace

namespace {
// Between connector and device name in a key: a control character, in neither name in practice.
constexpr char kKeySeparator = '\x1f';
}  // namespace

std::string direct_store_key(std::string_view connector, std::string_view device) {
  std::string key(connector);
  key += kKeySeparator;
  key += device;
  return key;
}

std::string_view direct_store_device(std::string_view key) {
  const auto separator = key.find(kKeySeparator);
  return separator == std::string_view::npos ? key : key.substr(separator + 1);
}

std::string device_file_stem(std::string_view device) {
  std::string stem;
  for (const char c : device) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_';
    stem += plain ? c : '_';
  }
  // FNV-1a: stable across builds and runs, unlike std::hash, so a file keeps its name.
  std::uint32_t hash = 2166136261U;
  for (const char c : device) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= 16777619U;
  }
  char suffix[10];
  std::snprintf(suffix, sizeof suffix, "-%08x", hash);
  return stem + suffix;
}

MqttOptions direct_device_mqtt_options(const MqttOptions& gateway, std::string_view device,
                                       std::string_view access_token) {
  MqttOptions options = gateway;
  options.username = std::string(access_token);
  options.password.reset();
  options.client_id = "dlmsgw-" + device_file_stem(device);
  options.clean_session = true;
  options.credentials_source = "deviceToken.accessToken of device '" + std::string(device) + "'";
  return options;
}

UplinkOptions direct_device_uplink_options(const UplinkOptions& gateway) {
  UplinkOptions options = gateway;
  options.api = UplinkApi::device;
  options.session_limits_wait = std::chrono::milliseconds::zero();
  options.limits.messages = RateLimit();
  options.limits.telemetry_messages = RateLimit();
  options.limits.telemetry_data_points = RateLimit();
  // One meter's uplink: a record per poll, so a window of a few batches keeps up (the gateway's
  // 64 batches / 8,000 records would be multiplied by hundreds of devices).
  options.max_batches_in_flight = std::min<std::size_t>(options.max_batches_in_flight, 2);
  options.max_in_flight_messages = std::min<std::size_t>(options.max_in_flight_messages, 8);
  options.max_in_flight_records = std::min<std::size_t>(options.max_in_flight_records, 200);
  options.max_batch_records = std::min<std::size_t>(options.max_batch_records, 100);
  // Stored records announce themselves (submit, take_over): the idle re-read is only a fallback,
  // and hundreds of them every 500 ms would keep the shared storage thread busy.
  options.idle_poll = std::max(options.idle_poll, std::chrono::milliseconds(5000));
  return options;
}

Expected<std::unique_ptr<DirectDeviceUplink>> DirectDeviceUplink::create(
    asio::io_context& io, std::string device, std::string key, MqttOptions mqtt,
    UplinkOptions uplink, StorageService& storage) {
  mqtt.max_in_flight = in_flight_bound(uplink);
  DLMSGW_TRY_ASSIGN(auto client, MqttClient::create(io, std::move(mqtt)));
  uplink.api = UplinkApi::device;
  uplink.storage_device = key;
  return std::unique_ptr<DirectDeviceUplink>(new DirectDeviceUplink(
      io, std::move(device), std::move(key), std::move(client), std::move(uplink), storage));
}

DirectDeviceUplink::DirectDeviceUplink(asio::io_context& io, std::string device, std::string key,
                                       std::unique_ptr<MqttClient> client, UplinkOptions uplink,
                                       StorageService& storage)
    : device_(std::move(device)),
      key_(std::move(key)),
      client_(std::move(client)),
      storage_(&storage) {
  uplink_ = std::make_unique<UplinkService>(io, *storage_, *client_, std::move(uplink));
}

DirectDeviceUplink::~DirectDeviceUplink() {
  *alive_ = false;
  stop();
  uplink_.reset();  // before the client it uses
  client_.reset();
}

void DirectDeviceUplink::start() {
  if (started_) return;
  started_ = true;
  client_->on_connection([this](bool connected) {
    if (connected) {
      uplink_->on_connected();
    } else {
      uplink_->on_disconnected();
    }
  });
  client_->on_publish([this](int mid, const Expected<void>& outcome) {
    if (!uplink_->on_puback(mid, outcome) && !outcome) {
      direct_uplink_log()->warn("device '{}': {}", device_, outcome.error().message);
    }
  });
  client_->on_refused([this](const Error& error) {
    direct_uplink_log()->error("device '{}' (own token): {}", device_, error.message);
  });
  client_->start();
  uplink_->start();
}

void DirectDeviceUplink::stop() {
  if (!started_) return;
  started_ = false;
  uplink_->stop();
  client_->stop();
}

Expected<void> DirectDeviceUplink::reconnect_with(const MqttOptions& options) {
  uplink_->restart_session("connection settings changed");
  return client_->reconnect_with(options);
}

Expected<void> DirectDeviceUplink::submit(std::vector<Record> records) {
  for (Record& record : records) record.device = key_;
  DLMSGW_TRY(storage_->append(std::move(records)));
  uplink_->notify();
  // And once committed: a read that ran before the commit (the shared thread commits one
  // transaction per round, for every device) would otherwise leave them for the idle re-read.
  storage_->async_flush([this, alive = alive_](const Expected<void>&) {
    if (*alive) uplink_->notify();
  });
  return {};
}

}  // namespace dlmsgw::gateway
