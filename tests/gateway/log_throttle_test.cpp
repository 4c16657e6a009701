#include "gateway/log_throttle.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::gateway {
namespace {

using std::chrono::seconds;

TEST(LogThrottle, LetsABurstThroughThenCountsWhatItHoldsBack) {
  LogThrottle throttle(3, seconds(60));
  const LogThrottle::Clock::time_point t0{seconds(1000)};
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(throttle.window_full());
    EXPECT_EQ(throttle.admit(t0 + seconds(i)), 0u);
  }
  EXPECT_TRUE(throttle.window_full());
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(throttle.admit(t0 + seconds(10 + i)));
  // The next window lets lines through again, the first one saying how many were held back.
  EXPECT_EQ(throttle.admit(t0 + seconds(61)), 5u);
  EXPECT_EQ(throttle.admit(t0 + seconds(62)), 0u);
}

}  // namespace
}  // namespace dlmsgw::gateway
