// Log floods during outages (issue 15, item 6): readings storage refuses, or drops for its limits,
// are told in one line per cause per interval with counts, and every one is counted in the
// statistics' readingsDropped. The real GatewayService and StorageService; the log is read from a
// sink added to the default logger (what component_logger falls back to outside `dlmsgw run`).

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/gateway_service.hpp"
#include "gateway/storage/memory_queue.hpp"
#include "support/free_port.hpp"
#include "support/run_until.hpp"
#include "support/synthetic_connector.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;

// Captures what is logged while it lives.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10000)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  [[nodiscard]] std::size_t lines_with(const std::string& needle) const {
    const auto lines = sink_->last_formatted();
    return static_cast<std::size_t>(std::count_if(lines.begin(), lines.end(), [&](const auto& l) {
      return l.find(needle) != std::string::npos;
    }));
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

TEST(LossSummary, ThousandsOfRefusedReadingsMakeOneLinePerIntervalAndAreAllCounted) {
  LogCapture log;
  asio::io_context io;
  StorageService storage(std::make_unique<MemoryQueue>(), io.get_executor());
  GatewayOptions options;
  options.mqtt.port = test::free_loopback_port();  // ThingsBoard is away: nothing is sent
  options.statistics = false;
  // Long enough that emitting 2,000 readings on a loaded machine never spans an interval.
  options.loss_summary_interval = 2s;
  auto created = GatewayService::create(io, storage, options);
  ASSERT_TRUE(created) << created.error().message;
  auto& gateway = **created;
  auto owned =
      std::make_unique<test::SyntheticConnector>("Synthetic", std::vector<std::string>{"Meter 1"});
  auto& connector = *owned;
  ASSERT_TRUE(gateway.add_connector(std::move(owned)));
  gateway.start();

  storage.stop();  // from now on every reading is refused, as by a full or failing storage
  constexpr int kRefused = 2000;
  for (int seq = 0; seq < kRefused; ++seq) EXPECT_FALSE(connector.emit("Meter 1", seq));
  EXPECT_EQ(log.lines_with("not stored"), 1U) << "the first refusal is told at once, only once";
  io.run_for(100ms);
  EXPECT_EQ(log.lines_with("not stored"), 1U);
  io.restart();
  // One interval later: the rest in one line.
  EXPECT_TRUE(test::run_until(
      io, [&] { return log.lines_with("not stored") >= 2; }, 10s));
  EXPECT_EQ(log.lines_with("not stored"), 2U);
  EXPECT_EQ(log.lines_with("1999 readings of connector 'Synthetic' not stored in the last"), 1U);

  EXPECT_EQ(gateway.readings_not_stored(), static_cast<std::uint64_t>(kRefused));
  const auto stats = gateway.statistics();
  EXPECT_EQ(stats.at("readingsDropped").get<std::uint64_t>(), static_cast<std::uint64_t>(kRefused));
  EXPECT_EQ(stats.at("readingsNotStored").get<std::uint64_t>(),
            static_cast<std::uint64_t>(kRefused));

  // Storage dropping the oldest for its limits, commit after commit: one line, then a summary.
  for (int commit = 0; commit < 25; ++commit) gateway.report_loss("dropped from storage", 4);
  EXPECT_EQ(log.lines_with("dropped from storage"), 1U);
  io.restart();
  EXPECT_TRUE(test::run_until(
      io, [&] { return log.lines_with("96 readings dropped from storage in the last") >= 1; },
      10s));
  EXPECT_EQ(log.lines_with("96 readings dropped from storage in the last"), 1U);
  gateway.stop();
}

// Review 4b: the store of the devices with their own token drops through the same summary (one
// line per cause per interval), not one warning per commit.
TEST(LossSummary, DropsOfTheOwnTokenStoreAreSummarisedNotLoggedPerCommit) {
  LogCapture log;
  asio::io_context io;
  StorageService storage(std::make_unique<MemoryQueue>(), io.get_executor());
  GatewayOptions options;
  options.mqtt.port = test::free_loopback_port();  // ThingsBoard is away: nothing is sent
  options.statistics = false;
  options.loss_summary_interval = 2s;
  options.direct_store = [] {
    return Expected<std::unique_ptr<RecordQueue>>(
        std::make_unique<MemoryQueue>(QueueLimits{.max_records = 2}));
  };
  auto created = GatewayService::create(io, storage, options);
  ASSERT_TRUE(created) << created.error().message;
  auto& gateway = **created;
  auto owned = std::make_unique<test::SyntheticConnector>("Synthetic", std::vector<std::string>{});
  auto& connector = *owned;
  ASSERT_TRUE(gateway.add_connector(std::move(owned)));
  gateway.start();
  connector.sink()->device_uses_own_token("Meter 9", "meter-9-token");
  // A commit per reading: each drops the oldest.
  for (int seq = 0; seq < 20; ++seq) {
    ASSERT_TRUE(connector.emit("Meter 9", seq));
    bool stored = false;
    connector.sink()->when_stored("Meter 9", [&](const Expected<void>&) { stored = true; });
    io.restart();
    ASSERT_TRUE(test::run_until(io, [&] { return stored; }));
  }
  io.restart();
  io.run_for(100ms);
  EXPECT_EQ(log.lines_with("own token"), 1U) << "the first drop is told at once, only once";
  EXPECT_EQ(gateway.statistics().at("readingsDropped").get<std::uint64_t>(), 18U);
  gateway.stop();
}

}  // namespace
}  // namespace dlmsgw::gateway
