#include "dlms/cosem/unit.hpp"

#include <algorithm>
#include <array>

namespace dlmsgw::cosem {
namespace {

// Transcribed from the Blue Book unit table (DLMS UA 1000-1, class 3 scaler_unit) and checked
// against the Ed. 12.2 excerpt and the tables of two independent open implementations. Symbols are
// the Blue Book's, in Unicode.
constexpr std::array kUnits = {
    UnitInfo{Unit::year, "year", "a", "time (year)"},
    UnitInfo{Unit::month, "month", "mo", "time (month)"},
    UnitInfo{Unit::week, "week", "wk", "time (week)"},
    UnitInfo{Unit::day, "day", "d", "time (day)"},
    UnitInfo{Unit::hour, "hour", "h", "time (hour)"},
    UnitInfo{Unit::minute, "minute", "min", "time (minute)"},
    UnitInfo{Unit::second, "second", "s", "time (second)"},
    UnitInfo{Unit::degree, "degree", "°", "phase angle"},
    UnitInfo{Unit::degree_celsius, "degree_celsius", "°C", "temperature"},
    UnitInfo{Unit::currency, "currency", "currency", "local currency"},
    UnitInfo{Unit::metre, "metre", "m", "length"},
    UnitInfo{Unit::metre_per_second, "metre_per_second", "m/s", "speed"},
    UnitInfo{Unit::cubic_metre, "cubic_metre", "m³", "volume"},
    UnitInfo{Unit::corrected_cubic_metre, "corrected_cubic_metre", "m³", "corrected volume"},
    UnitInfo{Unit::cubic_metre_per_hour, "cubic_metre_per_hour", "m³/h", "volume flux"},
    UnitInfo{Unit::corrected_cubic_metre_per_hour, "corrected_cubic_metre_per_hour", "m³/h",
             "corrected volume flux"},
    UnitInfo{Unit::cubic_metre_per_day, "cubic_metre_per_day", "m³/d", "volume flux"},
    UnitInfo{Unit::corrected_cubic_metre_per_day, "corrected_cubic_metre_per_day", "m³/d",
             "corrected volume flux"},
    UnitInfo{Unit::litre, "litre", "l", "volume"},
    UnitInfo{Unit::kilogram, "kilogram", "kg", "mass"},
    UnitInfo{Unit::newton, "newton", "N", "force"},
    UnitInfo{Unit::newton_metre, "newton_metre", "Nm", "energy"},
    UnitInfo{Unit::pascal, "pascal", "Pa", "pressure"},
    UnitInfo{Unit::bar, "bar", "bar", "pressure"},
    UnitInfo{Unit::joule, "joule", "J", "energy"},
    UnitInfo{Unit::joule_per_hour, "joule_per_hour", "J/h", "thermal power"},
    UnitInfo{Unit::watt, "watt", "W", "active power"},
    UnitInfo{Unit::volt_ampere, "volt_ampere", "VA", "apparent power"},
    UnitInfo{Unit::var, "var", "var", "reactive power"},
    UnitInfo{Unit::watt_hour, "watt_hour", "Wh", "active energy"},
    UnitInfo{Unit::volt_ampere_hour, "volt_ampere_hour", "VAh", "apparent energy"},
    UnitInfo{Unit::var_hour, "var_hour", "varh", "reactive energy"},
    UnitInfo{Unit::ampere, "ampere", "A", "current"},
    UnitInfo{Unit::coulomb, "coulomb", "C", "electrical charge"},
    UnitInfo{Unit::volt, "volt", "V", "voltage"},
    UnitInfo{Unit::volt_per_metre, "volt_per_metre", "V/m", "electric field strength"},
    UnitInfo{Unit::farad, "farad", "F", "capacitance"},
    UnitInfo{Unit::ohm, "ohm", "Ω", "resistance"},
    UnitInfo{Unit::ohm_square_metre_per_metre, "ohm_square_metre_per_metre", "Ωm²/m",
             "resistivity"},
    UnitInfo{Unit::weber, "weber", "Wb", "magnetic flux"},
    UnitInfo{Unit::tesla, "tesla", "T", "magnetic flux density"},
    UnitInfo{Unit::ampere_per_metre, "ampere_per_metre", "A/m", "magnetic field strength"},
    UnitInfo{Unit::henry, "henry", "H", "inductance"},
    UnitInfo{Unit::hertz, "hertz", "Hz", "frequency"},
    UnitInfo{Unit::per_watt_hour, "per_watt_hour", "1/(Wh)",
             "active energy meter constant or pulse value"},
    UnitInfo{Unit::per_var_hour, "per_var_hour", "1/(varh)",
             "reactive energy meter constant or pulse value"},
    UnitInfo{Unit::per_volt_ampere_hour, "per_volt_ampere_hour", "1/(VAh)",
             "apparent energy meter constant or pulse value"},
    UnitInfo{Unit::volt_squared_hour, "volt_squared_hour", "V²h", "volt-squared hour"},
    UnitInfo{Unit::ampere_squared_hour, "ampere_squared_hour", "A²h", "ampere-squared hour"},
    UnitInfo{Unit::kilogram_per_second, "kilogram_per_second", "kg/s", "mass flux"},
    UnitInfo{Unit::siemens, "siemens", "S", "conductance"},
    UnitInfo{Unit::kelvin, "kelvin", "K", "temperature"},
    UnitInfo{Unit::per_volt_squared_hour, "per_volt_squared_hour", "1/(V²h)",
             "volt-squared hour meter constant or pulse value"},
    UnitInfo{Unit::per_ampere_squared_hour, "per_ampere_squared_hour", "1/(A²h)",
             "ampere-squared hour meter constant or pulse value"},
    UnitInfo{Unit::per_cubic_metre, "per_cubic_metre", "1/m³",
             "volume meter constant or pulse value"},
    UnitInfo{Unit::percent, "percent", "%", "percentage"},
    UnitInfo{Unit::ampere_hour, "ampere_hour", "Ah", "ampere-hours"},
    UnitInfo{Unit::watt_hour_per_cubic_metre, "watt_hour_per_cubic_metre", "Wh/m³",
             "energy per volume"},
    UnitInfo{Unit::joule_per_cubic_metre, "joule_per_cubic_metre", "J/m³",
             "calorific value, Wobbe"},
    UnitInfo{Unit::mole_percent, "mole_percent", "Mol %", "molar fraction of gas composition"},
    UnitInfo{Unit::gram_per_cubic_metre, "gram_per_cubic_metre", "g/m³",
             "mass density, quantity of material"},
    UnitInfo{Unit::pascal_second, "pascal_second", "Pa s", "dynamic viscosity"},
    UnitInfo{Unit::joule_per_kilogram, "joule_per_kilogram", "J/kg", "specific energy"},
    UnitInfo{Unit::gram_per_square_centimetre, "gram_per_square_centimetre", "g/cm²", "pressure"},
    UnitInfo{Unit::atmosphere, "atmosphere", "atm", "pressure"},
    UnitInfo{Unit::decibel_milliwatt, "decibel_milliwatt", "dBm", "signal strength, dB milliwatt"},
    UnitInfo{Unit::decibel_microvolt, "decibel_microvolt", "dBµV", "signal strength, dB microvolt"},
    UnitInfo{Unit::decibel, "decibel", "dB", "logarithmic ratio"},
    UnitInfo{Unit::inch, "inch", "in", "length"},
    UnitInfo{Unit::foot, "foot", "ft", "length"},
    UnitInfo{Unit::pound, "pound", "lb", "mass"},
    UnitInfo{Unit::degree_fahrenheit, "degree_fahrenheit", "°F", "temperature"},
    UnitInfo{Unit::degree_rankine, "degree_rankine", "°R", "temperature"},
    UnitInfo{Unit::square_inch, "square_inch", "sq in", "area"},
    UnitInfo{Unit::square_foot, "square_foot", "sq ft", "area"},
    UnitInfo{Unit::acre, "acre", "ac", "area"},
    UnitInfo{Unit::cubic_inch, "cubic_inch", "cu in", "volume"},
    UnitInfo{Unit::cubic_foot, "cubic_foot", "cu ft", "volume"},
    UnitInfo{Unit::acre_foot, "acre_foot", "ac ft", "volume"},
    UnitInfo{Unit::gallon_imperial, "gallon_imperial", "gal (imp)", "volume"},
    UnitInfo{Unit::gallon_us, "gallon_us", "gal (US)", "volume"},
    UnitInfo{Unit::pound_force, "pound_force", "lbf", "force"},
    UnitInfo{Unit::pound_force_per_square_inch, "pound_force_per_square_inch", "psi", "pressure"},
    UnitInfo{Unit::pound_per_cubic_foot, "pound_per_cubic_foot", "lb/cu ft", "density"},
    UnitInfo{Unit::pound_per_foot_second, "pound_per_foot_second", "lb/(ft s)",
             "dynamic viscosity"},
    UnitInfo{Unit::square_foot_per_second, "square_foot_per_second", "sq ft/s",
             "kinematic viscosity"},
    UnitInfo{Unit::british_thermal_unit, "british_thermal_unit", "Btu", "energy"},
    UnitInfo{Unit::therm_eu, "therm_eu", "thm (EC)", "energy"},
    UnitInfo{Unit::therm_us, "therm_us", "thm (US)", "energy"},
    UnitInfo{Unit::btu_per_pound, "btu_per_pound", "Btu/lb", "calorific value of mass"},
    UnitInfo{Unit::btu_per_cubic_foot, "btu_per_cubic_foot", "Btu/cu ft",
             "calorific value of volume, Wobbe"},
    UnitInfo{Unit::cubic_feet, "cubic_feet", "cu ft", "volume meter constant or pulse value"},
    UnitInfo{Unit::foot_per_second, "foot_per_second", "ft/s", "speed"},
    UnitInfo{Unit::cubic_foot_per_second, "cubic_foot_per_second", "cu ft/s", "volume flux"},
    UnitInfo{Unit::cubic_foot_per_minute, "cubic_foot_per_minute", "cu ft/min", "volume flux"},
    UnitInfo{Unit::cubic_foot_per_hour, "cubic_foot_per_hour", "cu ft/h", "volume flux"},
    UnitInfo{Unit::cubic_foot_per_day, "cubic_foot_per_day", "cu ft/d", "volume flux"},
    UnitInfo{Unit::acre_foot_per_second, "acre_foot_per_second", "ac ft/s", "volume flux"},
    UnitInfo{Unit::acre_foot_per_minute, "acre_foot_per_minute", "ac ft/min", "volume flux"},
    UnitInfo{Unit::acre_foot_per_hour, "acre_foot_per_hour", "ac ft/h", "volume flux"},
    UnitInfo{Unit::acre_foot_per_day, "acre_foot_per_day", "ac ft/d", "volume flux"},
    UnitInfo{Unit::imperial_gallon, "imperial_gallon", "gal (imp)",
             "volume meter constant or pulse value"},
    UnitInfo{Unit::imperial_gallon_per_second, "imperial_gallon_per_second", "gal (imp)/s",
             "volume flux"},
    UnitInfo{Unit::imperial_gallon_per_minute, "imperial_gallon_per_minute", "gal (imp)/min",
             "volume flux"},
    UnitInfo{Unit::imperial_gallon_per_hour, "imperial_gallon_per_hour", "gal (imp)/h",
             "volume flux"},
    UnitInfo{Unit::imperial_gallon_per_day, "imperial_gallon_per_day", "gal (imp)/d",
             "volume flux"},
    UnitInfo{Unit::us_gallon, "us_gallon", "gal (US)", "volume meter constant or pulse value"},
    UnitInfo{Unit::us_gallon_per_second, "us_gallon_per_second", "gal (US)/s", "volume flux"},
    UnitInfo{Unit::us_gallon_per_minute, "us_gallon_per_minute", "gal (US)/min", "volume flux"},
    UnitInfo{Unit::us_gallon_per_hour, "us_gallon_per_hour", "gal (US)/h", "volume flux"},
    UnitInfo{Unit::us_gallon_per_day, "us_gallon_per_day", "gal (US)/d", "volume flux"},
    UnitInfo{Unit::btu_per_second, "btu_per_second", "Btu/s", "energy flow"},
    UnitInfo{Unit::btu_per_minute, "btu_per_minute", "Btu/min", "energy flow"},
    UnitInfo{Unit::btu_per_hour, "btu_per_hour", "Btu/h", "energy flow"},
    UnitInfo{Unit::btu_per_day, "btu_per_day", "Btu/d", "energy flow"},
    UnitInfo{Unit::extended_table, "extended_table", "(extended table)",
             "unit from the extended table of units"},
    UnitInfo{Unit::other, "other", "other", "other unit"},
    UnitInfo{Unit::count, "count", "", "no unit, count"},
};

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < kUnits.size(); ++i) {
    if (kUnits[i - 1].unit >= kUnits[i].unit) return false;
  }
  return true;
}
static_assert(sorted_and_unique(), "kUnits must be ordered by value for the binary search");

