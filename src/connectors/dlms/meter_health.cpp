#include "connectors/dlms/meter_health.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dlmsgw::connectors::dlms {
namespace {

using std::chrono::milliseconds;

constexpr auto kBreakerWindow = std::chrono::hours(1);
// Bounds the window's memory when the pause is 0 and a meter reconnects as fast as it can.
constexpr std::size_t kMaxRememberedReconnects = 4096;

// SplitMix64 (Steele, Lea, Flood 2014): a well-mixed 64-bit value from a counter, so the jitter is
// a pure function of (seed, failure number) and next_attempt_at() can stay const.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string format_duration(milliseconds duration) {
  if (duration < milliseconds(0)) duration = milliseconds(0);
  if (duration < std::chrono::seconds(1)) return std::to_string(duration.count()) + " ms";
  const auto total = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  const auto hours = total / 3600;
  const auto minutes = total / 60 % 60;
  const auto seconds = total % 60;
  std::string text;
  const auto append = [&text](std::int64_t value, const char* unit) {
    if (value == 0) return;
    if (!text.empty()) text += ' ';
    text += std::to_string(value) + " " + unit;
  };
  append(hours, "h");
  append(minutes, "min");
  append(seconds, "s");
  return text;
}

MeterHealth::MeterHealth(WatchdogConfig watchdog, CircuitBreakerConfig breaker, RetryConfig retry,
                         std::uint64_t jitter_seed)
    : watchdog_(watchdog), breaker_(breaker), retry_(retry), jitter_seed_(jitter_seed) {}

void MeterHealth::on_connect_attempt(SteadyTime now) {
  last_attempt_ = now;
  connected_ = false;
}

void MeterHealth::on_connected(SteadyTime now) {
  connected_ = true;
  session_start_ = now;
  consecutive_read_failures_ = 0;
  consecutive_connect_failures_ = 0;
  if (!ever_connected_) {
    ever_connected_ = true;
    return;
  }
  ++reconnects_;
  recent_reconnects_.push_back(now);
  const auto recent = std::find_if(recent_reconnects_.begin(), recent_reconnects_.end(),
                                   [now](SteadyTime at) { return now - at < kBreakerWindow; });
  recent_reconnects_.erase(recent_reconnects_.begin(), recent);
  if (recent_reconnects_.size() > kMaxRememberedReconnects) {
    recent_reconnects_.erase(recent_reconnects_.begin());
  }
  const unsigned limit = breaker_.max_reconnects_per_hour;
  if (breaker_.enabled && limit > 0 && recent_reconnects_.size() >= limit) {
    open_breaker(now, std::to_string(recent_reconnects_.size()) +
                          " reconnects in the last hour (limit " + std::to_string(limit) + ")");
  }
}

void MeterHealth::on_connect_failed(SteadyTime now) {
  connected_ = false;
  last_connect_failure_ = now;
  if (consecutive_connect_failures_ < std::numeric_limits<unsigned>::max()) {
    ++consecutive_connect_failures_;
  }
  ++total_connect_failures_;
  const unsigned limit = retry_.max_reconnect_attempts;
  if (breaker_.enabled && limit > 0 && consecutive_connect_failures_ >= limit) {
    open_breaker(now, std::to_string(consecutive_connect_failures_) +
                          " connection attempts failed in a row (limit " + std::to_string(limit) +
                          ")");
  }
}

void MeterHealth::on_read_ok(SteadyTime now) {
  consecutive_read_failures_ = 0;
  last_good_read_ = now;
}

void MeterHealth::on_read_failed(SteadyTime) {
  if (consecutive_read_failures_ < std::numeric_limits<unsigned>::max()) {
    ++consecutive_read_failures_;
  }
}

std::optional<std::string> MeterHealth::watchdog_reason(SteadyTime now) const {
  if (!watchdog_.enabled || !connected_) return std::nullopt;
  const unsigned limit = watchdog_.max_consecutive_failures;
  if (limit > 0 && consecutive_read_failures_ >= limit) {
    return std::to_string(consecutive_read_failures_) + " failed reads in a row";
  }
  if (watchdog_.max_silence > milliseconds(0) && session_start_) {
    SteadyTime since = *session_start_;
    if (last_good_read_ && *last_good_read_ > since) since = *last_good_read_;
    const auto silence = std::chrono::duration_cast<milliseconds>(now - since);
    if (silence >= watchdog_.max_silence) return "no good read for " + format_duration(silence);
  }
  return std::nullopt;
}

milliseconds MeterHealth::backoff_delay(unsigned failures) const {
  if (failures == 0) return milliseconds(0);
  const std::int64_t cap = std::max<std::int64_t>(retry_.max_reconnect_delay.count(), 0);
  std::int64_t delay = std::clamp<std::int64_t>(retry_.reconnect_delay.count(), 0, cap);
  // Doubling stops at the cap (or at 0), so this loop runs at most ~63 times.
  for (unsigned i = 1; i < failures && delay > 0 && delay < cap; ++i) {
    delay = delay > cap / 2 ? cap : delay * 2;
  }
  const std::uint64_t random = splitmix64(jitter_seed_ ^ splitmix64(total_connect_failures_));
  const double unit = static_cast<double>(random >> 11) * 0x1.0p-53;  // [0, 1)
  const double factor = 0.8 + 0.4 * unit;
  return milliseconds(static_cast<std::int64_t>(std::floor(static_cast<double>(delay) * factor)));
}

SteadyTime MeterHealth::next_attempt_at(SteadyTime now) const {
  SteadyTime at = now;
  if (last_attempt_) at = std::max(at, *last_attempt_ + retry_.min_connect_gap);
  if (consecutive_connect_failures_ > 0 && last_connect_failure_) {
    at = std::max(at, *last_connect_failure_ + backoff_delay(consecutive_connect_failures_));
  }
  if (auto until = paused_until(now)) at = std::max(at, *until);
  return at;
}

std::optional<SteadyTime> MeterHealth::paused_until(SteadyTime now) const {
  if (paused_until_ && now < *paused_until_) return paused_until_;
  return std::nullopt;
}

std::size_t MeterHealth::reconnects_in_last_hour(SteadyTime now) const {
  return static_cast<std::size_t>(
      std::count_if(recent_reconnects_.begin(), recent_reconnects_.end(),
                    [now](SteadyTime at) { return now - at < kBreakerWindow; }));
}

void MeterHealth::open_breaker(SteadyTime now, std::string reason) {
  paused_until_ = now + breaker_.pause;
  breaker_reason_ = std::move(reason);
  ++breaker_trips_;
}

}  // namespace dlmsgw::connectors::dlms
