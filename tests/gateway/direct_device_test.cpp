// Migration (issue 6): a device that publishes with its own ThingsBoard device token on the device
// API, next to devices that go through the gateway, end to end on a real mosquitto.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <sstream>

#include "gateway/config/gateway_config.hpp"
#include "gateway/gateway_service.hpp"
#include "gateway/storage/direct_store.hpp"
#include "gateway/storage/memory_queue.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "support/gateway_test_options.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"
#include "support/thingsboard_emulator.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;

constexpr const char* kOwnToken = "meter-2-token";
constexpr std::int64_t kBaseTs = 1700000000000;

using test::run_until;

// "Meter 1" goes through the gateway, "Meter 2" publishes with its own token.
class MigrationConnector final : public Connector {
 public:
  // `own_token_device`: the name the device with kOwnToken has (a reload may rename it).
  explicit MigrationConnector(std::string own_token_device = "Meter 2")
      : own_token_device_(std::move(own_token_device)) {}
  [[nodiscard]] std::string_view name() const override { return "Migration"; }
  void start(GatewaySink& sink) override {
    sink_ = &sink;
    sink.device_connected("Meter 1", "Gateway Meter");
    sink.device_uses_own_token(own_token_device_, kOwnToken);
  }
  void stop() override { sink_ = nullptr; }
  void handle_rpc(RpcRequest, RpcReply reply) override {
    reply(make_error(ErrorCode::unsupported, "none"));
  }
  void handle_attribute_update(std::string_view, const nlohmann::json&) override {}

  bool emit(const std::string& device, std::int64_t seq) {
    if (sink_ == nullptr) return false;
    Reading reading{device, Timestamp{std::chrono::milliseconds(kBaseTs + seq)}, {{"seq", seq}}};
    return sink_->submit(std::move(reading)).has_value();
  }
  bool attributes(const std::string& device, std::string firmware) {
    if (sink_ == nullptr) return false;
    return sink_->submit(AttributeSet{device, {{"firmware", std::move(firmware)}}}).has_value();
  }
  [[nodiscard]] GatewaySink* sink() const { return sink_; }

 private:
  std::string own_token_device_;
  GatewaySink* sink_ = nullptr;
};

// What arrives on the device API (v1/devices/me/...), as ThingsBoard would see it for the device
// whose token the publisher used. A persistent session, so that nothing published while it is
// away (broker restarting) is missed.
class DeviceApiListener {
 public:
  DeviceApiListener(asio::io_context& io, const test::MosquittoBroker& broker) {
    MqttOptions options;
    options.port = broker.port();
    options.username = broker.user();
    options.password = broker.password();
    options.client_id = "device-api-listener-" + std::to_string(::getpid());
    options.clean_session = false;
    options.keepalive = 10s;
    options.reconnect_min = 50ms;
    options.reconnect_max = 300ms;
    auto client = MqttClient::create(io, options);
    if (!client) throw std::runtime_error(client.error().message);
    client_ = std::move(*client);
    client_->on_message([this](std::string_view topic, std::string_view payload) {
      const auto message = nlohmann::json::parse(payload, nullptr, false);
      if (topic == "v1/devices/me/telemetry") {
        if (!message.is_array()) {
          violations.push_back("telemetry is not an array: " + std::string(payload));
          return;
        }
        for (const auto& item : message) {
          if (!item.is_object() || item.size() != 2 || !item.contains("ts") ||
              !item.contains("values") || !item["values"].is_object()) {
            violations.push_back("record is not {ts, values}: " + item.dump());
            continue;
          }
          seqs.push_back(item["values"].at("seq").get<std::int64_t>());
        }
      } else if (topic == "v1/devices/me/attributes") {
        // The gateway publishes its own machine facts on the same topic of the same broker.
        if (!message.contains("cpuCount")) attributes.push_back(message);
      }
    });
    (void)client_->subscribe("v1/devices/me/#");
    client_->start();
  }
  [[nodiscard]] bool connected() const { return client_->connected(); }
  [[nodiscard]] std::size_t distinct() const {
    return std::set<std::int64_t>(seqs.begin(), seqs.end()).size();
  }

  std::vector<std::int64_t> seqs;
  std::vector<nlohmann::json> attributes;
  std::vector<std::string> violations;

 private:
  std::unique_ptr<MqttClient> client_;
};

