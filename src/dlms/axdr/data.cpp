#include "dlms/axdr/data.hpp"

#include <limits>

namespace dlmsgw::axdr {

Expected<std::int64_t> Data::to_int64() const {
  if (const auto* value = as_signed()) return *value;
  if (const auto* value = as_unsigned()) {
    if (*value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return make_error(ErrorCode::out_of_range, std::string(to_string(type_)) + " " +
                                                     std::to_string(*value) + " exceeds int64");
    }
    return static_cast<std::int64_t>(*value);
  }
  return make_error(ErrorCode::invalid_argument,
                    "expected an integer, got " + std::string(to_string(type_)));
}

Expected<cosem::DateTime> Data::to_date_time() const {
  if (const auto* value = as_date_time()) return *value;
  if (const auto* bytes = as_bytes(); bytes != nullptr && type_ == DataType::octet_string) {
    return cosem::DateTime::decode(*bytes);
  }
  return make_error(
      ErrorCode::invalid_argument,
      "expected a date-time or a 12-byte octet-string, got " + std::string(to_string(type_)));
}

}  // namespace dlmsgw::axdr
