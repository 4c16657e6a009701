#pragma once
// component_logger: the logger of one component ("gateway", "uplink", "mqtt", "storage",
// "connector", "dlms", "http"), so that tb_gateway.yaml's logging.levels can make one component
// chatty without the others. `dlmsgw run` registers a logger under each name (same sinks and
// format, its own level); without that (unit tests, other tools) the default logger is used, so
// logging never depends on set-up having happened.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace dlmsgw::gateway {

// A registry look-up (one mutex) per call: fine for event logs, which are rare. Not for a loop
// that logs per byte.
inline std::shared_ptr<spdlog::logger> component_logger(const std::string& name) {
  if (auto logger = spdlog::get(name)) return logger;
  return spdlog::default_logger();
}

}  // namespace dlmsgw::gateway