// The emulator takes v1/devices/me/telemetry for the gateway's own statistics (an object): the
// device's arrays there are expected, anything else is a real violation.
std::vector<std::string> gateway_violations(const test::ThingsBoardEmulator& tb) {
  std::vector<std::string> result;
  for (const auto& violation : tb.violations()) {
    if (violation.rfind("v1/devices/me/telemetry: not an object", 0) != 0) {
      result.push_back(violation);
    }
  }
  return result;
}

std::vector<std::int64_t> gateway_seqs(const test::ThingsBoardEmulator& tb,
                                       const std::string& device) {
  std::vector<std::int64_t> result;
  const auto found = tb.telemetry().find(device);
  if (found == tb.telemetry().end()) return result;
  for (const auto& item : found->second)
    result.push_back(item.values.at("seq").get<std::int64_t>());
  return result;
}

using test::check_complete_and_ordered;

// Lines of the broker's log containing every one of `needles`.
std::size_t log_lines_with(const test::MosquittoBroker& broker,
                           const std::vector<std::string>& needles) {
  std::istringstream log(broker.log());
  std::size_t count = 0;
  for (std::string line; std::getline(log, line);) {
    bool all = true;
    for (const auto& needle : needles) all = all && line.find(needle) != std::string::npos;
    if (all) ++count;
  }
  return count;
}

struct DirectFixture {
  DirectFixture()
      : broker(test::MosquittoBroker::Transport::plain, "gateway-token", "tb-test-password",
               /*persistent=*/true) {
    // mosquitto needs a password for every user (see MosquittoBroker): the device token gets one.
    broker.add_user(kOwnToken, broker.password());
    if (!broker.restart()) throw std::runtime_error("broker restart failed");
  }

  GatewayOptions options() {
    auto options = test::gateway_options_for(broker);
    options.direct_mqtt = [this, base = options.mqtt](std::string_view device,
                                                      std::string_view token) {
      auto own = direct_device_mqtt_options(base, device, token);
      own.password = broker.password();
      return own;
    };
    return options;
  }

  void start(const GatewayOptions& gateway_options) {
    // Subscribed before anything is published: their sessions do not exist on a fresh broker yet.
    ASSERT_TRUE(run_until(io, [&] { return tb.connected() && listener.connected(); }));
    storage = std::make_unique<StorageService>(std::make_unique<MemoryQueue>(), io.get_executor());
    auto created = GatewayService::create(io, *storage, gateway_options);
    ASSERT_TRUE(created) << created.error().message;
    gateway = std::move(*created);
    auto owned = std::make_unique<MigrationConnector>();
    connector = owned.get();
    ASSERT_TRUE(gateway->add_connector(std::move(owned)));
    gateway->start();
    ASSERT_NE(gateway->direct_device("Meter 2"), nullptr);
    ASSERT_TRUE(run_until(io, [&] {
      return gateway->mqtt().connected() && gateway->direct_device("Meter 2")->mqtt().connected() &&
             tb.connected() && listener.connected();
    })) << broker.log();
  }

  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  DeviceApiListener listener{io, broker};
  std::unique_ptr<StorageService> storage;
  std::unique_ptr<GatewayService> gateway;
  MigrationConnector* connector = nullptr;
};

