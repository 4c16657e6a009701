#include "gateway/storage/record.hpp"

namespace dlmsgw::gateway {

std::string_view to_string(RecordKind kind) {
  switch (kind) {
    case RecordKind::telemetry:
      return "telemetry";
    case RecordKind::attributes:
      return "attributes";
    case RecordKind::telemetry_series:
      return "telemetry series";
  }
  return "unknown";
}

Expected<RecordKind> record_kind_from_int(int value) {
  switch (value) {
    case 1:
      return RecordKind::telemetry;
    case 2:
      return RecordKind::attributes;
    case 3:
      return RecordKind::telemetry_series;
    default:
      return make_error(ErrorCode::out_of_range,
                        "record kind " + std::to_string(value) +
                            " is none of telemetry (1), attributes (2), telemetry series (3)");
  }
}

}  // namespace dlmsgw::gateway
