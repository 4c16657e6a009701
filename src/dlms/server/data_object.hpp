#pragma once
// DataObject: class 1 "Data", attribute 2 value (serial number, firmware version, logical device
// name...). The value is fixed unless the object is writable.

#include "dlms/server/cosem_object.hpp"

namespace dlmsgw::server {

class DataObject final : public CosemObject {
 public:
  DataObject(ObisCode logical_name, axdr::Data value, bool writable = false)
      : CosemObject(1, 0, logical_name), value_(std::move(value)), writable_(writable) {}

  [[nodiscard]] std::vector<AttributeDefinition> attributes() const override;
  [[nodiscard]] const axdr::Data& value() const { return value_; }

 protected:
  xdlms::GetDataResult read(std::int8_t attribute,
                            const std::optional<xdlms::SelectiveAccess>& access,
                            const RequestContext& context) const override;
  xdlms::DataAccessResult write(std::int8_t attribute, const axdr::Data& value,
                                const RequestContext& context) override;

 private:
  axdr::Data value_;
  bool writable_;
};

}  // namespace dlmsgw::server