TEST(DirectDevice, ADeviceWithItsOwnTokenPublishesAsItselfNextToGatewayDevices) {
  DirectFixture f;
  f.start(f.options());
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects_for("Meter 1") >= 1; }));
  constexpr int kCount = 100;
  for (int seq = 0; seq < kCount; ++seq) {
    ASSERT_TRUE(f.connector->emit("Meter 1", seq));
    ASSERT_TRUE(f.connector->emit("Meter 2", seq));
  }
  ASSERT_TRUE(f.connector->attributes("Meter 2", "1.2"));
  ASSERT_TRUE(run_until(f.io, [&] {
    return gateway_seqs(f.tb, "Meter 1").size() >= kCount && f.listener.distinct() >= kCount &&
           !f.listener.attributes.empty();
  })) << f.listener.seqs.size();
  auto* direct = f.gateway->direct_device("Meter 2");
  ASSERT_TRUE(run_until(f.io, [&] {
    return direct->counters().records_sent == kCount + 1 &&
           f.gateway->direct_store_stats().records == 0;
  }));

  // Meter 1 through the gateway, Meter 2 never: no connect, no gateway telemetry, no registry.
  EXPECT_EQ(check_complete_and_ordered(gateway_seqs(f.tb, "Meter 1"), kCount, "Meter 1"), 0U);
  EXPECT_EQ(f.tb.connects_for("Meter 2"), 0U);
  EXPECT_EQ(f.tb.telemetry().count("Meter 2"), 0U);
  EXPECT_EQ(f.gateway->registry().find("Meter 2"), nullptr);
  // Meter 2 on the device API, in order, with its values and ts.
  EXPECT_EQ(check_complete_and_ordered(f.listener.seqs, kCount, "Meter 2"), 0U);
  ASSERT_EQ(f.listener.attributes.size(), 1U);
  EXPECT_EQ(f.listener.attributes[0], (nlohmann::json{{"firmware", "1.2"}}));
  EXPECT_TRUE(f.listener.violations.empty()) << f.listener.violations.front();
  const auto violations = gateway_violations(f.tb);
  EXPECT_TRUE(violations.empty()) << violations.front();

  // Published by a client that logged in with the device's token, not by the gateway.
  const std::string client_id =
      "dlmsgw-" + device_file_stem(direct_store_key("Migration", "Meter 2"));
  EXPECT_GE(log_lines_with(f.broker, {"as " + client_id, "u'" + std::string(kOwnToken) + "'"}), 1U)
      << f.broker.log();
  EXPECT_GE(
      log_lines_with(f.broker, {"Received PUBLISH from " + client_id, "'v1/devices/me/telemetry'"}),
      1U);
  EXPECT_GE(log_lines_with(f.broker,
                           {"Received PUBLISH from " + client_id, "'v1/devices/me/attributes'"}),
            1U);
  EXPECT_EQ(log_lines_with(f.broker, {"Received PUBLISH from " + client_id, "'v1/gateway/"}), 0U);
  EXPECT_EQ(log_lines_with(f.broker, {"Received PUBLISH from gateway-under-test",
                                      "'v1/devices/me/telemetry'"}),
            0U);
  // No getSessionLimits from the device's connection: only the gateway asks.
  EXPECT_EQ(f.tb.session_limit_requests(), 1U);
  const auto stats = f.gateway->statistics();
  EXPECT_EQ(stats.at("direct.Meter 2.readingsSent"), kCount + 1);
  EXPECT_EQ(stats.at("connector.Migration.readings"), 2 * kCount);

  // It claims itself on the device API, over its own connection.
  ASSERT_TRUE(f.connector->sink()->claim("Meter 2", "k2", std::chrono::minutes(2)));
  ASSERT_TRUE(run_until(f.io, [&] { return !f.tb.device_claims().empty(); }));
  EXPECT_EQ(f.tb.device_claims().front(),
            (nlohmann::json{{"secretKey", "k2"}, {"durationMs", 120000}}));
  EXPECT_TRUE(f.tb.claims().empty());
  EXPECT_EQ(
      log_lines_with(f.broker, {"Received PUBLISH from " + client_id, "'v1/devices/me/claim'"}),
      1U);
}

