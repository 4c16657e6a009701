// LossReport: one line per cause per interval, with counts, instead of a line per loss.
#include "gateway/loss_report.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;

TEST(LossReport, TheFirstLossIsToldAtOnceThenOneLinePerCausePerInterval) {
  LossReport report(60s);
  const auto t0 = LossReport::Clock::time_point{} + 1h;
  report.add("dropped for the storage limits", 5);
  auto lines = report.due(t0);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0],
            "5 readings dropped for the storage limits (5 in total; next summary in 60 s at the "
            "earliest)");
  // 25 commits in 9 s (the figure): no line until the interval is over.
  for (int i = 1; i <= 25; ++i) {
    report.add("dropped for the storage limits", 3);
    EXPECT_TRUE(report.due(t0 + std::chrono::milliseconds(i * 360)).empty());
  }
  report.add("not stored", 1, "storage hand-off is full");
  lines = report.due(t0 + 10s);
  ASSERT_EQ(lines.size(), 1U) << "another cause has its own line";
  EXPECT_EQ(lines[0],
            "1 reading not stored (1 in total; next summary in 60 s at the earliest): storage "
            "hand-off is full");
  lines = report.due(t0 + 60s);
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0],
            "75 readings dropped for the storage limits in the last 60 s (80 in total; next "
            "summary in 60 s at the earliest)");
  EXPECT_TRUE(report.due(t0 + 200s).empty()) << "nothing new, nothing said";
  EXPECT_FALSE(report.next_due(t0 + 200s)) << "no timer needed";
  EXPECT_EQ(report.total(), 81U);
  report.add("dropped for the storage limits", 1);
  EXPECT_EQ(report.next_due(t0 + 70s), t0 + 120s) << "told one interval after its last line";
}

}  // namespace
}  // namespace dlmsgw::gateway
