#include "gateway/direct_device_uplink.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>

#include "gateway/component_logger.hpp"

namespace dlmsgw::gateway {
namespace {

// This file's log lines belong to the "uplink" component (tb_gateway.yaml logging.levels).
std::shared_ptr<spdlog::logger> log() {
  return component_logger("uplink");
}

}  // namespace

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
  return options;
}

Expected<std::unique_ptr<DirectDeviceUplink>> DirectDeviceUplink::create(
    asio::io_context& io, std::string device, MqttOptions mqtt, UplinkOptions uplink,
    std::unique_ptr<RecordQueue> queue) {
  mqtt.max_in_flight = in_flight_bound(uplink);
  DLMSGW_TRY_ASSIGN(auto client, MqttClient::create(io, std::move(mqtt)));
  uplink.api = UplinkApi::device;
  return std::unique_ptr<DirectDeviceUplink>(new DirectDeviceUplink(
      io, std::move(device), std::move(client), std::move(uplink), std::move(queue)));
}

DirectDeviceUplink::DirectDeviceUplink(asio::io_context& io, std::string device,
                                       std::unique_ptr<MqttClient> client, UplinkOptions uplink,
                                       std::unique_ptr<RecordQueue> queue)
    : device_(std::move(device)), client_(std::move(client)) {
  StorageServiceOptions storage_options;
  storage_options.on_error = [device = device_](const Error& error) {
    log()->error("storage of device '{}': {}", device, error.message);
  };
  storage_options.on_dropped = [device = device_](std::uint64_t now, std::uint64_t total) {
    log()->warn(
        "storage of device '{}': {} oldest records dropped for the storage limits ({} in "
        "total)",
        device, now, total);
  };
  storage_ = std::make_unique<StorageService>(std::move(queue), io.get_executor(),
                                              std::move(storage_options));
  uplink_ = std::make_unique<UplinkService>(io, *storage_, *client_, std::move(uplink));
}

DirectDeviceUplink::~DirectDeviceUplink() {
  *alive_ = false;
  if (!uplink_) return;  // retired
  stop();
  uplink_.reset();  // before storage, whose completions it would receive
  client_.reset();
  storage_->stop();
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
      log()->warn("device '{}': {}", device_, outcome.error().message);
    }
  });
  client_->on_refused([this](const Error& error) {
    log()->error("device '{}' (own token): {}", device_, error.message);
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

std::unique_ptr<RecordQueue> DirectDeviceUplink::retire() {
  stop();
  uplink_.reset();  // before storage, whose completions it would receive
  client_.reset();
  return storage_->release_queue();
}

void DirectDeviceUplink::take_over(std::unique_ptr<RecordQueue> retired) {
  storage_->async_take_over(
      std::shared_ptr<RecordQueue>(std::move(retired)), nullptr,
      [this, device = device_, alive = alive_](Expected<std::uint64_t> moved) {
        if (!*alive) return;
        if (!moved) {
          log()->error("device '{}': taking over a retired queue: {}", device,
                       moved.error().message);
        } else if (uplink_) {
          uplink_->notify();
        }
      });
}

Expected<void> DirectDeviceUplink::submit(std::vector<Record> records) {
  DLMSGW_TRY(storage_->append(std::move(records)));
  uplink_->notify();
  return {};
}

}  // namespace dlmsgw::gateway
