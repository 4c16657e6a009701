#include "dlms/cosem/scaled_value.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <random>

namespace dlmsgw::cosem {
namespace {

constexpr auto kInt64Min = std::numeric_limits<std::int64_t>::min();
constexpr auto kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr auto kUint64Max = std::numeric_limits<std::uint64_t>::max();

struct DecimalCase {
  ScaledValue value;
  std::string text;
};

// Exact rendering. The first five are the user's meter (voltage ~13500 with scaler -2, current
// ~1300 with scaler -3, shared/reference/user-meter.md); the rest are built by hand from the
// definition value = raw * 10^scaler (Blue Book class 3), including scalers beyond the digit count
// and the extremes of long64 / long64-unsigned.
TEST(ScaledValue, DecimalStringIsExact) {
  const DecimalCase cases[] = {
      {ScaledValue(13500, -2), "135"},
      {ScaledValue(1300, -3), "1.3"},
      {ScaledValue(12345, -2), "123.45"},
      {ScaledValue(-5, -3), "-0.005"},
      {ScaledValue(7, 3), "7000"},
      {ScaledValue(0), "0"},
      {ScaledValue(0, -5), "0"},
      {ScaledValue(0, 5), "0"},
      {ScaledValue(5, -4), "0.0005"},
      {ScaledValue(5, -1), "0.5"},
      {ScaledValue(50, -1), "5"},
      {ScaledValue(50, -2), "0.5"},
      {ScaledValue(123, -3), "0.123"},
      {ScaledValue(123, -2), "1.23"},
      {ScaledValue(1, 0), "1"},
      {ScaledValue(-1, 0), "-1"},
      {ScaledValue(-13500, -2), "-135"},
      {ScaledValue(-12345, -1), "-1234.5"},
      {ScaledValue(100, -2), "1"},
      {ScaledValue(1000001, -3), "1000.001"},
      {ScaledValue(10, 1), "100"},
      {ScaledValue(std::uint8_t{255}, -1), "25.5"},
      {ScaledValue(std::int8_t{-128}, -2), "-1.28"},
      {ScaledValue(std::uint16_t{65535}, -4), "6.5535"},
      {ScaledValue(std::int32_t{-2147483647 - 1}, -9), "-2.147483648"},
      {ScaledValue(std::uint32_t{4294967295U}, 2), "429496729500"},
      {ScaledValue(kInt64Max, 0), "9223372036854775807"},
      {ScaledValue(kInt64Min, 0), "-9223372036854775808"},
      {ScaledValue(kUint64Max, 0), "18446744073709551615"},
      {ScaledValue(kUint64Max, -20), "0.18446744073709551615"},
      {ScaledValue(kUint64Max, -19), "1.8446744073709551615"},
      {ScaledValue(kInt64Min, -19), "-0.9223372036854775808"},
      {ScaledValue(kInt64Min, -3), "-9223372036854775.808"},
      {ScaledValue(kUint64Max, 3), "18446744073709551615000"},
      {ScaledValue(1, -128), "0." + std::string(127, '0') + "1"},
      {ScaledValue(-1, -128), "-0." + std::string(127, '0') + "1"},
      {ScaledValue(1, 127), "1" + std::string(127, '0')},
      {ScaledValue(kUint64Max, 127), "18446744073709551615" + std::string(127, '0')},
      {ScaledValue(kInt64Min, 127), "-9223372036854775808" + std::string(127, '0')},
      {ScaledValue(kUint64Max, -128), "0." + std::string(108, '0') + "18446744073709551615"},
  };
  for (const DecimalCase& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(c.value.to_decimal_string(), c.text);
  }
}

// The nearest double: exact where the decimal is exact in binary, correctly rounded otherwise.
TEST(ScaledValue, ToDoubleIsTheNearestDouble) {
  EXPECT_EQ(ScaledValue(13500, -2).to_double(), 135.0);
  EXPECT_EQ(ScaledValue(1300, -3).to_double(), 1.3);
  EXPECT_EQ(ScaledValue(12345, -2).to_double(), 123.45);
  EXPECT_EQ(ScaledValue(-5, -3).to_double(), -0.005);
  EXPECT_EQ(ScaledValue(7, 3).to_double(), 7000.0);
  EXPECT_EQ(ScaledValue(0, -128).to_double(), 0.0);
  EXPECT_EQ(ScaledValue(5, -4).to_double(), 0.0005);
  EXPECT_EQ(ScaledValue(kUint64Max, 0).to_double(), 18446744073709551615.0);
  EXPECT_EQ(ScaledValue(kInt64Min, 0).to_double(), -9223372036854775808.0);
  EXPECT_EQ(ScaledValue(1, -128).to_double(), 1e-128);
  EXPECT_EQ(ScaledValue(kUint64Max, 127).to_double(), 1.8446744073709551615e146);
  EXPECT_EQ(ScaledValue(kInt64Min, -128).to_double(), -9.223372036854775808e-110);
  EXPECT_TRUE(std::isfinite(ScaledValue(kUint64Max, 127).to_double()));
}

// Property: the decimal string, parsed back, is the same double; so the string loses nothing the
// double has. Random raw values across the whole range and every scaler.
TEST(ScaledValue, DecimalStringAndDoubleAgreeOnRandomValues) {
  std::mt19937_64 random(20240501);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = random() >> (random() % 64);
    const auto scaler = static_cast<std::int8_t>(static_cast<int>(random() % 256) - 128);
    const ScaledValue value = (i % 2 == 0) ? ScaledValue(bits, scaler)
                                           : ScaledValue(static_cast<std::int64_t>(bits), scaler);
    const std::string text = value.to_decimal_string();
    double parsed = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
    ASSERT_EQ(result.ec, std::errc{}) << text;
    ASSERT_EQ(result.ptr, text.data() + text.size()) << text;
    ASSERT_EQ(parsed, value.to_double()) << text;
    ASSERT_NE(text.back(), '.') << text;
    if (text.find('.') != std::string::npos) {
      ASSERT_NE(text.back(), '0') << text;
    }
  }
}

// Independent reference for scalers -19..0: split the magnitude arithmetically into integer and
// fraction (the implementation works on the digit string instead).
std::string reference_decimal(std::uint64_t magnitude, bool negative, int scaler) {
  std::uint64_t power = 1;
  for (int i = 0; i < -scaler; ++i) power *= 10;
  const std::uint64_t integer = magnitude / power;
  std::uint64_t fraction = magnitude % power;
  int fraction_digits = -scaler;
  while (fraction_digits > 0 && fraction % 10 == 0) {
    fraction /= 10;
    --fraction_digits;
  }
  std::string text = std::to_string(integer);
  if (fraction_digits > 0) {
    const std::string digits = std::to_string(fraction);
    text +=
        "." + std::string(static_cast<std::size_t>(fraction_digits) - digits.size(), '0') + digits;
  }
  if (negative && magnitude != 0) text = "-" + text;
  return text;
}

TEST(ScaledValue, DecimalStringMatchesAnArithmeticReference) {
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = random() >> (random() % 64);
    const int scaler = -static_cast<int>(random() % 20);
    const bool negative = (i % 3 == 0) && bits <= static_cast<std::uint64_t>(kInt64Max);
    const ScaledValue value =
        negative ? ScaledValue(-static_cast<std::int64_t>(bits), static_cast<std::int8_t>(scaler))
                 : ScaledValue(bits, static_cast<std::int8_t>(scaler));
    ASSERT_EQ(value.to_decimal_string(), reference_decimal(bits, negative, scaler))
        << bits << "e" << scaler;
  }
}

