#include "dlms/cosem/unit.hpp"

#include <gtest/gtest.h>

#include <set>

namespace dlmsgw::cosem {
namespace {

// Units of every register the user's meter serves (shared/reference/user-meter.md); values from the
// Blue Book unit table (DLMS UA 1000-1, class 3 scaler_unit), cross-checked with the Ed. 12.2
// excerpt.
TEST(Unit, UserMeterUnitsHaveTheBlueBookSymbols) {
  struct Case {
    std::uint8_t value;
    Unit unit;
    std::string_view symbol;
    std::string_view quantity;
  };
  const Case cases[] = {
      {27, Unit::watt, "W", "active power"},
      {28, Unit::volt_ampere, "VA", "apparent power"},
      {29, Unit::var, "var", "reactive power"},
      {30, Unit::watt_hour, "Wh", "active energy"},
      {32, Unit::var_hour, "varh", "reactive energy"},
      {33, Unit::ampere, "A", "current"},
      {35, Unit::volt, "V", "voltage"},
      {44, Unit::hertz, "Hz", "frequency"},
      {255, Unit::count, "", "no unit, count"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    const auto row = find_unit(c.value);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->unit, c.unit);
    EXPECT_EQ(static_cast<std::uint8_t>(c.unit), c.value);
    EXPECT_EQ(row->symbol, c.symbol);
    EXPECT_EQ(row->quantity, c.quantity);
    EXPECT_EQ(to_string(c.unit), c.symbol);
  }
}

// The user's old client printed voltage as Hz; pin both directions so no table shift can return.
TEST(Unit, VoltageIs35AndFrequencyIs44) {
  EXPECT_EQ(to_string(static_cast<Unit>(35)), "V");
  EXPECT_EQ(to_string(static_cast<Unit>(44)), "Hz");
  EXPECT_EQ(describe(static_cast<Unit>(35)), "V (voltage)");
  EXPECT_EQ(describe(static_cast<Unit>(44)), "Hz (frequency)");
  EXPECT_EQ(unit_from_symbol("V"), Unit::volt);
  EXPECT_EQ(unit_from_symbol("Hz"), Unit::hertz);
  EXPECT_EQ(static_cast<int>(Unit::volt), 35);
  EXPECT_EQ(static_cast<int>(Unit::hertz), 44);
}

TEST(Unit, SpotChecksAcrossTheTable) {
  EXPECT_EQ(to_string(Unit::year), "a");
  EXPECT_EQ(to_string(Unit::degree), "°");
  EXPECT_EQ(to_string(Unit::degree_celsius), "°C");
  EXPECT_EQ(to_string(Unit::ohm), "Ω");
  EXPECT_EQ(to_string(Unit::ohm_square_metre_per_metre), "Ωm²/m");
  EXPECT_EQ(to_string(Unit::percent), "%");
  EXPECT_EQ(to_string(Unit::ampere_hour), "Ah");
  EXPECT_EQ(static_cast<int>(Unit::ampere_hour), 57);
  EXPECT_EQ(static_cast<int>(Unit::watt_hour_per_cubic_metre), 60);
  EXPECT_EQ(to_string(Unit::mole_percent), "Mol %");
  EXPECT_EQ(to_string(Unit::gram_per_square_centimetre), "g/cm²");
  EXPECT_EQ(static_cast<int>(Unit::atmosphere), 67);
  EXPECT_EQ(to_string(Unit::decibel_milliwatt), "dBm");
  EXPECT_EQ(static_cast<int>(Unit::decibel_milliwatt), 70);
  EXPECT_EQ(to_string(Unit::decibel_microvolt), "dBµV");
  EXPECT_EQ(to_string(Unit::decibel), "dB");
  EXPECT_EQ(static_cast<int>(Unit::inch), 128);
  EXPECT_EQ(to_string(Unit::pound_force_per_square_inch), "psi");
  EXPECT_EQ(static_cast<int>(Unit::pound_force_per_square_inch), 142);
  EXPECT_EQ(to_string(Unit::btu_per_day), "Btu/d");
  EXPECT_EQ(static_cast<int>(Unit::btu_per_day), 174);
  EXPECT_EQ(to_string(Unit::other), "other");
  EXPECT_EQ(describe(Unit::count), "count (no unit)");
  EXPECT_EQ(describe(Unit::watt), "W (active power)");
}

// 1..57, 60..67, 70..72, 128..174 and 253..255: the table has no holes and no strays.
TEST(Unit, TableCoversExactlyTheBlueBookRanges) {
  std::set<int> expected;
  for (int v = 1; v <= 57; ++v) expected.insert(v);
  for (int v = 60; v <= 67; ++v) expected.insert(v);
  for (int v = 70; v <= 72; ++v) expected.insert(v);
  for (int v = 128; v <= 174; ++v) expected.insert(v);
  for (int v = 253; v <= 255; ++v) expected.insert(v);
  std::set<int> known;
  for (int v = 0; v <= 255; ++v) {
    if (find_unit(static_cast<std::uint8_t>(v))) known.insert(v);
  }
  EXPECT_EQ(known, expected);
  EXPECT_EQ(all_units().size(), expected.size());
}

TEST(Unit, UnknownValuesPrintClearlyAndNeverCrash) {
  EXPECT_FALSE(find_unit(std::uint8_t{0}));
  EXPECT_FALSE(find_unit(std::uint8_t{58}));
  EXPECT_FALSE(find_unit(std::uint8_t{200}));
  EXPECT_FALSE(is_known(static_cast<Unit>(200)));
  EXPECT_TRUE(is_known(Unit::volt));
  EXPECT_EQ(to_string(static_cast<Unit>(200)), "unit 200 (not in the Blue Book)");
  EXPECT_EQ(describe(static_cast<Unit>(0)), "unit 0 (not in the Blue Book)");
  for (int v = 0; v <= 255; ++v) {
    const auto unit = static_cast<Unit>(v);
    if (!is_known(unit)) {
      EXPECT_EQ(to_string(unit), "unit " + std::to_string(v) + " (not in the Blue Book)");
    }
    EXPECT_FALSE(describe(unit).empty());
  }
}

TEST(Unit, SymbolAndNameRoundTrip) {
  for (const UnitInfo& row : all_units()) {
    SCOPED_TRACE(row.name);
    const auto by_symbol = unit_from_symbol(row.symbol);
    ASSERT_TRUE(by_symbol);
    // Shared symbols (m³ for volume and corrected volume, ...) resolve to the lowest value.
    EXPECT_EQ(find_unit(*by_symbol)->symbol, row.symbol);
    EXPECT_LE(static_cast<int>(*by_symbol), static_cast<int>(row.unit));
    EXPECT_EQ(unit_from_name(row.name), row.unit);
  }
  EXPECT_EQ(unit_from_symbol("W"), Unit::watt);
  EXPECT_EQ(unit_from_symbol("varh"), Unit::var_hour);
  EXPECT_EQ(unit_from_symbol("m³"), Unit::cubic_metre);
  EXPECT_EQ(unit_from_symbol("m³/h"), Unit::cubic_metre_per_hour);
  EXPECT_EQ(unit_from_symbol("cu ft"), Unit::cubic_foot);
  EXPECT_EQ(unit_from_symbol(""), Unit::count);
}

TEST(Unit, SymbolLookupAcceptsAsciiSpellings) {
  EXPECT_EQ(unit_from_symbol("m3"), Unit::cubic_metre);
  EXPECT_EQ(unit_from_symbol("Ohm"), Unit::ohm);
  EXPECT_EQ(unit_from_symbol("degC"), Unit::degree_celsius);
  EXPECT_EQ(unit_from_symbol("dBuV"), Unit::decibel_microvolt);
  EXPECT_EQ(unit_from_symbol("count"), Unit::count);
  EXPECT_EQ(unit_from_symbol("mho"), Unit::siemens);
}

TEST(Unit, UnknownSymbolsAndNamesGiveNothing) {
  EXPECT_FALSE(unit_from_symbol("kWh"));  // prefixes are the scaler's job, not the unit's
  EXPECT_FALSE(unit_from_symbol("v"));
  EXPECT_FALSE(unit_from_symbol("Volt"));
  EXPECT_FALSE(unit_from_name("Watt"));
  EXPECT_FALSE(unit_from_name(""));
}

}  // namespace
}  // namespace dlmsgw::cosem
