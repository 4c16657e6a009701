#include "dlms/server/disconnect_control_object.hpp"

namespace dlmsgw::server {

using xdlms::ActionResult;
using xdlms::DataAccessResult;

std::vector<AttributeDefinition> DisconnectControlObject::attributes() const {
  return {{1, AttributeAccess::read_only, {}},
          {2, AttributeAccess::read_only, {}},
          {3, AttributeAccess::read_only, {}},
          {4, AttributeAccess::read_write, {}}};
}

std::vector<MethodDefinition> DisconnectControlObject::methods() const {
  return {{1, true}, {2, true}};
}

xdlms::GetDataResult DisconnectControlObject::read(std::int8_t attribute,
                                                   const std::optional<xdlms::SelectiveAccess>&,
                                                   const RequestContext&) const {
  switch (attribute) {
    case 2:
      return axdr::Data::boolean(model_.output_state());
    case 3:
      return axdr::Data::enumerated(static_cast<std::uint8_t>(model_.control_state()));
    default:
      return axdr::Data::enumerated(model_.control_mode());
  }
}

xdlms::DataAccessResult DisconnectControlObject::write(std::int8_t, const axdr::Data& value,
                                                       const RequestContext&) {
  const auto* mode = value.as_unsigned();
  if (value.type() != axdr::DataType::enumerated || mode == nullptr) {
    return DataAccessResult::type_unmatched;
  }
  if (*mode > 6) return DataAccessResult::other_reason;
  model_.set_control_mode(static_cast<std::uint8_t>(*mode));
  return DataAccessResult::success;
}

ActionOutcome DisconnectControlObject::invoke(std::int8_t method,
                                              const std::optional<axdr::Data>& parameters,
                                              const RequestContext&) {
  if (parameters && parameters->type() != axdr::DataType::integer) {
    return {ActionResult::type_unmatched, std::nullopt};
  }
  const std::uint8_t mode = model_.control_mode();
  if (mode == 0) return {ActionResult::temporary_failure, std::nullopt};
  if (method == 1) {
    model_.set_control_state(ControlState::disconnected);
    return {};
  }
  if (model_.control_state() == ControlState::disconnected) {
    const bool manual_closing = mode == 1 || mode == 3 || mode == 5;
    model_.set_control_state(manual_closing ? ControlState::ready_for_reconnection
                                            : ControlState::connected);
  }
  return {};
}

}  // namespace dlmsgw::server
