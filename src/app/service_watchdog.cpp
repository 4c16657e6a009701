#include "app/service_watchdog.hpp"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <asio/post.hpp>
#include <cstdint>

namespace dlmsgw::app {

ServiceWatchdog::~ServiceWatchdog() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

bool ServiceWatchdog::start() {
  std::uint64_t interval_usec = 0;
  // 0: keep WATCHDOG_USEC in the environment; nothing we start would use it anyway.
  if (sd_watchdog_enabled(0, &interval_usec) <= 0 || interval_usec == 0) return false;
  period_ = std::chrono::microseconds(static_cast<std::int64_t>(interval_usec / 2));
  spdlog::info("systemd watchdog: {} ms, pinging every {} ms while the event loop runs",
               interval_usec / 1000, period_.count() / 1000);
  ticker_ = std::thread([this] { tick(); });
  return true;
}

void ServiceWatchdog::tick() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
    // The ping runs on the loop: if the loop is stuck, it never runs, and systemd notices.
    asio::post(io_, [] { (void)sd_notify(0, "WATCHDOG=1"); });
  }
}

}  // namespace dlmsgw::app
