#include "dlms/cosem/scaled_value.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <system_error>

namespace dlmsgw::cosem {
namespace {

// Parses "<mantissa>e<exponent>" into the nearest double. from_chars rounds correctly and ignores
// the locale, which strtod does not. Out-of-range results saturate: the caller's exponent says
// which way.
double parse_scientific(std::string_view text, bool exponent_positive, bool negative) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    const double saturated = exponent_positive ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -saturated : saturated;
  }
  (void)end;
  return value;
}

// Shifts the decimal exponent of the shortest scientific form of `raw` by `scaler`.
template <class Float>
double scale_shortest(Float raw, std::int8_t scaler) {
  if (!std::isfinite(raw) || raw == 0) return static_cast<double>(raw);
  std::array<char, 64> text{};
  const auto [end, ec] =
      std::to_chars(text.data(), text.data() + text.size(), raw, std::chars_format::scientific);
  if (ec != std::errc{}) return static_cast<double>(raw);  // cannot happen with 64 chars
  std::string_view printed(text.data(), static_cast<std::size_t>(end - text.data()));
  const std::size_t e = printed.find('e');
  int exponent = 0;
  std::from_chars(printed.data() + e + 1 + (printed[e + 1] == '+' ? 1 : 0),
                  printed.data() + printed.size(), exponent);
  exponent += scaler;
  std::string rebuilt(printed.substr(0, e));
  rebuilt += 'e';
  rebuilt += std::to_string(exponent);
  return parse_scientific(rebuilt, exponent > 0, raw < 0);
}

}  // namespace

double ScalerUnit::apply_float(float raw) const {
  return scale_shortest(raw, scaler);
}
double ScalerUnit::apply_float(double raw) const {
  return scale_shortest(raw, scaler);
}
double scale_float(double raw, std::int8_t scaler) {
  return scale_shortest(raw, scaler);
}
double scale_float(float raw, std::int8_t scaler) {
  return scale_shortest(raw, scaler);
}

std::string ScalerUnit::to_string() const {
  std::string text = "10^" + std::to_string(scaler);
  if (unit == Unit::count) return text + " (count)";
  return text + " " + cosem::to_string(unit);
}

std::optional<std::int64_t> ScaledValue::raw_signed() const {
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (!negative_) {
    if (magnitude_ > kMax) return std::nullopt;
    return static_cast<std::int64_t>(magnitude_);
  }
  if (magnitude_ > kMax + 1) return std::nullopt;  // never: magnitudes come from an int64
  if (magnitude_ == kMax + 1) return std::numeric_limits<std::int64_t>::min();
  return -static_cast<std::int64_t>(magnitude_);
}

std::optional<std::uint64_t> ScaledValue::raw_unsigned() const {
  if (negative_ && magnitude_ != 0) return std::nullopt;
  return magnitude_;
}

double ScaledValue::to_double() const {
  std::string text = negative_ ? "-" : "";
  text += std::to_string(magnitude_);
  text += 'e';
  text += std::to_string(scaler());
  return parse_scientific(text, scaler() > 0, negative_);
}

std::string ScaledValue::to_decimal_string() const {
  if (magnitude_ == 0) return "0";
  std::string digits = std::to_string(magnitude_);
  const int scaler = scaler_unit_.scaler;
  std::string text;
  if (scaler >= 0) {
    text = std::move(digits);
    text.append(static_cast<std::size_t>(scaler), '0');
  } else {
    const auto fraction_digits = static_cast<std::size_t>(-scaler);
    if (digits.size() > fraction_digits) {
      text = digits.substr(0, digits.size() - fraction_digits) + "." +
             digits.substr(digits.size() - fraction_digits);
    } else {
      text = "0." + std::string(fraction_digits - digits.size(), '0') + digits;
    }
    // The magnitude is non-zero, so a non-zero digit stops this before the point is passed.
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return negative_ ? "-" + text : text;
}

std::string ScaledValue::to_string() const {
  std::string text = to_decimal_string();
  const auto row = find_unit(unit());
  if (row && row->symbol.empty()) return text;
  return text + " " + cosem::to_string(unit());
}

}  // namespace dlmsgw::cosem
