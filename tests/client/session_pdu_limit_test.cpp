// Requests bounded by the meter's max receive PDU (from its AARE), against the simulator: a
// GET-with-list is made shorter, a SET or ACTION too long for the meter fails before it is sent.
#include <gtest/gtest.h>

#include "client/session.hpp"
#include "simulator/simulator_test_support.hpp"

namespace dlmsgw::client {
namespace {

using simulator::SimulatorConfig;
using simulator::testing::run;
using simulator::testing::SimulatorThread;

ConnectionSettings pdu_client(std::uint16_t port) {
  ConnectionSettings settings;
  settings.name = "pdu";
  settings.transport = Transport::wrapper;
  settings.endpoint = TcpTarget{"127.0.0.1", port};
  settings.client_address = 16;
  settings.server_logical = 1;
  settings.authentication = Authentication::none;
  settings.timeouts.response = std::chrono::milliseconds(2000);
  return settings;
}

TEST(SessionPduLimit, ASetLongerThanTheMetersPduFailsBeforeItIsSent) {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  SimulatorThread meter(config);
  asio::io_context io;
  Session session(pdu_client(meter.port()));
  ASSERT_TRUE(run(io, session.open()));
  ASSERT_EQ(session.server_max_pdu_size(), 1024U);
  const std::uint64_t before = session.stats().requests;
  auto set = run(io, session.set({1, ObisCode(0, 0, 96, 1, 0), 2},
                                 axdr::Data::octet_string(Bytes(2000, 0x41))));
  ASSERT_FALSE(set);
  EXPECT_EQ(set.error().code, ErrorCode::invalid_argument) << set.error().message;
  EXPECT_NE(set.error().message.find("above the meter's max receive PDU of 1024 bytes"),
            std::string::npos)
      << set.error().message;
  EXPECT_NE(set.error().message.find("nothing was sent"), std::string::npos);
  auto action = run(io, session.action({70, ObisCode(0, 0, 96, 3, 10), 1},
                                       axdr::Data::octet_string(Bytes(1500, 0x00))));
  ASSERT_FALSE(action);
  EXPECT_EQ(action.error().code, ErrorCode::invalid_argument) << action.error().message;
  EXPECT_EQ(session.stats().requests, before);
  EXPECT_TRUE(session.is_open());
  run(io, session.close());
  meter.stop();
  // The meter saw the association and the release only.
  EXPECT_EQ(meter.simulator().counters().requests, 2U);
}

TEST(SessionPduLimit, AGetWithListIsShortenedToFitTheMetersPdu) {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  config.server.server_max_receive_pdu = 64;
  SimulatorThread meter(config);
  asio::io_context io;
  Session session(pdu_client(meter.port()));
  ASSERT_TRUE(run(io, session.open()));
  std::vector<xdlms::CosemAttributeDescriptor> list;
  for (const int c : {32, 52, 72, 31, 51, 71, 14, 1, 3, 9}) {
    list.push_back({3, ObisCode(1, 0, static_cast<std::uint8_t>(c), 7, 0), 2});
  }
  auto values = run(io, session.get_many(list));
  ASSERT_TRUE(values) << values.error().message;
  for (const auto& value : *values) EXPECT_TRUE(value) << value.error().message;
  EXPECT_EQ(session.stats().list_refusals, 0U);
  run(io, session.close());
}

}  // namespace
}  // namespace dlmsgw::client
