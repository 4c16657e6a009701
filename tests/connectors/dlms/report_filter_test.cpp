// ReportFilter: the four ThingsBoard report strategies, boundaries of the report period, exact
// comparison and type changes. Points are known by slot (0, 1, ...), not by key.

#include "connectors/dlms/report_filter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace dlmsgw::connectors::dlms {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const SteadyTime kStart{seconds(1000)};

ReportStrategy strategy(ReportStrategyType type, milliseconds period = seconds(60)) {
  return ReportStrategy{type, period};
}

TEST(ReportFilter, OnReceivedPublishesEveryValue) {
  ReportFilter filter;
  const auto always = strategy(ReportStrategyType::on_received);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(filter.should_report(0, always, std::int64_t{5}, kStart));
  }
}

TEST(ReportFilter, OnChangePublishesFirstAndChangedValues) {
  ReportFilter filter;
  const auto on_change = strategy(ReportStrategyType::on_change);
  EXPECT_TRUE(filter.should_report(0, on_change, 230.1, kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, 230.1, kStart + seconds(5)));
  EXPECT_FALSE(filter.should_report(0, on_change, 230.1, kStart + std::chrono::hours(10)));
  EXPECT_TRUE(filter.should_report(0, on_change, 230.2, kStart + std::chrono::hours(11)));
  EXPECT_TRUE(filter.should_report(0, on_change, 230.1, kStart + std::chrono::hours(12)));
}

TEST(ReportFilter, OnChangeComparesWithTheLastPublishedValueNotTheLastRead) {
  ReportFilter filter;
  const auto on_change = strategy(ReportStrategyType::on_change);
  EXPECT_TRUE(filter.should_report(0, on_change, std::int64_t{1}, kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, std::int64_t{1}, kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, std::int64_t{2}, kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, std::int64_t{2}, kStart));
}

TEST(ReportFilter, TypeChangeIsAChange) {
  ReportFilter filter;
  const auto on_change = strategy(ReportStrategyType::on_change);
  EXPECT_TRUE(filter.should_report(0, on_change, std::int64_t{1}, kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, 1.0, kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, 1.0, kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, std::string("1"), kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, true, kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, true, kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, false, kStart));
}

TEST(ReportFilter, DoublesCompareExactlyAndNanEqualsNan) {
  ReportFilter filter;
  const auto on_change = strategy(ReportStrategyType::on_change);
  EXPECT_TRUE(filter.should_report(0, on_change, 0.1 + 0.2, kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, 0.3, kStart));  // 0.30000000000000004 != 0.3
  EXPECT_FALSE(filter.should_report(0, on_change, 0.3, kStart));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(filter.should_report(0, on_change, nan, kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, nan, kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, 0.3, kStart));
}

TEST(ReportFilter, KeysAreIndependent) {
  ReportFilter filter;
  const auto on_change = strategy(ReportStrategyType::on_change);
  EXPECT_TRUE(filter.should_report(0, on_change, std::int64_t{1}, kStart));
  EXPECT_TRUE(filter.should_report(1, on_change, std::int64_t{1}, kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, std::int64_t{1}, kStart));
  EXPECT_EQ(filter.size(), 2U);
}

TEST(ReportFilter, ReportPeriodPublishesFirstThenAtThePeriodBoundary) {
  ReportFilter filter;
  const auto periodic = strategy(ReportStrategyType::on_report_period, seconds(60));
  EXPECT_TRUE(filter.should_report(0, periodic, std::int64_t{1}, kStart));
  EXPECT_FALSE(filter.should_report(0, periodic, std::int64_t{2}, kStart + seconds(5)));
  EXPECT_FALSE(
      filter.should_report(0, periodic, std::int64_t{2}, kStart + seconds(60) - milliseconds(1)));
  EXPECT_TRUE(filter.should_report(0, periodic, std::int64_t{2}, kStart + seconds(60)));
  // The period runs from the last publication, not from the start.
  EXPECT_FALSE(filter.should_report(0, periodic, std::int64_t{2}, kStart + seconds(119)));
  EXPECT_TRUE(filter.should_report(0, periodic, std::int64_t{2}, kStart + seconds(120)));
}

