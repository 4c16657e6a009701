// A message ThingsBoard cannot process (issue 15, item 3): the platform closes the session on that
// PUBLISH and never acknowledges it. A real mosquitto behind a RefusingProxy plays the platform.

#include <gtest/gtest.h>

#include "gateway/gateway_service.hpp"
#include "gateway/storage/memory_queue.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "gateway/storage/temp_directory.hpp"
#include "support/gateway_test_options.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/refusing_proxy.hpp"
#include "support/run_until.hpp"
#include "support/synthetic_connector.hpp"
#include "support/thingsboard_emulator.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPoisonMarker = "REFUSED-BY-THE-PLATFORM";

// The gateway publishes through the proxy; the emulator reads the broker directly.
struct PoisonFixture {
  explicit PoisonFixture(
      test::RefusingProxy::Refusal refusal = test::RefusingProxy::Refusal::close_session,
      bool persistent_broker = false)
      : broker(test::MosquittoBroker::Transport::plain, "gateway-token", "tb-test-password",
               persistent_broker),
        proxy(broker.port(), kPoisonMarker, refusal) {}

  void start(std::unique_ptr<RecordQueue> queue,
             std::chrono::milliseconds puback_timeout = std::chrono::seconds(5)) {
    auto options = test::gateway_options_for(broker);
    if (through_proxy) options.mqtt.port = proxy.port();
    options.uplink.puback_timeout = puback_timeout;
    options.uplink.retry_delay = 50ms;
    // Several records per message: the refused one shares its message with readings that must
    // still arrive.
    options.uplink.max_batch_records = 5;
    storage = std::make_unique<StorageService>(std::move(queue), io.get_executor());
    auto created = GatewayService::create(io, *storage, std::move(options));
    ASSERT_TRUE(created) << created.error().message;
    gateway = std::move(*created);
    auto owned = std::make_unique<test::SyntheticConnector>(
        "Synthetic", std::vector<std::string>{"Meter 1", "Meter 2"});
    connector = owned.get();
    ASSERT_TRUE(gateway->add_connector(std::move(owned)));
    gateway->start();
    ASSERT_TRUE(run_until(io, [&] { return gateway->mqtt().connected() && tb.connected(); }))
        << broker.log();
    ASSERT_TRUE(run_until(io, [&] { return tb.connects().size() >= 2; }));
  }

  // Readings 0..count-1 of Meter 1, with one reading of Meter 2 the platform refuses after
  // `poison_after` of them.
  void emit_with_poison(int count, int poison_after) {
    for (int seq = 0; seq < count; ++seq) {
      if (seq == poison_after) {
        Reading poison{"Meter 2",
                       Timestamp{std::chrono::milliseconds(1'700'000'000'000)},
                       {{"note", kPoisonMarker}}};
        ASSERT_TRUE(connector->sink()->submit(std::move(poison)));
      }
      ASSERT_TRUE(connector->emit("Meter 1", seq));
    }
  }

  [[nodiscard]] std::vector<std::int64_t> meter1_seqs() const {
    std::vector<std::int64_t> seqs;
    const auto found = tb.telemetry().find("Meter 1");
    if (found == tb.telemetry().end()) return seqs;
    for (const auto& item : found->second) seqs.push_back(item.values.at("seq").get<int>());
    return seqs;
  }

  [[nodiscard]] bool meter1_complete(std::size_t count) const {
    const auto seqs = meter1_seqs();
    return std::set<std::int64_t>(seqs.begin(), seqs.end()).size() >= count;
  }

  bool through_proxy = true;  // false: the gateway talks to the broker itself
  test::MosquittoBroker broker;
  test::RefusingProxy proxy;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  std::unique_ptr<StorageService> storage;
  std::unique_ptr<GatewayService> gateway;
  test::SyntheticConnector* connector = nullptr;
};

// Before: libmosquitto re-sent the refused message first after every reconnect, the ordering
// barrier waited for its PUBACK, and nothing behind it was ever delivered.
TEST(PoisonMessage, ARecordThePlatformKeepsRefusingIsSetAsideAndTheRestFlowsInOrder) {
  PoisonFixture f;
  f.start(std::make_unique<MemoryQueue>());
  constexpr int kCount = 40;
  f.emit_with_poison(kCount, 12);
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.meter1_complete(kCount) && f.storage->stats().records == 0; }, 30s))
      << f.meter1_seqs().size() << " readings of Meter 1 arrived, " << f.proxy.refusals()
      << " sessions refused, " << f.storage->stats().records << " records still stored";
  test::check_complete_and_ordered(f.meter1_seqs(), kCount, "Meter 1");
  EXPECT_EQ(f.tb.telemetry().count("Meter 2"), 0U);
  EXPECT_GE(f.proxy.refusals(), 3);
  // Set aside, not lost: the refused record alone, its neighbours delivered.
  EXPECT_EQ(f.storage->stats().dead_letter_records, 1U);
  EXPECT_EQ(f.gateway->uplink_counters().records_dead_lettered, 1U);
  EXPECT_EQ(f.gateway->statistics().value("deadLetterRecords", 0), 1);
}

