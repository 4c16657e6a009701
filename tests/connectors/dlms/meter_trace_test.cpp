// Frame tracing of one meter switched on and off while it is being read (the "trace" RPC and
// DlmsConnector::set_trace), and the per-meter snapshot the metrics endpoint reads. Real
// simulator over loopback; the log is captured from the "dlms" and "connector" loggers.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "client/measurement_catalog.hpp"
#include "connectors/dlms/dlms_connector.hpp"
#include "connectors/dlms/recording_sink.hpp"
#include "simulator/simulator_test_support.hpp"
#include "support/run_until.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using simulator::SimulatorConfig;
using simulator::testing::SimulatorThread;
using test::run_until;

using connector_test::RecordingSink;

// Captures what the "dlms" and "connector" loggers write, for the life of the test.
class CapturedLog {
 public:
  CapturedLog() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(text_);
    sink->set_pattern("%n %v");
    for (const char* name : {"dlms", "connector"}) {
      spdlog::drop(name);
      auto logger = std::make_shared<spdlog::logger>(name, sink);
      logger->set_level(spdlog::level::info);
      spdlog::register_logger(logger);
    }
  }
  ~CapturedLog() {
    spdlog::drop("dlms");
    spdlog::drop("connector");
  }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  [[nodiscard]] std::string text() const { return text_.str(); }
  [[nodiscard]] std::size_t count(const std::string& needle) const {
    const auto all = text();
    std::size_t found = 0;
    for (auto at = all.find(needle); at != std::string::npos; at = all.find(needle, at + 1)) {
      ++found;
    }
    return found;
  }

 private:
  std::ostringstream text_;
};

DeviceConfig traced_microstar_device(const std::string& name, std::uint16_t port) {
  DeviceConfig device;
  device.name = name;
  device.type = "DLMS_Energy_Meter";
  device.connection.name = name;
  device.connection.endpoint = client::TcpTarget{"127.0.0.1", port};
  device.poll_period = 200ms;
  const auto measurement = client::find_measurement("voltage_l1");
  EXPECT_TRUE(measurement.has_value());
  PointConfig point;
  point.key = "voltage_l1";
  point.attribute = client::descriptor_for(*measurement, client::kUserMeterBField);
  point.poll_period = device.poll_period;
  device.timeseries.push_back(point);
  device.connection.timeouts.response = 1s;
  return device;
}

struct TraceHarness {
  explicit TraceHarness(DeviceConfig device) {
    DlmsConnectorConfig config;
    config.devices.push_back(std::move(device));
    config.statistics_period = 0ms;
    connector = std::make_unique<DlmsConnector>(io, "DLMS", std::move(config));
    connector->start(sink);
  }
  ~TraceHarness() {
    connector->stop();
    connector.reset();
    io.restart();
    io.run_for(3s);
  }
  Expected<json> rpc(const std::string& method, json params) {
    std::optional<Expected<json>> answer;
    connector->handle_rpc(gateway::RpcRequest{"Meter A", ++id, method, std::move(params)},
                          [&](Expected<json> result) { answer.emplace(std::move(result)); });
    run_until(
        io, [&] { return answer.has_value(); }, 20s);
    if (!answer) return make_error(ErrorCode::timeout, "no RPC answer");
    return std::move(*answer);
  }
  bool wait_readings(std::size_t more) {
    const auto target = sink.readings.size() + more;
    return run_until(
        io, [&] { return sink.readings.size() >= target; }, 20s);
  }

  asio::io_context io;
  RecordingSink sink;
  std::unique_ptr<DlmsConnector> connector;
  std::int64_t id = 0;
};

SimulatorConfig microstar_on_free_port() {
  auto config = SimulatorConfig::microstar();
  config.base_port = 0;
  return config;
}

