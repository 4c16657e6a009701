#pragma once
// MeterValue: one attribute value read from a meter, as it came (axdr::Data) and with the scaler
// and unit of its register applied for printing and publishing. "135 V" for a class 3 voltage sent
// as 13500 with scaler -2; ISO 8601 for a clock; text for a visible-string or printable octets.

#include <optional>
#include <string>

#include "dlms/axdr/data.hpp"
#include "dlms/cosem/scaled_value.hpp"
#include "dlms/xdlms/cosem_descriptor.hpp"

namespace dlmsgw::client {

struct MeterValue {
  xdlms::CosemAttributeDescriptor attribute;
  axdr::Data data;
  std::optional<cosem::ScalerUnit> scaler_unit;  // registers only

  // Integer data with the scaler applied, exact.
  [[nodiscard]] std::optional<cosem::ScaledValue> scaled() const;
  // Any number (integer or float) with the scaler applied; nothing for other data.
  [[nodiscard]] std::optional<double> number() const;
  // The value without unit: "135", "1.3", "2026-05-01T10:00:00+02:00", "MS123456", "true".
  [[nodiscard]] std::string value_text() const;
  // The unit symbol ("V"); empty for no unit or "count".
  [[nodiscard]] std::string unit_symbol() const;
  // The date-time when the value is one (date-time type, or a 12-byte octet-string of a clock).
  [[nodiscard]] std::optional<cosem::DateTime> date_time() const;
};

// The (scaler, unit) of a scaler_unit attribute: structure { integer scaler, enum unit }.
Expected<cosem::ScalerUnit> decode_scaler_unit(const axdr::Data& data);

}  // namespace dlmsgw::client