TEST(ReportFilter, ReportPeriodPublishesUnchangedValuesToo) {
  ReportFilter filter;
  const auto periodic = strategy(ReportStrategyType::on_report_period, seconds(10));
  EXPECT_TRUE(filter.should_report(0, periodic, 1.5, kStart));
  EXPECT_TRUE(filter.should_report(0, periodic, 1.5, kStart + seconds(10)));
  EXPECT_TRUE(filter.should_report(0, periodic, 1.5, kStart + seconds(25)));
  EXPECT_FALSE(filter.should_report(0, periodic, 1.5, kStart + seconds(34)));
}

TEST(ReportFilter, ChangeOrReportPeriod) {
  ReportFilter filter;
  const auto both = strategy(ReportStrategyType::on_change_or_report_period, seconds(30));
  EXPECT_TRUE(filter.should_report(0, both, std::int64_t{1}, kStart));
  EXPECT_FALSE(filter.should_report(0, both, std::int64_t{1}, kStart + seconds(10)));
  EXPECT_TRUE(filter.should_report(0, both, std::int64_t{2}, kStart + seconds(11)));
  // The change restarted the period.
  EXPECT_FALSE(filter.should_report(0, both, std::int64_t{2}, kStart + seconds(40)));
  EXPECT_TRUE(filter.should_report(0, both, std::int64_t{2}, kStart + seconds(41)));
}

TEST(ReportFilter, ZeroPeriodPublishesEveryRead) {
  ReportFilter filter;
  const auto periodic = strategy(ReportStrategyType::on_report_period, milliseconds(0));
  EXPECT_TRUE(filter.should_report(0, periodic, std::int64_t{1}, kStart));
  EXPECT_TRUE(filter.should_report(0, periodic, std::int64_t{1}, kStart));
}

TEST(ReportFilter, ForgetAndClearStartOver) {
  ReportFilter filter;
  const auto on_change = strategy(ReportStrategyType::on_change);
  EXPECT_TRUE(filter.should_report(0, on_change, std::int64_t{1}, kStart));
  EXPECT_TRUE(filter.should_report(1, on_change, std::int64_t{1}, kStart));
  filter.forget(0);
  EXPECT_TRUE(filter.should_report(0, on_change, std::int64_t{1}, kStart));
  EXPECT_FALSE(filter.should_report(1, on_change, std::int64_t{1}, kStart));
  filter.clear();
  EXPECT_EQ(filter.size(), 0U);
  EXPECT_TRUE(filter.should_report(1, on_change, std::int64_t{1}, kStart));
}

TEST(ReportFilter, OnReceivedStillRecordsSoALaterOnChangeComparesWithIt) {
  ReportFilter filter;
  EXPECT_TRUE(
      filter.should_report(0, strategy(ReportStrategyType::on_received), std::int64_t{7}, kStart));
  EXPECT_FALSE(
      filter.should_report(0, strategy(ReportStrategyType::on_change), std::int64_t{7}, kStart));
}

TEST(ReportFilter, TextValuesCompareByContentAndSlotsStayApart) {
  ReportFilter filter(3);
  const auto on_change = strategy(ReportStrategyType::on_change);
  EXPECT_TRUE(filter.should_report(2, on_change, std::string("A1"), kStart));
  EXPECT_TRUE(filter.should_report(0, on_change, std::string("A1"), kStart));
  EXPECT_FALSE(filter.should_report(2, on_change, std::string("A1"), kStart));
  EXPECT_TRUE(filter.should_report(2, on_change, std::string("A2"), kStart));
  EXPECT_TRUE(filter.should_report(2, on_change, std::int64_t{2}, kStart));
  EXPECT_FALSE(filter.should_report(2, on_change, std::int64_t{2}, kStart));
  EXPECT_TRUE(filter.should_report(2, on_change, std::string("A2"), kStart));
  EXPECT_FALSE(filter.should_report(0, on_change, std::string("A1"), kStart));
  EXPECT_EQ(filter.size(), 2U);
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
