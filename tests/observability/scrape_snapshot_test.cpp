// ScrapeSnapshot: one snapshot per scrape, shared by its families, held by the scrapes only.
#include "observability/scrape_snapshot.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "observability/metrics_registry.hpp"

namespace dlmsgw::observability {
namespace {

struct FleetSnapshot {
  std::vector<std::string> meters;
  std::shared_ptr<int> alive;  // expires with the last copy
};

// Two scrapes overlapping while a reload changes the meters: each lists, in both of its
// families, the meters it began with; one snapshot per scrape; none kept once they are done.
TEST(ScrapeSnapshot, EachScrapeKeepsTheMetersItBeganWithAndNothingIsKeptAfter) {
  std::vector<std::string> configured{"a", "b", "c"};
  int takes = 0;
  std::weak_ptr<int> last_taken;
  ScrapeSnapshot<FleetSnapshot> fleet([&] {
    ++takes;
    auto alive = std::make_shared<int>(takes);
    last_taken = alive;
    return FleetSnapshot{configured, std::move(alive)};
  });
  MetricsRegistry registry;
  for (const auto* name : {"dlmsgw_meter_connected", "dlmsgw_meter_reads_total"}) {
    ASSERT_TRUE(registry.snapshot_collector(MetricType::gauge, name, "Per meter.", {"meter"}, [&] {
      auto taken = fleet.get();
      auto meters = std::shared_ptr<const std::vector<std::string>>(taken, &taken->meters);
      return collected_items(meters, [](const std::string& meter, SeriesWriter& writer) {
        writer.sample({meter}, 1);
      });
    }));
  }
  const auto whole = [](MetricsScrape scrape) {
    std::string text;
    while (!scrape.render_part(text, 1)) {
    }
    return text;
  };

  fleet.renew();
  auto first = registry.begin_scrape();
  EXPECT_EQ(takes, 1);  // one for both families
  configured = {"b", "d"};
  fleet.renew();
  auto second = registry.begin_scrape();
  EXPECT_EQ(takes, 2);
  const std::string text = whole(std::move(first));
  for (const auto* line :
       {"dlmsgw_meter_connected{meter=\"a\"} 1\n", "dlmsgw_meter_reads_total{meter=\"c\"} 1\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << text;
  }
  EXPECT_EQ(text.find("meter=\"d\""), std::string::npos) << text;
  const std::string next = whole(std::move(second));
  EXPECT_EQ(next,
            "# HELP dlmsgw_meter_connected Per meter.\n"
            "# TYPE dlmsgw_meter_connected gauge\n"
            "dlmsgw_meter_connected{meter=\"b\"} 1\n"
            "dlmsgw_meter_connected{meter=\"d\"} 1\n"
            "# HELP dlmsgw_meter_reads_total Per meter.\n"
            "# TYPE dlmsgw_meter_reads_total gauge\n"
            "dlmsgw_meter_reads_total{meter=\"b\"} 1\n"
            "dlmsgw_meter_reads_total{meter=\"d\"} 1\n");
  EXPECT_TRUE(last_taken.expired());  // nothing kept between scrapes

  // Without renew(), a scrape begun while another holds a snapshot shares it; once none does,
  // the next takes a new one.
  auto held = fleet.get();
  EXPECT_EQ(takes, 3);
  EXPECT_EQ(fleet.get(), held);
  held.reset();
  (void)fleet.get();
  EXPECT_EQ(takes, 4);
}

}  // namespace
}  // namespace dlmsgw::observability
