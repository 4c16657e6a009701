#include "client/meter_value.hpp"

#include <cstdio>

#include "core/hex.hpp"
#include "dlms/axdr/data_printer.hpp"
#include "dlms/cosem/interface_class.hpp"

namespace dlmsgw::client {

std::optional<cosem::ScaledValue> MeterValue::scaled() const {
  const cosem::ScalerUnit unit = scaler_unit.value_or(cosem::ScalerUnit{0, cosem::Unit::count});
  if (data.type() == axdr::DataType::boolean || data.type() == axdr::DataType::bcd) {
    return std::nullopt;
  }
  if (const auto* value = data.as_signed()) return unit.apply(*value);
  if (const auto* value = data.as_unsigned()) return unit.apply(*value);
  return std::nullopt;
}

std::optional<double> MeterValue::number() const {
  if (auto value = scaled()) return value->to_double();
  if (const auto* value = data.as_float()) {
    return scaler_unit ? scaler_unit->apply_float(*value) : *value;
  }
  return std::nullopt;
}

std::optional<cosem::DateTime> MeterValue::date_time() const {
  if (const auto* value = data.as_date_time()) return *value;
  const bool clock = attribute.class_id == static_cast<std::uint16_t>(cosem::InterfaceClass::clock);
  if (clock && data.as_bytes() != nullptr &&
      data.as_bytes()->size() == cosem::DateTime::kEncodedSize) {
    if (auto value = data.to_date_time()) return *value;
  }
  return std::nullopt;
}

namespace {

bool printable(const Bytes& bytes) {
  if (bytes.empty()) return false;
  for (const std::uint8_t byte : bytes) {
    if (byte < 0x20 || byte > 0x7E) return false;
  }
  return true;
}

}  // namespace

std::string MeterValue::value_text() const {
  if (auto time = date_time()) return time->to_iso8601();
  if (data.type() != axdr::DataType::enumerated) {
    if (auto value = scaled()) return value->to_decimal_string();
  } else if (const auto* value = data.as_unsigned()) {
    return std::to_string(*value);
  }
  if (auto value = number()) {
    char text[32];
    std::snprintf(text, sizeof text, "%.10g", *value);
    return text;
  }
  if (const auto* value = data.as_bool()) return *value ? "true" : "false";
  if (const auto* value = data.as_text()) return *value;
  if (const auto* value = data.as_bytes()) {
    if (printable(*value)) return std::string(value->begin(), value->end());
    return to_hex(*value, '\0');
  }
  if (const auto* value = data.as_date()) return value->to_string();
  if (const auto* value = data.as_time()) return value->to_string();
  return axdr::to_string(data);
}

std::string MeterValue::unit_symbol() const {
  if (!scaler_unit || scaler_unit->unit == cosem::Unit::count) return {};
  return cosem::to_string(scaler_unit->unit);
}

Expected<cosem::ScalerUnit> decode_scaler_unit(const axdr::Data& data) {
  const auto* items = data.as_list();
  if (data.type() != axdr::DataType::structure || items == nullptr || items->size() != 2) {
    return make_error(ErrorCode::malformed,
                      "scaler_unit is not structure{scaler, unit}: " + axdr::to_string(data));
  }
  auto scaler = (*items)[0].to_int64();
  auto unit = (*items)[1].to_int64();
  if (!scaler || !unit || *scaler < -128 || *scaler > 127 || *unit < 0 || *unit > 255) {
    return make_error(ErrorCode::malformed,
                      "scaler_unit values out of range: " + axdr::to_string(data));
  }
  return cosem::ScalerUnit{static_cast<std::int8_t>(*scaler),
                           static_cast<cosem::Unit>(static_cast<std::uint8_t>(*unit))};
}

}  // namespace dlmsgw::client
