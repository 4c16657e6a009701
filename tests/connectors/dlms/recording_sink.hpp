#pragma once
// RecordingSink: the GatewaySink the connector tests give a DlmsConnector: it keeps everything the
// connector hands the core, in order, and has no platform behind it (attribute requests and claims
// fail).

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/connector.hpp"

namespace dlmsgw::connectors::dlms::connector_test {

class RecordingSink final : public gateway::GatewaySink {
 public:
  Expected<void> submit(gateway::Reading reading) override {
    if (refuse && refuse(reading)) {
      return make_error(ErrorCode::rejected, "storage refuses the reading (test)");
    }
    readings.push_back(std::move(reading));
    return {};
  }
  // A poll's readings join `readings`; `poll_sizes` says how many came in each poll.
  Expected<void> submit_poll(std::vector<gateway::Reading> poll) override {
    poll_sizes.push_back(poll.size());
    for (auto& reading : poll) readings.push_back(std::move(reading));
    return {};
  }
  Expected<void> submit(gateway::AttributeSet attributes) override {
    attribute_sets.push_back(std::move(attributes));
    return {};
  }
  // Everything is "stored" at once here; `done` still comes later, as the contract says.
  void when_stored(std::string_view, std::function<void(Expected<void>)> done) override {
    if (executor) {
      asio::post(*executor, [done = std::move(done)] { done({}); });
    } else {
      pending_stored.push_back(std::move(done));
    }
  }
  void device_connected(std::string_view device, std::string_view type) override {
    connected.emplace_back(device, type);
  }
  void device_disconnected(std::string_view device) override { disconnected.emplace_back(device); }
  void request_attributes(std::string_view, std::vector<std::string>, bool,
                          std::function<void(Expected<nlohmann::json>)> done) override {
    done(make_error(ErrorCode::unsupported, "no platform in this test"));
  }
  void device_uses_own_token(std::string_view device, std::string access_token) override {
    own_tokens.emplace_back(device, std::move(access_token));
  }
  Expected<void> claim(std::string_view, std::string_view, std::chrono::milliseconds) override {
    return make_error(ErrorCode::unsupported, "no platform in this test");
  }

  // Every value of `key` in arrival order, with its ts.
  [[nodiscard]] std::vector<std::pair<gateway::Timestamp, gateway::TelemetryValue>> values_of(
      const std::string& key) const {
    std::vector<std::pair<gateway::Timestamp, gateway::TelemetryValue>> found;
    for (const auto& reading : readings) {
      for (const auto& point : reading.values) {
        if (point.key == key) found.emplace_back(reading.ts, point.value);
      }
    }
    return found;
  }
  [[nodiscard]] std::optional<gateway::TelemetryValue> attribute(const std::string& key) const {
    std::optional<gateway::TelemetryValue> last;
    for (const auto& set : attribute_sets) {
      for (const auto& point : set.values) {
        if (point.key == key) last = point.value;
      }
    }
    return last;
  }

  // True: the reading is refused as a full storage would refuse it (not recorded).
  std::function<bool(const gateway::Reading&)> refuse;
  std::optional<asio::any_io_executor> executor;                    // where when_stored completes
  std::vector<std::function<void(Expected<void>)>> pending_stored;  // without an executor
  std::vector<gateway::Reading> readings;
  std::vector<std::size_t> poll_sizes;  // readings per submit_poll, in order
  std::vector<gateway::AttributeSet> attribute_sets;
  std::vector<std::pair<std::string, std::string>> connected;
  std::vector<std::string> disconnected;
  std::vector<std::pair<std::string, std::string>> own_tokens;  // device_uses_own_token
};

}  // namespace dlmsgw::connectors::dlms::connector_test
