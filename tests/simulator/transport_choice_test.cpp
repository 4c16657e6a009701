// The generic profile served over HDLC (`dlmsgw simulate --profile generic --transport hdlc`):
// the HDLC server transport with the generic profile's clients, so that HLS-GMAC with ciphered
// APDUs, which only the generic profile offers, can be read over HDLC too (bench/read measures
// that combination).
#include <gtest/gtest.h>

#include "client/session.hpp"
#include "simulator/simulator_test_support.hpp"

namespace dlmsgw::simulator {
namespace {

using testing::run;
using testing::SimulatorThread;

SimulatorConfig generic_over_hdlc() {
  SimulatorConfig config = SimulatorConfig::generic();
  config.transport = Transport::hdlc;
  config.base_port = 0;
  return config;
}

client::ConnectionSettings hdlc_client(std::uint16_t port, std::uint8_t client_sap) {
  client::ConnectionSettings settings;
  settings.name = "generic-hdlc";
  settings.transport = client::Transport::hdlc;
  settings.endpoint = client::TcpTarget{"127.0.0.1", port};
  settings.client_address = client_sap;
  settings.server_logical = 0;  // HdlcServerSettings: one-byte address 0x03
  settings.server_physical = 1;
  settings.server_address_size = 1;
  settings.timeouts.response = std::chrono::milliseconds(3000);
  return settings;
}

TEST(SimulatorTransportChoice, GenericProfileOverHdlcWithHlsGmacCiphering) {
  const SimulatorConfig config = generic_over_hdlc();
  SimulatorThread simulator(config);
  asio::io_context io;
  auto settings = hdlc_client(simulator.port(), 1);
  settings.authentication = client::Authentication::high_gmac;
  settings.security = client::Security::authenticated_encrypted;
  settings.system_title = *security::SystemTitle::from_hex("4D4D4D0000000001");
  settings.block_key = config.server.security.block_key;
  settings.authentication_key = config.server.security.authentication_key;
  client::Session session(settings);
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  // The generic profile's B field is 0 (the microstar's 1-1:... codes are not there).
  auto voltage = run(io, session.read({3, ObisCode(1, 0, 32, 7, 0), 2}));
  ASSERT_TRUE(voltage) << voltage.error().message;
  ASSERT_TRUE(voltage->number());
  EXPECT_GT(*voltage->number(), 200.0);
  EXPECT_FALSE(run(io, session.read({3, ObisCode(1, 1, 32, 7, 0), 2})));
  run(io, session.close());
}

TEST(SimulatorTransportChoice, GenericProfileOverHdlcWithoutAuthentication) {
  SimulatorThread simulator(generic_over_hdlc());
  asio::io_context io;
  auto settings = hdlc_client(simulator.port(), 16);
  settings.authentication = client::Authentication::none;
  client::Session session(settings);
  auto opened = run(io, session.open());
  ASSERT_TRUE(opened) << opened.error().message;
  auto frequency = run(io, session.read({3, ObisCode(1, 0, 14, 7, 0), 2}));
  ASSERT_TRUE(frequency) << frequency.error().message;
  run(io, session.close());
}

}  // namespace
}  // namespace dlmsgw::simulator
