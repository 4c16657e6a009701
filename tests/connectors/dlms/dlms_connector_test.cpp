// DlmsConnector against the project's meter simulator over real loopback sockets: the connector
// runs on the test's loop, the simulator on its own thread, and what the connector hands to the
// gateway core is recorded by a sink (the core itself is tested in tests/gateway and end to end in
// tests/integration).

#include "connectors/dlms/dlms_connector.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <asio/io_context.hpp>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client/measurement_catalog.hpp"
#include "client/session.hpp"
#include "connectors/dlms/recording_sink.hpp"
#include "simulator/simulator_test_support.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using simulator::Fault;
using simulator::SimulatorConfig;
using simulator::testing::run;
using simulator::testing::SimulatorThread;
using simulator::testing::wait_until;

using connector_test::RecordingSink;

double as_number(const gateway::TelemetryValue& value) {
  if (const auto* number = std::get_if<double>(&value)) return *number;
  if (const auto* integer = std::get_if<std::int64_t>(&value)) return static_cast<double>(*integer);
  ADD_FAILURE() << "not a number";
  return 0;
}

PointConfig measurement_point(const std::string& key, std::uint8_t b_field) {
  const auto measurement = client::find_measurement(key);
  EXPECT_TRUE(measurement.has_value()) << key;
  PointConfig point;
  point.key = key;
  point.attribute = client::descriptor_for(*measurement, b_field);
  return point;
}

// Quick retries so that the tests about reconnecting do not wait minutes.
void fast_retries(DeviceConfig& device) {
  device.retry.reconnect_delay = 100ms;
  device.retry.max_reconnect_delay = 400ms;
  device.retry.min_connect_gap = 50ms;
  device.connection.timeouts.connect = 2s;
  device.connection.timeouts.response = 500ms;
  device.connection.timeouts.retries = 1;
}

// The user's meter: the connection defaults, B field 1.
DeviceConfig microstar_device(const std::string& name, std::uint16_t port,
                              std::chrono::milliseconds period = 300ms) {
  DeviceConfig device;
  device.name = name;
  device.type = "DLMS_Energy_Meter";
  device.connection.name = name;
  device.connection.endpoint = client::TcpTarget{"127.0.0.1", port};
  device.poll_period = period;
  for (const char* key : {"voltage_l1", "current_l1", "active_energy"}) {
    auto point = measurement_point(key, client::kUserMeterBField);
    point.poll_period = period;
    device.timeseries.push_back(point);
  }
  fast_retries(device);
  return device;
}

// The generic profile over the wrapper, public client 16 without authentication.
DeviceConfig generic_device(const std::string& name, std::uint16_t port) {
  DeviceConfig device;
  device.name = name;
  device.connection.name = name;
  device.connection.transport = client::Transport::wrapper;
  device.connection.endpoint = client::TcpTarget{"127.0.0.1", port};
  device.connection.client_address = 16;
  device.connection.server_logical = 1;
  device.connection.authentication = client::Authentication::none;
  device.connection.password.clear();
  device.poll_period = 300ms;
  for (const char* key : {"voltage_l1", "voltage_l2", "voltage_l3", "frequency"}) {
    auto point = measurement_point(key, client::kStandardBField);
    point.poll_period = device.poll_period;
    device.timeseries.push_back(point);
  }
  fast_retries(device);
  return device;
}

SimulatorConfig on_free_port(SimulatorConfig config) {
  config.base_port = 0;
  return config;
}

struct Harness {
  explicit Harness(std::vector<DeviceConfig> devices) {
    DlmsConnectorConfig config;
    config.devices = std::move(devices);
    config.statistics_period = 0ms;
    connector = std::make_unique<DlmsConnector>(io, "DLMS", std::move(config));
    connector->start(sink);
  }
  ~Harness() { stop(); }
  void stop() {
    if (!connector) return;
    connector->stop();
    connector.reset();
    io.restart();
    io.run_for(5s);  // the workers release their associations
  }

