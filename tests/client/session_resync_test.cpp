// A late exception-response (it carries no invoke id) from a request that timed out must never be
// taken as the answer to the next request: the simulator answers refusals only after its fault
// delay, longer than the session's response timeout, over the wrapper and over HDLC.
#include <gtest/gtest.h>

#include "client/session.hpp"
#include "simulator/simulator_test_support.hpp"

namespace dlmsgw::client {
namespace {

using simulator::SimulatorConfig;
using simulator::testing::run;
using simulator::testing::SimulatorThread;

const ObisCode kResyncClock(0, 0, 1, 0, 0);
// Channel 0 on the generic profile, 1 on microstar.
const ObisCode kResyncVoltage(1, 0, 32, 7, 0);
const ObisCode kResyncVoltageMicrostar(1, 1, 32, 7, 0);

struct LateCase {
  const char* name;
  bool hdlc;
};

class SessionLateRefusal : public ::testing::TestWithParam<LateCase> {};

TEST_P(SessionLateRefusal, IsNeverTheAnswerToTheNextRequest) {
  const bool hdlc = GetParam().hdlc;
  SimulatorConfig config = hdlc ? SimulatorConfig::microstar() : SimulatorConfig::generic();
  config.base_port = 0;
  config.fault_rates[static_cast<std::size_t>(simulator::Fault::late_error)] = 1.0;
  // Later than the SET's whole wait (300 ms; HDLC: 3 x 300 ms), well within the probe's that
  // follows (3 x 300 ms), with margins for a loaded machine.
  config.fault_delay = std::chrono::milliseconds(hdlc ? 1300 : 700);
  SimulatorThread meter(config);

  ConnectionSettings settings;
  settings.name = "late";
  settings.endpoint = TcpTarget{"127.0.0.1", meter.port()};
  if (!hdlc) {
    settings.transport = Transport::wrapper;
    settings.client_address = 16;
    settings.server_logical = 1;
    settings.authentication = Authentication::none;
  }
  settings.timeouts.response = std::chrono::milliseconds(300);
  settings.timeouts.retries = 2;
  // Without SET in the proposal the meter refuses every SET with an exception-response.
  settings.proposed_conformance = xdlms::Conformance(0x007E1F).without(xdlms::ConformanceBit::set);
  asio::io_context io;
  Session session(settings);
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;

  const cosem::DateTime when = cosem::DateTime::from_unix_ms(1795526854000, 60);
  for (int round = 0; round < 3; ++round) {
    auto set = run(io, session.set({8, kResyncClock, 2}, axdr::Data::octet_string(when.encode())));
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().code, ErrorCode::timeout) << set.error().message;
    // The refusal of the SET arrives while this GET waits: it must be dropped, not returned.
    auto voltage = run(io, session.get({3, hdlc ? kResyncVoltageMicrostar : kResyncVoltage, 2}));
    ASSERT_TRUE(voltage) << "round " << round << ": " << voltage.error().message;
    EXPECT_TRUE(session.is_open());
  }
  EXPECT_EQ(session.stats().resyncs, 3U);
  EXPECT_GE(session.stats().stale_responses, 3U);
  run(io, session.close());
}

INSTANTIATE_TEST_SUITE_P(Transports, SessionLateRefusal,
                         ::testing::Values(LateCase{"Wrapper", false}, LateCase{"Hdlc", true}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace dlmsgw::client
