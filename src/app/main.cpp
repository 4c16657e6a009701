// dlmsgw: DLMS/COSEM meters to ThingsBoard. This file only wires subcommands; each lives in its own
// file.

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/dead_letter_command.hpp"
#include "app/decode_command.hpp"
#include "app/objects_command.hpp"
#include "app/profile_command.hpp"
#include "app/read_command.hpp"
#include "app/run_command.hpp"
#include "app/simulate_command.hpp"
#include "app/validate_command.hpp"
#include "app/version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"dlmsgw: reads DLMS/COSEM meters and delivers their readings to ThingsBoard"};
  app.set_version_flag("--version", std::string(dlmsgw::kVersion));
  app.require_subcommand(0, 1);
  dlmsgw::app::add_read_command(app);
  dlmsgw::app::add_profile_command(app);
  dlmsgw::app::add_objects_command(app);
  dlmsgw::app::add_decode_command(app);
  dlmsgw::add_simulate_command(app);
  dlmsgw::app::add_run_command(app);
  dlmsgw::app::add_validate_command(app);
  dlmsgw::app::add_dead_letter_command(app);
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) std::cout << app.help();
  return 0;
}
