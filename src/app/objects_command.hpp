#pragma once
// `dlmsgw objects [connection flags]`: lists the objects of the current association (class id and
// name, version, OBIS, access rights) as a table or JSON.

#include <CLI/CLI.hpp>

namespace dlmsgw::app {

void add_objects_command(CLI::App& app);

}  // namespace dlmsgw::app