  // Sends an RPC and runs the loop until it is answered.
  Expected<json> rpc(const std::string& device, const std::string& method, json params) {
    std::optional<Expected<json>> answer;
    connector->handle_rpc(gateway::RpcRequest{device, ++id, method, std::move(params)},
                          [&](Expected<json> result) { answer.emplace(std::move(result)); });
    wait_until(io, [&] { return answer.has_value(); });
    if (!answer) return make_error(ErrorCode::timeout, "no RPC answer");
    return std::move(*answer);
  }
  void wait_for_values(const std::string& key, std::size_t count) {
    wait_until(io, [&] { return sink.values_of(key).size() >= count; });
  }

  asio::io_context io;
  RecordingSink sink;
  std::unique_ptr<DlmsConnector> connector;
  std::int64_t id = 0;
};

TEST(DlmsConnector, PublishesScaledValuesWithTheirAcquisitionTime) {
  SimulatorThread meter(on_free_port(SimulatorConfig::microstar()));
  const auto before = std::chrono::system_clock::now();
  Harness harness({microstar_device("Meter A", meter.port())});
  harness.wait_for_values("active_energy", 3);
  const auto after = std::chrono::system_clock::now();

  ASSERT_EQ(harness.sink.connected.size(), 1U);
  EXPECT_EQ(harness.sink.connected[0],
            std::make_pair(std::string("Meter A"), std::string("DLMS_Energy_Meter")));
  const auto voltages = harness.sink.values_of("voltage_l1");
  ASSERT_GE(voltages.size(), 3U);
  for (const auto& [ts, value] : voltages) {
    // The simulator's microstar phase voltage is ~135 V, sent as ~13500 with scaler -2.
    EXPECT_GT(as_number(value), 100.0);
    EXPECT_LT(as_number(value), 200.0);
    EXPECT_GE(ts, std::chrono::time_point_cast<std::chrono::milliseconds>(before));
    EXPECT_LE(ts, std::chrono::time_point_cast<std::chrono::milliseconds>(after));
  }
  // The user's meter has no GET-with-list: one GET per value, each stamped when it arrived, so
  // the three values of a cycle are never later than the next cycle's first.
  const auto currents = harness.sink.values_of("current_l1");
  ASSERT_FALSE(currents.empty());
  EXPECT_GE(currents[0].first, voltages[0].first);
  // The meter's clock offset is published as an attribute.
  EXPECT_TRUE(harness.sink.attribute("clock_offset_ms").has_value());
}

TEST(DlmsConnector, PollsAtAFixedRateWithoutCatchUpBursts) {
  SimulatorThread meter(on_free_port(SimulatorConfig::microstar()));
  Harness harness({microstar_device("Meter A", meter.port(), 250ms)});
  harness.wait_for_values("voltage_l1", 8);
  const auto voltages = harness.sink.values_of("voltage_l1");
  // Starts follow the schedule: never two reads of a key closer than half a period (a late cycle
  // is skipped and counted as an overrun, not run in a burst).
  for (std::size_t i = 1; i < voltages.size(); ++i) {
    EXPECT_GE(voltages[i].first - voltages[i - 1].first, 125ms) << "read " << i;
  }
  const auto stats = harness.rpc("Meter A", "getStats", json::object());
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_GE((*stats)["reads_ok"].get<std::int64_t>(), 24);
  EXPECT_TRUE(stats->contains("overruns"));
  EXPECT_TRUE(stats->contains("latency_p50_ms"));
  EXPECT_EQ((*stats)["state"], "connected");
}

TEST(DlmsConnector, ReadsAGroupWithOneRequestWhenTheMeterAllowsLists) {
  SimulatorThread meter(on_free_port(SimulatorConfig::generic()));
  Harness harness({generic_device("Generic 1", meter.port())});
  harness.wait_for_values("frequency", 2);
  // One GET-with-list per cycle: all four values share one reading and one ts.
  const auto& first = harness.sink.readings.front();
  EXPECT_EQ(first.values.size(), 4U);
  EXPECT_NEAR(as_number(harness.sink.values_of("frequency").front().second), 50.0, 1.0);
}

