#pragma once
// ConfigCheck: what `dlmsgw validate` finds in a configuration without starting anything: the
// gateway file (tb_gateway.yaml/.json) and every connector file its connectors[] names, with each
// problem as "file:line: key: problem (hint)". Beyond what each parser refuses, it checks what
// only the whole configuration shows: connector types dlmsgw has, connector files that exist,
// and device names unique over all connector files (each is one ThingsBoard device).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "client/connection_settings.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"
#include "gateway/config/gateway_config.hpp"

namespace dlmsgw::app {

// A meter of a valid connector file, for --probe.
struct MeterTarget {
  std::string name;
  client::ConnectionSettings connection;
  // The first configured timeseries (else attribute) read from the meter; none: association only.
  std::optional<xdlms::CosemAttributeDescriptor> first_point;
};

struct ConfigCheck {
  std::filesystem::path gateway_file;
  std::vector<std::string> errors;    // "file:line: key: problem (hint)"
  std::vector<std::string> warnings;  // same form: unknown keys, group-readable secrets...
  std::size_t gateway_files = 0;      // 0 when -c named nothing readable
  std::size_t connector_files = 0;    // read and checked
  // The gateway file's settings, when it had no error (the broker to probe).
  std::optional<gateway::GatewayConfig> gateway;
  std::vector<MeterTarget> meters;

  [[nodiscard]] bool valid() const { return errors.empty(); }
};

// `config`: the directory holding tb_gateway.yaml, or the file (as `dlmsgw run -c`).
ConfigCheck check_configuration(const std::filesystem::path& config);

}  // namespace dlmsgw::app
