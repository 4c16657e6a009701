// GatewayService::replace_connectors, the core of `dlmsgw run`'s SIGHUP reload: a real mosquitto,
// the ThingsBoard emulator and synthetic connectors on one io_context, storage on its own thread.

#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "gateway/gateway_service.hpp"
#include "gateway/storage/memory_queue.hpp"
#include "support/gateway_test_options.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"
#include "support/synthetic_connector.hpp"
#include "support/thingsboard_emulator.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;
using test::SyntheticConnector;
using Names = std::vector<std::string>;

using test::run_until;

// Lets what is queued on the loop happen (messages that should NOT arrive get their chance).
void settle(asio::io_context& io) {
  io.restart();
  io.run_for(500ms);
}

std::set<std::string> disconnected(const test::ThingsBoardEmulator& tb) {
  std::set<std::string> names;
  for (const auto& message : tb.disconnects()) names.insert(message.value("device", ""));
  return names;
}

std::set<std::string> registered(const GatewayService& gateway) {
  std::set<std::string> names;
  for (const auto& entry : gateway.registry().devices()) names.insert(entry.name);
  return names;
}

std::vector<std::unique_ptr<Connector>> connectors(std::unique_ptr<SyntheticConnector> a,
                                                   std::unique_ptr<SyntheticConnector> b = {}) {
  std::vector<std::unique_ptr<Connector>> list;
  list.push_back(std::move(a));
  if (b) list.push_back(std::move(b));
  return list;
}

struct ReloadFixture {
  explicit ReloadFixture(bool persistent_broker = false)
      : broker(test::MosquittoBroker::Transport::plain, "gateway-token", "tb-test-password",
               persistent_broker) {}

  void start(Names devices = {"Meter 1", "Meter 2", "Meter 3"}) {
    auto options = test::gateway_options_for(broker);
    storage = std::make_unique<StorageService>(std::make_unique<MemoryQueue>(), io.get_executor());
    auto created = GatewayService::create(io, *storage, std::move(options));
    ASSERT_TRUE(created) << created.error().message;
    gateway = std::move(*created);
    auto owned = std::make_unique<SyntheticConnector>("Synthetic", devices);
    first = owned.get();
    ASSERT_TRUE(gateway->add_connector(std::move(owned)));
    ASSERT_TRUE(run_until(io, [&] { return tb.connected(); })) << broker.log();
    gateway->start();
    ASSERT_TRUE(run_until(io, [&] {
      return gateway->mqtt().connected() && tb.connects().size() >= devices.size();
    })) << broker.log();
  }

  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  std::unique_ptr<StorageService> storage;
  std::unique_ptr<GatewayService> gateway;
  SyntheticConnector* first = nullptr;
};

TEST(GatewayServiceReload, RemovedDevicesAreDisconnectedNewOnesConnectedKeptOnesLeftAlone) {
  ReloadFixture f;
  f.start();
  auto replacement = std::make_unique<SyntheticConnector>("Synthetic", Names{"Meter 2", "Meter 4"});
  auto* second = replacement.get();
  ASSERT_TRUE(f.gateway->replace_connectors(connectors(std::move(replacement))));
  // Still alive (destroyed later on the loop), and stopped.
  EXPECT_EQ(f.first->sink(), nullptr) << "the old connector was not stopped";
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.tb.disconnects().size() >= 2 && f.tb.connects_for("Meter 4") == 1; }));
  settle(f.io);
  EXPECT_EQ(disconnected(f.tb), (std::set<std::string>{"Meter 1", "Meter 3"}));
  EXPECT_EQ(f.tb.disconnects().size(), 2U);
  EXPECT_EQ(f.tb.connects_for("Meter 2"), 1U) << "a device still served is not announced again";
  EXPECT_EQ(registered(*f.gateway), (std::set<std::string>{"Meter 2", "Meter 4"}));
  // The new connector delivers.
  ASSERT_TRUE(second->emit("Meter 4", 7));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry().count("Meter 4") == 1; }));
  EXPECT_EQ(f.tb.telemetry().at("Meter 4").front().values.at("seq"), 7);
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