TEST(DirectDevice, BrokerOutageLosesNothingForADeviceWithItsOwnToken) {
  DirectFixture f;
  const auto options = f.options();
  f.start(options);
  constexpr int kCount = 1500;
  int next = 0;
  const auto emit_some = [&](int n) {
    for (int i = 0; i < n && next < kCount; ++i, ++next) {
      ASSERT_TRUE(f.connector->emit("Meter 1", next));
      ASSERT_TRUE(f.connector->emit("Meter 2", next));
    }
  };
  emit_some(500);
  f.io.restart();
  f.io.run_for(20ms);  // some in flight
  f.broker.stop();
  emit_some(500);  // stored while the broker is down
  auto* direct = f.gateway->direct_device("Meter 2");
  ASSERT_TRUE(run_until(f.io, [&] { return !direct->mqtt().connected(); }));
  f.io.restart();
  f.io.run_for(300ms);
  ASSERT_TRUE(f.broker.start());
  emit_some(500);
  ASSERT_TRUE(run_until(
      f.io,
      [&] {
        const auto meter1 = gateway_seqs(f.tb, "Meter 1");
        return f.listener.distinct() >= kCount &&
               std::set<std::int64_t>(meter1.begin(), meter1.end()).size() >= kCount;
      },
      60s))
      << f.listener.distinct() << " " << gateway_seqs(f.tb, "Meter 1").size();
  // The storage thread publishes its count before the uplink hears that the removal is done, so
  // wait for both.
  ASSERT_TRUE(run_until(f.io, [&] {
    return f.gateway->direct_store_stats().records == 0 &&
           direct->counters().records_sent >= static_cast<std::uint64_t>(kCount);
  })) << direct->counters().records_sent;
  // Duplicates come from two places: the device's window in flight, re-sent once after the
  // reconnect, and the broker re-delivering to the listener everything whose PUBACK from the
  // listener it had not read when it stopped (it can be a whole burst), so only a sanity bound
  // here. That each record left the device's queue exactly once is records_sent below.
  // New readings arrive in order across the outage: on reconnect the uplink waits for the PUBACKs
  // of what libmosquitto re-sends before publishing the rest of the window.
  EXPECT_LT(check_complete_and_ordered(f.listener.seqs, kCount, "Meter 2"),
            static_cast<std::size_t>(kCount));
  EXPECT_LT(check_complete_and_ordered(gateway_seqs(f.tb, "Meter 1"), kCount, "Meter 1"),
            static_cast<std::size_t>(kCount));
  EXPECT_EQ(direct->counters().records_sent, static_cast<std::uint64_t>(kCount));
  EXPECT_GE(
      log_lines_with(f.broker,
                     {"as dlmsgw-" + device_file_stem(direct_store_key("Migration", "Meter 2")),
                      "u'" + std::string(kOwnToken) + "'"}),
      1U);
  EXPECT_TRUE(f.listener.violations.empty()) << f.listener.violations.front();
}

// Reloads (issue 15, item 4): a connector re-declares its devices after SIGHUP; a changed or
// removed deviceToken takes effect then, and what the old identity still held is not lost.
constexpr const char* kRotatedToken = "meter-2-rotated-token";

std::size_t connects_as(const test::MosquittoBroker& broker, const std::string& token) {
  return log_lines_with(broker, {"New client connected", "u'" + token + "'"});
}

TEST(DirectDevice, ATokenChangedOnReloadTakesEffectAndTheQueueFollowsTheDevice) {
  DirectFixture f;
  f.broker.add_user(kRotatedToken, f.broker.password());
  ASSERT_TRUE(f.broker.reload());
  f.start(f.options());
  for (int seq = 0; seq < 20; ++seq) ASSERT_TRUE(f.connector->emit("Meter 2", seq));
  ASSERT_TRUE(run_until(f.io, [&] { return f.listener.distinct() >= 20; }));
  // Readings stored while the broker is down, then the reload with the new token.
  f.broker.stop();
  auto* old_direct = f.gateway->direct_device("Meter 2");
  ASSERT_TRUE(run_until(f.io, [&] { return !old_direct->mqtt().connected(); }));
  for (int seq = 20; seq < 40; ++seq) ASSERT_TRUE(f.connector->emit("Meter 2", seq));
  f.connector->sink()->device_uses_own_token("Meter 2", kRotatedToken);
  for (int seq = 40; seq < 60; ++seq) ASSERT_TRUE(f.connector->emit("Meter 2", seq));
  const auto old_connects = connects_as(f.broker, kOwnToken);
  ASSERT_TRUE(f.broker.start());
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.listener.distinct() >= 60; }, 20s))
      << f.listener.distinct();
  auto* direct = f.gateway->direct_device("Meter 2");
  ASSERT_NE(direct, nullptr);
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->direct_store_stats().records == 0; }));
  f.io.restart();
  f.io.run_for(500ms);  // an old connection still alive would reconnect in this time
  EXPECT_GE(connects_as(f.broker, kRotatedToken), 1U) << f.broker.log();
  EXPECT_EQ(connects_as(f.broker, kOwnToken), old_connects) << f.broker.log();
  EXPECT_LT(check_complete_and_ordered(f.listener.seqs, 60, "Meter 2"), 60U);
  EXPECT_TRUE(gateway_seqs(f.tb, "Meter 2").empty());
}

