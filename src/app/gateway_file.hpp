#pragma once
// Where a configuration is: `-c` names the directory holding tb_gateway.yaml (or .yml, or .json),
// or the file itself.

#include <filesystem>

#include "core/expected.hpp"

namespace dlmsgw::app {

// The gateway file `-c config` means, or an error naming what was looked for.
Expected<std::filesystem::path> find_gateway_file(const std::filesystem::path& config);

}  // namespace dlmsgw::app
