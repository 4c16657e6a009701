#include "app/gateway_file.hpp"

namespace dlmsgw::app {

namespace fs = std::filesystem;

Expected<fs::path> find_gateway_file(const fs::path& config) {
  std::error_code ec;
  if (fs::is_directory(config, ec)) {
    for (const char* name : {"tb_gateway.yaml", "tb_gateway.yml", "tb_gateway.json"}) {
      if (fs::exists(config / name, ec)) return config / name;
    }
    return make_error(ErrorCode::invalid_argument,
                      config.string() +
                          ": no tb_gateway.yaml or tb_gateway.json in this directory (-c takes "
                          "the configuration directory or the file)");
  }
  if (!fs::exists(config, ec)) {
    return make_error(ErrorCode::invalid_argument,
                      config.string() +
                          ": no such file or directory (-c takes the "
                          "configuration directory or its tb_gateway.yaml)");
  }
  return config;
}

}  // namespace dlmsgw::app
