// The gateway core end to end, in one process: a real mosquitto, the ThingsBoard emulator and a
// synthetic connector on one io_context, storage on its own thread.

#include "gateway/gateway_service.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "gateway/storage/memory_queue.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "support/gateway_test_options.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"
#include "support/synthetic_connector.hpp"
#include "support/thingsboard_emulator.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;
using test::SyntheticConnector;

using test::run_until;

GatewayOptions options_for(const test::MosquittoBroker& broker) {
  return test::gateway_options_for(broker);
}

// Per device: the seq numbers in arrival order.
std::map<std::string, std::vector<std::int64_t>> sequences(const test::ThingsBoardEmulator& tb) {
  std::map<std::string, std::vector<std::int64_t>> result;
  for (const auto& [device, items] : tb.telemetry()) {
    for (const auto& item : items)
      result[device].push_back(item.values.at("seq").get<std::int64_t>());
  }
  return result;
}

using test::check_complete_and_ordered;

struct Fixture {
  explicit Fixture(bool persistent_broker = false, const std::string& acl = {})
      : broker(test::MosquittoBroker::Transport::plain, "gateway-token", "tb-test-password",
               persistent_broker, acl) {}

  void start(GatewayOptions options, std::unique_ptr<RecordQueue> queue = nullptr) {
    if (!queue) queue = std::make_unique<MemoryQueue>();
    storage = std::make_unique<StorageService>(std::move(queue), io.get_executor());
    auto created = GatewayService::create(io, *storage, std::move(options));
    ASSERT_TRUE(created) << created.error().message;
    gateway = std::move(*created);
    auto owned = std::make_unique<SyntheticConnector>(
        "Synthetic", std::vector<std::string>{"Meter 1", "Meter 2", "Meter 3"});
    connector = owned.get();
    ASSERT_TRUE(gateway->add_connector(std::move(owned)));
    gateway->start();
    ASSERT_TRUE(run_until(io, [&] { return gateway->mqtt().connected() && tb.connected(); }))
        << broker.log();
  }

  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  std::unique_ptr<StorageService> storage;
  std::unique_ptr<GatewayService> gateway;
  SyntheticConnector* connector = nullptr;
};

TEST(GatewayService, ReadingsFlowEndToEndInOrderWithDeviceConnectsFirst) {
  Fixture f;
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connected(); }));
  f.start(options_for(f.broker));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  constexpr int kCount = 500;
  for (int seq = 0; seq < kCount; ++seq) {
    for (const char* device : {"Meter 1", "Meter 2", "Meter 3"}) {
      ASSERT_TRUE(f.connector->emit(device, seq));
    }
  }
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry_count() >= 3 * kCount; }))
      << f.tb.telemetry_count();
  ASSERT_TRUE(run_until(f.io, [&] {
    return f.gateway->uplink_counters().records_sent == 3U * kCount &&
           f.storage->stats().records == 0;
  }));
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
  const auto seqs = sequences(f.tb);
  ASSERT_EQ(seqs.size(), 3U);
  for (const auto& [device, values] : seqs) {
    EXPECT_EQ(check_complete_and_ordered(values, kCount, device), 0U);
  }
  EXPECT_EQ(f.tb.connects_for("Meter 1"), 1U);
  EXPECT_EQ(f.tb.connects().front().value("type", ""), "Synthetic Meter");
  EXPECT_EQ(f.tb.session_limit_requests(), 1U);
  EXPECT_EQ(f.gateway->uplink_counters().records_sent, 3U * kCount);
  EXPECT_EQ(f.gateway->readings_stored(), 3U * kCount);
  // The values survive the trip unchanged.
  const auto& first = f.tb.telemetry().at("Meter 2").front();
  EXPECT_EQ(first.ts, SyntheticConnector::kBaseTs);
  EXPECT_EQ(first.values, (nlohmann::json{{"seq", 0}, {"voltage", 230.0}}));
  f.gateway->stop();
}

TEST(GatewayService, AttributesAndUndeclaredDevicesAreDelivered) {
  Fixture f;
  f.start(options_for(f.broker));
  ASSERT_TRUE(
      f.connector->sink()->submit(AttributeSet{"Meter 1", {{"serial", std::string("X1")}}}));
  // Never declared: announced with the default type before its data.
  ASSERT_TRUE(f.connector->emit("Meter 9", 0));
  ASSERT_TRUE(run_until(
      f.io, [&] { return !f.tb.attributes().empty() && f.tb.telemetry().count("Meter 9") == 1; }));
  EXPECT_EQ(f.tb.attributes().front(), (nlohmann::json{{"Meter 1", {{"serial", "X1"}}}}));
  EXPECT_EQ(f.tb.connects_for("Meter 9"), 1U);
  EXPECT_TRUE(f.tb.violations().empty());
  f.connector->sink()->device_disconnected("Meter 9");
  ASSERT_TRUE(run_until(f.io, [&] { return !f.tb.disconnects().empty(); }));
  EXPECT_EQ(f.tb.disconnects().front().value("device", ""), "Meter 9");
  EXPECT_EQ(f.gateway->registry().find("Meter 9"), nullptr);
}

