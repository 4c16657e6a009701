#pragma once
// MeterHealth: when one meter's session should be dropped (watchdog), when the next connection
// attempt may start (backoff with jitter, minimum gap) and when to stop trying for a while
// (circuit breaker). The worker reports events and asks questions, passing the time in; nothing
// here reads a clock or sleeps, so every schedule is testable to the millisecond.
//
// Circuit breaker rules, and why they cannot spin:
//  - Hourly rule: every session opened after the first is a reconnect. When the reconnect that
//    was just counted makes max_reconnects_per_hour in the last 60 minutes (sliding window), the
//    breaker opens for `pause`. The session that just opened is kept; the pause delays the next
//    attempt. After the pause one attempt is allowed; if that session opens while the window
//    still holds the limit, the breaker opens again: one reconnect per pause until old
//    reconnects leave the window. 0 disables the rule.
//  - Failure rule: when retry.max_reconnect_attempts connection attempts failed in a row the
//    breaker opens for `pause`; each further failure before a success opens it again, so a dead
//    meter gets one attempt per pause. 0 disables the rule.
// A disabled breaker or watchdog never triggers.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "connectors/dlms/dlms_connector_config.hpp"
#include "connectors/dlms/report_filter.hpp"

namespace dlmsgw::connectors::dlms {

class MeterHealth {
 public:
  MeterHealth(WatchdogConfig watchdog, CircuitBreakerConfig breaker, RetryConfig retry,
              std::uint64_t jitter_seed);

  void on_connect_attempt(SteadyTime now);
  // A session opened (a reconnect for the breaker when it is not the first).
  void on_connected(SteadyTime now);
  void on_connect_failed(SteadyTime now);
  void on_read_ok(SteadyTime now);
  void on_read_failed(SteadyTime now);

  // Non-empty when the watchdog wants the session dropped and reopened now: "10 failed reads in
  // a row" or "no good read for 10 min". Empty when disabled, healthy or not connected. Silence
  // counts from the later of the last good read and on_connected, so a fresh session is never
  // dropped for a silence that happened before it.
  [[nodiscard]] std::optional<std::string> watchdog_reason(SteadyTime now) const;

  // When the next connection attempt may start (never before `now`): not before the last
  // attempt + min_connect_gap; after n failed attempts in a row, not before the last failure +
  // reconnect_delay * 2^(n-1), capped at max_reconnect_delay, then scaled by a jitter factor in
  // [0.8, 1.2) (the jitter applies after the cap so meters that all sit at the cap still spread
  // out); while the breaker is open, not before it closes.
  [[nodiscard]] SteadyTime next_attempt_at(SteadyTime now) const;

  // The end of the breaker's pause while it is open at `now`; nullopt when closed (at the end
  // time itself it is closed).
  [[nodiscard]] std::optional<SteadyTime> paused_until(SteadyTime now) const;
  // Why the breaker opened last ("12 reconnects in the last hour (limit 10)", "10 connection
  // attempts failed in a row (limit 10)"); empty when it never opened.
  [[nodiscard]] std::string breaker_reason() const { return breaker_reason_; }
  // How many times the breaker opened.
  [[nodiscard]] std::uint64_t breaker_trips() const { return breaker_trips_; }

  [[nodiscard]] std::uint64_t reconnects() const { return reconnects_; }
  [[nodiscard]] std::size_t reconnects_in_last_hour(SteadyTime now) const;
  [[nodiscard]] unsigned consecutive_failures() const { return consecutive_read_failures_; }
  [[nodiscard]] unsigned consecutive_connect_failures() const {
    return consecutive_connect_failures_;
  }
  [[nodiscard]] bool connected() const { return connected_; }

  // The backoff after `failures` failed attempts in a row, jitter included (0 for none).
  [[nodiscard]] std::chrono::milliseconds backoff_delay(unsigned failures) const;

 private:
  void open_breaker(SteadyTime now, std::string reason);

  WatchdogConfig watchdog_;
  CircuitBreakerConfig breaker_;
  RetryConfig retry_;
  std::uint64_t jitter_seed_;

  bool connected_ = false;
  bool ever_connected_ = false;
  std::optional<SteadyTime> last_attempt_;
  std::optional<SteadyTime> last_connect_failure_;
  std::optional<SteadyTime> session_start_;
  std::optional<SteadyTime> last_good_read_;
  unsigned consecutive_read_failures_ = 0;
  unsigned consecutive_connect_failures_ = 0;
  std::uint64_t total_connect_failures_ = 0;  // varies the jitter from one failure to the next

  std::uint64_t reconnects_ = 0;
  // At most max_reconnects_per_hour, newest last. A vector, not a deque: an empty std::deque
  // allocates 576 bytes, per meter.
  std::vector<SteadyTime> recent_reconnects_;
  std::optional<SteadyTime> paused_until_;
  std::string breaker_reason_;
  std::uint64_t breaker_trips_ = 0;
};

// "10 min", "90 s" -> "1 min 30 s", "1 h 5 min", "250 ms": durations in log and watchdog messages.
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace dlmsgw::connectors::dlms
