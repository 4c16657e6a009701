#pragma once
// `dlmsgw simulate`: runs simulated meters (src/simulator) until SIGINT/SIGTERM.

#include <CLI/CLI.hpp>

namespace dlmsgw {

void add_simulate_command(CLI::App& app);

}  // namespace dlmsgw
