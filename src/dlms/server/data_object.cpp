#include "dlms/server/data_object.hpp"

namespace dlmsgw::server {

std::vector<AttributeDefinition> DataObject::attributes() const {
  return {{1, AttributeAccess::read_only, {}},
          {2, writable_ ? AttributeAccess::read_write : AttributeAccess::read_only, {}}};
}

xdlms::GetDataResult DataObject::read(std::int8_t, const std::optional<xdlms::SelectiveAccess>&,
                                      const RequestContext&) const {
  return value_;
}

xdlms::DataAccessResult DataObject::write(std::int8_t, const axdr::Data& value,
                                          const RequestContext&) {
  if (value.type() != value_.type()) return xdlms::DataAccessResult::type_unmatched;
  value_ = value;
  return xdlms::DataAccessResult::success;
}

}  // namespace dlmsgw::server