TEST(DirectDevice, ATokenRemovedOnReloadMakesItAGatewayChildAndItsQueueMoves) {
  DirectFixture f;
  f.start(f.options());
  f.broker.stop();
  auto* old_direct = f.gateway->direct_device("Meter 2");
  ASSERT_TRUE(run_until(f.io, [&] { return !old_direct->mqtt().connected(); }));
  for (int seq = 0; seq < 30; ++seq) ASSERT_TRUE(f.connector->emit("Meter 2", seq));
  // The reload: the device is declared as a gateway child now.
  f.connector->sink()->device_connected("Meter 2", "Gateway Meter");
  EXPECT_EQ(f.gateway->direct_device("Meter 2"), nullptr);
  for (int seq = 30; seq < 60; ++seq) ASSERT_TRUE(f.connector->emit("Meter 2", seq));
  const auto old_connects = connects_as(f.broker, kOwnToken);
  ASSERT_TRUE(f.broker.start());
  ASSERT_TRUE(run_until(
      f.io,
      [&] {
        const auto seqs = gateway_seqs(f.tb, "Meter 2");
        return std::set<std::int64_t>(seqs.begin(), seqs.end()).size() >= 60;
      },
      20s))
      << gateway_seqs(f.tb, "Meter 2").size();
  EXPECT_GE(f.tb.connects_for("Meter 2"), 1U);
  f.io.restart();
  f.io.run_for(500ms);
  EXPECT_EQ(connects_as(f.broker, kOwnToken), old_connects) << f.broker.log();
  EXPECT_TRUE(f.listener.seqs.empty());
  EXPECT_EQ(f.gateway->statistics().value("readingsDropped", -1), 0);
}

// Scale (issue 15, item 8): devices with their own token share one store, one storage thread.

// Declares each (device, token) as a device with its own token (an empty token: a gateway child).
class ManyTokensConnector final : public Connector {
 public:
  explicit ManyTokensConnector(std::vector<std::pair<std::string, std::string>> devices,
                               std::string name = "Many Tokens")
      : devices_(std::move(devices)), name_(std::move(name)) {}
  [[nodiscard]] std::string_view name() const override { return name_; }
  void start(GatewaySink& sink) override {
    sink_ = &sink;
    for (const auto& [device, token] : devices_) {
      if (token.empty()) {
        sink.device_connected(device, "Gateway Meter");
      } else {
        sink.device_uses_own_token(device, token);
      }
    }
  }
  void stop() override { sink_ = nullptr; }
  void handle_rpc(RpcRequest, RpcReply reply) override {
    reply(make_error(ErrorCode::unsupported, "none"));
  }
  void handle_attribute_update(std::string_view, const nlohmann::json&) override {}
  bool emit(const std::string& device, std::int64_t seq) {
    if (sink_ == nullptr) return false;
    Reading reading{device, Timestamp{std::chrono::milliseconds(kBaseTs + seq)}, {{"seq", seq}}};
    return sink_->submit(std::move(reading)).has_value();
  }

 private:
  std::vector<std::pair<std::string, std::string>> devices_;
  std::string name_;
  GatewaySink* sink_ = nullptr;
};

std::size_t process_threads() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    ++count;
  }
  return count;
}

TEST(DirectDevice, FiftyDevicesWithTheirOwnTokenShareOneStorageThread) {
  DirectFixture f;
  constexpr int kDevices = 50;
  constexpr int kReadings = 4;
  std::vector<std::pair<std::string, std::string>> devices;
  for (int i = 0; i < kDevices; ++i) {
    devices.emplace_back("Own " + std::to_string(i), "own-token-" + std::to_string(i));
    f.broker.add_user(devices.back().second, f.broker.password());
  }
  ASSERT_TRUE(f.broker.reload());
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connected() && f.listener.connected(); }));
  const std::size_t threads_before = process_threads();
  StorageService storage(std::make_unique<MemoryQueue>(), f.io.get_executor());
  auto created = GatewayService::create(f.io, storage, f.options());
  ASSERT_TRUE(created) << created.error().message;
  auto gateway = std::move(*created);
  auto owned = std::make_unique<ManyTokensConnector>(devices);
  auto* connector = owned.get();
  ASSERT_TRUE(gateway->add_connector(std::move(owned)));
  gateway->start();
  ASSERT_TRUE(run_until(
      f.io,
      [&] {
        for (const auto& [device, token] : devices) {
          auto* direct = gateway->direct_device(device);
          if (direct == nullptr || !direct->mqtt().connected()) return false;
        }
        return true;
      },
      30s));
  // The gateway's storage thread and the one shared by the 50 devices (one each before: 50 more),
  // with room for a helper thread a library may start.
  const std::size_t threads = process_threads();
  EXPECT_LE(threads, threads_before + 5) << threads_before << " -> " << threads;
  for (int n = 0; n < kReadings; ++n) {
    for (int i = 0; i < kDevices; ++i) {
      ASSERT_TRUE(connector->emit(devices[static_cast<std::size_t>(i)].first, i * 100 + n));
    }
  }
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.listener.distinct() >= std::size_t{kDevices * kReadings}; }, 30s))
      << f.listener.distinct();
  ASSERT_TRUE(run_until(f.io, [&] { return gateway->direct_store_stats().records == 0; }));
  EXPECT_TRUE(f.listener.violations.empty()) << f.listener.violations.front();
  gateway.reset();
}

