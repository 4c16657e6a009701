// LatencyWindow: nearest-rank percentiles over the last N samples.

#include "connectors/dlms/latency_window.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace dlmsgw::connectors::dlms {
namespace {

using std::chrono::microseconds;

TEST(LatencyWindow, EmptyHasNoPercentile) {
  const LatencyWindow window;
  EXPECT_EQ(window.size(), 0U);
  EXPECT_EQ(window.capacity(), 64U);
  EXPECT_FALSE(window.percentile(50));
}

TEST(LatencyWindow, OneSampleIsEveryPercentile) {
  LatencyWindow window;
  window.add(microseconds(1500));
  EXPECT_EQ(window.size(), 1U);
  for (const double p : {0.0, 1.0, 50.0, 95.0, 100.0}) {
    EXPECT_EQ(window.percentile(p), microseconds(1500)) << p;
  }
}

TEST(LatencyWindow, NearestRankOverAFullWindowOf256) {
  LatencyWindow window(256);
  // Added in a scrambled order: the percentile must not depend on arrival order.
  for (int i = 0; i < 256; ++i) window.add(microseconds((i * 37) % 256 + 1));  // 1..256
  EXPECT_EQ(window.size(), 256U);
  EXPECT_EQ(window.percentile(50), microseconds(128));  // ceil(0.50 * 256) = 128
  EXPECT_EQ(window.percentile(95), microseconds(244));  // ceil(0.95 * 256) = 243.2 -> 244
  EXPECT_EQ(window.percentile(100), microseconds(256));
  EXPECT_EQ(window.percentile(0), microseconds(1));
  EXPECT_EQ(window.percentile(0.1), microseconds(1));
}

TEST(LatencyWindow, ClassicNearestRankExample) {
  // The textbook example (15, 20, 35, 40, 50): p30 = 20, p40 = 20, p50 = 35, p100 = 50.
  LatencyWindow window(5);
  for (const int v : {50, 15, 40, 20, 35}) window.add(microseconds(v));
  EXPECT_EQ(window.percentile(30), microseconds(20));
  EXPECT_EQ(window.percentile(40), microseconds(20));
  EXPECT_EQ(window.percentile(50), microseconds(35));
  EXPECT_EQ(window.percentile(100), microseconds(50));
}

TEST(LatencyWindow, KeepsOnlyTheLastCapacitySamples) {
  LatencyWindow window(3);
  for (const int v : {1000, 1000, 1000, 1, 2, 3}) window.add(microseconds(v));
  EXPECT_EQ(window.size(), 3U);
  EXPECT_EQ(window.percentile(100), microseconds(3));
  window.add(microseconds(10));  // replaces the 1
  EXPECT_EQ(window.percentile(0), microseconds(2));
  EXPECT_EQ(window.percentile(100), microseconds(10));
}

TEST(LatencyWindow, OutOfRangePercentilesAreClampedAndNanGivesNothing) {
  LatencyWindow window;
  window.add(microseconds(1));
  window.add(microseconds(2));
  EXPECT_EQ(window.percentile(-5), microseconds(1));
  EXPECT_EQ(window.percentile(250), microseconds(2));
  EXPECT_FALSE(window.percentile(std::numeric_limits<double>::quiet_NaN()));
}

TEST(LatencyWindow, ZeroCapacityHoldsOneAndClearEmpties) {
  LatencyWindow window(0);
  EXPECT_EQ(window.capacity(), 1U);
  window.add(microseconds(5));
  window.add(microseconds(7));
  EXPECT_EQ(window.size(), 1U);
  EXPECT_EQ(window.percentile(50), microseconds(7));
  window.clear();
  EXPECT_EQ(window.size(), 0U);
  window.add(microseconds(9));
  EXPECT_EQ(window.percentile(50), microseconds(9));
}

TEST(LatencyWindow, SamplesOutside32BitMicrosecondsAreClamped) {
  LatencyWindow window(4);
  window.add(std::chrono::hours(2));
  window.add(std::chrono::microseconds(-5));
  // 2^32 - 1 us, to the window's accuracy (0.05 %).
  EXPECT_NEAR(static_cast<double>(window.percentile(100)->count()), double{UINT32_MAX},
              double{UINT32_MAX} * 0.0005);
  EXPECT_EQ(window.percentile(0), std::chrono::microseconds(0));
}

TEST(LatencyWindow, SamplesAreExactBelow2048UsAndWithinAHalfPerMilleAbove) {
  // Held in 16 bits: every value up to 71 minutes comes back within its documented accuracy.
  for (std::uint64_t v = 1; v <= UINT32_MAX; v = v * 9 / 8 + 1) {
    LatencyWindow window(1);
    window.add(microseconds(static_cast<std::int64_t>(v)));
    const auto back = static_cast<double>(window.percentile(50)->count());
    if (v < 2048) {
      EXPECT_EQ(back, static_cast<double>(v));
    } else {
      EXPECT_LE(std::abs(back - static_cast<double>(v)), static_cast<double>(v) * 0.0005) << v;
    }
  }
}

TEST(LatencyWindow, PercentilesOfLargeSamplesKeepTheirOrder) {
  // 1.000 s .. 1.255 s in steps of 1 ms, scrambled: the ranks are those of the exact values.
  LatencyWindow window(256);
  for (int i = 0; i < 256; ++i) window.add(microseconds(1'000'000 + ((i * 37) % 256) * 1'000));
  const auto near = [&](double p, std::int64_t expected) {
    const auto got = window.percentile(p)->count();
    EXPECT_LE(std::abs(got - expected), expected / 2000) << p << ": " << got;
  };
  near(50, 1'127'000);   // rank 128
  near(95, 1'243'000);   // rank 244
  near(100, 1'255'000);  // the maximum
  near(0, 1'000'000);    // the minimum
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
