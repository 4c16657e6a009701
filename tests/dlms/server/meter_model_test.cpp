// The simulated meter's physics: deterministic per seed, plausible, energy never decreasing.
#include "dlms/server/meter_model.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::server {
namespace {

constexpr std::int64_t kNow = 1772366400000;

TEST(MeterModel, SameSeedSameValuesOtherSeedOtherValues) {
  const MeterModel a(MeterProfile::microstar(), 1);
  const MeterModel b(MeterProfile::microstar(), 1);
  const MeterModel c(MeterProfile::microstar(), 2);
  EXPECT_EQ(a.serial_number(), b.serial_number());
  EXPECT_NE(a.serial_number(), c.serial_number());
  EXPECT_EQ(a.serial_number().substr(0, 2), "MS");
  EXPECT_EQ(a.instant(kNow).voltage, b.instant(kNow).voltage);
  EXPECT_EQ(a.energy(kNow).active_import, b.energy(kNow).active_import);
  EXPECT_NE(a.energy(kNow).active_import, c.energy(kNow).active_import);
}

TEST(MeterModel, ValuesArePlausible) {
  const MeterModel generic(MeterProfile::generic(), 3);
  for (std::int64_t t = kNow; t < kNow + 86400000; t += 3600000) {
    const auto v = generic.instant(t);
    for (std::size_t phase = 0; phase < 3; ++phase) {
      EXPECT_NEAR(v.voltage[phase], 23000, 231);
      EXPECT_GT(v.current[phase], 2000);
      EXPECT_LT(v.current[phase], 8000);
    }
    EXPECT_NEAR(v.frequency, 5000, 6);
    EXPECT_GT(v.active_power, 0);
    EXPECT_LE(v.active_power, static_cast<std::int32_t>(v.apparent_power));
    EXPECT_NEAR(v.power_factor, 950, 21);
  }
}

TEST(MeterModel, EnergyNeverDecreasesAcrossTimeSteps) {
  const MeterModel model(MeterProfile::microstar(), 9);
  EnergyValues previous = model.energy(kNow);
  for (std::int64_t step : {1, 999, 1000, 60000, 900000, 3600000, 86400000}) {
    for (int i = 0; i < 200; ++i) {
      const std::int64_t t = kNow + step * i;
      const auto e = model.energy(t);
      const auto before = model.energy(t - step);
      EXPECT_GE(e.active_import, before.active_import);
      EXPECT_GE(e.active_export, before.active_export);
      EXPECT_GE(e.reactive_import, before.reactive_import);
      EXPECT_GE(e.reactive_export, before.reactive_export);
    }
  }
  // About 500 W on average: some 12 kWh a day.
  const auto day = model.energy(kNow + 86400000).active_import - previous.active_import;
  EXPECT_NEAR(static_cast<double>(day), 12000, 1500);
  const auto [demand, when] = model.maximum_demand(kNow + 43200000);
  EXPECT_GE(demand, 290);  // at least the lowest point of the daily curve (0.6 x 500 W)
  EXPECT_LE(when, kNow + 43200000);
}

TEST(MeterModel, ClockOffsetAndDisconnectState) {
  MeterModel model(MeterProfile::generic(), 3);
  model.set_meter_time(kNow + 5000, kNow);
  EXPECT_EQ(model.meter_time_ms(kNow + 1000), kNow + 6000);
  EXPECT_EQ(model.true_time_ms(kNow + 6000), kNow + 1000);
  model.shift_clock(-5000);
  EXPECT_EQ(model.meter_time_ms(kNow), kNow);
  EXPECT_TRUE(model.output_state());
  model.set_control_state(ControlState::disconnected);
  EXPECT_FALSE(model.output_state());
}

}  // namespace
}  // namespace dlmsgw::server
