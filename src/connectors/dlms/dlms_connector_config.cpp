#include "connectors/dlms/dlms_connector_config.hpp"

// Placeholder until the parser lands: refuses every file.

namespace dlmsgw::connectors::dlms {

std::string_view to_string(ReportStrategyType type) {
  switch (type) {
    case ReportStrategyType::on_received:
      return "ON_RECEIVED";
    case ReportStrategyType::on_change:
      return "ON_CHANGE";
    case ReportStrategyType::on_report_period:
      return "ON_REPORT_PERIOD";
    case ReportStrategyType::on_change_or_report_period:
      return "ON_CHANGE_OR_REPORT_PERIOD";
  }
  return "ON_RECEIVED";
}

Expected<DlmsConnectorConfig> parse_dlms_connector_config(std::string_view,
                                                          const std::string& file_name) {
  return make_error(ErrorCode::unsupported, file_name + ": connector files are not parsed yet");
}

Expected<DlmsConnectorConfig> load_dlms_connector_config(const std::filesystem::path& path) {
  return parse_dlms_connector_config({}, path.string());
}

}  // namespace dlmsgw::connectors::dlms