TEST(GatewayService, RpcRoundTripsAndErrorRepliesNeverSilence) {
  Fixture f;
  f.start(options_for(f.broker));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  // The subscription of the gateway is in place once its connects went out (same connection).
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 2", 41, "echo", {{"x", 1}}));
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 2", 42, "reboot"));
  ASSERT_TRUE(f.tb.send_device_rpc("No Such Meter", 43, "echo"));
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 1", 44, "fail"));
  ASSERT_TRUE(run_until(f.io, [&] {
    return f.tb.device_reply(41) && f.tb.device_reply(42) && f.tb.device_reply(43) &&
           f.tb.device_reply(44);
  }));
  EXPECT_EQ(*f.tb.device_reply(41),
            (nlohmann::json{{"device", "Meter 2"},
                            {"id", 41},
                            {"data", {{"device", "Meter 2"}, {"params", {{"x", 1}}}}}}));
  EXPECT_NE(f.tb.device_reply(42)->at("data").at("error").get<std::string>().find("reboot"),
            std::string::npos);
  EXPECT_NE(f.tb.device_reply(43)->at("data").at("error").get<std::string>().find("not served"),
            std::string::npos);
  EXPECT_EQ(f.tb.device_reply(44)->at("data").at("error"), "meter did not answer");

  ASSERT_TRUE(f.tb.send_shared_attributes("Meter 3", {{"pollPeriod", 5000}}));
  ASSERT_TRUE(run_until(f.io, [&] { return !f.connector->attribute_updates.empty(); }));
  EXPECT_EQ(f.connector->attribute_updates.front().first, "Meter 3");
  EXPECT_EQ(f.connector->attribute_updates.front().second, (nlohmann::json{{"pollPeriod", 5000}}));

  ASSERT_TRUE(f.tb.send_gateway_rpc(7, "gateway_ping"));
  ASSERT_TRUE(f.tb.send_gateway_rpc(8, "gateway_devices"));
  ASSERT_TRUE(f.tb.send_gateway_rpc(9, "gateway_version"));
  ASSERT_TRUE(f.tb.send_gateway_rpc(10, "gateway_stats"));
  ASSERT_TRUE(f.tb.send_gateway_rpc(11, "gateway_selfdestruct"));
  ASSERT_TRUE(f.tb.send_gateway_rpc(12, "gateway_restart"));
  ASSERT_TRUE(run_until(f.io, [&] {
    for (int id = 7; id <= 12; ++id) {
      if (!f.tb.gateway_reply(id)) return false;
    }
    return true;
  }));
  // The shapes the ThingsBoard IoT Gateway answers with (the platform's widgets read them).
  EXPECT_EQ(*f.tb.gateway_reply(7), (nlohmann::json{{"code", 200}, {"resp", "pong"}}));
  EXPECT_EQ(f.tb.gateway_reply(8)->at("code"), 200);
  EXPECT_EQ(f.tb.gateway_reply(8)->at("resp").at("Meter 1"), "Synthetic");
  EXPECT_TRUE(f.tb.gateway_reply(9)->at("resp").contains("current_version"));
  EXPECT_TRUE(f.tb.gateway_reply(10)->contains("readingsSent"));
  EXPECT_EQ(f.tb.gateway_reply(11)->at("code"), 404);
  EXPECT_NE(f.tb.gateway_reply(11)->at("error").get<std::string>().find("gateway_selfdestruct"),
            std::string::npos);
  EXPECT_TRUE(f.tb.gateway_reply(12)->contains("error"));  // no on_shutdown given
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

// A platform (or anyone who can publish on its topics) flooding malformed RPCs gets error replies
// only up to a rate: the gateway must not answer a flood with a flood of its own. Valid requests
// are still answered.
TEST(GatewayService, AFloodOfMalformedRpcsGetsErrorRepliesOnlyUpToARate) {
  Fixture f;
  f.start(options_for(f.broker));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  constexpr int kFlood = 300;
  for (int id = 1000; id < 1000 + kFlood; ++id) {
    ASSERT_TRUE(f.tb.send_raw("v1/gateway/rpc", R"({"device":"Meter 2","data":{"id":)" +
                                                    std::to_string(id) + R"(,"method":5}})"));
  }
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 2", 2000, "echo"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.device_reply(2000).has_value(); }));
  std::size_t answered = 0;
  for (int id = 1000; id < 1000 + kFlood; ++id) answered += f.tb.device_reply_count(id);
  EXPECT_GE(answered, 1U);
  EXPECT_LE(answered, GatewayService::kMalformedRpcRepliesPerMinute);
  EXPECT_EQ(f.gateway->statistics().value("malformedMessages", 0), kFlood);
}

// Readings still queued when the platform renames their device go to the new name: under the
// old one ThingsBoard would create a second device.
TEST(GatewayService, ReadingsQueuedBeforeARenameArriveUnderTheNewName) {
  Fixture f;
  auto options = options_for(f.broker);
  options.uplink.limits.telemetry_messages = *RateLimit::parse("1:2");  // holds the queue back
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(f.connector->emit("Meter 1", 0));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry().count("Meter 1") == 1; }));
  ASSERT_TRUE(f.connector->emit("Meter 1", 1));
  // Seq 1 is taken into a batch that waits for the rate limit; seq 2 stays in storage.
  (void)run_until(
      f.io, [] { return false; }, 300ms);
  ASSERT_TRUE(f.connector->emit("Meter 1", 2));
  ASSERT_TRUE(f.tb.send_gateway_rpc(31, "gateway_device_renamed", {{"Meter 1", "Kitchen"}}));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.gateway_reply(31).has_value(); }));
  EXPECT_EQ(*f.tb.gateway_reply(31), (nlohmann::json{{"success", true}}));
  // Seq 2 was still in storage at the rename: it goes to the new name. Seq 1 may already be in
  // the batch taken from storage and waiting for the rate limit, encoded with the old name: that
  // one batch keeps it. Nothing is lost or sent twice.
  ASSERT_TRUE(run_until(f.io, [&] {
    const auto seqs = sequences(f.tb);
    return seqs.count("Kitchen") != 0 && seqs.at("Kitchen").back() == 2;
  })) << nlohmann::json(sequences(f.tb)).dump();
  auto seqs = sequences(f.tb);
  std::vector<std::int64_t> all = seqs["Meter 1"];
  all.insert(all.end(), seqs["Kitchen"].begin(), seqs["Kitchen"].end());
  EXPECT_EQ(all, (std::vector<std::int64_t>{0, 1, 2})) << nlohmann::json(seqs).dump();
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

