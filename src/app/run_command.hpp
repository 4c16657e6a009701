#pragma once
// `dlmsgw run [-c DIR|FILE] [--log-level LEVEL]`: the gateway. Reads DIR/tb_gateway.yaml (or
// .json), opens storage, starts one connector per connectors[] entry and delivers to ThingsBoard
// until SIGTERM/SIGINT. SIGHUP reloads the connector files. Exit statuses: 0 stopped cleanly,
// 1 runtime failure, 2 configuration error, 75 restart requested (gateway_restart).

#include <CLI/CLI.hpp>

namespace dlmsgw::app {

void add_run_command(CLI::App& app);

}  // namespace dlmsgw::app