TEST(DlmsConnector, RpcGetSetAndActionRoundTrip) {
  SimulatorThread meter(on_free_port(SimulatorConfig::generic()));
  auto device = generic_device("Generic 1", meter.port());
  device.rpc.push_back(RpcMethodConfig{"relayOff", RpcKind::action, 70, {0, 0, 96, 3, 10}, 1, {}});
  device.rpc.push_back(RpcMethodConfig{"relayOn", RpcKind::action, 70, {0, 0, 96, 3, 10}, 2, {}});
  Harness harness({device});
  harness.wait_for_values("frequency", 1);

  const auto voltage = harness.rpc("Generic 1", "get", "obis=1-0:32.7.0;classId=3;attribute=2;");
  ASSERT_TRUE(voltage) << voltage.error().message;
  EXPECT_GT((*voltage)["value"].get<double>(), 100.0);
  EXPECT_EQ((*voltage)["unit"], "V");

  const auto off = harness.rpc("Generic 1", "relayOff", json::object());
  ASSERT_TRUE(off) << off.error().message;
  auto state = harness.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=2");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["value"], false);

  const auto on = harness.rpc("Generic 1", "action", "obis=0-0:96.3.10;classId=70;method=2");
  ASSERT_TRUE(on) << on.error().message;
  state = harness.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=2");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["value"], true);

  // control_mode (attribute 4) is writable: the value keeps the meter's own type (enum).
  const auto set =
      harness.rpc("Generic 1", "set", "obis=0-0:96.3.10;classId=70;attribute=4;value=4");
  ASSERT_TRUE(set) << set.error().message;
  const auto mode = harness.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=4");
  ASSERT_TRUE(mode) << mode.error().message;
  EXPECT_EQ((*mode)["value"], 4);
}

// A relay switched after ThingsBoard was told the RPC timed out would switch twice when the
// operator retries: an ACTION still waiting for the session behind a slow poll at its deadline is
// dropped, never sent; one that started in time completes.
TEST(DlmsConnector, AnRpcNotStartedByItsDeadlineIsDroppedNeverExecuted) {
  auto config = on_free_port(SimulatorConfig::generic());
  config.fault_rates[static_cast<std::size_t>(Fault::delay)] = 1.0;  // every answer 600 ms late
  config.fault_delay = 600ms;
  SimulatorThread meter(config);
  auto device = generic_device("Generic 1", meter.port());
  device.rpc.push_back(RpcMethodConfig{"relayOff", RpcKind::action, 70, {0, 0, 96, 3, 10}, 1, {}});
  device.connection.timeouts.response = 3s;
  Harness harness({device});
  harness.wait_for_values("frequency", 1);

  // A read ahead of it holds the session for one slow answer (600 ms), past the deadline.
  std::optional<Expected<json>> ahead;
  harness.connector->handle_rpc(gateway::RpcRequest{"Generic 1", ++harness.id, "get",
                                                    "obis=1-0:32.7.0;classId=3;attribute=2"},
                                [&](Expected<json> result) { ahead.emplace(std::move(result)); });
  std::optional<Expected<json>> late;
  gateway::RpcRequest request{"Generic 1", ++harness.id, "relayOff", json::object()};
  request.deadline = std::chrono::steady_clock::now() + 100ms;
  harness.connector->handle_rpc(std::move(request),
                                [&](Expected<json> result) { late.emplace(std::move(result)); });
  wait_until(harness.io, [&] { return late.has_value(); });
  ASSERT_TRUE(late.has_value());
  ASSERT_FALSE(*late) << late->value().dump();
  EXPECT_EQ(late->error().code, ErrorCode::timeout) << late->error().message;
  EXPECT_NE(late->error().message.find("not sent"), std::string::npos) << late->error().message;
  wait_until(harness.io, [&] { return ahead.has_value(); });
  ASSERT_TRUE(ahead && *ahead);

  // The relay is still connected: the dropped ACTION never reached the meter.
  auto state = harness.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=2");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["value"], true);

  // With time to spare it runs.
  std::optional<Expected<json>> in_time;
  gateway::RpcRequest patient{"Generic 1", ++harness.id, "relayOff", json::object()};
  patient.deadline = std::chrono::steady_clock::now() + 20s;
  harness.connector->handle_rpc(std::move(patient),
                                [&](Expected<json> result) { in_time.emplace(std::move(result)); });
  wait_until(harness.io, [&] { return in_time.has_value(); });
  ASSERT_TRUE(in_time.has_value());
  ASSERT_TRUE(*in_time) << in_time->error().message;
  state = harness.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=2");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_EQ((*state)["value"], false);
}