TEST(GatewayService, ARpcTheConnectorNeverAnswersGetsATimeoutErrorReplyOnce) {
  Fixture f;
  auto options = options_for(f.broker);
  options.rpc_timeout = 300ms;
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 2", 51, "hold"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.device_reply(51).has_value(); }));
  EXPECT_EQ(f.tb.device_reply(51)->at("data").at("error"),
            "device 'Meter 2': no answer from connector 'Synthetic' within 300 ms");
  // The late answer is dropped: the next reply on the connection is the one to RPC 52.
  ASSERT_EQ(f.connector->held_replies.size(), 1U);
  f.connector->held_replies.front()(nlohmann::json{{"late", true}});
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 2", 52, "echo"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.device_reply(52).has_value(); }));
  EXPECT_EQ(f.tb.device_reply_count(51), 1U);
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

TEST(GatewayService, AConnectorGetsSharedAndClientAttributesFromThePlatform) {
  Fixture f;
  auto options = options_for(f.broker);
  options.rpc_timeout = 500ms;
  f.tb.shared_attributes["Meter 1"] = {{"pollPeriod", 5000}, {"tariff", "T1"}};
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(
      f.connector->sink()->submit(AttributeSet{"Meter 1", {{"serial", std::string("X1")}}}));
  ASSERT_TRUE(run_until(f.io, [&] { return !f.tb.attributes().empty(); }));

  std::map<std::string, Expected<nlohmann::json>> results;
  const auto keep = [&](std::string name) {
    return [&results, name](Expected<nlohmann::json> result) {
      results.emplace(name, std::move(result));
    };
  };
  auto* sink = f.connector->sink();
  sink->request_attributes("Meter 1", {"pollPeriod", "tariff", "missing"}, false, keep("shared"));
  sink->request_attributes("Meter 1", {"pollPeriod"}, false, keep("one"));
  sink->request_attributes("Meter 1", {"serial"}, true, keep("client"));
  sink->request_attributes("Meter 1", {"nothing"}, false, keep("none"));
  EXPECT_TRUE(results.empty());  // never from inside the call
  ASSERT_TRUE(run_until(f.io, [&] { return results.size() == 4; }));
  ASSERT_TRUE(results.at("shared")) << results.at("shared").error().message;
  EXPECT_EQ(*results.at("shared"), (nlohmann::json{{"pollPeriod", 5000}, {"tariff", "T1"}}));
  EXPECT_EQ(*results.at("one"), (nlohmann::json{{"pollPeriod", 5000}}));
  EXPECT_EQ(*results.at("client"), (nlohmann::json{{"serial", "X1"}}));
  EXPECT_EQ(*results.at("none"), nlohmann::json::object());
  ASSERT_EQ(f.tb.attribute_requests().size(), 4U);
  EXPECT_EQ(f.tb.attribute_requests()[1].at("key"), "pollPeriod");
  EXPECT_EQ(f.tb.attribute_requests()[2].at("client"), true);

  // A platform that does not answer: the connector still hears back, with an error.
  f.tb.answer_attribute_requests = false;
  std::optional<Expected<nlohmann::json>> late;
  sink->request_attributes("Meter 2", {"pollPeriod"}, false,
                           [&](Expected<nlohmann::json> result) { late = std::move(result); });
  ASSERT_TRUE(run_until(f.io, [&] { return late.has_value(); }));
  ASSERT_FALSE(*late);
  EXPECT_NE(late->error().message.find("no answer from ThingsBoard"), std::string::npos)
      << late->error().message;
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

TEST(GatewayService, AConnectorClaimsADeviceUnderItsPlatformNameOnlyWhileConnected) {
  Fixture f;
  f.start(options_for(f.broker));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(f.tb.send_gateway_rpc(1, "gateway_device_renamed", {{"Meter 1", "Kitchen"}}));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.gateway_reply(1).has_value(); }));

  auto* sink = f.connector->sink();
  ASSERT_TRUE(sink->claim("Meter 1", "s3cret", 60s));
  ASSERT_TRUE(run_until(f.io, [&] { return !f.tb.claims().empty(); }));
  EXPECT_EQ(f.tb.claims().front(),
            (nlohmann::json{{"Kitchen", {{"secretKey", "s3cret"}, {"durationMs", 60000}}}}));

  // Not connected: an error the connector can act on, and nothing sent later from storage.
  f.broker.stop();
  ASSERT_TRUE(run_until(f.io, [&] { return !f.gateway->mqtt().connected(); }));
  const auto refused = sink->claim("Meter 2", "other", 1s);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not connected"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(f.tb.claims().size(), 1U);
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

