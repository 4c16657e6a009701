#pragma once
// ClockStepDetector: notices when the wall clock jumps (NTP setting the time on a board without a
// real-time clock, an operator's `date -s`) by comparing how far it moved with how far the
// monotonic clock moved since the previous look.
//
// Why the queues need it: a record's age (for the storage max_age limit) is its append time on the
// wall clock, kept in storage so that it survives restarts. A step forward larger than max_age
// would make every unsent record look expired at once and drop it. So when the wall clock steps by
// S, the queues shift their records' append times by S too: ages then count the time the gateway
// actually ran, immune to steps in either direction.

#include <chrono>
#include <functional>
#include <optional>

#include "gateway/storage/record.hpp"

namespace dlmsgw::gateway {

using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;
std::chrono::steady_clock::time_point steady_clock_now();

class ClockStepDetector {
 public:
  // Differences below `tolerance` are drift, slewing or scheduling noise, not steps.
  static constexpr std::chrono::milliseconds kDefaultTolerance{std::chrono::seconds(5)};

  explicit ClockStepDetector(SteadyClock steady = steady_clock_now,
                             std::chrono::milliseconds tolerance = kDefaultTolerance);

  // How far the wall clock stepped since the previous call (positive: forward), beyond what the
  // monotonic clock accounts for; zero when it did not step, and on the first call.
  std::chrono::milliseconds observe(Timestamp wall_now);

 private:
  SteadyClock steady_;
  std::chrono::milliseconds tolerance_;
  std::optional<std::pair<Timestamp, std::chrono::steady_clock::time_point>> last_;
};

}  // namespace dlmsgw::gateway