// Before: every session loss with the same message the oldest unacknowledged one counted as a
// strike, so a broker restarting a few times while a backlog was in flight (a paused broker holds
// the PUBACKs, so the same message is oldest each time) set healthy readings aside as dead letters.
// Seen failing before the fix: "1 dead letter records" after the rounds.
TEST(PoisonMessage, BrokerRestartsWithABacklogInFlightSetNothingAside) {
  // Persistent: what the broker acknowledged while the emulator was away survives its restarts.
  PoisonFixture f(test::RefusingProxy::Refusal::close_session, /*persistent_broker=*/true);
  f.through_proxy = false;
  f.start(std::make_unique<MemoryQueue>());
  constexpr int kCount = 400;
  constexpr int kRounds = 7;  // enough for a 5-record message and then its first record alone
  int next = 0;
  for (int round = 0; round < kRounds; ++round) {
    ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->mqtt().connected(); }))
        << "round " << round;
    // Right after the reconnect: what libmosquitto re-sends is most likely still unacknowledged.
    ASSERT_TRUE(f.broker.pause());
    for (int i = 0; i < kCount / kRounds && next < kCount; ++i) {
      ASSERT_TRUE(f.connector->emit("Meter 1", next++));
    }
    ASSERT_TRUE(run_until(f.io, [&] { return f.gateway->uplink_in_flight().messages > 0; }))
        << "round " << round;
    f.broker.stop();
    ASSERT_TRUE(run_until(f.io, [&] { return !f.gateway->mqtt().connected(); }))
        << "round " << round;
    ASSERT_TRUE(f.broker.start()) << "round " << round;
  }
  while (next < kCount) ASSERT_TRUE(f.connector->emit("Meter 1", next++));
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.meter1_complete(kCount) && f.storage->stats().records == 0; }, 40s))
      << f.meter1_seqs().size() << " readings of Meter 1 arrived, "
      << f.storage->stats().dead_letter_records << " dead letter records, "
      << f.storage->stats().records << " records stored, " << f.gateway->uplink_in_flight().messages
      << " messages in flight";
  test::check_complete_and_ordered(f.meter1_seqs(), kCount, "Meter 1");
  EXPECT_EQ(f.storage->stats().dead_letter_records, 0U);
  EXPECT_EQ(f.gateway->uplink_counters().records_dead_lettered, 0U);
}

// The same with SQLite storage: the dead letter is in the database, kept after the gateway stops.
TEST(PoisonMessage, WithSqliteStorageTheDeadLetterIsKeptInTheDatabase) {
  testing::TempDirectory dir;
  const auto path = dir.path() / "queue.db";
  {
    PoisonFixture f;
    auto queue = SqliteQueue::open(path);
    ASSERT_TRUE(queue) << queue.error().message;
    f.start(std::move(*queue));
    constexpr int kCount = 20;
    f.emit_with_poison(kCount, 3);
    ASSERT_TRUE(run_until(
        f.io, [&] { return f.meter1_complete(kCount) && f.storage->stats().records == 0; }, 30s))
        << f.meter1_seqs().size() << " readings of Meter 1 arrived";
    test::check_complete_and_ordered(f.meter1_seqs(), kCount, "Meter 1");
    f.gateway->stop();
    f.storage->stop();
  }
  auto reopened = SqliteQueue::open(path);
  ASSERT_TRUE(reopened) << reopened.error().message;
  const auto letters = (*reopened)->dead_letters(10);
  ASSERT_TRUE(letters);
  ASSERT_EQ(letters->size(), 1U);
  EXPECT_EQ((*letters)[0].stored.record.device, "Meter 2");
  EXPECT_NE((*letters)[0].stored.record.payload.find(kPoisonMarker), std::string::npos);
  EXPECT_NE((*letters)[0].reason.find("session losses"), std::string::npos) << (*letters)[0].reason;
}

// A platform that keeps the session but never acknowledges one message while it acknowledges the
// ones after it: the PUBACK timeouts count like session losses.
TEST(PoisonMessage, AMessageNeverAcknowledgedWhileLaterOnesAreIsSetAsideAfterTimeouts) {
  PoisonFixture f(test::RefusingProxy::Refusal::swallow);
  f.start(std::make_unique<MemoryQueue>(), 300ms);
  constexpr int kCount = 20;
  f.emit_with_poison(kCount, 7);
  ASSERT_TRUE(run_until(
      f.io, [&] { return f.meter1_complete(kCount) && f.storage->stats().records == 0; }, 30s))
      << f.meter1_seqs().size() << " readings of Meter 1 arrived, " << f.proxy.refusals()
      << " refused";
  // Complete; not in order: readings sharing the swallowed message arrive after later ones the
  // platform had already acknowledged.
  const auto seqs = f.meter1_seqs();
  EXPECT_EQ(std::set<std::int64_t>(seqs.begin(), seqs.end()).size(), std::size_t{kCount});
  EXPECT_EQ(f.storage->stats().dead_letter_records, 1U);
  EXPECT_EQ(f.tb.telemetry().count("Meter 2"), 0U);
}

}  // namespace
}  // namespace dlmsgw::gateway