TEST(GatewayService, PlatformRenameAndDeleteAreFollowed) {
  Fixture f;
  testing::TempDirectory dir;
  auto options = options_for(f.broker);
  options.registry_file = dir.path() / "devices.json";
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(f.tb.send_gateway_rpc(1, "gateway_device_renamed", {{"Meter 1", "Kitchen"}}));
  ASSERT_TRUE(f.tb.send_gateway_rpc(2, "gateway_device_deleted", "Meter 3"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.gateway_reply(1) && f.tb.gateway_reply(2); }));
  EXPECT_EQ(f.tb.gateway_reply(1)->at("success"), true);
  EXPECT_EQ(f.tb.gateway_reply(2)->at("success"), true);
  // The connector still says "Meter 1"; the platform gets "Kitchen".
  ASSERT_TRUE(f.connector->emit("Meter 1", 0));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry().count("Kitchen") == 1; }));
  EXPECT_EQ(f.tb.telemetry().count("Meter 1"), 0U);
  // RPCs to the new name reach the connector under its own name.
  ASSERT_TRUE(f.tb.send_device_rpc("Kitchen", 5, "echo"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.device_reply(5).has_value(); }));
  EXPECT_EQ(f.tb.device_reply(5)->at("data").at("device"), "Meter 1");
  // Persisted (in the background: wait for it).
  ASSERT_TRUE(f.gateway->registry().flush());
  auto reopened = DeviceRegistry::open(dir.path() / "devices.json");
  ASSERT_TRUE(reopened);
  ASSERT_NE(reopened->find("Kitchen"), nullptr);
  EXPECT_EQ(reopened->find("Kitchen")->local_name, "Meter 1");
  EXPECT_EQ(reopened->find("Meter 3"), nullptr);
}

TEST(GatewayService, BrokerRestartedWhileReadingsFlowLosesNothingAndKeepsOrder) {
  Fixture f(/*persistent_broker=*/true);
  auto options = options_for(f.broker);
  // Below the 3,000 readings a device sends, so that the duplicates' bound can fail.
  options.uplink.max_in_flight_records = 1000;
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  constexpr int kCount = 3000;
  int next = 0;
  const auto emit_some = [&](int n) {
    for (int i = 0; i < n && next < kCount; ++i, ++next) {
      for (const char* device : {"Meter 1", "Meter 2"})
        ASSERT_TRUE(f.connector->emit(device, next));
    }
  };
  emit_some(1000);
  f.io.restart();
  f.io.run_for(20ms);  // some in flight
  f.broker.stop();
  emit_some(1000);  // stored while the broker is down
  ASSERT_TRUE(run_until(f.io, [&] { return !f.gateway->mqtt().connected(); }));
  f.io.restart();
  f.io.run_for(300ms);
  ASSERT_TRUE(f.broker.start());
  emit_some(1000);
  ASSERT_TRUE(run_until(
      f.io,
      [&] {
        const auto seqs = sequences(f.tb);
        if (seqs.size() < 2) return false;
        for (const auto& [device, values] : seqs) {
          if (std::set<std::int64_t>(values.begin(), values.end()).size() < kCount) return false;
        }
        return true;
      },
      40s))
      << f.tb.telemetry_count();
  for (const auto& [device, values] : sequences(f.tb)) {
    const auto duplicates = check_complete_and_ordered(values, kCount, device);
    // At most the window in flight when the broker stopped: its records bound, then one batch.
    EXPECT_LE(duplicates, options.uplink.max_in_flight_records + options.uplink.max_batch_records)
        << device;
  }
  EXPECT_GE(f.gateway->reconnects(), 1U);
  // Devices are announced again after the reconnect.
  EXPECT_GE(f.tb.connects_for("Meter 3"), 2U);
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

// The uplink keeps a window of batches in flight. Here it is full (the broker frozen: PUBLISHes
// accepted by the kernel, no PUBACK) when the broker dies; after the restart every reading
// arrives, in order per device, and at most the window is sent twice.
TEST(GatewayService, BrokerDyingWithTheWindowFullLosesNothingAndKeepsOrder) {
  Fixture f(/*persistent_broker=*/true);
  auto options = options_for(f.broker);
  options.uplink.max_batch_records = 10;  // one message per batch: many batches in the window
  options.uplink.max_batches_in_flight = 8;
  options.uplink.max_in_flight_messages = 8;
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  constexpr int kCount = 600;
  int next = 0;
  const auto emit_some = [&](int n) {
    for (int i = 0; i < n && next < kCount; ++i, ++next) {
      for (const char* device : {"Meter 1", "Meter 2"})
        ASSERT_TRUE(f.connector->emit(device, next));
    }
  };
  emit_some(100);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry_count() >= 200; }));
  ASSERT_TRUE(f.broker.pause());
  emit_some(300);
  ASSERT_TRUE(run_until(f.io,
                        [&] {
                          const auto window = f.gateway->uplink_in_flight();
                          return window.batches == 8 && window.messages == 8;
                        }))
      << f.gateway->uplink_in_flight().batches << " batches, "
      << f.gateway->uplink_in_flight().messages << " messages in flight";
  f.broker.stop();
  ASSERT_TRUE(run_until(f.io, [&] { return !f.gateway->mqtt().connected(); }));
  emit_some(100);  // stored while the broker is down
  ASSERT_TRUE(f.broker.start());
  emit_some(100);
  ASSERT_TRUE(run_until(
      f.io,
      [&] {
        const auto seqs = sequences(f.tb);
        if (seqs.size() < 2) return false;
        for (const auto& [device, values] : seqs) {
          if (std::set<std::int64_t>(values.begin(), values.end()).size() < kCount) return false;
        }
        return true;
      },
      40s))
      << f.tb.telemetry_count();
  for (const auto& [device, values] : sequences(f.tb)) {
    const auto duplicates = check_complete_and_ordered(values, kCount, device);
    EXPECT_LE(duplicates, 8U * 10U) << device;
  }
  EXPECT_GE(f.gateway->reconnects(), 1U);
}

