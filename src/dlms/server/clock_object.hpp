#pragma once
// ClockObject: class 8 "Clock" (0-0:1.0.0) over the meter model's clock.
//   2 time (octet-string of 12, read/write)   3 time_zone (long, minutes)   4 status (unsigned)
//   5/6 daylight_savings_begin/end   7 daylight_savings_deviation   8 daylight_savings_enabled
//   9 clock_base (1: internal crystal)
// Methods: 1 adjust_to_quarter, 3 adjust_to_minute, 6 shift_time (long seconds); the others the
// class defines (2, 4, 5) are listed without access.

#include "dlms/cosem/date_time.hpp"
#include "dlms/server/cosem_object.hpp"
#include "dlms/server/meter_model.hpp"

namespace dlmsgw::server {

inline constexpr ObisCode kClockCode{0, 0, 1, 0, 0};

class ClockObject final : public CosemObject {
 public:
  explicit ClockObject(MeterModel& model) : CosemObject(8, 0, kClockCode), model_(model) {}

  [[nodiscard]] std::vector<AttributeDefinition> attributes() const override;
  [[nodiscard]] std::vector<MethodDefinition> methods() const override;

  // The meter's clock at `meter_unix_ms` as the clock's time attribute carries it.
  static axdr::Data time_data(std::int64_t meter_unix_ms, int utc_offset_minutes);

 protected:
  xdlms::GetDataResult read(std::int8_t attribute,
                            const std::optional<xdlms::SelectiveAccess>& access,
                            const RequestContext& context) const override;
  xdlms::DataAccessResult write(std::int8_t attribute, const axdr::Data& value,
                                const RequestContext& context) override;
  ActionOutcome invoke(std::int8_t method, const std::optional<axdr::Data>& parameters,
                       const RequestContext& context) override;

 private:
  MeterModel& model_;
};

}  // namespace dlmsgw::server