TEST(ScaledValue, KeepsTheRawValueAndItsType) {
  const ScaledValue big(kUint64Max, -3, Unit::watt_hour);
  EXPECT_EQ(big.raw_unsigned(), kUint64Max);
  EXPECT_FALSE(big.raw_signed());
  EXPECT_FALSE(big.is_negative());
  EXPECT_EQ(big.magnitude(), kUint64Max);
  EXPECT_EQ(big.scaler(), -3);
  EXPECT_EQ(big.unit(), Unit::watt_hour);

  const ScaledValue low(kInt64Min, 0);
  EXPECT_EQ(low.raw_signed(), kInt64Min);
  EXPECT_FALSE(low.raw_unsigned());
  EXPECT_TRUE(low.is_negative());
  EXPECT_EQ(low.magnitude(), std::uint64_t{1} << 63);

  EXPECT_EQ(ScaledValue(-42).raw_signed(), -42);
  EXPECT_EQ(ScaledValue(kInt64Max).raw_signed(), kInt64Max);
  EXPECT_EQ(ScaledValue(42).raw_unsigned(), 42U);
  EXPECT_EQ(ScaledValue(0).raw_unsigned(), 0U);
  EXPECT_EQ(ScaledValue().to_decimal_string(), "0");
  EXPECT_EQ(ScaledValue().unit(), Unit::count);
}

