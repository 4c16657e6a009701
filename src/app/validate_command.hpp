#pragma once
// `dlmsgw validate [-c DIR|FILE] [--probe] [--json]`: checks a configuration without running it:
// tb_gateway.yaml (or .json) and every connector file it names, each problem printed as
// "file:line: key: problem (hint)", warnings too. --probe then reaches the broker (MQTT CONNECT
// with the configured credentials) and every meter (association and one read). Exit statuses,
// for scripts: 0 valid (warnings allowed), 1 valid but a probe failed, 2 configuration invalid.

#include <CLI/CLI.hpp>

namespace dlmsgw::app {

void add_validate_command(CLI::App& app);

}  // namespace dlmsgw::app
