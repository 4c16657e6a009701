#include "gateway/uplink/data_points.hpp"

#include <gtest/gtest.h>

namespace dlmsgw::gateway {
namespace {

TEST(CountDataPoints, CountsTheMembersOfTheOuterObjectOnly) {
  EXPECT_EQ(count_data_points(R"({"seq":1})"), 1U);
  EXPECT_EQ(count_data_points(R"( {"a":1.5,"b":"x","c":null,"d":true} )"), 4U);
  // Colons, braces and quotes inside strings and nested values are not members of their own.
  EXPECT_EQ(count_data_points(R"({"a":"x:y}{","b":{"c":1,"d":2},"e":[1,{"f":"\":"}],"g\"h":2})"),
            4U);
  EXPECT_EQ(count_data_points("{}"), 0U);
}

// Cut short (never the gateway's own payloads): counted as far as it goes, never read past its end.
TEST(CountDataPoints, ATruncatedObjectIsCountedAsFarAsItGoes) {
  EXPECT_EQ(count_data_points(R"({"a":1,"b":"ends in an escape\)"), 2U);
  EXPECT_EQ(count_data_points(R"({"a":{"b":)"), 1U);
}

TEST(CountDataPoints, ASeriesCountsTheValuesOfEveryEntry) {
  EXPECT_EQ(
      count_data_points(R"([{"ts":1,"values":{"a":1,"b":"x:y"}},{"ts":2,"values":{"c":{"d":1}}}])"),
      3U);
}

TEST(CountDataPoints, NeitherAnObjectNorASeriesHasNoDataPoints) {
  EXPECT_EQ(count_data_points(""), 0U);
  EXPECT_EQ(count_data_points("oops"), 0U);
  EXPECT_EQ(count_data_points("[1,2]"), 0U);
}

}  // namespace
}  // namespace dlmsgw::gateway
