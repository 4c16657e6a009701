#pragma once
// SimulatorConfig: what one simulator process serves: N meters of one profile, one TCP port each
// from a base port, over HDLC or the wrapper, and the faults to inject.
//
// Profiles:
//   microstar: HDLC over TCP, base port 3333, client 1 -> server one-byte address 0x03 (logical
//              0, physical 1), LLS 1/22222222 32/11111111 17/00000000, conformance 0x00301D,
//              UA with one-byte values, one client at a time, link dropped after 180 s idle.
//   generic:   wrapper, base port 4059, server wPort 1, clients 16 (no authentication),
//              32 (LLS 12345678), 1 (HLS-GMAC, ciphered; keys in dlms/server/server_config.hpp),
//              several clients at once, 180 s idle timeout.

#include <chrono>
#include <cstdint>
#include <string>

#include "core/expected.hpp"
#include "dlms/server/hdlc_server_transport.hpp"
#include "dlms/server/meter_profile.hpp"
#include "dlms/server/server_config.hpp"
#include "simulator/fault.hpp"

namespace dlmsgw::simulator {

enum class Transport : std::uint8_t { hdlc, wrapper };

struct SimulatorConfig {
  std::string profile_name = "generic";
  server::MeterProfile meter_profile = server::MeterProfile::generic();
  server::ServerConfig server = server::ServerConfig::generic();
  server::HdlcServerSettings hdlc;
  Transport transport = Transport::wrapper;
  std::size_t meters = 1;
  // Meter i listens on base_port + i; 0 gives every meter an ephemeral port (tests).
  std::uint16_t base_port = 4059;
  std::string bind_address = "127.0.0.1";
  std::uint64_t seed = 1;
  bool one_client_at_a_time = false;
  std::chrono::milliseconds inactivity_timeout{180000};
  FaultRates fault_rates{};
  std::chrono::milliseconds fault_delay{1000};  // for delay and slow_accept

  static SimulatorConfig microstar();
  static SimulatorConfig generic();
  static Expected<SimulatorConfig> for_profile(std::string_view name);
};

}  // namespace dlmsgw::simulator
