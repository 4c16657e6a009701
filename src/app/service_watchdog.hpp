#pragma once
// ServiceWatchdog: systemd's watchdog (WatchdogSec= in the unit) for `dlmsgw run`.
//
// When the service manager asks for pings (sd_watchdog_enabled: WATCHDOG_USEC is set, and
// WATCHDOG_PID, if set, is ours), WATCHDOG=1 is sent at half the interval - but the ping itself is
// a handler posted to the gateway's event loop, so it is only sent while that loop runs handlers. A
// loop that is blocked (a stuck call, a deadlock) stops the pings, and systemd restarts the
// service. The ticks come from a thread of their own rather than from a timer on the loop: a
// pending timer would count as work and hold the loop's shutdown grace (run_for) open for its full
// length, while a posted ping is gone as soon as it has run.
//
// Without a watchdog request start() does nothing. Destruction stops the ticks (before the loop
// goes: declare it after the io_context).

#include <asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace dlmsgw::app {

class ServiceWatchdog {
 public:
  explicit ServiceWatchdog(asio::io_context& io) : io_(io) {}
  ~ServiceWatchdog();
  ServiceWatchdog(const ServiceWatchdog&) = delete;
  ServiceWatchdog& operator=(const ServiceWatchdog&) = delete;

  // Starts the pings if the service manager wants them; returns whether it does. Call once.
  bool start();

  // The ping period: half the watchdog interval, zero when there is no watchdog.
  std::chrono::microseconds period() const { return period_; }

 private:
  void tick();

  asio::io_context& io_;
  std::chrono::microseconds period_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread ticker_;
};

}  // namespace dlmsgw::app
