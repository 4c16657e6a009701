// Following the meter's own frame counter (ConnectionSettings::frame_counter_obis): before a
// ciphered association the session reads 0-0:43.1.0 through the public client and continues above
// it, so a lost or fresh counter store does not get every association refused.
#include <gtest/gtest.h>

#include "client/invocation_counter_key.hpp"
#include "client/session.hpp"
#include "simulator/simulator_test_support.hpp"

namespace dlmsgw::client {
namespace {

using simulator::SimulatorConfig;
using simulator::testing::run;
using simulator::testing::SimulatorThread;

ConnectionSettings hls_client(std::uint16_t port, const SimulatorConfig& config) {
  ConnectionSettings settings;
  settings.name = "follower";
  settings.transport = Transport::wrapper;
  settings.endpoint = TcpTarget{"127.0.0.1", port};
  settings.client_address = 1;
  settings.server_logical = 1;
  settings.authentication = Authentication::high_gmac;
  settings.security = Security::authenticated_encrypted;
  settings.system_title = *security::SystemTitle::from_hex("4D4D4D0000000001");
  settings.block_key = config.server.security.block_key;
  settings.authentication_key = config.server.security.authentication_key;
  settings.timeouts.response = std::chrono::milliseconds(2000);
  return settings;
}

// A meter that already accepted counters up to about 5000 from this system title and key.
std::uint32_t advance_meter_counter(asio::io_context& io, const ConnectionSettings& settings) {
  MemoryInvocationCounterStore store;
  const auto key = invocation_counter_key(*settings.system_title, *settings.block_key);
  EXPECT_TRUE(store.save(key, 5000));
  Session session(settings, &store);
  EXPECT_TRUE(run(io, session.open()));
  EXPECT_TRUE(run(io, session.get({1, ObisCode(0, 0, 96, 1, 0), 2})));
  run(io, session.close());
  return store.load(key)->value_or(0);
}

// Failed before (issue 14 item 1, the optional part): a fresh store starts at 0 and the meter
// refuses the association; there was no way to follow the meter's counter.
TEST(SessionFrameCounter, AFreshStoreContinuesAboveTheMetersCounter) {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  SimulatorThread meter(config);
  asio::io_context io;
  const ConnectionSettings settings = hls_client(meter.port(), config);
  const std::uint32_t used = advance_meter_counter(io, settings);
  ASSERT_GT(used, 5000U);

  // Without reading the meter's counter: refused, as every restart with a lost store was.
  MemoryInvocationCounterStore lost;
  Session blind(settings, &lost);
  auto refused = run(io, blind.open());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("AARE rejected"), std::string::npos)
      << refused.error().message;

  ConnectionSettings following = settings;
  following.frame_counter_obis = ObisCode(0, 0, 43, 1, 0);
  MemoryInvocationCounterStore fresh;
  Session session(following, &fresh);
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  auto serial = run(io, session.get({1, ObisCode(0, 0, 96, 1, 0), 2}));
  ASSERT_TRUE(serial) << serial.error().message;
  run(io, session.close());
  const auto key = invocation_counter_key(*settings.system_title, *settings.block_key);
  EXPECT_GT(fresh.load(key)->value_or(0), used);
  meter.stop();
  // The blind session's AARQ is the only security error the meter saw.
  EXPECT_EQ(meter.simulator().counters().security_errors, 1U);
}

TEST(SessionFrameCounter, AStoreAheadOfTheMeterKeepsItsOwnValue) {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  SimulatorThread meter(config);
  asio::io_context io;
  ConnectionSettings settings = hls_client(meter.port(), config);
  settings.frame_counter_obis = ObisCode(0, 0, 43, 1, 0);
  MemoryInvocationCounterStore store;
  const auto key = invocation_counter_key(*settings.system_title, *settings.block_key);
  ASSERT_TRUE(store.save(key, 90000));
  Session session(settings, &store);
  ASSERT_TRUE(run(io, session.open()));
  run(io, session.close());
  EXPECT_GT(store.load(key)->value_or(0), 90000U);
}

TEST(SessionFrameCounter, AnUnreadableCounterFailsTheOpenAndSaysWhere) {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  SimulatorThread meter(config);
  asio::io_context io;
  ConnectionSettings settings = hls_client(meter.port(), config);
  settings.frame_counter_obis = ObisCode(0, 0, 43, 1, 9);
  Session session(settings);
  auto opened = run(io, session.open());
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("reading the meter's frame counter 0-0:43.1.9"),
            std::string::npos)
      << opened.error().message;
  EXPECT_NE(opened.error().message.find("object-undefined"), std::string::npos)
      << opened.error().message;
  EXPECT_FALSE(session.is_open());
}

}  // namespace
}  // namespace dlmsgw::client
