// MetricsRegistry renders exactly the Prometheus text format 0.0.4: each test compares the whole
// exposition to a literal.
#include "observability/metrics_registry.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace dlmsgw::observability {
namespace {

TEST(MetricsRegistry, EmptyRegistryRendersNothing) {
  MetricsRegistry registry;
  EXPECT_EQ(registry.render(), "");
}

TEST(MetricsRegistry, CounterWithLabels) {
  MetricsRegistry registry;
  auto reads = registry.counter("dlmsgw_meter_reads_total", "Meter reads by outcome.",
                                {"meter", "address", "outcome"});
  ASSERT_TRUE(reads) << reads.error().message;
  auto kitchen_ok = reads->with({"kitchen", "127.0.0.1:3333", "ok"});
  ASSERT_TRUE(kitchen_ok);
  kitchen_ok->inc();
  kitchen_ok->inc(2);
  kitchen_ok->inc(-5);  // ignored: counters never go down
  reads->with({"kitchen", "127.0.0.1:3333", "failed"})->inc();
  reads->with({"garage", "10.0.0.5:4059", "ok"})->inc(7);
  EXPECT_EQ(kitchen_ok->value(), 3);
  EXPECT_EQ(
      registry.render(),
      "# HELP dlmsgw_meter_reads_total Meter reads by outcome.\n"
      "# TYPE dlmsgw_meter_reads_total counter\n"
      "dlmsgw_meter_reads_total{meter=\"garage\",address=\"10.0.0.5:4059\",outcome=\"ok\"} 7\n"
      "dlmsgw_meter_reads_total{meter=\"kitchen\",address=\"127.0.0.1:3333\",outcome="
      "\"failed\"} 1\n"
      "dlmsgw_meter_reads_total{meter=\"kitchen\",address=\"127.0.0.1:3333\",outcome=\"ok\"} "
      "3\n");
}

TEST(MetricsRegistry, UnlabelledFamiliesAreExportedFromTheStartAndSortedByName) {
  MetricsRegistry registry;
  auto connected = registry.gauge("dlmsgw_uplink_connected", "1 when connected to the broker.");
  auto sent = registry.counter("dlmsgw_uplink_sent_total", "Telemetry messages acknowledged.");
  ASSERT_TRUE(connected && sent);
  EXPECT_EQ(registry.render(),
            "# HELP dlmsgw_uplink_connected 1 when connected to the broker.\n"
            "# TYPE dlmsgw_uplink_connected gauge\n"
            "dlmsgw_uplink_connected 0\n"
            "# HELP dlmsgw_uplink_sent_total Telemetry messages acknowledged.\n"
            "# TYPE dlmsgw_uplink_sent_total counter\n"
            "dlmsgw_uplink_sent_total 0\n");
  auto gauge = connected->with({});
  gauge->set(1);
  gauge->inc(0.5);
  gauge->dec(2);
  EXPECT_EQ(gauge->value(), -0.5);
  EXPECT_NE(registry.render().find("dlmsgw_uplink_connected -0.5\n"), std::string::npos);
}

TEST(MetricsRegistry, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  auto family = registry.gauge("g", "Help with \\ and\nnewline and \"quotes\".", {"meter"});
  ASSERT_TRUE(family);
  family->with({"a\"b\\c\nd"})->set(1);
  EXPECT_EQ(registry.render(),
            "# HELP g Help with \\\\ and\\nnewline and \"quotes\".\n"
            "# TYPE g gauge\n"
            "g{meter=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsRegistry, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  MetricsRegistry registry;
  auto latency =
      registry.histogram("dlmsgw_meter_read_seconds", "Read latency.", {"meter"}, {0.1, 0.5, 1});
  ASSERT_TRUE(latency) << latency.error().message;
  auto kitchen = *latency->with({"kitchen"});
  kitchen.observe(0.05);                            // <= 0.1
  kitchen.observe(0.1);                             // le is inclusive: still the 0.1 bucket
  kitchen.observe(0.3);                             // <= 0.5
  kitchen.observe(std::chrono::milliseconds(750));  // <= 1
  kitchen.observe(4);                               // +Inf only
  kitchen.observe(std::numeric_limits<double>::quiet_NaN());  // ignored
  EXPECT_EQ(kitchen.count(), 5u);
  EXPECT_DOUBLE_EQ(kitchen.sum(), 5.2);
  EXPECT_EQ(registry.render(),
            "# HELP dlmsgw_meter_read_seconds Read latency.\n"
            "# TYPE dlmsgw_meter_read_seconds histogram\n"
            "dlmsgw_meter_read_seconds_bucket{meter=\"kitchen\",le=\"0.1\"} 2\n"
            "dlmsgw_meter_read_seconds_bucket{meter=\"kitchen\",le=\"0.5\"} 3\n"
            "dlmsgw_meter_read_seconds_bucket{meter=\"kitchen\",le=\"1\"} 4\n"
            "dlmsgw_meter_read_seconds_bucket{meter=\"kitchen\",le=\"+Inf\"} 5\n"
            "dlmsgw_meter_read_seconds_sum{meter=\"kitchen\"} 5.2\n"
            "dlmsgw_meter_read_seconds_count{meter=\"kitchen\"} 5\n");
}

TEST(MetricsRegistry, UnlabelledHistogramAndExplicitInfBound) {
  MetricsRegistry registry;
  auto latency = registry.histogram("puback_seconds", "PUBACK latency.", {},
                                    {0.25, std::numeric_limits<double>::infinity()});
  ASSERT_TRUE(latency) << latency.error().message;
  latency->with({})->observe(0.125);
  EXPECT_EQ(registry.render(),
            "# HELP puback_seconds PUBACK latency.\n"
            "# TYPE puback_seconds histogram\n"
            "puback_seconds_bucket{le=\"0.25\"} 1\n"
            "puback_seconds_bucket{le=\"+Inf\"} 1\n"
            "puback_seconds_sum 0.125\n"
            "puback_seconds_count 1\n");
}

TEST(MetricsRegistry, DefaultLatencyBuckets) {
  MetricsRegistry registry;
  auto latency = registry.histogram("h", "h", {});
  ASSERT_TRUE(latency);
  latency->with({})->observe(0.007);
  const auto text = registry.render();
  EXPECT_NE(text.find("h_bucket{le=\"0.005\"} 0\nh_bucket{le=\"0.01\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("h_bucket{le=\"10\"} 1\nh_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
}

TEST(MetricsRegistry, CallbackMetricsAreReadAtRenderTime) {
  MetricsRegistry registry;
  double depth = 3;
  ASSERT_TRUE(registry.callback_gauge("dlmsgw_queue_depth", "Records waiting.",
                                      [&]() -> std::optional<double> { return depth; }));
  auto age = registry.callback(MetricType::gauge, "dlmsgw_meter_last_read_age_seconds",
                               "Seconds since the last good read.", {"meter"});
  ASSERT_TRUE(age);
  ASSERT_TRUE(age->set({"kitchen"}, [] { return std::optional<double>(12.5); }));
  ASSERT_TRUE(age->set({"never"}, [] { return std::optional<double>(); }));  // omitted
  auto dropped = registry.callback(MetricType::counter, "dlmsgw_dropped_total", "Dropped.");
  ASSERT_TRUE(dropped);
  ASSERT_TRUE(dropped->set({}, [] { return std::optional<double>(2); }));
  depth = 4;
  EXPECT_EQ(registry.render(),
            "# HELP dlmsgw_dropped_total Dropped.\n"
            "# TYPE dlmsgw_dropped_total counter\n"
            "dlmsgw_dropped_total 2\n"
            "# HELP dlmsgw_meter_last_read_age_seconds Seconds since the last good read.\n"
            "# TYPE dlmsgw_meter_last_read_age_seconds gauge\n"
            "dlmsgw_meter_last_read_age_seconds{meter=\"kitchen\"} 12.5\n"
            "# HELP dlmsgw_queue_depth Records waiting.\n"
            "# TYPE dlmsgw_queue_depth gauge\n"
            "dlmsgw_queue_depth 4\n");
  EXPECT_TRUE(age->remove({"kitchen"}));
  EXPECT_EQ(age->size(), 1u);
  EXPECT_EQ(registry.render().find("kitchen"), std::string::npos);
  EXPECT_FALSE(registry.callback(MetricType::histogram, "x", "x"));
}

TEST(MetricsRegistry, RemovingALabelSetStopsExportingIt) {
  MetricsRegistry registry;
  auto reads = *registry.counter("reads_total", "Reads.", {"meter"});
  auto kitchen = *reads.with({"kitchen"});
  auto garage = *reads.with({"garage"});
  kitchen.inc(5);
  garage.inc(1);
  EXPECT_TRUE(reads.remove({"kitchen"}));
  EXPECT_FALSE(reads.remove({"kitchen"}));
  EXPECT_EQ(reads.size(), 1u);
  kitchen.inc();  // an old handle keeps working, it is simply not exported
  EXPECT_EQ(registry.render(),
            "# HELP reads_total Reads.\n"
            "# TYPE reads_total counter\n"
            "reads_total{meter=\"garage\"} 1\n");
  // The meter comes back: a fresh series from zero.
  reads.with({"kitchen"})->inc();
  EXPECT_NE(registry.render().find("reads_total{meter=\"kitchen\"} 1\n"), std::string::npos);
}

TEST(MetricsRegistry, WithReturnsTheSameSeriesForTheSameLabels) {
  MetricsRegistry registry;
  auto reads = *registry.counter("reads_total", "Reads.", {"meter"});
  reads.with({"a"})->inc();
  reads.with({"a"})->inc();
  EXPECT_EQ(reads.with({"a"})->value(), 2);
  EXPECT_EQ(reads.size(), 1u);
}

TEST(MetricsRegistry, WrongNumberOfLabelValuesIsAnError) {
  MetricsRegistry registry;
  auto reads = *registry.counter("reads_total", "Reads.", {"meter", "address"});
  auto series = reads.with({"kitchen"});
  ASSERT_FALSE(series);
  EXPECT_EQ(series.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(series.error().message,
            "metric 'reads_total' has labels {meter, address}: got 1 value(s)");
  auto age = *registry.callback(MetricType::gauge, "age", "Age.", {"meter"});
  EXPECT_FALSE(age.set({}, [] { return std::optional<double>(1); }));
}

TEST(MetricsRegistry, SameShapeRegisteredTwiceIsSharedOtherShapesAreRefused) {
  MetricsRegistry registry;
  auto first = *registry.counter("reads_total", "Reads.", {"meter"});
  auto second = registry.counter("reads_total", "Reads.", {"meter"});
  ASSERT_TRUE(second);
  first.with({"a"})->inc();
  EXPECT_EQ(second->with({"a"})->value(), 1);
  EXPECT_EQ(registry.family_count(), 1u);

  auto as_gauge = registry.gauge("reads_total", "Reads.", {"meter"});
  ASSERT_FALSE(as_gauge);
  EXPECT_EQ(as_gauge.error().message,
            "metric 'reads_total': already registered as counter with labels {meter}, now asked "
            "for gauge with labels {meter}");
  EXPECT_FALSE(registry.counter("reads_total", "Other help.", {"meter"}));
  EXPECT_FALSE(registry.counter("reads_total", "Reads.", {"address"}));
  EXPECT_FALSE(registry.callback(MetricType::counter, "reads_total", "Reads.", {"meter"}));
  ASSERT_TRUE(registry.histogram("h", "h", {}, {1, 2}));
  EXPECT_TRUE(registry.histogram("h", "h", {}, {1, 2}));
  EXPECT_FALSE(registry.histogram("h", "h", {}, {1, 3}));
}

TEST(MetricsRegistry, InvalidNamesAndBucketsAreRefused) {
  MetricsRegistry registry;
  EXPECT_FALSE(registry.counter("bad-name", "x"));
  EXPECT_FALSE(registry.counter("ok", "x", {"bad-label"}));
  EXPECT_FALSE(registry.counter("ok", "x", {"__reserved"}));
  EXPECT_FALSE(registry.counter("ok", "x", {"meter", "meter"}));
  EXPECT_FALSE(registry.histogram("h", "x", {"le"}));
  EXPECT_FALSE(registry.histogram("h", "x", {}, {1, 1}));
  EXPECT_FALSE(registry.histogram("h", "x", {}, {2, 1}));
  EXPECT_FALSE(registry.histogram("h", "x", {}, {std::numeric_limits<double>::quiet_NaN()}));
  EXPECT_EQ(registry.family_count(), 0u);
}

TEST(MetricsRegistry, HistogramLineNamesCannotCollide) {
  MetricsRegistry registry;
  ASSERT_TRUE(registry.histogram("latency", "x", {}));
  EXPECT_FALSE(registry.counter("latency_count", "x"));
  EXPECT_FALSE(registry.gauge("latency_sum", "x"));
  EXPECT_FALSE(registry.gauge("latency_bucket", "x"));
  ASSERT_TRUE(registry.gauge("other_sum", "x"));
  auto clash = registry.histogram("other", "x", {});
  ASSERT_FALSE(clash);
  EXPECT_EQ(clash.error().message,
            "metric 'other': its _sum lines collide with metric 'other_sum'");
}

TEST(MetricsRegistry, DetachedHandlesWorkWithoutARegistry) {
  Counter counter;
  counter.inc(2);
  Gauge gauge;
  gauge.set(3);
  Histogram histogram;
  histogram.observe(0.2);
  EXPECT_EQ(counter.value(), 2);
  EXPECT_EQ(gauge.value(), 3);
  EXPECT_EQ(histogram.count(), 1u);
}

// A scrape written in parts (MetricsScrape) is render()'s text cut between items, whatever the
// part size, from what the families held when it began: meters added or removed, series removed
// and families registered while it is written change nothing in it. Each part goes on where the
// last stopped: every item is written once, by one capture.
TEST(MetricsScrape, PartsJoinToTheWholeTextAsItStoodWhenTheScrapeBegan) {
  using Fleet = std::vector<std::string>;
  auto fleet = std::make_shared<const Fleet>(Fleet{"m00", "m01", "m02", "m03", "m04"});
  std::size_t captures = 0;
  std::size_t writes = 0;
  MetricsRegistry registry;
  auto reads = *registry.counter("dlmsgw_reads_total", "Reads.", {"meter"});
  reads.with({"a"})->inc(2);
  reads.with({"b"})->inc(3);
  auto latency = *registry.histogram("dlmsgw_read_seconds", "Latency.", {"meter"}, {0.1, 1.0});
  latency.with({"a"})->observe(0.3);
  ASSERT_TRUE(registry.callback_gauge("dlmsgw_up", "Up.", [] { return 1.0; }));
  ASSERT_TRUE(registry.gauge("dlmsgw_empty", "No series.", {"meter"}));
  ASSERT_TRUE(registry.collector(MetricType::gauge, "dlmsgw_listed", "All at once.", {"meter"},
                                 [](SeriesWriter& writer) {
                                   writer.sample({"x"}, 1);
                                   writer.sample({"y"}, 2);
                                 }));
  const auto capture = [&] {
    ++captures;
    return collected_items(fleet, [&](const std::string& meter, SeriesWriter& writer) {
      ++writes;
      writer.sample({meter, "failed"}, 1);
      writer.sample({meter, "ok"}, static_cast<double>(meter.size()));
    });
  };
  ASSERT_TRUE(registry.snapshot_collector(MetricType::counter, "dlmsgw_meter_reads_total",
                                          "Per meter.", {"meter", "outcome"}, capture));
  ASSERT_TRUE(registry.snapshot_collector(
      MetricType::histogram, "dlmsgw_meter_read_seconds", "Per meter.", {"meter"},
      [&] {
        ++captures;
        return collected_items(fleet, [&](const std::string& meter, SeriesWriter& writer) {
          ++writes;
          writer.histogram({meter}, HistogramSnapshot{{1, 2, 3}, 4.5});
        });
      },
      {0.1, 1.0}));
  const std::string whole = registry.render();
  ASSERT_NE(whole.find("dlmsgw_meter_read_seconds_bucket{meter=\"m04\",le=\"+Inf\"} 6\n"),
            std::string::npos)
      << whole;

  for (const std::size_t budget : {std::size_t{0}, std::size_t{1}, std::size_t{100},
                                   std::size_t{1000}, std::numeric_limits<std::size_t>::max()}) {
    fleet = std::make_shared<const Fleet>(Fleet{"m00", "m01", "m02", "m03", "m04"});
    const std::string before = registry.render();  // with the families the last round added
    captures = 0;
    writes = 0;
    auto scrape = registry.begin_scrape();
    EXPECT_EQ(captures, 2u);
    std::string joined;
    std::size_t parts = 0;
    for (bool last = false; !last && parts < 1000; ++parts) {
      std::string part;
      last = scrape.render_part(part, budget);
      if (!last || !part.empty()) {
        ASSERT_FALSE(part.empty()) << budget;
        EXPECT_EQ(part.back(), '\n') << budget;
      }
      // At most one item beyond the budget (a histogram series is several lines).
      if (budget < 1000) {
        EXPECT_LT(part.size(), budget + 400) << budget;
      }
      joined += part;
      // Between parts: meters come and go, a series goes, a family joins.
      fleet = std::make_shared<const Fleet>(
          parts % 2 == 0 ? Fleet{"m01", "m03"} : Fleet{"m00", "m02", "m05", "m06", "m07"});
      reads.remove({"b"});
      (void)registry.gauge("dlmsgw_a_" + std::to_string(budget) + "_" + std::to_string(parts),
                           "Added.");
    }
    EXPECT_EQ(joined, before) << budget;
    EXPECT_EQ(captures, 2u) << budget;  // one snapshot per scrape, not per part
    EXPECT_EQ(writes, 10u) << budget;   // each meter once per family
    if (budget == 0) {
      EXPECT_GT(parts, 20u);
    }
    if (budget == std::numeric_limits<std::size_t>::max()) {
      EXPECT_EQ(parts, 1u);
    }
    reads.with({"b"})->inc(3);
  }
}

}  // namespace
}  // namespace dlmsgw::observability