// ASCII spellings of the symbols, for configuration files and the user's old tables.
struct Alias {
  std::string_view text;
  Unit unit;
};
constexpr std::array kAliases = {
    Alias{"deg", Unit::degree},
    Alias{"degC", Unit::degree_celsius},
    Alias{"m3", Unit::cubic_metre},
    Alias{"m3/h", Unit::cubic_metre_per_hour},
    Alias{"m3/d", Unit::cubic_metre_per_day},
    Alias{"Ohm", Unit::ohm},
    Alias{"ohm", Unit::ohm},
    Alias{"Ohm m2/m", Unit::ohm_square_metre_per_metre},
    Alias{"V2h", Unit::volt_squared_hour},
    Alias{"A2h", Unit::ampere_squared_hour},
    Alias{"mho", Unit::siemens},
    Alias{"1/(V2h)", Unit::per_volt_squared_hour},
    Alias{"1/(A2h)", Unit::per_ampere_squared_hour},
    Alias{"1/m3", Unit::per_cubic_metre},
    Alias{"Wh/m3", Unit::watt_hour_per_cubic_metre},
    Alias{"J/m3", Unit::joule_per_cubic_metre},
    Alias{"g/m3", Unit::gram_per_cubic_metre},
    Alias{"g/cm2", Unit::gram_per_square_centimetre},
    Alias{"dBuV", Unit::decibel_microvolt},
    Alias{"degF", Unit::degree_fahrenheit},
    Alias{"degR", Unit::degree_rankine},
    Alias{"count", Unit::count},
};

}  // namespace