TEST(MeterTrace, RpcSwitchesFrameLoggingOnAndOffWithoutReconnecting) {
  CapturedLog log;
  SimulatorThread meter(microstar_on_free_port());
  TraceHarness harness(traced_microstar_device("Meter A", meter.port()));
  ASSERT_TRUE(harness.wait_readings(1));
  const std::string who = "meter 'Meter A' 127.0.0.1:" + std::to_string(meter.port()) + ": ";
  EXPECT_EQ(log.count(who + "->"), 0U) << "no trace before it is asked for";

  auto on = harness.rpc("trace", json{{"enabled", true}});
  ASSERT_TRUE(on) << on.error().message;
  EXPECT_EQ(*on, (json{{"device", "Meter A"}, {"trace", true}}));
  // Frames of the open association, in hex, each way; HDLC frames start with the 7E flag.
  ASSERT_TRUE(run_until(harness.io, [&] {
    return log.count("dlms " + who + "-> 7E") >= 2 && log.count("dlms " + who + "<- 7E") >= 2;
  })) << log.text();
  EXPECT_EQ(log.count(who + "associated"), 1U) << "tracing must not reconnect";
  ASSERT_EQ(harness.connector->meter_snapshots().size(), 1U);
  EXPECT_TRUE(harness.connector->meter_snapshots()[0].tracing);

  auto off = harness.rpc("trace", json{{"enabled", false}});
  ASSERT_TRUE(off) << off.error().message;
  EXPECT_EQ(*off, (json{{"device", "Meter A"}, {"trace", false}}));
  const auto frames = log.count(who + "-> ");
  ASSERT_TRUE(harness.wait_readings(3));  // several polls later...
  EXPECT_EQ(log.count(who + "-> "), frames) << "...no frame was traced";
  EXPECT_EQ(log.count(who + "frame trace off"), 1U);
  EXPECT_FALSE(harness.connector->meter_snapshots()[0].tracing);
}

TEST(MeterTrace, TraceSurvivesAReconnectAndHttpStyleSwitchNamesTheMeter) {
  CapturedLog log;
  SimulatorThread meter(microstar_on_free_port());
  TraceHarness harness(traced_microstar_device("Meter A", meter.port()));
  ASSERT_TRUE(harness.connector->set_trace("Meter A", true));
  // Switched on before the first association: its AARQ is traced too.
  ASSERT_TRUE(harness.wait_readings(1));
  ASSERT_TRUE(harness.rpc("reconnect", nullptr));
  ASSERT_TRUE(run_until(harness.io, [&] { return log.count("associated") >= 2; })) << log.text();
  ASSERT_TRUE(harness.wait_readings(1));
  EXPECT_GE(log.count("-> 7E"), 4U);
  // Both AARQs were traced, without the password (22222222 is 32 32 32 32 ... in hex).
  EXPECT_EQ(log.count("(password masked)"), 2U) << log.text();
  EXPECT_EQ(log.count("32 32 32 32 32 32 32 32"), 0U) << log.text();

  const auto unknown = harness.connector->set_trace("Meter B", true);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "connector 'DLMS' has no device 'Meter B'");
  const auto bad = harness.rpc("trace", json{{"enabled", "yes"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("trace: params must be {\"enabled\": true}"),
            std::string::npos);
  EXPECT_TRUE(harness.rpc("trace", false));  // a bare boolean works too
}

TEST(MeterTrace, SnapshotCarriesCountersAndLatencyBuckets) {
  SimulatorThread meter(microstar_on_free_port());
  TraceHarness harness(traced_microstar_device("Meter A", meter.port()));
  ASSERT_TRUE(harness.wait_readings(2));
  const auto snapshots = harness.connector->meter_snapshots();
  ASSERT_EQ(snapshots.size(), 1U);
  const auto& snapshot = snapshots[0];
  EXPECT_EQ(snapshot.device, "Meter A");
  EXPECT_EQ(snapshot.address, "127.0.0.1:" + std::to_string(meter.port()));
  EXPECT_GE(snapshot.statistics.reads_ok, 2U);
  EXPECT_EQ(snapshot.statistics.state, "connected");
  EXPECT_TRUE(snapshot.statistics.last_good_read.has_value());
  const auto& buckets = snapshot.statistics.read_latency_buckets;
  ASSERT_EQ(buckets.counts.size(), LatencyBuckets::bounds().size() + 1);
  std::uint64_t observed = 0;
  for (const auto count : buckets.counts) observed += count;
  EXPECT_GE(observed, 2U);  // one GET per value here
  EXPECT_GT(buckets.sum_seconds, 0.0);
}

TEST(LatencyBuckets, UpperBoundsAreInclusiveAndTheRestIsInf) {
  LatencyBuckets buckets;
  buckets.add(std::chrono::milliseconds(5));  // le 0.005
  buckets.add(std::chrono::milliseconds(6));  // le 0.01
  buckets.add(std::chrono::seconds(10));      // le 10
  buckets.add(std::chrono::seconds(11));      // +Inf
  EXPECT_EQ(buckets.counts[0], 1U);
  EXPECT_EQ(buckets.counts[1], 1U);
  EXPECT_EQ(buckets.counts[LatencyBuckets::bounds().size() - 1], 1U);
  EXPECT_EQ(buckets.counts[LatencyBuckets::bounds().size()], 1U);
  EXPECT_DOUBLE_EQ(buckets.sum_seconds, 0.005 + 0.006 + 10 + 11);
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
