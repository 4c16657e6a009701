#pragma once
// LogThrottle: lets a burst of similar warnings through, then only a few per window, so that a
// peer flooding bad messages cannot fill the journal or cost a log line each. What was held back
// is counted and reported with the next line let through. Time is passed in (testable); one
// thread.

#include <chrono>
#include <cstdint>
#include <optional>

namespace dlmsgw::gateway {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(std::uint32_t lines_per_window = 10,
                       Clock::duration window = std::chrono::minutes(1))
      : lines_per_window_(lines_per_window), window_(window) {}

  // nullopt: do not log this one. Otherwise log it, and mention the returned count of lines
  // suppressed since the last one logged (0 most of the time).
  std::optional<std::uint64_t> admit(Clock::time_point now) {
    if (now - window_start_ >= window_ || lines_ == 0) {
      window_start_ = now;
      lines_ = 0;
    }
    if (lines_ >= lines_per_window_) {
      ++suppressed_;
      return std::nullopt;
    }
    ++lines_;
    const auto held_back = suppressed_;
    suppressed_ = 0;
    return held_back;
  }
  // True after admit() let the window's last line through: say that more will not be logged.
  [[nodiscard]] bool window_full() const { return lines_ >= lines_per_window_; }

 private:
  std::uint32_t lines_per_window_;
  Clock::duration window_;
  Clock::time_point window_start_{};
  std::uint32_t lines_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace dlmsgw::gateway
