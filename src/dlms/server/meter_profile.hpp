#pragma once
// MeterProfile: what kind of meter the simulator imitates: the B field of its energy OBIS codes,
// where it keeps its serial number, the nominal values it measures and how it scales them. The
// protocol side (addresses, passwords, conformance) lives in ServerConfig; this is the metrology.

#include <cstdint>
#include <string>

#include "dlms/obis/obis_code.hpp"

namespace dlmsgw::server {

struct MeterProfile {
  std::string name = "generic";
  // B field of the electricity objects: the user's meter answers 1-1:32.7.0 but not 1-0:32.7.0.
  std::uint8_t channel = 0;
  ObisCode serial_number_code{0, 0, 96, 1, 0};
  std::string serial_prefix = "SIM";
  std::string manufacturer = "DLMSGW";  // logical device name prefix (Data 0-0:42.0.0)
  std::string firmware_version = "dlmsgw-sim 1.0";

  // Raw nominal values and their scalers (value = raw * 10^scaler).
  std::uint16_t voltage_raw = 23000;  // 230.00 V
  std::int8_t voltage_scaler = -2;
  std::uint16_t current_raw = 5000;  // 5.000 A
  std::int8_t current_scaler = -3;
  std::uint16_t frequency_raw = 5000;  // 50.00 Hz
  std::int8_t frequency_scaler = -2;
  std::int16_t power_factor_raw = 950;  // 0.950
  std::int8_t power_factor_scaler = -3;
  // Local time of the meter's clock, as the offset from UTC in minutes.
  int utc_offset_minutes = 0;
  // Load profile (class 7, A-B:99.1.0): depth in entries (960 = ten days of 15 minutes), the
  // capture period (attribute 4; tests shorten it so that hours of history pass in seconds), and
  // whether the meter refuses range selective access (selector 1), as some meters do: clients must
  // then fall back to entry access (selector 2).
  std::uint32_t profile_entries = 960;
  std::uint32_t capture_period_seconds = 900;
  bool refuse_range_access = false;
  // The meter's clock set back by `clock_set_back_ms` at the true (caller's) time
  // `clock_set_back_at_ms` (0: never), as a technician or a bad time sync does: the entries
  // recorded afterwards carry capture times at or before ones recorded earlier.
  std::int64_t clock_set_back_at_ms = 0;
  std::int64_t clock_set_back_ms = 0;
  // Billing profile (A-B:98.1.0): the energy registers at each billing reset, monthly (the 1st at
  // 00:00 meter time) unless `billing_period_seconds` is set (tests), `billing_entries` deep.
  std::uint32_t billing_period_seconds = 0;
  std::uint32_t billing_entries = 24;
  // Standard event log (0-0:99.98.0, capture period 0): one event in every stretch of four load
  // profile capture periods, at a whole second and with a code given by seed and time.
  std::uint32_t event_entries = 100;

  // The user's Microstar meter (see reference/user-meter.md): B = 1, serial in 1-0:0.0.0, about
  // 135 V (13500, scaler -2) and 1.3 A (1300, scaler -3) on a 60 Hz grid.
  static MeterProfile microstar();
  // A 230 V / 50 Hz meter with the usual B = 0 codes.
  static MeterProfile generic();

  [[nodiscard]] ObisCode code(std::uint8_t c, std::uint8_t d, std::uint8_t e) const {
    return ObisCode(1, channel, c, d, e);
  }
  // The load profile: 1-0:99.1.0, 1-1:99.1.0 on the Microstar.
  [[nodiscard]] ObisCode load_profile_code() const { return code(99, 1, 0); }
  // The billing profile: 1-0:98.1.0, 1-1:98.1.0 on the Microstar.
  [[nodiscard]] ObisCode billing_profile_code() const { return code(98, 1, 0); }
  // The standard event log and the event code object (Data) its entries capture.
  [[nodiscard]] static ObisCode event_log_code() { return ObisCode(0, 0, 99, 98, 0); }
  [[nodiscard]] static ObisCode event_code_code() { return ObisCode(0, 0, 96, 11, 0); }
};

}  // namespace dlmsgw::server