TEST(DlmsConnector, RpcErrorsNameTheProblem) {
  SimulatorThread meter(on_free_port(SimulatorConfig::generic()));
  Harness harness({generic_device("Generic 1", meter.port())});
  harness.wait_for_values("frequency", 1);

  const auto unknown = harness.rpc("Generic 1", "explode", json::object());
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("no RPC method 'explode'"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("getStats"), std::string::npos);

  const auto bad = harness.rpc("Generic 1", "get", "obis=1-0:99.99;classId=3");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("obis"), std::string::npos) << bad.error().message;

  const auto missing = harness.rpc("Generic 1", "get", "obis=1-0:0.0.77;classId=3;attribute=2");
  ASSERT_FALSE(missing);  // the meter refuses an object it does not have

  const auto nobody = harness.rpc("Nobody", "get", "obis=1-0:32.7.0");
  ASSERT_FALSE(nobody);
  EXPECT_NE(nobody.error().message.find("Nobody"), std::string::npos);
}

TEST(DlmsConnector, SharedAttributeUpdateIsWrittenToTheMeter) {
  SimulatorThread meter(on_free_port(SimulatorConfig::generic()));
  auto device = generic_device("Generic 1", meter.port());
  device.attribute_updates.push_back(
      AttributeUpdateConfig{"relayMode", {70, {0, 0, 96, 3, 10}, 4}});
  Harness harness({device});
  harness.wait_for_values("frequency", 1);

  harness.connector->handle_attribute_update("Generic 1", json{{"relayMode", 6}, {"other", 1}});
  json mode;
  wait_until(harness.io, [&] {
    auto answer = harness.rpc("Generic 1", "get", "obis=0-0:96.3.10;classId=70;attribute=4");
    if (answer) mode = (*answer)["value"];
    return mode == 6;
  });
  EXPECT_EQ(mode, 6);
}

TEST(DlmsConnector, AMeterThatGoesSilentIsReconnectedWhenItComesBack) {
  auto config = on_free_port(SimulatorConfig::microstar());
  auto first = std::make_unique<SimulatorThread>(config);
  const auto port = first->port();
  Harness harness({microstar_device("Meter A", port)});
  harness.wait_for_values("voltage_l1", 2);

  first->stop();  // the meter goes away: connection closed, reconnects refused
  first.reset();
  wait_until(harness.io, [&] {
    auto stats = harness.rpc("Meter A", "getStats", json::object());
    return stats && (*stats)["state"] != "connected";
  });
  const auto before = harness.sink.values_of("voltage_l1").size();

  config.base_port = port;  // back on the same port
  SimulatorThread second(config);
  harness.wait_for_values("voltage_l1", before + 2);
  const auto stats = harness.rpc("Meter A", "getStats", json::object());
  ASSERT_TRUE(stats);
  EXPECT_GE((*stats)["reconnects"].get<std::int64_t>(), 1);
  EXPECT_EQ((*stats)["state"], "connected");
}

