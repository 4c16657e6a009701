#pragma once
// `dlmsgw profile [connection flags] OBIS [--from TIME] [--to TIME] [--last N] [--json|--csv]`:
// prints the entries of a profile generic object (load profile, billing values, event log) as a
// table: the capture time in UTC, then one column per capture object with its scaled value and
// unit. --from/--to select by range (selector 1), --last by entry (selector 2).

#include <CLI/CLI.hpp>

namespace dlmsgw::app {

void add_profile_command(CLI::App& app);

}  // namespace dlmsgw::app
