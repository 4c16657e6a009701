#pragma once
// `dlmsgw read [connection flags] TARGET...`: reads values from one meter and prints one line per
// target ("1-1:32.7.0  135 V"), or a JSON array with --json. See client/read_target.hpp for the
// target forms and the default-class rule.

#include <CLI/CLI.hpp>

namespace dlmsgw::app {

void add_read_command(CLI::App& app);

}  // namespace dlmsgw::app
