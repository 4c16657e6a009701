#include "dlms/server/cosem_object.hpp"

#include <algorithm>

namespace dlmsgw::server {

using xdlms::ActionResult;
using xdlms::DataAccessResult;

axdr::Data logical_name_data(const ObisCode& code) {
  const auto& groups = code.groups();
  return axdr::Data::octet_string(Bytes(groups.begin(), groups.end()));
}

std::optional<AttributeDefinition> CosemObject::find_attribute(std::int8_t index) const {
  for (auto& attribute : attributes()) {
    if (attribute.index == index) return attribute;
  }
  return std::nullopt;
}

xdlms::GetDataResult CosemObject::get(std::int8_t attribute,
                                      const std::optional<xdlms::SelectiveAccess>& access,
                                      const RequestContext& context) const {
  const auto definition = find_attribute(attribute);
  if (!definition) return DataAccessResult::object_undefined;
  if (!readable(definition->access)) return DataAccessResult::read_write_denied;
  if (access && std::find(definition->selectors.begin(), definition->selectors.end(),
                          access->selector) == definition->selectors.end()) {
    return DataAccessResult::other_reason;
  }
  if (attribute == 1) return logical_name_data(logical_name_);
  return read(attribute, access, context);
}

xdlms::DataAccessResult CosemObject::set(std::int8_t attribute, const axdr::Data& value,
                                         const RequestContext& context) {
  const auto definition = find_attribute(attribute);
  if (!definition) return DataAccessResult::object_undefined;
  if (!writable(definition->access) || attribute == 1) return DataAccessResult::read_write_denied;
  return write(attribute, value, context);
}

ActionOutcome CosemObject::action(std::int8_t method, const std::optional<axdr::Data>& parameters,
                                  const RequestContext& context) {
  for (const auto& definition : methods()) {
    if (definition.index != method) continue;
    if (!definition.access) return {ActionResult::read_write_denied, std::nullopt};
    return invoke(method, parameters, context);
  }
  return {ActionResult::object_undefined, std::nullopt};
}

xdlms::DataAccessResult CosemObject::write(std::int8_t, const axdr::Data&, const RequestContext&) {
  return DataAccessResult::read_write_denied;
}

ActionOutcome CosemObject::invoke(std::int8_t, const std::optional<axdr::Data>&,
                                  const RequestContext&) {
  return {ActionResult::read_write_denied, std::nullopt};
}

axdr::Data CosemObject::access_rights() const {
  axdr::DataList attribute_access;
  for (const auto& attribute : attributes()) {
    axdr::Data selectors = axdr::Data::null();
    if (!attribute.selectors.empty()) {
      axdr::DataList list;
      for (const std::uint8_t selector : attribute.selectors) {
        list.push_back(axdr::Data::integer(static_cast<std::int8_t>(selector)));
      }
      selectors = axdr::Data::array(std::move(list));
    }
    attribute_access.push_back(
        axdr::Data::structure({axdr::Data::integer(attribute.index),
                               axdr::Data::enumerated(static_cast<std::uint8_t>(attribute.access)),
                               std::move(selectors)}));
  }
  axdr::DataList method_access;
  for (const auto& method : methods()) {
    // Association LN version 0 carries the method access_mode as a boolean.
    method_access.push_back(axdr::Data::structure(
        {axdr::Data::integer(method.index), axdr::Data::boolean(method.access)}));
  }
  return axdr::Data::structure({axdr::Data::array(std::move(attribute_access)),
                                axdr::Data::array(std::move(method_access))});
}

axdr::Data CosemObject::object_list_entry() const {
  return axdr::Data::structure({axdr::Data::long_unsigned(class_id_),
                                axdr::Data::unsigned_integer(version_),
                                logical_name_data(logical_name_), access_rights()});
}

}  // namespace dlmsgw::server
