#include "dlms/server/register_object.hpp"

namespace dlmsgw::server {

std::vector<AttributeDefinition> RegisterObject::attributes() const {
  std::vector<AttributeDefinition> list{{1, AttributeAccess::read_only, {}},
                                        {2, AttributeAccess::read_only, {}},
                                        {3, AttributeAccess::read_only, {}}};
  if (capture_time_) {
    list.push_back({4, AttributeAccess::read_only, {}});
    list.push_back({5, AttributeAccess::read_only, {}});
  }
  return list;
}

std::vector<MethodDefinition> RegisterObject::methods() const {
  return {{1, false}};
}

axdr::Data RegisterObject::scaler_unit_data(cosem::ScalerUnit scaler_unit) {
  return axdr::Data::structure(
      {axdr::Data::integer(scaler_unit.scaler),
       axdr::Data::enumerated(static_cast<std::uint8_t>(scaler_unit.unit))});
}

xdlms::GetDataResult RegisterObject::read(std::int8_t attribute,
                                          const std::optional<xdlms::SelectiveAccess>&,
                                          const RequestContext& context) const {
  switch (attribute) {
    case 2:
      return value_(context.now_unix_ms);
    case 3:
      return scaler_unit_data(scaler_unit_);
    case 4:
      return axdr::Data::unsigned_integer(0);
    default:
      return capture_time_(context.now_unix_ms);
  }
}

ActionOutcome RegisterObject::invoke(std::int8_t, const std::optional<axdr::Data>&,
                                     const RequestContext&) {
  return {xdlms::ActionResult::read_write_denied, std::nullopt};
}

}  // namespace dlmsgw::server