TEST(DlmsConnector, KeepsReadingThroughGarbageOnTheLine) {
  auto config = on_free_port(SimulatorConfig::microstar());
  config.fault_rates[static_cast<std::size_t>(simulator::Fault::garbage)] = 0.2;
  SimulatorThread meter(config);
  Harness harness({microstar_device("Meter A", meter.port(), 200ms)});
  harness.wait_for_values("voltage_l1", 10);
  for (const auto& [ts, value] : harness.sink.values_of("voltage_l1")) {
    EXPECT_GT(as_number(value), 100.0);  // never a value made of garbage
  }
  harness.stop();
  meter.stop();
  EXPECT_GT(
      meter.simulator().counters().faults[static_cast<std::size_t>(simulator::Fault::garbage)], 0U);
}

TEST(DlmsConnector, StopLeavesTheMeterFreeAtOnce) {
  // The user's meter serves one client at a time: a client that vanished without releasing
  // would keep it busy until its 180 s inactivity timeout.
  SimulatorThread meter(on_free_port(SimulatorConfig::microstar()));
  Harness harness({microstar_device("Meter A", meter.port())});
  harness.wait_for_values("voltage_l1", 1);
  harness.stop();

  // The simulator notices the released connection on its own thread, which a loaded machine may
  // run a little later: the meter must be free within 2 s, not after its 180 s timeout.
  asio::io_context io;
  auto settings = microstar_device("Meter A", meter.port()).connection;
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  for (;;) {
    client::Session session(settings);
    const auto opened = run(io, session.open());
    if (opened) {
      run(io, session.close());
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << opened.error().message;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
}

TEST(DlmsConnector, StopReleasesTheAssociationAndTheLinkPolitely) {
  // Closing the socket alone would also free the simulator: the meter's counters tell an RLRQ and
  // a DISC apart from a dropped connection.
  SimulatorThread hdlc_meter(on_free_port(SimulatorConfig::microstar()));
  SimulatorThread wrapper_meter(on_free_port(SimulatorConfig::generic()));
  {
    Harness harness({microstar_device("Meter A", hdlc_meter.port()),
                     generic_device("Generic 1", wrapper_meter.port())});
    harness.wait_for_values("active_energy", 1);  // Meter A associated
    harness.wait_for_values("frequency", 1);      // Generic 1 associated
    harness.stop();
  }
  hdlc_meter.stop();
  wrapper_meter.stop();
  EXPECT_EQ(hdlc_meter.simulator().counters().releases, 1U);
  EXPECT_EQ(hdlc_meter.simulator().counters().link_disconnects, 1U);
  EXPECT_EQ(wrapper_meter.simulator().counters().releases, 1U);
}

// A meter waiting for its next poll holds no coroutine, only a timer whose handler starts it
// again (issue 18 item 4): a stop then must release the association, and leave no timer or
// work behind on the loop (Harness::stop runs the loop until it has no work, at most 5 s).
TEST(DlmsConnector, StopWhileAMeterWaitsForItsNextPollReleasesItAndLeavesNoWork) {
  SimulatorThread meter(on_free_port(SimulatorConfig::microstar()));
  {
    Harness harness({microstar_device("Meter A", meter.port(), 60s)});
    harness.wait_for_values("active_energy", 1);  // the first poll done; the next in 60 s
    harness.io.restart();
    harness.io.run_for(200ms);  // the worker goes to wait for it
    harness.stop();
    EXPECT_TRUE(harness.io.stopped()) << "work left on the loop after the stop";
    EXPECT_EQ(harness.sink.values_of("active_energy").size(), 1U);
  }
  meter.stop();
  EXPECT_EQ(meter.simulator().counters().releases, 1U);
  EXPECT_EQ(meter.simulator().counters().link_disconnects, 1U);
}

TEST(DlmsConnector, ReconnectRpcOpensANewAssociation) {
  SimulatorThread meter(on_free_port(SimulatorConfig::microstar()));
  Harness harness({microstar_device("Meter A", meter.port())});
  harness.wait_for_values("voltage_l1", 1);
  const auto answer = harness.rpc("Meter A", "reconnect", json::object());
  ASSERT_TRUE(answer) << answer.error().message;
  const auto before = harness.sink.values_of("voltage_l1").size();
  harness.wait_for_values("voltage_l1", before + 2);
  const auto stats = harness.rpc("Meter A", "getStats", json::object());
  ASSERT_TRUE(stats);
  EXPECT_GE((*stats)["reconnects"].get<std::int64_t>(), 1);
}

// The meter's clock goes back 6 capture periods while storage refuses the entries recorded since
// (they go back in time): the first one refused when the meter's clock is past where it was must
// not end the set back; once storage takes them, every entry recorded since arrives.
TEST(ProfileSetBack, StorageRefusingTheFirstEntryAfterTheSetBackLosesNothing) {
  constexpr std::int64_t kSetBackMs = 6000;
  auto simulator_config = on_free_port(SimulatorConfig::generic());
  simulator_config.meter_profile.capture_period_seconds = 1;
  simulator_config.meter_profile.profile_entries = 120;
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const std::int64_t set_back_at = now_ms + 3000;
  simulator_config.meter_profile.clock_set_back_at_ms = set_back_at;
  simulator_config.meter_profile.clock_set_back_ms = kSetBackMs;
  SimulatorThread meter(std::move(simulator_config));

  auto device = generic_device("Set Back Meter", meter.port());
  device.timeseries.resize(1);
  device.timeseries[0].poll_period = 1s;
  device.poll_period = 1s;
  ProfileConfig profile;
  profile.obis = ObisCode(1, 0, 99, 1, 0);
  profile.max_backfill = std::chrono::hours(1);
  device.profiles.push_back(profile);
  Harness harness({device});
  harness.sink.executor = harness.io.get_executor();

  // Storage refuses every entry that goes back in time, until it has refused one after the meter's
  // clock passed the newest entry delivered before the set back.
  std::optional<std::int64_t> newest;       // accepted
  std::optional<std::int64_t> cursor_then;  // the newest when the first entry went back
  bool passed = false;
  bool released = false;
  harness.sink.refuse = [&](const gateway::Reading& reading) {
    const bool entry = std::any_of(reading.values.begin(), reading.values.end(),
                                   [](const auto& point) { return point.key == "active_energy"; });
    if (!entry) return false;
    const std::int64_t ts = reading.ts.time_since_epoch().count();
    if (newest && ts <= *newest) {
      if (released) return false;
      if (!cursor_then) cursor_then = newest;
      if (passed) released = true;
      return true;
    }
    newest = ts;
    if (cursor_then && ts > *cursor_then) passed = true;
    return false;
  };

  // Every capture time from just after the set back up to the newest delivered then is recorded
  // twice by the meter (before and after): each must arrive twice.
  const std::int64_t first_after = (set_back_at - kSetBackMs) / 1000 * 1000 + 1000;
  const auto all_arrived = [&] {
    if (!cursor_then || !released) return false;
    for (std::int64_t ts = first_after; ts <= *cursor_then; ts += 1000) {
      const auto count = std::count_if(
          harness.sink.readings.begin(), harness.sink.readings.end(), [&](const auto& reading) {
            return reading.ts.time_since_epoch().count() == ts &&
                   std::any_of(reading.values.begin(), reading.values.end(),
                               [](const auto& point) { return point.key == "active_energy"; });
          });
      if (count < 2) return false;
    }
    return true;
  };
  wait_until(harness.io, all_arrived, 30s);
  ASSERT_TRUE(cursor_then.has_value()) << "the meter's clock never went back";
  EXPECT_TRUE(released) << "storage never refused an entry after the meter's clock passed";
  for (std::int64_t ts = first_after; ts <= *cursor_then; ts += 1000) {
    std::size_t count = 0;
    for (const auto& [at, value] : harness.sink.values_of("active_energy")) {
      if (at.time_since_epoch().count() == ts) ++count;
    }
    EXPECT_EQ(count, 2U) << "entry " << ts << " (set back at " << set_back_at << ", newest then "
                         << *cursor_then << ")";
  }
}

// RPC readProfile: every bad range gets an error naming the field and the value sent (nothing is
// read, nothing crashes); a good range of 241 capture periods is read in windows of
// kProfileChunkEntries and every entry arrives.
TEST(ProfileReadRpc, BadRangesAreRefusedAndAGoodOneIsReadInWindows) {
  auto simulator_config = on_free_port(SimulatorConfig::generic());
  simulator_config.meter_profile.capture_period_seconds = 1;
  simulator_config.meter_profile.profile_entries = 600;
  SimulatorThread meter(std::move(simulator_config));
  auto device = generic_device("Range Meter", meter.port());
  device.timeseries.resize(1);
  ProfileConfig profile;
  profile.obis = ObisCode(1, 0, 99, 1, 0);
  profile.max_backfill = std::chrono::hours(1);
  device.profiles.push_back(profile);
  Harness harness({device});
  harness.sink.executor = harness.io.get_executor();

  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  const json good_to = now_ms;
  struct Bad {
    json from;
    json to;
    std::string names;  // in the error
  };
  const std::vector<Bad> bad = {
      {json(1e30), good_to, "'from' 1e+30"},
      {json(std::numeric_limits<std::uint64_t>::max()), good_to, "'from' 18446744073709551615"},
      {json(std::numeric_limits<std::int64_t>::max()), good_to, "'from' 9223372036854775807"},
      {json(std::numeric_limits<std::int64_t>::min()), good_to, "'from' -9223372036854775808"},
      {json(-5), good_to, "'from' -5"},
      {json("1999-12-31T23:59:59Z"), good_to, "'from' \"1999-12-31T23:59:59Z\""},
      {json("yesterday"), good_to, "'from' \"yesterday\""},
      {json::object(), good_to, "'from' {}"},
      {json(now_ms - 1000), json(now_ms + 2 * 86'400'000LL), "'to' "},
      {json(now_ms - 1000), json(nullptr), "'to' is missing"},  // left out
      {json(now_ms), json(now_ms - 1000), "is before 'from'"},
      {json(now_ms - 2 * 3'600'000LL), good_to, "maxBackfillHours (1 h)"},
  };
  for (const auto& [from, to, names] : bad) {
    json params{{"obis", "1-0:99.1.0"}, {"from", from}};
    if (!to.is_null()) params["to"] = to;
    const auto answer = harness.rpc("Range Meter", "readProfile", params);
    ASSERT_FALSE(answer) << params.dump() << " -> " << answer->dump();
    EXPECT_EQ(answer.error().code, ErrorCode::invalid_argument) << answer.error().message;
    EXPECT_NE(answer.error().message.find(names), std::string::npos)
        << params.dump() << " -> " << answer.error().message;
  }

  // 241 whole seconds in the past: three windows of at most 96 entries.
  harness.wait_for_values("voltage_l1", 1);  // connected
  const std::int64_t to = (now_ms - 10'000) / 1000 * 1000;
  const std::int64_t from = to - 240'000;
  const auto answer = harness.rpc("Range Meter", "readProfile",
                                  {{"obis", "1-0:99.1.0"}, {"from", from}, {"to", to}});
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ((*answer)["entries"], 241) << answer->dump();
  EXPECT_EQ((*answer)["newest"], to) << answer->dump();
  for (std::int64_t ts = from; ts <= to; ts += 1000) {
    const bool found = std::any_of(
        harness.sink.readings.begin(), harness.sink.readings.end(),
        [&](const auto& reading) { return reading.ts.time_since_epoch().count() == ts; });
    EXPECT_TRUE(found) << "entry " << ts;
  }
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
