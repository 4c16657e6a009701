#include "dlms/server/meter_model.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <numbers>

namespace dlmsgw::server {
namespace {

// 2020-01-01T00:00:00Z: energy counts from here, so doubles keep sub-Wh precision for centuries.
constexpr std::int64_t kEpochSeconds = 1577836800;
constexpr double kDaySeconds = 86400.0;
constexpr double kLoadSwing = 0.4;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

double unit_interval(std::uint64_t bits) {
  return static_cast<double>(bits >> 11) / static_cast<double>(1ULL << 53);
}

double pow10(std::int8_t scaler) {
  return std::pow(10.0, scaler);
}

template <class T>
T clamp_to(double value) {
  const double low = static_cast<double>(std::numeric_limits<T>::min());
  const double high = static_cast<double>(std::numeric_limits<T>::max());
  return static_cast<T>(std::llround(std::clamp(value, low, high)));
}

std::int64_t floor_div(std::int64_t value, std::int64_t divisor) {
  const std::int64_t q = value / divisor;
  return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? q - 1 : q;
}

}  // namespace

MeterModel::MeterModel(MeterProfile profile, std::uint64_t seed)
    : profile_(std::move(profile)), seed_(seed) {
  const std::uint64_t h = splitmix64(seed_);
  serial_number_ = profile_.serial_prefix + std::to_string(10000000 + h % 90000000);
  phase_ = unit_interval(splitmix64(h)) * 2 * std::numbers::pi;
  const double volts = profile_.voltage_raw * pow10(profile_.voltage_scaler);
  const double amps = profile_.current_raw * pow10(profile_.current_scaler);
  const double pf = profile_.power_factor_raw * pow10(profile_.power_factor_scaler);
  average_power_ = 3 * volts * amps * pf;
  initial_energy_ = std::floor(unit_interval(splitmix64(h + 1)) * 500000.0);
}

MeterModel::Event MeterModel::event_at_or_before(std::int64_t meter_ms) const {
  static constexpr std::array<std::uint8_t, 5> kCodes{1, 2, 4, 5, 47};
  const std::int64_t stretch_s =
      4 * static_cast<std::int64_t>(std::max<std::uint32_t>(1, profile_.capture_period_seconds));
  const auto event_in = [&](std::int64_t stretch) {
    const double where = (noise(30, stretch) + 1.0) / 2.0;  // [0, 1]
    const std::int64_t second =
        std::min(stretch_s - 1, static_cast<std::int64_t>(where * static_cast<double>(stretch_s)));
    const double which = (noise(31, stretch) + 1.0) / 2.0;
    const auto code = kCodes[std::min<std::size_t>(
        kCodes.size() - 1, static_cast<std::size_t>(which * static_cast<double>(kCodes.size())))];
    return Event{(stretch * stretch_s + second) * 1000, code};
  };
  const std::int64_t stretch_ms = stretch_s * 1000;
  const std::int64_t stretch =
      (meter_ms >= 0 ? meter_ms : meter_ms - stretch_ms + 1) / stretch_ms;  // floor
  const Event event = event_in(stretch);
  return event.meter_ms <= meter_ms ? event : event_in(stretch - 1);
}

std::int64_t MeterModel::billing_reset_at_or_before(std::int64_t meter_ms) const {
  const std::int64_t offset_ms = std::int64_t{profile_.utc_offset_minutes} * 60'000;
  const std::int64_t local_ms = meter_ms + offset_ms;
  if (profile_.billing_period_seconds > 0) {
    const std::int64_t period = std::int64_t{profile_.billing_period_seconds} * 1000;
    const std::int64_t floored = local_ms - ((local_ms % period) + period) % period;
    return floored - offset_ms;
  }
  using namespace std::chrono;
  const auto day = floor<days>(sys_time<milliseconds>(milliseconds(local_ms)));
  const year_month_day date(day);
  const sys_days first{date.year() / date.month() / 1};
  return duration_cast<milliseconds>(first.time_since_epoch()).count() - offset_ms;
}

double MeterModel::noise(std::uint64_t quantity, std::int64_t second) const {
  const std::uint64_t bits = splitmix64(
      seed_ ^ splitmix64(quantity * 0x100000001B3ULL ^ static_cast<std::uint64_t>(second)));
  return unit_interval(bits) * 2.0 - 1.0;
}

double MeterModel::load(double seconds) const {
  return 1.0 + kLoadSwing * std::sin(2 * std::numbers::pi * seconds / kDaySeconds + phase_);
}

double MeterModel::energy_integral(double seconds) const {
  const double t = std::max(0.0, seconds);
  const double omega = 2 * std::numbers::pi / kDaySeconds;
  const double swing = kLoadSwing / omega * (std::cos(phase_) - std::cos(omega * t + phase_));
  return initial_energy_ + average_power_ * (t + swing) / 3600.0;
}

InstantValues MeterModel::instant(std::int64_t now_unix_ms) const {
  const std::int64_t second = floor_div(now_unix_ms, 1000);
  const double shape = load(static_cast<double>(second - kEpochSeconds));
  const double pf_scale = pow10(profile_.power_factor_scaler);
  const double pf = std::min(1.0, profile_.power_factor_raw * pf_scale + 0.02 * noise(20, second));
  InstantValues values;
  double active = 0;
  double apparent = 0;
  for (std::size_t phase = 0; phase < 3; ++phase) {
    const double v_raw = profile_.voltage_raw * (1.0 + 0.01 * noise(1 + phase, second));
    const double i_raw = profile_.current_raw * shape * (1.0 + 0.03 * noise(4 + phase, second));
    values.voltage[phase] = clamp_to<std::uint16_t>(v_raw);
    values.current[phase] = clamp_to<std::uint16_t>(i_raw);
    const double va = values.voltage[phase] * pow10(profile_.voltage_scaler) *
                      values.current[phase] * pow10(profile_.current_scaler);
    apparent += va;
    active += va * pf;
  }
  values.frequency =
      clamp_to<std::uint16_t>(profile_.frequency_raw * (1.0 + 0.001 * noise(10, second)));
  values.power_factor = clamp_to<std::int16_t>(pf / pf_scale);
  values.active_power = clamp_to<std::int32_t>(active);
  values.apparent_power = clamp_to<std::uint32_t>(apparent);
  values.reactive_power =
      clamp_to<std::int32_t>(std::sqrt(std::max(0.0, apparent * apparent - active * active)));
  return values;
}

EnergyValues MeterModel::energy(std::int64_t now_unix_ms) const {
  // Whole seconds: consecutive evaluations differ by far more than double rounding, so the
  // floor below never goes backwards.
  const auto seconds = static_cast<double>(floor_div(now_unix_ms, 1000) - kEpochSeconds);
  const double active = energy_integral(seconds);
  const double pf = profile_.power_factor_raw * pow10(profile_.power_factor_scaler);
  const double reactive_ratio = std::sqrt(std::max(0.0, 1.0 - pf * pf)) / std::max(pf, 0.1);
  EnergyValues values;
  values.active_import = clamp_to<std::uint32_t>(std::floor(active));
  values.active_export = clamp_to<std::uint32_t>(std::floor(active * 0.01));
  values.reactive_import = clamp_to<std::uint32_t>(std::floor(active * reactive_ratio));
  values.reactive_export = clamp_to<std::uint32_t>(std::floor(active * reactive_ratio * 0.05));
  return values;
}

std::pair<std::int32_t, std::int64_t> MeterModel::maximum_demand(std::int64_t now_unix_ms) const {
  constexpr std::int64_t kPeriodMs = 900000;
  const std::int64_t day_start = floor_div(now_unix_ms, 86400000) * 86400000;
  double best = 0;
  std::int64_t best_time = day_start;
  for (std::int64_t t = day_start; t <= now_unix_ms; t += kPeriodMs) {
    const double power = average_power_ * load(static_cast<double>(t / 1000 - kEpochSeconds));
    if (power > best) {
      best = power;
      best_time = t;
    }
  }
  return {clamp_to<std::int32_t>(best), best_time};
}

}  // namespace dlmsgw::server
