// A token the broker refuses at CONNACK, then accepts (issue 15, item 2): the platform rotated the
// token or recreated the device, and the operator fixes it there, not on the gateway. The uplink
// must keep retrying, slowly, and deliver everything read meanwhile, in order, once accepted.
// Real mosquitto (its password file changed and the broker restarted), the ThingsBoard emulator,
// SQLite storage on its own thread.

#include <gtest/gtest.h>

#include <set>

#include "gateway/gateway_service.hpp"
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
using test::run_until;

TEST(RefusedCredentials, ReadingsStoredWhileTheTokenIsRefusedArriveInOrderOnceItIsAccepted) {
  testing::TempDirectory dir;
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  ASSERT_TRUE(run_until(io, [&] { return tb.connected(); })) << broker.log();

  auto options = test::gateway_options_for(broker);
  options.mqtt.username = "rotated-token";  // not in the broker's password file yet
  options.mqtt.refused_reconnect_min = 200ms;
  options.mqtt.refused_reconnect_max = 500ms;
  auto queue = SqliteQueue::open(dir.path() / "data.db", {});
  ASSERT_TRUE(queue) << queue.error().message;
  StorageService storage(std::move(*queue), io.get_executor());
  auto created = GatewayService::create(io, storage, options);
  ASSERT_TRUE(created) << created.error().message;
  auto& gateway = **created;
  auto owned =
      std::make_unique<test::SyntheticConnector>("Synthetic", std::vector<std::string>{"Meter 1"});
  auto& connector = *owned;
  ASSERT_TRUE(gateway.add_connector(std::move(owned)));
  gateway.start();

  constexpr int kCount = 600;
  int next = 0;
  const auto emit = [&](int n) {
    for (int i = 0; i < n; ++i, ++next) ASSERT_TRUE(connector.emit("Meter 1", next));
  };
  emit(200);
  ASSERT_TRUE(run_until(io, [&] { return gateway.mqtt().refusal().has_value(); })) << broker.log();
  const auto first_attempts = gateway.mqtt().connection_attempts();
  emit(200);
  io.restart();
  io.run_for(1500ms);
  // Retried (the uplink is not off for good), slowly (not every 100 ms as after other failures).
  EXPECT_GT(gateway.mqtt().connection_attempts(), first_attempts);
  EXPECT_LE(gateway.mqtt().connection_attempts(), first_attempts + 8);
  EXPECT_FALSE(gateway.mqtt().connected());
  EXPECT_EQ(tb.telemetry_count(), 0U);

  // The platform accepts the token from now on; a reload, not a restart, so that the emulator's
  // subscription cannot miss what the gateway sends at once.
  broker.add_user("rotated-token", broker.password());
  ASSERT_TRUE(broker.reload()) << broker.log();
  emit(kCount - next);
  ASSERT_TRUE(run_until(
      io,
      [&] {
        const auto telemetry = tb.telemetry();
        const auto it = telemetry.find("Meter 1");
        if (it == telemetry.end()) return false;
        std::set<std::int64_t> seen;
        for (const auto& item : it->second) seen.insert(item.values.at("seq").get<std::int64_t>());
        return seen.size() == kCount;
      },
      40s))
      << tb.telemetry_count() << "\n"
      << broker.log();
  EXPECT_FALSE(gateway.mqtt().refusal());
  std::vector<std::int64_t> seqs;
  for (const auto& item : tb.telemetry().at("Meter 1")) {
    seqs.push_back(item.values.at("seq").get<std::int64_t>());
  }
  test::check_complete_and_ordered(seqs, kCount, "Meter 1");
  gateway.stop();
  storage.stop();
}

}  // namespace
}  // namespace dlmsgw::gateway
