#include "dlms/server/clock_object.hpp"

namespace dlmsgw::server {
namespace {

using xdlms::ActionResult;
using xdlms::DataAccessResult;

std::int64_t round_to(std::int64_t value, std::int64_t step) {
  const std::int64_t down = value - ((value % step) + step) % step;
  return (value - down) * 2 >= step ? down + step : down;
}

}  // namespace

std::vector<AttributeDefinition> ClockObject::attributes() const {
  return {{1, AttributeAccess::read_only, {}}, {2, AttributeAccess::read_write, {}},
          {3, AttributeAccess::read_only, {}}, {4, AttributeAccess::read_only, {}},
          {5, AttributeAccess::read_only, {}}, {6, AttributeAccess::read_only, {}},
          {7, AttributeAccess::read_only, {}}, {8, AttributeAccess::read_only, {}},
          {9, AttributeAccess::read_only, {}}};
}

std::vector<MethodDefinition> ClockObject::methods() const {
  return {{1, true}, {2, false}, {3, true}, {4, false}, {5, false}, {6, true}};
}

axdr::Data ClockObject::time_data(std::int64_t meter_unix_ms, int utc_offset_minutes) {
  return axdr::Data::octet_string(
      cosem::DateTime::from_unix_ms(meter_unix_ms, utc_offset_minutes).encode());
}

xdlms::GetDataResult ClockObject::read(std::int8_t attribute,
                                       const std::optional<xdlms::SelectiveAccess>&,
                                       const RequestContext& context) const {
  const int offset = model_.profile().utc_offset_minutes;
  switch (attribute) {
    case 2:
      return time_data(model_.meter_time_ms(context.now_unix_ms), offset);
    case 3:
      // Blue Book: deviation of local time from UTC in minutes, with the date-time sign
      // convention (UTC = local + deviation).
      return axdr::Data::long_integer(static_cast<std::int16_t>(-offset));
    case 4:
      return axdr::Data::unsigned_integer(0);
    case 5:
    case 6: {
      // Not used: every field "not specified".
      cosem::DateTime never;
      return axdr::Data::octet_string(never.encode());
    }
    case 7:
      return axdr::Data::integer(0);
    case 8:
      return axdr::Data::boolean(false);
    default:
      return axdr::Data::enumerated(1);
  }
}

xdlms::DataAccessResult ClockObject::write(std::int8_t, const axdr::Data& value,
                                           const RequestContext& context) {
  auto time = value.to_date_time();
  if (!time) return DataAccessResult::type_unmatched;
  cosem::DateTime local = *time;
  // A time without deviation is the meter's local time.
  if (local.deviation == cosem::kDeviationNotSpecified) {
    local.deviation = static_cast<std::int16_t>(-model_.profile().utc_offset_minutes);
  }
  const auto unix_ms = local.to_unix_ms();
  if (!unix_ms) return DataAccessResult::other_reason;
  model_.set_meter_time(*unix_ms, context.now_unix_ms);
  return DataAccessResult::success;
}

ActionOutcome ClockObject::invoke(std::int8_t method, const std::optional<axdr::Data>& parameters,
                                  const RequestContext& context) {
  const std::int64_t meter = model_.meter_time_ms(context.now_unix_ms);
  switch (method) {
    case 1:
      model_.set_meter_time(round_to(meter, 900000), context.now_unix_ms);
      return {};
    case 3:
      model_.set_meter_time(round_to(meter, 60000), context.now_unix_ms);
      return {};
    default: {
      // shift_time: long, -900..900 seconds.
      const auto seconds =
          parameters ? parameters->to_int64() : Expected<std::int64_t>(std::int64_t{0});
      if (!parameters || parameters->type() != axdr::DataType::long_integer || !seconds ||
          *seconds < -900 || *seconds > 900) {
        return {ActionResult::type_unmatched, std::nullopt};
      }
      model_.shift_clock(*seconds * 1000);
      return {};
    }
  }
}

}  // namespace dlmsgw::server
