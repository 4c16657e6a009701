#pragma once
// RegisterObject: class 3 "Register" (attribute 2 value, 3 scaler_unit), or class 4 "Extended
// register" when it has a capture time (adding 4 status and 5 capture_time). The value comes from
// a function of the caller's time, so the register follows the meter model.

#include <functional>

#include "dlms/cosem/scaled_value.hpp"
#include "dlms/server/cosem_object.hpp"

namespace dlmsgw::server {

class RegisterObject final : public CosemObject {
 public:
  using ValueFunction = std::function<axdr::Data(std::int64_t now_unix_ms)>;
  using CaptureFunction = std::function<axdr::Data(std::int64_t now_unix_ms)>;

  RegisterObject(ObisCode logical_name, cosem::ScalerUnit scaler_unit, ValueFunction value)
      : CosemObject(3, 0, logical_name), scaler_unit_(scaler_unit), value_(std::move(value)) {}
  // Extended register: status is an unsigned 0 (no fault), capture_time from `capture_time`.
  RegisterObject(ObisCode logical_name, cosem::ScalerUnit scaler_unit, ValueFunction value,
                 CaptureFunction capture_time)
      : CosemObject(4, 0, logical_name),
        scaler_unit_(scaler_unit),
        value_(std::move(value)),
        capture_time_(std::move(capture_time)) {}

  [[nodiscard]] std::vector<AttributeDefinition> attributes() const override;
  [[nodiscard]] std::vector<MethodDefinition> methods() const override;
  [[nodiscard]] cosem::ScalerUnit scaler_unit() const { return scaler_unit_; }

  // scaler_unit as attribute 3 carries it: structure{integer scaler, enum unit}.
  static axdr::Data scaler_unit_data(cosem::ScalerUnit scaler_unit);

 protected:
  xdlms::GetDataResult read(std::int8_t attribute,
                            const std::optional<xdlms::SelectiveAccess>& access,
                            const RequestContext& context) const override;
  // Method 1 reset: refused (a billing register is not reset from the field); listed because the
  // class defines it.
  ActionOutcome invoke(std::int8_t method, const std::optional<axdr::Data>& parameters,
                       const RequestContext& context) override;

 private:
  cosem::ScalerUnit scaler_unit_;
  ValueFunction value_;
  CaptureFunction capture_time_;
};

}  // namespace dlmsgw::server
