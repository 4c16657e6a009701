// MeterHealth: watchdog, reconnect backoff with jitter, and the circuit breaker's two rules, with
// time passed in.

#include "connectors/dlms/meter_health.hpp"

#include <gtest/gtest.h>

#include <set>

namespace dlmsgw::connectors::dlms {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const SteadyTime kT0{hours(100)};

WatchdogConfig watchdog(unsigned failures = 10, milliseconds silence = minutes(10)) {
  return WatchdogConfig{true, failures, silence};
}
CircuitBreakerConfig breaker(unsigned per_hour = 10, milliseconds pause = minutes(5)) {
  return CircuitBreakerConfig{true, per_hour, pause};
}
RetryConfig retry(unsigned attempts = 10) {
  return RetryConfig{seconds(5), minutes(5), seconds(1), attempts};
}

MeterHealth connected_health(SteadyTime at, WatchdogConfig w = watchdog()) {
  MeterHealth health(w, breaker(), retry(), 42);
  health.on_connect_attempt(at);
  health.on_connected(at);
  return health;
}

TEST(FormatDuration, ReadableUnits) {
  EXPECT_EQ(format_duration(milliseconds(250)), "250 ms");
  EXPECT_EQ(format_duration(milliseconds(-5)), "0 ms");
  EXPECT_EQ(format_duration(seconds(45)), "45 s");
  EXPECT_EQ(format_duration(seconds(90)), "1 min 30 s");
  EXPECT_EQ(format_duration(minutes(10)), "10 min");
  EXPECT_EQ(format_duration(minutes(65)), "1 h 5 min");
  EXPECT_EQ(format_duration(hours(2) + seconds(1)), "2 h 1 s");
}

TEST(MeterHealthWatchdog, HealthyWhileReadsSucceed) {
  auto health = connected_health(kT0);
  for (int i = 1; i <= 100; ++i) {
    health.on_read_ok(kT0 + seconds(5 * i));
    EXPECT_FALSE(health.watchdog_reason(kT0 + seconds(5 * i)));
  }
}

TEST(MeterHealthWatchdog, FailedReadsInARow) {
  auto health = connected_health(kT0);
  for (int i = 0; i < 9; ++i) health.on_read_failed(kT0);
  EXPECT_EQ(health.consecutive_failures(), 9U);
  EXPECT_FALSE(health.watchdog_reason(kT0));
  health.on_read_failed(kT0);
  EXPECT_EQ(health.watchdog_reason(kT0), "10 failed reads in a row");
  // A good read resets the count.
  health.on_read_ok(kT0);
  EXPECT_EQ(health.consecutive_failures(), 0U);
  EXPECT_FALSE(health.watchdog_reason(kT0));
}

TEST(MeterHealthWatchdog, SilenceCountsFromTheLastGoodRead) {
  auto health = connected_health(kT0);
  health.on_read_ok(kT0 + minutes(1));
  EXPECT_FALSE(health.watchdog_reason(kT0 + minutes(11) - milliseconds(1)));
  EXPECT_EQ(health.watchdog_reason(kT0 + minutes(11)), "no good read for 10 min");
  EXPECT_EQ(health.watchdog_reason(kT0 + minutes(11) + seconds(3)), "no good read for 10 min 3 s");
}

TEST(MeterHealthWatchdog, SilenceBeforeAnyGoodReadCountsFromConnected) {
  auto health = connected_health(kT0);
  EXPECT_FALSE(health.watchdog_reason(kT0 + minutes(9)));
  EXPECT_TRUE(health.watchdog_reason(kT0 + minutes(10)));
}

TEST(MeterHealthWatchdog, ANewSessionIsNotDroppedForAnOldSilence) {
  auto health = connected_health(kT0);
  health.on_read_ok(kT0);
  ASSERT_TRUE(health.watchdog_reason(kT0 + minutes(30)));
  // The worker reconnects: the new session gets its own 10 minutes, and its failures start at 0.
  for (int i = 0; i < 10; ++i) health.on_read_failed(kT0 + minutes(30));
  health.on_connect_attempt(kT0 + minutes(30));
  health.on_connected(kT0 + minutes(30));
  EXPECT_EQ(health.consecutive_failures(), 0U);
  EXPECT_FALSE(health.watchdog_reason(kT0 + minutes(30)));
  EXPECT_FALSE(health.watchdog_reason(kT0 + minutes(39)));
  EXPECT_TRUE(health.watchdog_reason(kT0 + minutes(40)));
}

TEST(MeterHealthWatchdog, QuietWhileNotConnected) {
  MeterHealth health(watchdog(), breaker(), retry(), 1);
  EXPECT_FALSE(health.watchdog_reason(kT0 + hours(5)));
  health.on_connect_attempt(kT0);
  health.on_connect_failed(kT0);
  EXPECT_FALSE(health.watchdog_reason(kT0 + hours(5)));
}

TEST(MeterHealthWatchdog, DisabledNeverTriggers) {
  WatchdogConfig off = watchdog();
  off.enabled = false;
  auto health = connected_health(kT0, off);
  for (int i = 0; i < 1000; ++i) health.on_read_failed(kT0);
  EXPECT_FALSE(health.watchdog_reason(kT0 + hours(24)));
}

TEST(MeterHealthWatchdog, ZeroLimitsDisableEachRule) {
  auto no_count = connected_health(kT0, watchdog(0, minutes(10)));
  for (int i = 0; i < 1000; ++i) no_count.on_read_failed(kT0);
  EXPECT_FALSE(no_count.watchdog_reason(kT0));
  EXPECT_TRUE(no_count.watchdog_reason(kT0 + minutes(10)));
  auto no_silence = connected_health(kT0, watchdog(3, milliseconds(0)));
  EXPECT_FALSE(no_silence.watchdog_reason(kT0 + hours(24)));
}

TEST(MeterHealthBackoff, FirstAttemptIsImmediate) {
  const MeterHealth health(watchdog(), breaker(), retry(), 7);
  EXPECT_EQ(health.next_attempt_at(kT0), kT0);
}

TEST(MeterHealthBackoff, MinimumGapBetweenAttempts) {
  MeterHealth health(watchdog(), breaker(), retry(), 7);
  health.on_connect_attempt(kT0);
  health.on_connected(kT0 + milliseconds(100));
  // The session dropped at once: the next attempt waits for the 1 s gap, no backoff.
  EXPECT_EQ(health.next_attempt_at(kT0 + milliseconds(200)), kT0 + seconds(1));
  EXPECT_EQ(health.next_attempt_at(kT0 + seconds(3)), kT0 + seconds(3));
}

TEST(MeterHealthBackoff, ExponentialWithinJitterBoundsAndCapped) {
  MeterHealth health(watchdog(), CircuitBreakerConfig{false, 10, minutes(5)}, retry(), 12345);
  SteadyTime now = kT0;
  const std::int64_t expected_base_ms[] = {5'000,   10'000,  20'000,  40'000,  80'000,
                                           160'000, 300'000, 300'000, 300'000, 300'000};
  for (const std::int64_t base : expected_base_ms) {
    health.on_connect_attempt(now);
    now += seconds(2);  // the attempt took 2 s to fail
    health.on_connect_failed(now);
    const auto wait = health.next_attempt_at(now) - now;
    EXPECT_GE(wait, milliseconds(base * 8 / 10)) << base;
    EXPECT_LT(wait, milliseconds(base * 12 / 10)) << base;
    EXPECT_EQ(health.next_attempt_at(now), health.next_attempt_at(now)) << "stable";
    now = health.next_attempt_at(now);
  }
  EXPECT_EQ(health.consecutive_connect_failures(), 10U);
  EXPECT_FALSE(health.paused_until(now));  // breaker disabled
  // A success resets the backoff.
  health.on_connect_attempt(now);
  health.on_connected(now);
  EXPECT_EQ(health.consecutive_connect_failures(), 0U);
  EXPECT_EQ(health.next_attempt_at(now + seconds(1)), now + seconds(1));
}

TEST(MeterHealthBackoff, JitterSpreadsAcrossSeedsAndIsDeterministic) {
  std::set<std::int64_t> delays;
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    MeterHealth a(watchdog(), breaker(), retry(), seed);
    MeterHealth b(watchdog(), breaker(), retry(), seed);
    a.on_connect_failed(kT0);
    b.on_connect_failed(kT0);
    EXPECT_EQ(a.next_attempt_at(kT0), b.next_attempt_at(kT0));
    const auto delay = a.backoff_delay(1);
    EXPECT_GE(delay, milliseconds(4'000));
    EXPECT_LT(delay, milliseconds(6'000));
    delays.insert(delay.count());
  }
  EXPECT_GT(delays.size(), 40U);  // 50 meters do not reconnect in lockstep
}

TEST(MeterHealthBackoff, DegenerateDelays) {
  MeterHealth zero(watchdog(), breaker(), RetryConfig{milliseconds(0), minutes(5), seconds(0), 0},
                   1);
  zero.on_connect_failed(kT0);
  for (int i = 0; i < 100; ++i) zero.on_connect_failed(kT0);
  EXPECT_EQ(zero.backoff_delay(4'000'000'000U), milliseconds(0));
  EXPECT_EQ(zero.next_attempt_at(kT0), kT0);
  // A cap below the base delay wins.
  MeterHealth capped(watchdog(), breaker(), RetryConfig{minutes(10), minutes(1), seconds(0), 0}, 1);
  EXPECT_LT(capped.backoff_delay(1), milliseconds(72'000));
  EXPECT_LT(capped.backoff_delay(4'000'000'000U), milliseconds(72'000));
  EXPECT_GE(capped.backoff_delay(4'000'000'000U), milliseconds(48'000));
}

TEST(MeterHealthBreaker, ConsecutiveConnectFailuresOpenItForThePause) {
  MeterHealth health(watchdog(), breaker(), retry(3), 9);
  SteadyTime now = kT0;
  for (int i = 0; i < 2; ++i) {
    health.on_connect_attempt(now);
    health.on_connect_failed(now);
    EXPECT_FALSE(health.paused_until(now));
    now = health.next_attempt_at(now);
  }
  health.on_connect_attempt(now);
  health.on_connect_failed(now);
  ASSERT_EQ(health.paused_until(now), now + minutes(5));
  EXPECT_EQ(health.breaker_reason(), "3 connection attempts failed in a row (limit 3)");
  EXPECT_EQ(health.breaker_trips(), 1U);
  EXPECT_GE(health.next_attempt_at(now), now + minutes(5));
  // At the end of the pause it is closed and one attempt may start (the backoff at 3 failures,
  // 20 s +- 20 %, is long over).
  const SteadyTime end = now + minutes(5);
  EXPECT_EQ(health.paused_until(end - milliseconds(1)), end);
  EXPECT_FALSE(health.paused_until(end));
  EXPECT_EQ(health.next_attempt_at(end), end);
  // That attempt fails too: paused again, not a spin of attempts.
  health.on_connect_attempt(end);
  health.on_connect_failed(end + seconds(1));
  EXPECT_EQ(health.paused_until(end + seconds(1)), end + seconds(1) + minutes(5));
  EXPECT_EQ(health.breaker_reason(), "4 connection attempts failed in a row (limit 3)");
  // It succeeds after the next pause: closed, counters reset.
  const SteadyTime later = end + seconds(1) + minutes(5);
  health.on_connect_attempt(later);
  health.on_connected(later);
  EXPECT_EQ(health.consecutive_connect_failures(), 0U);
  EXPECT_FALSE(health.paused_until(later));
}

// Connects and drops every `every`, `count` times, starting at `start`; returns the last time.
SteadyTime flap(MeterHealth& health, SteadyTime start, milliseconds every, int count) {
  SteadyTime now = start;
  for (int i = 0; i < count; ++i) {
    health.on_connect_attempt(now);
    health.on_connected(now);
    now += every;
  }
  return now - every;
}

TEST(MeterHealthBreaker, HourlyReconnectLimit) {
  MeterHealth health(watchdog(), breaker(10), retry(), 3);
  // The first session is not a reconnect; 9 more are.
  const SteadyTime last = flap(health, kT0, minutes(1), 10);
  EXPECT_EQ(health.reconnects(), 9U);
  EXPECT_FALSE(health.paused_until(last));
  health.on_connect_attempt(last + minutes(1));
  health.on_connected(last + minutes(1));
  EXPECT_EQ(health.reconnects(), 10U);
  const SteadyTime tripped = last + minutes(1);
  EXPECT_EQ(health.paused_until(tripped), tripped + minutes(5));
  EXPECT_EQ(health.breaker_reason(), "10 reconnects in the last hour (limit 10)");
  EXPECT_EQ(health.next_attempt_at(tripped + seconds(10)), tripped + minutes(5));
}

TEST(MeterHealthBreaker, HourlyWindowSlides) {
  MeterHealth health(watchdog(), breaker(3), retry(), 3);
  // Reconnects at 0, 10 and 20 min after the first session (kT0).
  flap(health, kT0, minutes(10), 3);
  EXPECT_EQ(health.reconnects_in_last_hour(kT0 + minutes(20)), 2U);
  // 60 min after the first reconnect (t = 10 min) it has left the window: exactly at the boundary.
  EXPECT_EQ(health.reconnects_in_last_hour(kT0 + minutes(70) - milliseconds(1)), 2U);
  EXPECT_EQ(health.reconnects_in_last_hour(kT0 + minutes(70)), 1U);
  health.on_connect_attempt(kT0 + minutes(70));
  health.on_connected(kT0 + minutes(70));
  EXPECT_FALSE(health.paused_until(kT0 + minutes(70)));  // 2 in the window, limit 3
  health.on_connect_attempt(kT0 + minutes(71));
  health.on_connected(kT0 + minutes(71));
  EXPECT_EQ(health.paused_until(kT0 + minutes(71)), kT0 + minutes(76));
  EXPECT_EQ(health.breaker_reason(), "3 reconnects in the last hour (limit 3)");
}

TEST(MeterHealthBreaker, AfterThePauseOneReconnectThenPausedAgain) {
  MeterHealth health(watchdog(), breaker(3, minutes(5)), retry(), 3);
  const SteadyTime tripped = flap(health, kT0, seconds(2), 4);  // 3 reconnects within 6 s
  ASSERT_TRUE(health.paused_until(tripped));
  const SteadyTime resume = health.next_attempt_at(tripped + seconds(1));
  EXPECT_EQ(resume, tripped + minutes(5));
  EXPECT_FALSE(health.paused_until(resume));
  health.on_connect_attempt(resume);
  health.on_connected(resume);
  // Still 4 reconnects in the hour: open again, from now. One session per pause, not a spin.
  EXPECT_EQ(health.paused_until(resume), resume + minutes(5));
  EXPECT_EQ(health.breaker_reason(), "4 reconnects in the last hour (limit 3)");
  EXPECT_EQ(health.breaker_trips(), 2U);
}

TEST(MeterHealthBreaker, DisabledNeverOpens) {
  MeterHealth health(watchdog(), CircuitBreakerConfig{false, 1, minutes(5)}, retry(1), 3);
  const SteadyTime last = flap(health, kT0, seconds(1), 50);
  EXPECT_FALSE(health.paused_until(last));
  for (int i = 0; i < 50; ++i) health.on_connect_failed(last);
  EXPECT_FALSE(health.paused_until(last));
  EXPECT_EQ(health.breaker_reason(), "");
  EXPECT_EQ(health.breaker_trips(), 0U);
}

TEST(MeterHealthBreaker, ZeroLimitsDisableEachRule) {
  MeterHealth hourly_off(watchdog(), breaker(0), retry(2), 3);
  const SteadyTime last = flap(hourly_off, kT0, seconds(1), 50);
  EXPECT_FALSE(hourly_off.paused_until(last));
  EXPECT_EQ(hourly_off.reconnects(), 49U);
  MeterHealth failures_off(watchdog(), breaker(10), retry(0), 3);
  for (int i = 0; i < 50; ++i) failures_off.on_connect_failed(kT0);
  EXPECT_FALSE(failures_off.paused_until(kT0));
  EXPECT_EQ(failures_off.consecutive_connect_failures(), 50U);
}

TEST(MeterHealthBreaker, ZeroPauseNeverHolds) {
  MeterHealth health(watchdog(), breaker(1, milliseconds(0)), retry(), 3);
  const SteadyTime last = flap(health, kT0, seconds(1), 3);
  EXPECT_EQ(health.breaker_trips(), 2U);
  EXPECT_FALSE(health.paused_until(last));
  EXPECT_EQ(health.next_attempt_at(last + seconds(1)), last + seconds(1));
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
