// MetricsRegistry::callback_histogram: a histogram counted elsewhere, rendered from a snapshot;
// MetricsRegistry::collector: series listed by a function at each scrape.

#include <gtest/gtest.h>

#include "observability/metrics_registry.hpp"

namespace dlmsgw::observability {
namespace {

TEST(CallbackHistogram, RendersCumulativeBucketsSumAndCount) {
  MetricsRegistry registry;
  auto family =
      registry.callback_histogram("dlmsgw_read_seconds", "Read time.", {"meter"}, {0.1, 1.0});
  ASSERT_TRUE(family) << family.error().message;
  ASSERT_TRUE(family->set({"a"}, [] { return HistogramSnapshot{{2, 1, 3}, 4.5}; }));
  EXPECT_EQ(registry.render(),
            "# HELP dlmsgw_read_seconds Read time.\n"
            "# TYPE dlmsgw_read_seconds histogram\n"
            "dlmsgw_read_seconds_bucket{meter=\"a\",le=\"0.1\"} 2\n"
            "dlmsgw_read_seconds_bucket{meter=\"a\",le=\"1\"} 3\n"
            "dlmsgw_read_seconds_bucket{meter=\"a\",le=\"+Inf\"} 6\n"
            "dlmsgw_read_seconds_sum{meter=\"a\"} 4.5\n"
            "dlmsgw_read_seconds_count{meter=\"a\"} 6\n");
}

TEST(CallbackHistogram, AMismatchedOrMissingSnapshotIsOmittedAndRemovalWorks) {
  MetricsRegistry registry;
  auto family = registry.callback_histogram("x_seconds", "X.", {"meter"}, {0.1});
  ASSERT_TRUE(family);
  ASSERT_TRUE(family->set({"wrong"}, [] { return HistogramSnapshot{{1, 2, 3}, 1}; }));
  ASSERT_TRUE(family->set({"gone"}, []() -> std::optional<HistogramSnapshot> { return {}; }));
  EXPECT_EQ(registry.render(), "# HELP x_seconds X.\n# TYPE x_seconds histogram\n");
  EXPECT_TRUE(family->remove({"wrong"}));
  EXPECT_EQ(family->size(), 1U);
  EXPECT_FALSE(family->set({"a", "b"}, [] { return HistogramSnapshot{}; }));
}

// A collector keeps no series: what its function writes at each scrape is the family's output,
// rendered exactly as registered series with the same labels would be.
TEST(CollectorFamily, WritesWhatItsFunctionListsAtEachScrapeLikeRegisteredSeries) {
  std::vector<std::pair<std::string, double>> meters{{"a", 1}, {"b", 2}};
  MetricsRegistry collected;
  ASSERT_TRUE(collected.collector(MetricType::counter, "dlmsgw_reads_total", "Reads.",
                                  {"meter", "outcome"}, [&](SeriesWriter& writer) {
                                    for (const auto& [meter, value] : meters)
                                      writer.sample({meter, "ok"}, value);
                                    writer.sample({"too", "many", "labels"}, 9);  // left out
                                  }));
  ASSERT_TRUE(collected.collector(
      MetricType::histogram, "dlmsgw_read_seconds", "Read time.", {"meter"},
      [&](SeriesWriter& writer) {
        for (const auto& [meter, value] : meters) {
          writer.histogram({meter},
                           HistogramSnapshot{{2, 1, static_cast<std::uint64_t>(value)}, 4.5});
        }
        writer.histogram({"wrong"}, HistogramSnapshot{{1}, 1});  // bucket count: left out
      },
      {0.1, 1.0}));

  MetricsRegistry registered;
  auto reads = registered.callback(MetricType::counter, "dlmsgw_reads_total", "Reads.",
                                   {"meter", "outcome"});
  auto times =
      registered.callback_histogram("dlmsgw_read_seconds", "Read time.", {"meter"}, {0.1, 1.0});
  ASSERT_TRUE(reads && times);
  for (const auto& [meter, value] : meters) {
    ASSERT_TRUE(reads->set({meter, "ok"}, [v = value] { return std::optional<double>(v); }));
    ASSERT_TRUE(times->set({meter}, [v = value] {
      return HistogramSnapshot{{2, 1, static_cast<std::uint64_t>(v)}, 4.5};
    }));
  }
  EXPECT_EQ(collected.render(), registered.render());
  EXPECT_NE(collected.render().find("dlmsgw_reads_total{meter=\"b\",outcome=\"ok\"} 2\n"),
            std::string::npos);

  meters.pop_back();  // the next scrape lists one meter
  EXPECT_EQ(collected.render().find("meter=\"b\""), std::string::npos);
  // A collector's name cannot be registered again, in either form.
  EXPECT_FALSE(collected.callback(MetricType::counter, "dlmsgw_reads_total", "Reads.",
                                  {"meter", "outcome"}));
  EXPECT_FALSE(collected.collector(MetricType::gauge, "dlmsgw_reads_total", "Reads.", {}, {}));
  EXPECT_FALSE(collected.collector(MetricType::histogram, "bad_seconds", "B.", {}, {}, {1, 0.5}));
}

TEST(CallbackHistogram, ShapeIsCheckedLikeOtherFamilies) {
  MetricsRegistry registry;
  EXPECT_FALSE(registry.callback_histogram("bad", "B.", {}, {1.0, 0.5}));
  EXPECT_FALSE(registry.callback_histogram("bad", "B.", {"le"}));
  ASSERT_TRUE(registry.counter("taken_count", "T."));
  EXPECT_FALSE(registry.callback_histogram("taken", "T.", {}));
  // Same name and shape again: the same family; another shape: refused.
  ASSERT_TRUE(registry.callback_histogram("h", "H.", {"meter"}, {1.0}));
  EXPECT_TRUE(registry.callback_histogram("h", "H.", {"meter"}, {1.0}));
  EXPECT_FALSE(registry.histogram("h", "H.", {"meter"}, {1.0}));
}

}  // namespace
}  // namespace dlmsgw::observability