// The window is bounded by its records' bytes too (large records): with the broker frozen it
// fills up to the bound, plus at most the one record a read always returns, and stays there.
TEST(GatewayService, TheWindowStopsReadingAtItsBytesBound) {
  Fixture f(/*persistent_broker=*/true);
  auto options = options_for(f.broker);
  options.uplink.max_batch_records = 5;
  options.uplink.max_in_flight_bytes = 2000;
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(f.broker.pause());
  for (int seq = 0; seq < 500; ++seq) ASSERT_TRUE(f.connector->emit("Meter 1", seq));
  std::uint64_t one_record = 0;
  ASSERT_TRUE(run_until(f.io, [&] {
    const auto window = f.gateway->uplink_in_flight();
    one_record = window.batches > 0 ? window.bytes / window.batches / 5 : 0;
    return one_record > 0 && window.bytes + one_record >= 2000;
  })) << f.gateway->uplink_in_flight().bytes << " bytes in flight";
  f.io.restart();
  f.io.run_for(300ms);  // nothing more is read while the window is full
  const auto window = f.gateway->uplink_in_flight();
  EXPECT_LE(window.bytes, 2000 + 2 * one_record) << window.batches << " batches";
  EXPECT_LT(window.batches * 5, 500U) << "the bytes, not the records, bound the window";
  ASSERT_TRUE(f.broker.resume());
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->uplink_counters().records_sent >= 500; }))
      << f.gateway->uplink_counters().records_sent;
}

// A broker that stops answering while connected: the PUBACK timeout abandons the window, and the
// client drops those messages (a reconnect) instead of keeping them queued while the uplink
// publishes the records again: each timeout used to add another copy of the window to
// libmosquitto's queue, all delivered once the broker woke up.
TEST(GatewayService, MessagesAbandonedAfterAPubackTimeoutAreNotPiledUp) {
  Fixture f(/*persistent_broker=*/true);
  auto options = options_for(f.broker);
  options.uplink.puback_timeout = 200ms;
  options.uplink.retry_delay = 50ms;
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(f.broker.pause());
  constexpr int kCount = 50;
  for (int seq = 0; seq < kCount; ++seq) ASSERT_TRUE(f.connector->emit("Meter 1", seq));
  f.io.restart();
  f.io.run_for(2s);  // about ten PUBACK timeouts' worth
  const auto abandoned = f.gateway->uplink_counters().batches_abandoned;
  ASSERT_TRUE(f.broker.resume());
  ASSERT_TRUE(run_until(f.io, [&] {
    return f.gateway->uplink_counters().records_sent >= kCount && f.tb.telemetry_count() >= kCount;
  })) << f.tb.telemetry_count();
  f.io.restart();
  f.io.run_for(500ms);  // late copies, if any
  EXPECT_GE(abandoned, 1U);
  const auto seqs = sequences(f.tb).at("Meter 1");
  check_complete_and_ordered(seqs, kCount, "Meter 1");
  std::map<std::int64_t, int> copies;
  for (const auto seq : seqs) ++copies[seq];
  for (const auto& [seq, n] : copies) {
    // The copy sent before the broker froze, and the one sent again from storage after the
    // reconnect.
    EXPECT_LE(n, 2) << "reading " << seq << " arrived " << n << " times";
  }
}