TEST(GatewayServiceReload, RpcsGoToTheNewConnectorsAndRemovedDevicesGetAnError) {
  ReloadFixture f;
  f.start();
  auto replacement = std::make_unique<SyntheticConnector>("Synthetic", Names{"Meter 2"});
  auto* second = replacement.get();
  auto other = std::make_unique<SyntheticConnector>("Other", Names{"Meter 9"});
  ASSERT_TRUE(f.gateway->replace_connectors(connectors(std::move(replacement), std::move(other))));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.connects_for("Meter 9") == 1; }));
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 2", 1, "echo", {{"x", 1}}));
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 9", 2, "echo"));
  ASSERT_TRUE(f.tb.send_device_rpc("Meter 1", 3, "echo"));
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.tb.device_reply(1) && f.tb.device_reply(2) && f.tb.device_reply(3); }));
  EXPECT_EQ(f.tb.device_reply(1)->at("data").at("params"), (nlohmann::json{{"x", 1}}));
  EXPECT_EQ(f.tb.device_reply(2)->at("data").at("device"), "Meter 9");
  EXPECT_NE(f.tb.device_reply(3)->at("data").at("error").get<std::string>().find("not served"),
            std::string::npos);
  ASSERT_EQ(second->rpcs.size(), 1U);
}

TEST(GatewayServiceReload, ADeviceMovingToAnotherConnectorIsNotDisconnected) {
  ReloadFixture f;
  f.start({"Meter 1"});
  auto moved = std::make_unique<SyntheticConnector>("Renamed Connector", Names{"Meter 1"});
  ASSERT_TRUE(f.gateway->replace_connectors(connectors(std::move(moved))));
  settle(f.io);
  EXPECT_TRUE(f.tb.disconnects().empty());
  ASSERT_EQ(f.gateway->registry().devices().size(), 1U);
  EXPECT_EQ(f.gateway->registry().devices().front().connector, "Renamed Connector");
}

TEST(GatewayServiceReload, StoredReadingsOfTheOldConnectorsAreStillDelivered) {
  ReloadFixture f(/*persistent_broker=*/true);
  f.start();
  f.broker.stop();
  ASSERT_TRUE(run_until(f.io, [&] { return !f.gateway->mqtt().connected(); }));
  constexpr int kCount = 200;
  for (int seq = 0; seq < kCount; ++seq) ASSERT_TRUE(f.first->emit("Meter 2", seq));
  // Reloaded while the readings wait in storage.
  ASSERT_TRUE(f.gateway->replace_connectors(
      connectors(std::make_unique<SyntheticConnector>("Synthetic", Names{"Meter 2"}))));
  ASSERT_TRUE(f.broker.start());
  ASSERT_TRUE(run_until(
      f.io,
      [&] {
        const auto it = f.tb.telemetry().find("Meter 2");
        if (it == f.tb.telemetry().end()) return false;
        std::set<std::int64_t> seen;
        for (const auto& item : it->second) seen.insert(item.values.at("seq").get<std::int64_t>());
        return seen.size() == kCount;
      },
      40s))
      << f.tb.telemetry_count();
  EXPECT_TRUE(f.tb.violations().empty()) << f.tb.violations().front();
}

TEST(GatewayServiceReload, DuplicateNamesAreRefusedAndTheRunningConnectorsKept) {
  ReloadFixture f;
  f.start({"Meter 1"});
  auto refused = f.gateway->replace_connectors(
      connectors(std::make_unique<SyntheticConnector>("Twin", Names{"Meter 5"}),
                 std::make_unique<SyntheticConnector>("Twin", Names{"Meter 6"})));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("Twin"), std::string::npos);
  EXPECT_NE(f.first->sink(), nullptr) << "the running connector was stopped";
  ASSERT_TRUE(f.first->emit("Meter 1", 1));
  ASSERT_TRUE(run_until(f.io, [&] { return f.tb.telemetry().count("Meter 1") == 1; }));
  EXPECT_TRUE(f.tb.disconnects().empty());
}

TEST(GatewayServiceReload, BeforeStartOnlyTheListChanges) {
  test::MosquittoBroker broker;
  asio::io_context io;
  StorageService storage(std::make_unique<MemoryQueue>(), io.get_executor());
  GatewayOptions options;
  options.mqtt.port = broker.port();
  auto gateway = GatewayService::create(io, storage, options);
  ASSERT_TRUE(gateway);
  ASSERT_TRUE((*gateway)->add_connector(
      std::make_unique<SyntheticConnector>("Synthetic", Names{"Meter 1"})));
  ASSERT_TRUE((*gateway)->replace_connectors(
      connectors(std::make_unique<SyntheticConnector>("Synthetic", Names{"Meter 2"}))));
  EXPECT_TRUE((*gateway)->registry().devices().empty());
  // The replacement is the one that starts.
  (*gateway)->start();
  ASSERT_NE((*gateway)->registry().find("Meter 2"), nullptr);
  EXPECT_EQ((*gateway)->registry().find("Meter 1"), nullptr);
  (*gateway)->stop();
  storage.stop();
}

}  // namespace
}  // namespace dlmsgw::gateway
