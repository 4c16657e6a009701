#pragma once
// MeterModel: the simulated meter's measurements and state. Every value is a deterministic
// function of the seed and the time the caller passes (Unix milliseconds), so two simulators with
// the same seed answer the same at the same instant, and tests can step time at will.
//
// Physics, kept consistent so that what a client reads makes sense together:
// - a daily load curve L(t) = 1 + 0.4 sin(2 pi t / 1 day + phi), phi from the seed;
// - per-phase current = nominal * L(t) with a few % of per-second noise; voltage and frequency
//   within 1 % and 0.1 % of nominal; power factor around nominal;
// - active energy is the closed-form integral of the smooth part of the power, evaluated at whole
//   seconds: it never decreases as time goes forward and the load profile derived from it agrees
//   with the registers.
// The meter's clock is the caller's time plus an offset the clock object can set.

#include <array>
#include <cstdint>
#include <string>

#include "dlms/server/meter_profile.hpp"

namespace dlmsgw::server {

struct InstantValues {
  std::array<std::uint16_t, 3> voltage{};  // profile voltage scaler
  std::array<std::uint16_t, 3> current{};  // profile current scaler
  std::uint16_t frequency = 0;             // profile frequency scaler
  std::int16_t power_factor = 0;           // profile power factor scaler
  std::int32_t active_power = 0;           // W, scaler 0
  std::int32_t reactive_power = 0;         // var, scaler 0
  std::uint32_t apparent_power = 0;        // VA, scaler 0
};

struct EnergyValues {
  std::uint32_t active_import = 0;    // Wh
  std::uint32_t active_export = 0;    // Wh
  std::uint32_t reactive_import = 0;  // varh
  std::uint32_t reactive_export = 0;  // varh
};

// Disconnect control (class 70) control_state values.
enum class ControlState : std::uint8_t {
  disconnected = 0,
  connected = 1,
  ready_for_reconnection = 2,
};

class MeterModel {
 public:
  MeterModel(MeterProfile profile, std::uint64_t seed);

  [[nodiscard]] const MeterProfile& profile() const { return profile_; }
  [[nodiscard]] std::uint64_t seed() const { return seed_; }
  // Profile prefix and eight digits from the seed, e.g. "MS40213377".
  [[nodiscard]] const std::string& serial_number() const { return serial_number_; }

  [[nodiscard]] InstantValues instant(std::int64_t now_unix_ms) const;
  [[nodiscard]] EnergyValues energy(std::int64_t now_unix_ms) const;
  // The largest active import power of the day so far (W) and when it was reached (Unix ms), at
  // 15-minute resolution: the maximum demand register.
  [[nodiscard]] std::pair<std::int32_t, std::int64_t> maximum_demand(
      std::int64_t now_unix_ms) const;

  // The meter's clock: the caller's time shifted by what SET and the clock methods did.
  [[nodiscard]] std::int64_t meter_time_ms(std::int64_t now_unix_ms) const {
    return now_unix_ms + clock_offset_ms_ - set_back_by(now_unix_ms);
  }
  // What MeterProfile's clock set back takes off the clock at `now_unix_ms` (0 before it).
  [[nodiscard]] std::int64_t set_back_by(std::int64_t now_unix_ms) const {
    const bool stepped =
        profile_.clock_set_back_at_ms != 0 && now_unix_ms >= profile_.clock_set_back_at_ms;
    return stepped ? profile_.clock_set_back_ms : 0;
  }
  // The offset SET and the clock methods gave the clock (without the set back).
  [[nodiscard]] std::int64_t clock_offset_ms() const { return clock_offset_ms_; }
  // The caller's time for a meter clock reading (inverse of meter_time_ms).
  [[nodiscard]] std::int64_t true_time_ms(std::int64_t meter_unix_ms) const {
    return meter_unix_ms - clock_offset_ms_;
  }
  void set_meter_time(std::int64_t meter_unix_ms, std::int64_t now_unix_ms) {
    clock_offset_ms_ = meter_unix_ms - now_unix_ms;
  }
  void shift_clock(std::int64_t delta_ms) { clock_offset_ms_ += delta_ms; }

  // The event log (times on the meter's clock): the newest event at or before `meter_ms`, one in
  // every stretch of four capture periods. Codes: 1 power down, 2 power up, 4 and 5 clock adjusted
  // (old and new time), 47 terminal cover opened.
  struct Event {
    std::int64_t meter_ms = 0;
    std::uint8_t code = 0;
  };
  [[nodiscard]] Event event_at_or_before(std::int64_t meter_ms) const;
  // The billing resets (times on the meter's clock): the newest at or before `meter_ms`.
  [[nodiscard]] std::int64_t billing_reset_at_or_before(std::int64_t meter_ms) const;

  [[nodiscard]] ControlState control_state() const { return control_state_; }
  // output_state: true while the load is connected.
  [[nodiscard]] bool output_state() const { return control_state_ == ControlState::connected; }
  void set_control_state(ControlState state) { control_state_ = state; }
  [[nodiscard]] std::uint8_t control_mode() const { return control_mode_; }
  void set_control_mode(std::uint8_t mode) { control_mode_ = mode; }

 private:
  // Deterministic noise in [-1, 1] for one quantity over one whole second.
  [[nodiscard]] double noise(std::uint64_t quantity, std::int64_t second) const;
  [[nodiscard]] double load(double seconds) const;
  [[nodiscard]] double energy_integral(double seconds) const;  // Wh since the model's epoch

  MeterProfile profile_;
  std::uint64_t seed_;
  std::string serial_number_;
  double phase_ = 0;           // of the daily load curve
  double average_power_ = 0;   // W
  double initial_energy_ = 0;  // Wh at the epoch
  std::int64_t clock_offset_ms_ = 0;
  ControlState control_state_ = ControlState::connected;
  std::uint8_t control_mode_ = 2;  // remote disconnect and remote reconnect both act at once
};

}  // namespace dlmsgw::server