TEST(GatewayService, PublishesStatisticsAsGatewayTelemetry) {
  Fixture f;
  auto options = options_for(f.broker);
  options.statistics = true;
  options.statistics_period = 200ms;
  f.start(options);
  ASSERT_TRUE(f.connector->emit("Meter 1", 0));
  ASSERT_TRUE(run_until(f.io, [&] {
    return !f.tb.gateway_telemetry().empty() &&
           f.tb.gateway_telemetry().back().value("readingsSent", 0) == 1;
  }));
  const auto& stats = f.tb.gateway_telemetry().back();
  EXPECT_EQ(stats.value("readingsStored", 0), 1);
  EXPECT_EQ(stats.value("queueDepth", -1), 0);
  EXPECT_EQ(stats.value("connector.Synthetic.readings", 0), 1);
  EXPECT_GT(stats.value("memoryRssBytes", 0), 0);
  EXPECT_TRUE(stats.contains("cpuSeconds"));
  EXPECT_TRUE(stats.contains("reconnects"));
  // What ThingsBoard's gateway dashboard reads, with the Python gateway's keys.
  EXPECT_TRUE(stats.at("machineStats").contains("totalCpuUsage")) << stats.dump();
  EXPECT_TRUE(stats.at("machineStats").contains("freeDisk")) << stats.dump();
  EXPECT_TRUE(stats.at("serviceStats").contains("storageMsgCount")) << stats.dump();
  EXPECT_TRUE(stats.at("connectorsStats").at("Synthetic").contains("connectorMsgsReceived"))
      << stats.dump();
  // Error counts go out when they change: the first report has them.
  EXPECT_EQ(f.tb.gateway_telemetry().front().value("ALL_ERRORS_COUNT", -1), 0);
  EXPECT_EQ(f.tb.gateway_telemetry().front().value("Synthetic_ERRORS_COUNT", -1), 0);
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

// A 463-byte statistics message went out whole although maxPayloadSizeBytes was 256.
TEST(GatewayService, StatisticsAreSplitUnderTheMessageLimit) {
  Fixture f;
  auto options = options_for(f.broker);
  options.statistics = true;
  options.statistics_period = 200ms;
  options.uplink.limits.max_payload_bytes = 256;
  f.start(options);
  ASSERT_TRUE(f.connector->emit("Meter 1", 0));
  nlohmann::json merged = nlohmann::json::object();
  ASSERT_TRUE(run_until(f.io, [&] {
    merged = nlohmann::json::object();
    for (const auto& message : f.tb.gateway_telemetry()) merged.update(message);
    return merged.value("readingsSent", 0) == 1 && merged.contains("memoryRssBytes");
  }));
  EXPECT_GT(merged.dump().size(), 256U);
  for (const auto& message : f.tb.gateway_telemetry()) {
    EXPECT_LE(message.dump().size(), 256U) << message.dump();
  }
  EXPECT_TRUE(merged.contains("connector.Synthetic.readings"));
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

// A client attribute over maxPayloadSizeBytes alone (a connector file with thousands of meters)
// is not sent, at connect or when replaced; the others are, and one that fits again goes out.
TEST(GatewayService, ClientAttributesOverTheMessageLimitAreNotSentTheOthersAre) {
  Fixture f;
  auto options = options_for(f.broker);
  options.uplink.limits.max_payload_bytes = 256;
  options.client_attributes = {{"small", 1}, {"big", std::string(300, 'x')}};
  f.start(options);
  const auto& attributes = f.tb.gateway_attributes();
  ASSERT_TRUE(run_until(f.io, [&] { return attributes.contains("small"); }));
  EXPECT_FALSE(attributes.contains("big")) << attributes.dump();
  f.gateway->update_client_attributes({{"small", std::string(300, 'y')}, {"other", 2}});
  ASSERT_TRUE(run_until(f.io, [&] { return attributes.contains("other"); }));
  EXPECT_EQ(attributes["small"], 1) << attributes.dump();
  f.gateway->update_client_attributes({{"big", "fits now"}});
  ASSERT_TRUE(run_until(f.io, [&] { return attributes.contains("big"); }));
  EXPECT_EQ(attributes["big"], "fits now");
  for (const auto& payload : f.tb.gateway_attribute_payloads()) {
    EXPECT_LE(payload.size(), 256U) << payload.substr(0, 100);
  }
}

// A connector attribute left unbuilt for its size (platform_attributes: a file over the limit) is
// never sent, at connect or as an update, whatever size it names; the others are.
TEST(GatewayService, UnbuiltClientAttributesAreNeverSent) {
  Fixture f;
  auto options = options_for(f.broker);
  options.uplink.limits.max_payload_bytes = 256;
  options.client_attributes = {{"small", 1}, {"DLMS", unsendable_attribute(70000000)}};
  f.start(options);
  const auto& attributes = f.tb.gateway_attributes();
  ASSERT_TRUE(run_until(f.io, [&] { return attributes.contains("small"); }));
  EXPECT_FALSE(attributes.contains("DLMS")) << attributes.dump();
  // Even one naming a size under the limit: it holds no configuration to show.
  f.gateway->update_client_attributes({{"DLMS", unsendable_attribute(10)}, {"other", 2}});
  ASSERT_TRUE(run_until(f.io, [&] { return attributes.contains("other"); }));
  EXPECT_FALSE(attributes.contains("DLMS")) << attributes.dump();
  f.gateway->update_client_attributes({{"DLMS", {{"configurationJson", {{"devices", 0}}}}}});
  ASSERT_TRUE(run_until(f.io, [&] { return attributes.contains("DLMS"); }));
  EXPECT_EQ(attributes["DLMS"]["configurationJson"]["devices"], 0);
}

TEST(GatewayService, RateLimitsFromThePlatformSlowTheUplinkWithoutLosingData) {
  Fixture f;
  f.tb.session_limits = nlohmann::json{{"maxPayloadSize", 400},
                                       {"rateLimits", {{"telemetryMessages", "5:1"}}},
                                       {"gatewayRateLimits", {{"messages", "20:1"}}}};
  f.start(options_for(f.broker));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.session_limit_requests() == 1; }));
  // Readings do not wait for the answer: emitted before it applies, they would all go out under
  // the configured limits (one message), which is what the next test is about.
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->uplink_limits().max_payload_bytes == 400; }));
  for (int seq = 0; seq < 40; ++seq) ASSERT_TRUE(f.connector->emit("Meter 1", seq));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry_count() >= 40; }));
  // The last PUBACK and the removal from storage may come after the emulator saw the data.
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->uplink_counters().records_sent == 40; }));
  EXPECT_GT(f.gateway->uplink_counters().rate_limited, 0U);
  EXPECT_EQ(f.gateway->uplink_counters().messages_sent > 5, true);
  check_complete_and_ordered(sequences(f.tb).at("Meter 1"), 40, "Meter 1");
}