TEST(DirectDevice, ATokenTheBrokerRefusesHoldsBackNoOtherDevice) {
  DirectFixture f;
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connected() && f.listener.connected(); }));
  StorageService storage(std::make_unique<MemoryQueue>(), f.io.get_executor());
  auto options = f.options();
  options.statistics = true;  // each device's queue depth is counted when they are sent
  options.statistics_period = 100ms;
  auto created = GatewayService::create(f.io, storage, options);
  ASSERT_TRUE(created) << created.error().message;
  auto gateway = std::move(*created);
  // "Meter 3"'s token is unknown to the broker: refused at CONNACK, its records wait.
  auto owned =
      std::make_unique<ManyTokensConnector>(std::vector<std::pair<std::string, std::string>>{
          {"Meter 3", "refused-token"}, {"Meter 2", kOwnToken}});
  auto* connector = owned.get();
  ASSERT_TRUE(gateway->add_connector(std::move(owned)));
  gateway->start();
  for (int seq = 0; seq < 30; ++seq) {
    ASSERT_TRUE(connector->emit("Meter 3", 1000 + seq));
    ASSERT_TRUE(connector->emit("Meter 2", seq));
  }
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.listener.distinct() >= 30; }, 20s))
      << f.listener.distinct();
  // Meter 2's records leave the shared store; Meter 3's stay, none lost, none sent.
  ASSERT_TRUE(run_until(f.io, [&] { return gateway->direct_store_stats().records == 30; }))
      << gateway->direct_store_stats().records;
  EXPECT_FALSE(gateway->direct_device("Meter 3")->mqtt().connected());
  ASSERT_TRUE(run_until(f.io, [&] {
    const auto stats = gateway->statistics();
    return stats.value("direct.Meter 3.queueDepth", -1) == 30 &&
           stats.value("direct.Meter 2.queueDepth", -1) == 0;
  })) << gateway->statistics().dump();
  EXPECT_LT(check_complete_and_ordered(f.listener.seqs, 30, "Meter 2"), 30U);
  for (const auto seq : f.listener.seqs) EXPECT_LT(seq, 1000);
  gateway.reset();
}

// Review 1.1 C: two connectors each with an own-token "Meter 1": each device's records are stored
// under its own key and sent by its own connection only. "Meter 1" of connector B has a token the
// broker refuses: none of its readings (seq >= 1000) may leave through A's connection.
TEST(DirectDevice, TwoConnectorsOwnTokenDevicesOfOneNameDoNotMix) {
  DirectFixture f;
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connected() && f.listener.connected(); }));
  StorageService storage(std::make_unique<MemoryQueue>(), f.io.get_executor());
  auto created = GatewayService::create(f.io, storage, f.options());
  ASSERT_TRUE(created) << created.error().message;
  auto gateway = std::move(*created);
  auto owned_a = std::make_unique<ManyTokensConnector>(
      std::vector<std::pair<std::string, std::string>>{{"Meter 1", kOwnToken}}, "A");
  auto owned_b = std::make_unique<ManyTokensConnector>(
      std::vector<std::pair<std::string, std::string>>{{"Meter 1", "refused-token"}}, "B");
  auto* a = owned_a.get();
  auto* b = owned_b.get();
  ASSERT_TRUE(gateway->add_connector(std::move(owned_a)));
  ASSERT_TRUE(gateway->add_connector(std::move(owned_b)));
  gateway->start();
  for (int seq = 0; seq < 30; ++seq) {
    ASSERT_TRUE(b->emit("Meter 1", 1000 + seq));
    ASSERT_TRUE(a->emit("Meter 1", seq));
  }
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.listener.distinct() >= 30; }, 20s))
      << f.listener.distinct();
  ASSERT_TRUE(run_until(f.io, [&] { return gateway->direct_store_stats().records == 30; }))
      << gateway->direct_store_stats().records;
  f.io.restart();
  f.io.run_for(300ms);  // a second reader of A's records would send B's in this time
  EXPECT_EQ(gateway->direct_store_stats().records, 30U);
  EXPECT_LT(check_complete_and_ordered(f.listener.seqs, 30, "Meter 1"), 30U);
  for (const auto seq : f.listener.seqs) EXPECT_LT(seq, 1000);
  gateway.reset();
}

