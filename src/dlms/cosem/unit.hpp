#pragma once
// Unit: the physical unit of a COSEM register, as the enumeration carried in the scaler_unit
// attribute (DLMS UA 1000-1 "Blue Book", class 3 Register, attribute 3; IEC 62056-6-2). Values
// 1..72 are SI and derived units, 128..174 the non-SI units added in later editions, 255 "count"
// (no unit, e.g. a power factor). A meter may send any byte: a value outside the table stays
// representable (Unit is a plain enum over std::uint8_t) and prints as
// "unit 200 (not in the Blue Book)" instead of being guessed.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace dlmsgw::cosem {

enum class Unit : std::uint8_t {
  year = 1,
  month = 2,
  week = 3,
  day = 4,
  hour = 5,
  minute = 6,
  second = 7,
  degree = 8,  // phase angle
  degree_celsius = 9,
  currency = 10,
  metre = 11,
  metre_per_second = 12,
  cubic_metre = 13,
  corrected_cubic_metre = 14,
  cubic_metre_per_hour = 15,
  corrected_cubic_metre_per_hour = 16,
  cubic_metre_per_day = 17,
  corrected_cubic_metre_per_day = 18,
  litre = 19,
  kilogram = 20,
  newton = 21,
  newton_metre = 22,
  pascal = 23,
  bar = 24,
  joule = 25,
  joule_per_hour = 26,
  watt = 27,
  volt_ampere = 28,
  var = 29,
  watt_hour = 30,
  volt_ampere_hour = 31,
  var_hour = 32,
  ampere = 33,
  coulomb = 34,
  volt = 35,
  volt_per_metre = 36,
  farad = 37,
  ohm = 38,
  ohm_square_metre_per_metre = 39,
  weber = 40,
  tesla = 41,
  ampere_per_metre = 42,
  henry = 43,
  hertz = 44,
  per_watt_hour = 45,
  per_var_hour = 46,
  per_volt_ampere_hour = 47,
  volt_squared_hour = 48,
  ampere_squared_hour = 49,
  kilogram_per_second = 50,
  siemens = 51,
  kelvin = 52,
  per_volt_squared_hour = 53,
  per_ampere_squared_hour = 54,
  per_cubic_metre = 55,
  percent = 56,
  ampere_hour = 57,
  watt_hour_per_cubic_metre = 60,
  joule_per_cubic_metre = 61,
  mole_percent = 62,
  gram_per_cubic_metre = 63,
  pascal_second = 64,
  joule_per_kilogram = 65,
  gram_per_square_centimetre = 66,
  atmosphere = 67,
  decibel_milliwatt = 70,
  decibel_microvolt = 71,
  decibel = 72,
  inch = 128,
  foot = 129,
  pound = 130,
  degree_fahrenheit = 131,
  degree_rankine = 132,
  square_inch = 133,
  square_foot = 134,
  acre = 135,
  cubic_inch = 136,
  cubic_foot = 137,
  acre_foot = 138,
  gallon_imperial = 139,
  gallon_us = 140,
  pound_force = 141,
  pound_force_per_square_inch = 142,
  pound_per_cubic_foot = 143,
  pound_per_foot_second = 144,
  square_foot_per_second = 145,
  british_thermal_unit = 146,
  therm_eu = 147,
  therm_us = 148,
  btu_per_pound = 149,
  btu_per_cubic_foot = 150,
  // The Blue Book lists these three twice: once as a volume (137, 139, 140) and once as a volume
  // meter constant or pulse value (151, 161, 166), the latter heading their flow-rate families.
  cubic_feet = 151,
  foot_per_second = 152,
  cubic_foot_per_second = 153,
  cubic_foot_per_minute = 154,
  cubic_foot_per_hour = 155,
  cubic_foot_per_day = 156,
  acre_foot_per_second = 157,
  acre_foot_per_minute = 158,
  acre_foot_per_hour = 159,
  acre_foot_per_day = 160,
  imperial_gallon = 161,
  imperial_gallon_per_second = 162,
  imperial_gallon_per_minute = 163,
  imperial_gallon_per_hour = 164,
  imperial_gallon_per_day = 165,
  us_gallon = 166,
  us_gallon_per_second = 167,
  us_gallon_per_minute = 168,
  us_gallon_per_hour = 169,
  us_gallon_per_day = 170,
  btu_per_second = 171,
  btu_per_minute = 172,
  btu_per_hour = 173,
  btu_per_day = 174,
  extended_table = 253,  // "reserved" in older editions; newer ones point to an extended table
  other = 254,
  count = 255,  // no unit: counts, ratios, power factor
};

// One row of the Blue Book unit table.
struct UnitInfo {
  Unit unit;
  std::string_view name;      // the enumerator's name, e.g. "watt"
  std::string_view symbol;    // as printed after a value, e.g. "W"; empty for count
  std::string_view quantity;  // what it measures, e.g. "active power"
};

// Every unit in the table, ordered by value.
std::span<const UnitInfo> all_units();

// The table row for a unit value, or nothing when the Blue Book does not define it.
std::optional<UnitInfo> find_unit(std::uint8_t value);
inline std::optional<UnitInfo> find_unit(Unit unit) {
  return find_unit(static_cast<std::uint8_t>(unit));
}
inline bool is_known(Unit unit) {
  return find_unit(unit).has_value();
}

// Symbol lookup, exact first ("V", "m³", "Ω"), then the ASCII spellings configuration files
// tend to use ("m3", "Ohm", "degC", "uV", "count"). Several units share a symbol (13 and 14 are
// both "m³"); the lowest value, the uncorrected one, wins.
std::optional<Unit> unit_from_symbol(std::string_view symbol);
// Lookup by enumerator name ("watt", "volt").
std::optional<Unit> unit_from_name(std::string_view name);

// The symbol ("V"); for a value outside the table, "unit 200 (not in the Blue Book)".
std::string to_string(Unit unit);
// Symbol and quantity for logs and the `objects` listing: "V (voltage)", "count (no unit)",
// or "unit 200 (not in the Blue Book)".
std::string describe(Unit unit);

}  // namespace dlmsgw::cosem
