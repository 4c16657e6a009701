#include "gateway/uplink/rate_limit.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;
using Clock = RateLimit::Clock;

const Clock::time_point t0{};  // any fixed origin: the limiter never reads a clock

TEST(RateLimitParse, ReadsThingsBoardStyleWindows) {
  auto limit = RateLimit::parse("10:1,300:60");
  ASSERT_TRUE(limit) << limit.error().message;
  const std::vector<RateLimitWindow> expected{{10, 1s}, {300, 60s}};
  EXPECT_EQ(limit->windows(), expected);
  EXPECT_EQ(limit->to_string(), "10:1,300:60");
  EXPECT_FALSE(limit->unlimited());
}

TEST(RateLimitParse, ToleratesBlanksAndTreatsEmptyAsUnlimited) {
  auto limit = RateLimit::parse(" 5 : 2 , 7:9 ");
  ASSERT_TRUE(limit) << limit.error().message;
  EXPECT_EQ(limit->to_string(), "5:2,7:9");
  auto none = RateLimit::parse("  ");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->unlimited());
}

TEST(RateLimitParse, RejectsMalformedEntriesWithTheirText) {
  struct Case {
    const char* text;
    const char* fragment;
  };
  const Case cases[] = {
      {"10", "not of the form messages:seconds"},
      {"10:1,", "empty entry"},
      {",10:1", "empty entry"},
      {"ten:1", "message count 'ten' is not a whole number"},
      {"10:1s", "period in seconds '1s' is not a whole number"},
      {"10:", "period in seconds '' is not a whole number"},
      {"0:1", "message count must be positive"},
      {"10:0", "period in seconds must be positive"},
      {"-1:1", "not a whole number"},
      {"99999999999:1", "message count is too large"},
      {"10:999999999", "longer than a year"},
  };
  for (const auto& c : cases) {
    auto limit = RateLimit::parse(c.text);
    ASSERT_FALSE(limit) << c.text;
    EXPECT_NE(limit.error().message.find(c.fragment), std::string::npos)
        << c.text << " -> " << limit.error().message;
    EXPECT_NE(limit.error().message.find(std::string("'") + c.text + "'"), std::string::npos)
        << "error should quote the whole setting: " << limit.error().message;
  }
}

TEST(RateLimit, AllowsABurstOfNThenRefillsAtNPerPeriod) {
  RateLimit limit({{10, 1s}});
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limit.try_acquire(t0)) << i;
  EXPECT_FALSE(limit.try_acquire(t0));
  EXPECT_EQ(*limit.wait_time(t0), 100ms);
  EXPECT_FALSE(limit.try_acquire(t0 + 99ms));
  EXPECT_TRUE(limit.try_acquire(t0 + 100ms));
  EXPECT_FALSE(limit.try_acquire(t0 + 100ms));
  // After a full idle period the whole burst is available again, and no more.
  EXPECT_EQ(*limit.wait_time(t0 + 5s, 10), Clock::duration::zero());
  EXPECT_TRUE(limit.try_acquire(t0 + 5s, 10));
  EXPECT_EQ(*limit.wait_time(t0 + 5s, 3), 300ms);
}

TEST(RateLimit, TheSlowestWindowDecides) {
  RateLimit limit({{10, 1s}, {15, 60s}});
  EXPECT_TRUE(limit.try_acquire(t0, 10));
  EXPECT_EQ(*limit.wait_time(t0, 5), 500ms);  // the 10:1 window
  EXPECT_TRUE(limit.try_acquire(t0 + 1s, 5));
  // 15 per minute spent: the next one waits for the minute window (4 s per message).
  EXPECT_EQ(*limit.wait_time(t0 + 1s), 3s);
  EXPECT_FALSE(limit.try_acquire(t0 + 3s));
  EXPECT_TRUE(limit.try_acquire(t0 + 4s));
}

TEST(RateLimit, NeverExceedsTheRateOverALongRun) {
  RateLimit limit({{3, 1s}});  // 1/3 s does not divide evenly into nanoseconds
  int sent = 0;
  for (auto now = t0; now < t0 + 100s; now += 1ms) {
    while (limit.try_acquire(now)) ++sent;
  }
  EXPECT_LE(sent, 3 + 3 * 100);
  EXPECT_GE(sent, 3 * 100 - 1);
}

TEST(RateLimit, RequestsLargerThanAWindowAreAnError) {
  RateLimit limit({{10, 1s}});
  auto wait = limit.wait_time(t0, 11);
  ASSERT_FALSE(wait);
  EXPECT_NE(wait.error().message.find("11 messages at once can never pass the rate limit 10:1"),
            std::string::npos);
  EXPECT_FALSE(limit.try_acquire(t0, 11));
  EXPECT_TRUE(limit.try_acquire(t0, 10));  // the failed attempt took nothing
}

TEST(RateLimit, UnlimitedAllowsEverythingAndTimeGoingBackIsHarmless) {
  RateLimit none;
  EXPECT_TRUE(none.try_acquire(t0, 1000000));
  RateLimit limit({{1, 1s}});
  EXPECT_TRUE(limit.try_acquire(t0 + 10s));
  EXPECT_FALSE(limit.try_acquire(t0));
  EXPECT_EQ(*limit.wait_time(t0 + 10s), 1s);
}

}  // namespace
}  // namespace dlmsgw::gateway
