#pragma once
// The gateway_reboot RPC's action: runs thingsboard.rebootCommand through /bin/sh without
// blocking the loop. The command's exit status is logged when it ends (a reboot usually ends the
// process first).

#include <string>

namespace dlmsgw::app {

void start_reboot_command(const std::string& command);

}  // namespace dlmsgw::app