// Announcements go out under the gateway's message limit (issue 15, item 7): thousands of known
// devices announced at once after a reconnect would break the platform's limits.
TEST(GatewayService, DeviceAnnouncementsArePacedByTheMessageLimit) {
  Fixture f;
  auto options = options_for(f.broker);
  auto five_a_second = RateLimit::parse("5:1");
  ASSERT_TRUE(five_a_second);
  options.uplink.limits.messages = *five_a_second;
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  // New devices are announced at once (their telemetry must find them typed)...
  constexpr std::size_t kDevices = 23;
  for (std::size_t i = 3; i < kDevices; ++i) {
    f.connector->sink()->device_connected("Paced " + std::to_string(i), "Paced Meter");
  }
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.tb.connects().size() >= kDevices; }, 20s));
  // ...and after a reconnect, every known one again, paced.
  const auto before = f.tb.connects().size();
  f.broker.stop();
  ASSERT_TRUE(run_until(f.io, [&] { return !f.gateway->mqtt().connected(); }));
  ASSERT_TRUE(f.broker.start());
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.tb.connects().size() > before; }, 20s));
  f.io.restart();
  f.io.run_for(200ms);
  EXPECT_LE(f.tb.connects().size() - before, 5U + 2U) << "announced all at once";
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.tb.connects().size() >= before + kDevices; }, 20s))
      << f.tb.connects().size() - before;
  ASSERT_TRUE(f.connector->emit("Paced 19", 0));
  ASSERT_TRUE(run_until(f.io, [&] { return sequences(f.tb).count("Paced 19") != 0; }));
}

// The first readings after a connect do not wait for getSessionLimits (a plain broker never
// answers, a busy platform answers late): they flow under the configured limits, and the
// platform's limits apply from its answer on.
TEST(GatewayService, ReadingsFlowWhileGetSessionLimitsIsUnansweredAndItsLimitsApplyWhenItComes) {
  Fixture f;
  f.tb.session_limits = nlohmann::json{{"maxPayloadSize", 400},
                                       {"rateLimits", {{"telemetryMessages", "5:1"}}},
                                       {"gatewayRateLimits", {{"messages", "20:1"}}}};
  f.tb.answer_session_limits_after_telemetry = true;
  auto options = options_for(f.broker);
  options.uplink.session_limits_wait = 120s;  // far longer than the test may wait
  f.start(options);
  ASSERT_TRUE(f.connector->emit("Meter 1", 0));
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.tb.telemetry_count() == 1; }, 20s))
      << "the first reading waited for getSessionLimits";
  EXPECT_EQ(f.tb.telemetry_before_session_limits(), 1U);
  ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->uplink_limits().max_payload_bytes == 400; }));
  for (int seq = 1; seq < 20; ++seq) ASSERT_TRUE(f.connector->emit("Meter 1", seq));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry_count() >= 20; }));
  check_complete_and_ordered(sequences(f.tb).at("Meter 1"), 20, "Meter 1");
}

TEST(GatewayService, UnsendableRecordsAreDroppedAndCountedNotBlockingTheQueue) {
  Fixture f;
  f.start(options_for(f.broker));
  ASSERT_TRUE(f.storage->append({Record{RecordKind::telemetry, "Meter 1", Timestamp{}, "oops"}}));
  ASSERT_TRUE(f.connector->emit("Meter 1", 0));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry_count() == 1; }));
  ASSERT_TRUE(run_until(f.io, [&] { return f.storage->stats().records == 0; }));
  EXPECT_EQ(f.gateway->uplink_counters().records_rejected, 1U);
  EXPECT_EQ(f.gateway->statistics().value("readingsDropped", 0), 1);
}

