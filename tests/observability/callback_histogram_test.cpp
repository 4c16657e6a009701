// MetricsRegistry::callback_histogram: a histogram counted elsewhere, rendered from a snapshot.

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
