#include "observability/health_state.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::observability {
namespace {

TEST(HealthState, HealthyWithNoChecksAndWhenAllAreOk) {
  HealthState health;
  EXPECT_TRUE(health.healthy());
  health.set_ok("uplink");
  health.set_ok("storage");
  EXPECT_TRUE(health.healthy());
  EXPECT_TRUE(health.failing().empty());
}

TEST(HealthState, OneFailingCheckMakesItUnhealthyUntilItRecovers) {
  HealthState health;
  health.set_ok("uplink");
  health.set_ok("storage");
  health.set_failing("uplink", "broker 127.0.0.1:1883: connection refused");
  EXPECT_FALSE(health.healthy());
  const std::vector<HealthCheck> failing{
      {"uplink", false, "broker 127.0.0.1:1883: connection refused"}};
  EXPECT_EQ(health.failing(), failing);
  const std::vector<HealthCheck> all{
      {"storage", true, ""}, {"uplink", false, "broker 127.0.0.1:1883: connection refused"}};
  EXPECT_EQ(health.checks(), all);
  health.set_ok("uplink");
  EXPECT_TRUE(health.healthy());
  EXPECT_EQ(health.checks()[1], (HealthCheck{"uplink", true, ""}));
}

TEST(HealthState, RemovedChecksNoLongerCount) {
  HealthState health;
  health.set_failing("storage", "disk full");
  EXPECT_TRUE(health.remove("storage"));
  EXPECT_FALSE(health.remove("storage"));
  EXPECT_TRUE(health.healthy());
  EXPECT_TRUE(health.checks().empty());
}

}  // namespace
}  // namespace dlmsgw::observability
