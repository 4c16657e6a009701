#pragma once
// DisconnectControlObject: class 70 "Disconnect control" (0-0:96.3.10) over the meter model.
//   2 output_state (boolean)   3 control_state (enum)   4 control_mode (enum, read/write 0..6)
// Methods 1 remote_disconnect and 2 remote_reconnect (parameter integer 0). Mode 0 refuses both;
// modes 1, 3 and 5 reconnect to ready_for_reconnection (the customer closes the switch), the
// others reconnect at once.

#include "dlms/server/cosem_object.hpp"
#include "dlms/server/meter_model.hpp"

namespace dlmsgw::server {

inline constexpr ObisCode kDisconnectControlCode{0, 0, 96, 3, 10};

class DisconnectControlObject final : public CosemObject {
 public:
  explicit DisconnectControlObject(MeterModel& model)
      : CosemObject(70, 0, kDisconnectControlCode), model_(model) {}

  [[nodiscard]] std::vector<AttributeDefinition> attributes() const override;
  [[nodiscard]] std::vector<MethodDefinition> methods() const override;

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
