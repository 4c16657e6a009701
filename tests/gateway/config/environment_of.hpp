#pragma once
// env_of: an Environment (the getenv the configuration parser is given) holding exactly the
// variables a test names, so no test depends on the environment it runs in.

#include <map>
#include <optional>
#include <string>

#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::test {

inline gateway::Environment env_of(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace dlmsgw::test
