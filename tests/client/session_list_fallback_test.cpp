// GET-with-list against the simulator when the answer does not fit the client's PDU: the meter
// sends it in blocks, or refuses the whole list (pdu-too-long); then each attribute is read alone,
// the refusal is remembered and the list tried again after its retry time.
#include <gtest/gtest.h>

#include <thread>

#include "client/session.hpp"
#include "simulator/simulator_test_support.hpp"

namespace dlmsgw::client {
namespace {

using simulator::SimulatorConfig;
using simulator::testing::run;
using simulator::testing::SimulatorThread;

// Ten attributes of the generic profile whose values and logical names make a with-list answer far
// longer than a 64-byte PDU; the fourth is an object the meter does not have.
std::vector<xdlms::CosemAttributeDescriptor> long_list() {
  std::vector<xdlms::CosemAttributeDescriptor> list;
  for (const int c : {32, 52, 72}) {
    list.push_back({3, ObisCode(1, 0, static_cast<std::uint8_t>(c), 7, 0), 2});
    list.push_back({3, ObisCode(1, 0, static_cast<std::uint8_t>(c), 7, 0), 1});
  }
  list.insert(list.begin() + 3, {3, ObisCode(1, 0, 99, 99, 0), 2});
  list.push_back({3, ObisCode(1, 0, 1, 8, 0), 1});
  list.push_back({8, ObisCode(0, 0, 1, 0, 0), 1});
  list.push_back({8, ObisCode(0, 0, 1, 0, 0), 2});
  return list;
}

ConnectionSettings small_pdu_client(std::uint16_t port) {
  ConnectionSettings settings;
  settings.name = "list";
  settings.transport = Transport::wrapper;
  settings.endpoint = TcpTarget{"127.0.0.1", port};
  settings.client_address = 16;
  settings.server_logical = 1;
  settings.authentication = Authentication::none;
  settings.timeouts.response = std::chrono::milliseconds(2000);
  settings.max_pdu_size = 64;
  return settings;
}

void expect_only_the_missing_object_failed(
    const Expected<std::vector<Expected<axdr::Data>>>& values) {
  ASSERT_TRUE(values) << values.error().message;
  ASSERT_EQ(values->size(), 10U);
  for (std::size_t i = 0; i < values->size(); ++i) {
    if (i == 3) {
      ASSERT_FALSE((*values)[i]);
      EXPECT_NE((*values)[i].error().message.find("object-undefined"), std::string::npos)
          << (*values)[i].error().message;
    } else {
      EXPECT_TRUE((*values)[i]) << i << ": " << (*values)[i].error().message;
    }
  }
}

TEST(SessionGetWithList, ReadsAListAnswerSentInBlocks) {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  SimulatorThread meter(config);
  asio::io_context io;
  Session session(small_pdu_client(meter.port()));
  ASSERT_TRUE(run(io, session.open()));
  ASSERT_TRUE(session.negotiated_conformance().has(xdlms::ConformanceBit::multiple_references));
  const std::uint64_t before = session.stats().requests;
  auto values = run(io, session.get_many(long_list()));
  expect_only_the_missing_object_failed(values);
  EXPECT_EQ(session.stats().list_refusals, 0U);
  // One GET-with-list and the Get-Request-Next of its blocks, not one GET per attribute.
  EXPECT_GE(session.stats().requests - before, 2U);
  EXPECT_LT(session.stats().requests - before, 10U);
  run(io, session.close());
}

TEST(SessionGetWithList, AListRefusedAsAWholeIsReadOneByOneThenRetried) {
  SimulatorConfig config = SimulatorConfig::generic();
  config.base_port = 0;
  config.server.list_answers_in_blocks = false;  // pdu-too-long for the whole list
  SimulatorThread meter(config);
  asio::io_context io;
  Session session(small_pdu_client(meter.port()));
  auto refusals = std::make_shared<ListRefusals>(std::chrono::milliseconds(1500));
  session.set_list_refusals(refusals);
  ASSERT_TRUE(run(io, session.open()));

  expect_only_the_missing_object_failed(run(io, session.get_many(long_list())));
  EXPECT_EQ(session.stats().list_refusals, 1U);
  EXPECT_EQ(refusals->size(), 1U);

  // Remembered: the next cycle goes straight to one GET per attribute.
  const std::uint64_t before = session.stats().requests;
  expect_only_the_missing_object_failed(run(io, session.get_many(long_list())));
  EXPECT_EQ(session.stats().list_refusals, 1U);
  EXPECT_EQ(session.stats().requests - before, 10U);

  // Remembered per meter: a new session with the same memory does not ask the list either.
  run(io, session.close());
  Session again(small_pdu_client(meter.port()));
  again.set_list_refusals(refusals);
  ASSERT_TRUE(run(io, again.open()));
  expect_only_the_missing_object_failed(run(io, again.get_many(long_list())));
  EXPECT_EQ(again.stats().list_refusals, 0U);

  // After the retry time the list is asked again (and refused again here).
  std::this_thread::sleep_for(std::chrono::milliseconds(1550));
  expect_only_the_missing_object_failed(run(io, again.get_many(long_list())));
  EXPECT_EQ(again.stats().list_refusals, 1U);
  run(io, again.close());
}

}  // namespace
}  // namespace dlmsgw::client
