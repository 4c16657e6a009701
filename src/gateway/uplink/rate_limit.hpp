#pragma once
// RateLimit: ThingsBoard's message rate limits ("10:1,300:60" = at most 10 per second and 300 per
// minute) enforced on our side, so the gateway slows down instead of being disconnected by the
// server for exceeding them. Every window is a token bucket that holds up to N tokens and refills
// at N per S seconds; a send needs tokens in every window. Time is always passed in, so the limiter
// is a pure state machine that tests drive without sleeping.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

// "N messages per S seconds".
struct RateLimitWindow {
  std::uint32_t messages = 0;
  std::chrono::seconds period{0};
  bool operator==(const RateLimitWindow&) const = default;
};

class RateLimit {
 public:
  using Clock = std::chrono::steady_clock;

  // No windows: everything is allowed at once.
  RateLimit() = default;

  // Parses "N:S[,N:S...]" (blanks around entries allowed). An empty string means no limit, as in
  // ThingsBoard's configuration. N and S must be positive integers.
  static Expected<RateLimit> parse(std::string_view text);

  // Windows must have messages > 0 and period > 0 (checked by parse; asserted here).
  explicit RateLimit(std::vector<RateLimitWindow> windows);

  // Takes `count` tokens from every window if all of them have enough at `now`; otherwise takes
  // nothing and returns false. Time going backwards is treated as no time passing.
  bool try_acquire(Clock::time_point now, std::uint32_t count = 1);

  // How long from `now` until `count` more are allowed (zero if allowed now). An error if `count`
  // exceeds a window's size, since waiting would never help.
  Expected<Clock::duration> wait_time(Clock::time_point now, std::uint32_t count = 1) const;

  [[nodiscard]] bool unlimited() const { return buckets_.empty(); }
  [[nodiscard]] std::vector<RateLimitWindow> windows() const;
  // Back to the "N:S,..." form, for logs.
  [[nodiscard]] std::string to_string() const;

 private:
  // Generic cell rate algorithm, the virtual-scheduling form of a token bucket: each message moves
  // the window's theoretical arrival time `tat` on by one emission interval; a message is allowed
  // while `tat` stays within one burst of now. Integer nanoseconds, no floating point drift.
  struct Bucket {
    RateLimitWindow window;
    Clock::duration interval;  // period / messages, rounded up so we never exceed the real rate
    Clock::duration burst;     // messages * interval: N may go out at once
    Clock::time_point tat;
  };
  std::vector<Bucket> buckets_;
};

}  // namespace dlmsgw::gateway
