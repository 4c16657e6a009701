#include "gateway/storage/record.hpp"

namespace dlmsgw::gateway {

std::string_view to_string(RecordKind kind) {
  switch (kind) {
    case RecordKind::telemetry:
      return "telemetry";
    case RecordKind::attributes:
      return "attributes";
  }
  return "unknown";
}

Expected<RecordKind> record_kind_from_int(int value) {
  switch (value) {
    case 1:
      return RecordKind::telemetry;
    case 2:
      return RecordKind::attributes;
    default:
      return make_error(
          ErrorCode::out_of_range,
          "record kind " + std::to_string(value) + " is neither telemetry (1) nor attributes (2)");
  }
}

}  // namespace dlmsgw::gateway
