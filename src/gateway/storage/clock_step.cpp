#include "gateway/storage/clock_step.hpp"

namespace dlmsgw::gateway {

std::chrono::steady_clock::time_point steady_clock_now() {
  return std::chrono::steady_clock::now();
}

ClockStepDetector::ClockStepDetector(SteadyClock steady, std::chrono::milliseconds tolerance)
    : steady_(std::move(steady)), tolerance_(tolerance) {}

std::chrono::milliseconds ClockStepDetector::observe(Timestamp wall_now) {
  const auto steady_now = steady_();
  std::chrono::milliseconds step{0};
  if (last_) {
    const auto wall_moved = wall_now - last_->first;
    const auto steady_moved =
        std::chrono::duration_cast<std::chrono::milliseconds>(steady_now - last_->second);
    const auto difference = wall_moved - steady_moved;
    if (difference > tolerance_ || difference < -tolerance_) step = difference;
  }
  last_ = {wall_now, steady_now};
  return step;
}

}  // namespace dlmsgw::gateway