// Review 1.2: a device's deviceToken removed while the gateway was stopped (or a move cut short):
// at the next start the sweep moves what the shared store holds for it to the gateway's queue.
TEST(DirectDevice, RecordsOfATokenRemovedWhileStoppedArriveThroughTheGatewayAfterRestart) {
  testing::TempDirectory dir;
  StorageConfig storage_config;
  storage_config.type = StorageType::sqlite;
  storage_config.data_file_path = dir.path() / "data" / "data.db";
  std::filesystem::create_directories(dir.path() / "data");
  DirectFixture f;
  auto options = f.options();
  options.direct_store = [storage_config] { return open_direct_store(storage_config); };
  {
    // First run: Meter 2 with its own token; the broker refuses nothing but is stopped, so its
    // readings stay stored.
    f.start(options);
    f.broker.stop();
    auto* direct = f.gateway->direct_device("Meter 2");
    ASSERT_TRUE(run_until(f.io, [&] { return !direct->mqtt().connected(); }));
    for (int seq = 0; seq < 30; ++seq) ASSERT_TRUE(f.connector->emit("Meter 2", seq));
    ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->direct_store_stats().records == 30; }));
    f.gateway->stop();
    f.gateway.reset();
    f.storage.reset();
  }
  ASSERT_TRUE(f.broker.start());
  // Second run: the configuration has no deviceToken for Meter 2 any more.
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connected(); }));
  StorageService storage(std::make_unique<MemoryQueue>(), f.io.get_executor());
  auto created = GatewayService::create(f.io, storage, options);
  ASSERT_TRUE(created) << created.error().message;
  auto gateway = std::move(*created);
  ASSERT_TRUE(gateway->add_connector(std::make_unique<ManyTokensConnector>(
      std::vector<std::pair<std::string, std::string>>{{"Meter 1", ""}, {"Meter 2", ""}},
      "Migration")));
  gateway->start();
  ASSERT_TRUE(run_until(
      f.io,
      [&] {
        const auto seqs = gateway_seqs(f.tb, "Meter 2");
        return std::set<std::int64_t>(seqs.begin(), seqs.end()).size() >= 30;
      },
      20s))
      << gateway_seqs(f.tb, "Meter 2").size();
  ASSERT_TRUE(run_until(f.io, [&] { return gateway->direct_store_stats().records == 0; }));
  EXPECT_LT(check_complete_and_ordered(gateway_seqs(f.tb, "Meter 2"), 30, "Meter 2"), 30U);
  gateway.reset();
}

// An upgrade from a version with one database file per device with its own token: the file's
// records are taken over into the shared store on its thread, its dead letters as dead letters,
// then the file is removed.
std::filesystem::path old_device_file(const std::filesystem::path& directory, int records,
                                      int dead_letters) {
  const auto file = directory / ("device-" + device_file_stem("Meter 2") + ".db");
  std::filesystem::create_directories(directory);
  auto old = SqliteQueue::open(file);
  if (!old) throw std::runtime_error(old.error().message);
  std::vector<Record> batch;
  for (int seq = 0; seq < records; ++seq) {
    batch.push_back(to_record(
        Reading{"Meter 2", Timestamp{std::chrono::milliseconds(kBaseTs + seq)}, {{"seq", seq}}},
        "Meter 2"));
  }
  if (!(*old)->append(std::move(batch))) throw std::runtime_error("append");
  auto first = (*old)->peek(static_cast<std::size_t>(dead_letters), UINT64_MAX);
  if (!first) throw std::runtime_error("peek");
  std::vector<RecordId> refused;
  for (const auto& stored : *first) refused.push_back(stored.id);
  if (!(*old)->set_aside(refused, "refused by the platform")) throw std::runtime_error("aside");
  return file;
}