std::span<const UnitInfo> all_units() {
  return kUnits;
}

std::optional<UnitInfo> find_unit(std::uint8_t value) {
  const auto unit = static_cast<Unit>(value);
  const auto* it = std::lower_bound(kUnits.begin(), kUnits.end(), unit,
                                    [](const UnitInfo& row, Unit key) { return row.unit < key; });
  if (it == kUnits.end() || it->unit != unit) return std::nullopt;
  return *it;
}

std::optional<Unit> unit_from_symbol(std::string_view symbol) {
  for (const UnitInfo& row : kUnits) {
    if (row.symbol == symbol) return row.unit;
  }
  for (const Alias& alias : kAliases) {
    if (alias.text == symbol) return alias.unit;
  }
  return std::nullopt;
}

std::optional<Unit> unit_from_name(std::string_view name) {
  for (const UnitInfo& row : kUnits) {
    if (row.name == name) return row.unit;
  }
  return std::nullopt;
}

namespace {
std::string unknown_unit(Unit unit) {
  return "unit " + std::to_string(static_cast<unsigned>(unit)) + " (not in the Blue Book)";
}
}  // namespace

std::string to_string(Unit unit) {
  const auto row = find_unit(unit);
  if (!row) return unknown_unit(unit);
  return std::string(row->symbol);
}

std::string describe(Unit unit) {
  const auto row = find_unit(unit);
  if (!row) return unknown_unit(unit);
  if (row->unit == Unit::count) return "count (no unit)";
  return std::string(row->symbol) + " (" + std::string(row->quantity) + ")";
}

}  // namespace dlmsgw::cosem
