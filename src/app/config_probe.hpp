#pragma once
// ConfigProbe: `dlmsgw validate --probe` reaches what a valid configuration names, with the
// configured credentials and the code `dlmsgw run` uses: the ThingsBoard broker (TCP, then MQTT
// CONNECT: does the CONNACK accept the token?) and every meter (association, then one read of its
// first configured point). All probes run at once, each bounded by its own timeout.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "app/config_check.hpp"
#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {

struct ProbeRow {
  std::string target;   // "broker", "meter 'kitchen'"
  std::string address;  // "127.0.0.1:1883", "/dev/ttyUSB0"
  bool ok = false;
  // "ok", "ok: 230.1 V", "refused: ...", "unreachable: ...", "timeout: ...", "error: ..."
  std::string result;
  std::chrono::milliseconds took{0};
};

struct ProbeOptions {
  std::chrono::milliseconds broker_timeout{10'000};
  std::chrono::milliseconds meter_timeout{10'000};
  // Our invocation counters for meters that cipher or use HLS; empty: the per-user state folder.
  // A probe associates like any client, so it must continue the counter, not restart it.
  std::filesystem::path counter_folder;
};

// One row for the broker, then one per meter, in configuration order.
std::vector<ProbeRow> probe_configuration(const gateway::GatewayConfig& gateway,
                                          const std::vector<MeterTarget>& meters,
                                          const ProbeOptions& options = {});

}  // namespace dlmsgw::app
