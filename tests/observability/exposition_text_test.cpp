// The lexical rules of the Prometheus text format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details).
#include "observability/exposition_text.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace dlmsgw::observability {
namespace {

TEST(ExpositionText, MetricNames) {
  EXPECT_TRUE(is_valid_metric_name("dlmsgw_meter_reads_total"));
  EXPECT_TRUE(is_valid_metric_name("_x"));
  EXPECT_TRUE(is_valid_metric_name("job:rate5m"));
  EXPECT_TRUE(is_valid_metric_name("A9"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("9lives"));
  EXPECT_FALSE(is_valid_metric_name("reads-total"));
  EXPECT_FALSE(is_valid_metric_name("reads total"));
  EXPECT_FALSE(is_valid_metric_name("réads"));
}

TEST(ExpositionText, LabelNames) {
  EXPECT_TRUE(is_valid_label_name("meter"));
  EXPECT_TRUE(is_valid_label_name("_meter2"));
  EXPECT_FALSE(is_valid_label_name(""));
  EXPECT_FALSE(is_valid_label_name("__name__"));  // reserved
  EXPECT_FALSE(is_valid_label_name("a:b"));       // colons only in metric names
  EXPECT_FALSE(is_valid_label_name("2a"));
  EXPECT_FALSE(is_valid_label_name("a-b"));
}

TEST(ExpositionText, LabelValueEscapesBackslashQuoteAndNewline) {
  std::string out;
  append_label_value(out, "a\\b\"c\nd\te");
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd\te");
}

TEST(ExpositionText, HelpEscapesBackslashAndNewlineButNotQuotes) {
  std::string out;
  append_help_text(out, "say \"hi\"\\\nbye");
  EXPECT_EQ(out, "say \"hi\"\\\\\\nbye");
}

TEST(ExpositionText, SampleValues) {
  EXPECT_EQ(format_sample_value(0), "0");
  EXPECT_EQ(format_sample_value(3), "3");
  EXPECT_EQ(format_sample_value(-2.5), "-2.5");
  EXPECT_EQ(format_sample_value(0.005), "0.005");
  EXPECT_EQ(format_sample_value(0.1 + 0.2), "0.30000000000000004");  // round-trips exactly
  EXPECT_EQ(format_sample_value(1234567), "1234567");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_sample_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(std::stod(format_sample_value(1e300)), 1e300);
}

}  // namespace
}  // namespace dlmsgw::observability
