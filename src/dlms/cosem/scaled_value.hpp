#pragma once
// ScaledValue: a register reading kept exactly as the meter sent it, an integer and a power-of-ten
// scaler (value = raw * 10^scaler, Blue Book class 3 scaler_unit), plus its unit. Nothing is
// rounded until publish time: to_decimal_string() is exact for every raw value of every integer
// type up to long64-unsigned and every scaler -128..127, and to_double() is the nearest double to
// that exact value. ScalerUnit is the (scaler, unit) pair read once from attribute 3 and applied to
// every later attribute-2 reading, so a poll cycle needs one GET per value, not two.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>

#include "dlms/cosem/unit.hpp"

namespace dlmsgw::cosem {

// Integer types a register value can arrive as (bool is not a number on the wire).
template <class T>
concept RawInteger = std::integral<T> && !std::same_as<std::remove_cv_t<T>, bool>;

class ScaledValue;

struct ScalerUnit {
  std::int8_t scaler = 0;
  Unit unit = Unit::count;

  // An integer register value (integer .. long64-unsigned) with this scaler and unit.
  template <RawInteger T>
  [[nodiscard]] constexpr ScaledValue apply(T raw) const;
  // A float32/float64 register value scaled to a double. The raw value is taken at its shortest
  // decimal form (1.1f counts as 1.1, not 1.100000023841858) so scaling adds no binary noise.
  // NaN and infinities pass through; results beyond double's range become +-inf or +-0.
  [[nodiscard]] double apply_float(float raw) const;
  [[nodiscard]] double apply_float(double raw) const;

  // "10^-2 V", "10^0 (count)": for logs and the `objects` listing.
  [[nodiscard]] std::string to_string() const;

  friend constexpr bool operator==(const ScalerUnit&, const ScalerUnit&) = default;
};

class ScaledValue {
 public:
  constexpr ScaledValue() = default;  // 0 with scaler 0, no unit
  template <RawInteger T>
  explicit constexpr ScaledValue(T raw, std::int8_t scaler = 0, Unit unit = Unit::count)
      : magnitude_(magnitude_of(raw)), negative_(raw < 0), scaler_unit_{scaler, unit} {}
  template <RawInteger T>
  constexpr ScaledValue(T raw, ScalerUnit scaler_unit)
      : ScaledValue(raw, scaler_unit.scaler, scaler_unit.unit) {}

  [[nodiscard]] constexpr bool is_negative() const { return negative_; }
  // |raw|: up to 2^64-1 for long64-unsigned, 2^63 for the most negative long64.
  [[nodiscard]] constexpr std::uint64_t magnitude() const { return magnitude_; }
  [[nodiscard]] constexpr std::int8_t scaler() const { return scaler_unit_.scaler; }
  [[nodiscard]] constexpr Unit unit() const { return scaler_unit_.unit; }
  [[nodiscard]] constexpr ScalerUnit scaler_unit() const { return scaler_unit_; }

  // The raw integer, when it fits the asked type.
  [[nodiscard]] std::optional<std::int64_t> raw_signed() const;
  [[nodiscard]] std::optional<std::uint64_t> raw_unsigned() const;

  // The nearest double to raw * 10^scaler (correctly rounded; never inf: |value| < 1.9e146).
  [[nodiscard]] double to_double() const;
  // Exact decimal text without exponent or trailing zeros: 13500e-2 -> "135", 1300e-3 -> "1.3",
  // -5e-3 -> "-0.005", 7e3 -> "7000", 0 -> "0".
  [[nodiscard]] std::string to_decimal_string() const;
  // The decimal text and the unit symbol: "135 V", "0.98" for a count.
  [[nodiscard]] std::string to_string() const;

  // Representation equality: 135e0 and 13500e-2 are different readings of the same quantity.
  friend constexpr bool operator==(const ScaledValue&, const ScaledValue&) = default;

 private:
  template <RawInteger T>
  static constexpr std::uint64_t magnitude_of(T raw) {
    if constexpr (std::is_signed_v<T>) {
      // Unsigned negation is defined for the most negative value too.
      const auto wide = static_cast<std::int64_t>(raw);
      return wide < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(wide)
                      : static_cast<std::uint64_t>(wide);
    } else {
      return static_cast<std::uint64_t>(raw);
    }
  }

  std::uint64_t magnitude_ = 0;
  bool negative_ = false;
  ScalerUnit scaler_unit_;
};

template <RawInteger T>
constexpr ScaledValue ScalerUnit::apply(T raw) const {
  return ScaledValue(raw, *this);
}

// The same as ScalerUnit{scaler}.apply_float(raw), for callers without a unit at hand.
double scale_float(double raw, std::int8_t scaler);
double scale_float(float raw, std::int8_t scaler);

}  // namespace dlmsgw::cosem