// mosquitto answers a PUBLISH its ACL denies with PUBACK 0x87 (not authorized) to an MQTT 5
// client, as ThingsBoard does for a message it will never accept: here every client-attribute
// message is refused, telemetry is not. (mosquitto 2.0.11 then also closes the connection; with
// other messages still unread it resets it, and the PUBACK may be lost with it: so the refused
// messages are sent alone here, and the connection comes back each time.)
TEST(GatewayService, MessagesRefusedForGoodAreSetAsideAndTheQueueKeepsFlowing) {
  const std::string acl =
      "user gateway-token\n"
      "topic read #\n"
      "topic readwrite v1/gateway/telemetry\n"
      "topic readwrite v1/gateway/connect\n"
      "topic readwrite v1/gateway/disconnect\n"
      "topic readwrite v1/gateway/rpc\n"
      "topic readwrite v1/gateway/attributes/request\n"  // not /#: that matches the parent too
      "topic readwrite v1/gateway/attributes/response\n"
      "topic readwrite v1/devices/me/#\n";
  Fixture f(false, acl);
  auto options = options_for(f.broker);
  options.mqtt.version = MqttVersion::v5;
  // The devices' connectorType/connectorName would be refused too, sent with the connects, and
  // re-sent by libmosquitto after every reset: this test is about stored records.
  options.connector_attributes = false;
  options.uplink.retry_delay = 100ms;
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  const auto& counters = f.gateway->uplink_counters();
  const auto refuse_one = [&](int n) {
    ASSERT_TRUE(f.connector->sink()->submit(
        AttributeSet{"Meter 2", {{"serial", std::string("S") + std::to_string(n)}}}));
    ASSERT_TRUE(run_until(f.io, [&] {
      return counters.records_refused == static_cast<std::uint64_t>(n) &&
             f.storage->stats().records == 0;
    })) << counters.records_refused;
  };
  refuse_one(1);
  for (int seq = 0; seq < 30; ++seq) ASSERT_TRUE(f.connector->emit("Meter 1", seq));
  ASSERT_TRUE(run_until(
      f.io, [&] { return counters.records_sent == 30 && f.storage->stats().records == 0; }))
      << counters.records_sent << " sent, " << counters.records_refused << " refused";
  refuse_one(2);
  // A PUBACK to the gateway does not mean the emulator's copy has arrived yet.
  ASSERT_TRUE(run_until(f.io, [&] {
    const auto seqs = sequences(f.tb);
    return seqs.count("Meter 1") != 0 && seqs.at("Meter 1").size() >= 30;
  }));
  check_complete_and_ordered(sequences(f.tb).at("Meter 1"), 30, "Meter 1");
  EXPECT_TRUE(f.tb.attributes().empty());
  EXPECT_EQ(counters.records_sent, 30U);
  EXPECT_NE(counters.last_refusal.find("0x87"), std::string::npos) << counters.last_refusal;
  const auto stats = f.gateway->statistics();
  EXPECT_EQ(stats.value("readingsRefused", 0), 2);
  // Kept as dead letters (issue 15, item 3), not dropped.
  EXPECT_EQ(stats.value("readingsDropped", -1), 0);
  EXPECT_EQ(stats.value("deadLetterRecords", 0), 2);
  EXPECT_EQ(f.storage->stats().dead_letter_records, 2U);
  EXPECT_NE(stats.value("lastRefusal", std::string()).find("authori"), std::string::npos)
      << stats.dump();
}

TEST(GatewayService, GatewayRestartRepliesThenAsksForARestartExit) {
  Fixture f;
  auto options = options_for(f.broker);
  std::optional<int> exit_code;
  options.on_shutdown = [&](int code) { exit_code = code; };
  f.start(options);
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects().size() >= 3; }));
  ASSERT_TRUE(f.tb.send_gateway_rpc(3, "gateway_restart"));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.gateway_reply(3) && exit_code; }));
  EXPECT_EQ(f.tb.gateway_reply(3)->at("success"), true);
  EXPECT_EQ(*exit_code, kRestartExitCode);
}

TEST(GatewayService, DevicesAreAnnouncedAgainAfterARestartFromTheRegistry) {
  testing::TempDirectory dir;
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  auto options = options_for(broker);
  options.registry_file = dir.path() / "devices.json";
  {
    StorageService storage(std::make_unique<MemoryQueue>(), io.get_executor());
    auto gateway = GatewayService::create(io, storage, options);
    ASSERT_TRUE(gateway);
    ASSERT_TRUE((*gateway)->add_connector(
        std::make_unique<SyntheticConnector>("Synthetic", std::vector<std::string>{"Meter 7"})));
    (*gateway)->start();
    ASSERT_TRUE(run_until(io, [&] { return tb.connects_for("Meter 7") == 1; }));
    (*gateway)->stop();
  }
  // Restarted with a connector that has not declared anything yet: the registry announces it.
  StorageService storage(std::make_unique<MemoryQueue>(), io.get_executor());
  auto gateway = GatewayService::create(io, storage, options);
  ASSERT_TRUE(gateway);
  ASSERT_TRUE((*gateway)->add_connector(
      std::make_unique<SyntheticConnector>("Synthetic", std::vector<std::string>{})));
  (*gateway)->start();
  ASSERT_TRUE(run_until(io, [&] { return tb.connects_for("Meter 7") == 2; }));
  ASSERT_TRUE(tb.send_device_rpc("Meter 7", 1, "echo"));
  ASSERT_TRUE(run_until(io, [&] { return tb.device_reply(1).has_value(); }));
  EXPECT_FALSE(tb.device_reply(1)->at("data").contains("error"));
}

}  // namespace
}  // namespace dlmsgw::gateway