TEST(ScaledValue, PrintsWithTheUnitSymbol) {
  EXPECT_EQ(ScaledValue(13500, -2, Unit::volt).to_string(), "135 V");
  EXPECT_EQ(ScaledValue(1300, -3, Unit::ampere).to_string(), "1.3 A");
  EXPECT_EQ(ScaledValue(5000, -2, Unit::hertz).to_string(), "50 Hz");
  EXPECT_EQ(ScaledValue(98, -2, Unit::count).to_string(), "0.98");
  EXPECT_EQ(ScaledValue(1, 0, static_cast<Unit>(200)).to_string(),
            "1 unit 200 (not in the Blue Book)");
}

TEST(ScaledValue, EqualityIsByRepresentation) {
  EXPECT_EQ(ScaledValue(13500, -2, Unit::volt), ScaledValue(13500, -2, Unit::volt));
  EXPECT_EQ(ScaledValue(std::uint16_t{13500}, -2), ScaledValue(std::int64_t{13500}, -2));
  EXPECT_NE(ScaledValue(13500, -2), ScaledValue(135, 0));
  EXPECT_NE(ScaledValue(1, 0, Unit::volt), ScaledValue(1, 0, Unit::hertz));
  EXPECT_NE(ScaledValue(1), ScaledValue(-1));
}

TEST(ScalerUnit, AppliesToIntegerReadings) {
  const ScalerUnit voltage{-2, Unit::volt};  // what attribute 3 of 1-1:32.7.0 returns
  const ScaledValue reading = voltage.apply(std::uint16_t{13500});
  EXPECT_EQ(reading, ScaledValue(13500, -2, Unit::volt));
  EXPECT_EQ(reading.scaler_unit(), voltage);
  EXPECT_EQ(reading.to_string(), "135 V");
  EXPECT_EQ(ScalerUnit{}.apply(7), ScaledValue(7, 0, Unit::count));
  static_assert(ScalerUnit{-3, Unit::ampere}.apply(1300).scaler() == -3);
  EXPECT_EQ(voltage.to_string(), "10^-2 V");
  EXPECT_EQ(ScalerUnit{}.to_string(), "10^0 (count)");
  EXPECT_NE(voltage, (ScalerUnit{-2, Unit::hertz}));
}

// float32/float64 register values: shortest decimal of the raw value, then the power of ten.
TEST(ScalerUnit, ScalesFloatingPointReadings) {
  EXPECT_EQ((ScalerUnit{0, Unit::hertz}.apply_float(49.98f)), 49.98);
  EXPECT_EQ((ScalerUnit{-1, Unit::volt}.apply_float(2301.0f)), 230.1);
  EXPECT_EQ((ScalerUnit{-2, Unit::volt}.apply_float(23012.5)), 230.125);
  EXPECT_EQ((ScalerUnit{3, Unit::watt}.apply_float(1.1f)), 1100.0);
  EXPECT_EQ(scale_float(1.1f, 0), 1.1);
  EXPECT_EQ(scale_float(-0.5, -1), -0.05);
  EXPECT_EQ(scale_float(2.5, 2), 250.0);
  EXPECT_EQ(scale_float(0.0, 5), 0.0);
  EXPECT_EQ(scale_float(1e-300, -128), 0.0);
  EXPECT_EQ(scale_float(-1e-300, -128), 0.0);
  EXPECT_TRUE(std::signbit(scale_float(-1e-300, -128)));
  EXPECT_EQ(scale_float(1e300, 127), std::numeric_limits<double>::infinity());
  EXPECT_EQ(scale_float(-1e300, 127), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(scale_float(std::numeric_limits<double>::quiet_NaN(), 2)));
  EXPECT_EQ(scale_float(std::numeric_limits<float>::infinity(), -2),
            std::numeric_limits<double>::infinity());
  EXPECT_EQ(scale_float(std::numeric_limits<float>::max(), 127), 3.4028235e165);
  EXPECT_EQ(scale_float(std::numeric_limits<double>::denorm_min(), 1), 4.9e-323);
}

}  // namespace
}  // namespace dlmsgw::cosem
