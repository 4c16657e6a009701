#pragma once
// `dlmsgw dead-letter list|requeue`: the records the uplink set aside because the platform kept
// refusing them (docs/operations.md, "Dead letters"), in the SQLite database of a stopped gateway.
// A running gateway holds the database's lock: the command is then refused, naming its pid.

#include <CLI/CLI.hpp>

namespace dlmsgw::app {

void add_dead_letter_command(CLI::App& app);

}  // namespace dlmsgw::app