TEST(DirectDevice, AnOlderVersionsPerDeviceFileIsTakenOverAtStartAndNothingIsLost) {
  testing::TempDirectory dir;
  StorageConfig storage_config;
  storage_config.type = StorageType::sqlite;
  storage_config.data_file_path = dir.path() / "data" / "data.db";
  const auto old_file = old_device_file(dir.path() / "data", 30, 1);
  DirectFixture f;
  auto options = f.options();
  options.direct_store = [storage_config] { return open_direct_store(storage_config); };
  options.direct_store_upgrade = [directory = dir.path() / "data"](RecordQueue& queue) {
    return take_over_device_files(queue, directory, 0);
  };
  f.start(options);
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.listener.distinct() >= 29; }, 20s))
      << f.listener.distinct();
  // The dead letter (seq 0) stays one: not sent, kept with its reason.
  EXPECT_EQ(std::set<std::int64_t>(f.listener.seqs.begin(), f.listener.seqs.end()).count(0), 0U);
  EXPECT_FALSE(std::filesystem::exists(old_file));
  EXPECT_FALSE(std::filesystem::exists(old_file.string() + "-wal"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "data" / kDirectStoreFileName));
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->direct_store_stats().records == 0; }));
  EXPECT_EQ(f.gateway->direct_store_stats().dead_letter_records, 1U);
  f.gateway.reset();
  auto shared = SqliteQueue::open(dir.path() / "data" / kDirectStoreFileName);
  ASSERT_TRUE(shared) << shared.error().message;
  auto letters = (*shared)->dead_letters(10);
  ASSERT_TRUE(letters && letters->size() == 1U);
  EXPECT_EQ(letters->front().reason, "refused by the platform");
}

// Review 1.3: the old files hold more than storage.max_records_count allows the shared store: the
// take-over would drop the oldest at once, so the files stay in place and nothing moves.
TEST(DirectDevice, OldFilesAboveTheRecordLimitAreKeptNotDropped) {
  testing::TempDirectory dir;
  const auto old_file = old_device_file(dir.path() / "data", 30, 0);
  MemoryQueue shared(QueueLimits{.max_records = 20});
  auto moved = take_over_device_files(shared, dir.path() / "data", 20);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*moved, 0U);
  EXPECT_TRUE(std::filesystem::exists(old_file));
  EXPECT_EQ(shared.stats().records, 0U);
  EXPECT_EQ(shared.stats().dropped_records, 0U);
  // Raised: all of them move, none dropped.
  MemoryQueue raised(QueueLimits{.max_records = 30});
  moved = take_over_device_files(raised, dir.path() / "data", 30);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(*moved, 30U);
  EXPECT_EQ(raised.stats().records, 30U);
  EXPECT_EQ(raised.stats().dropped_records, 0U);
  EXPECT_FALSE(std::filesystem::exists(old_file));
}

}  // namespace
}  // namespace dlmsgw::gateway

namespace dlmsgw::gateway {
namespace {

// A reload that renames a device and keeps its token (a valid configuration: still one token per
// device): the new name publishes with the token, as the device it is, and never becomes a gateway
// child (the old name's connection held the token: the first fix refused the new name).
TEST(DirectDevice, ADeviceRenamedOnReloadKeepsPublishingWithItsToken) {
  DirectFixture f;
  f.start(f.options());
  for (int seq = 0; seq < 10; ++seq) ASSERT_TRUE(f.connector->emit("Meter 2", seq));
  ASSERT_TRUE(run_until(f.io, [&] { return f.listener.distinct() >= 10; }));

  // The configuration after the reload: "Meter 2" renamed, its deviceToken kept.
  auto renamed = std::make_unique<MigrationConnector>("Meter 2 renamed");
  auto* connector = renamed.get();
  std::vector<std::unique_ptr<Connector>> replacement;
  replacement.push_back(std::move(renamed));
  ASSERT_TRUE(f.gateway->replace_connectors(std::move(replacement)));
  ASSERT_NE(f.gateway->direct_device("Meter 2 renamed"), nullptr);
  for (int seq = 10; seq < 30; ++seq) ASSERT_TRUE(connector->emit("Meter 2 renamed", seq));
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.listener.distinct() >= 30; }, 20s))
      << f.listener.distinct();
  EXPECT_EQ(f.tb.telemetry().count("Meter 2 renamed"), 0U);
  EXPECT_EQ(f.gateway->registry().find("Meter 2 renamed"), nullptr);
  EXPECT_EQ(f.gateway->direct_device("Meter 2"), nullptr);
}

}  // namespace
}  // namespace dlmsgw::gateway
