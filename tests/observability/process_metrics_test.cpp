// Process metrics: the /proc parser on literal text (a hand-made line in the layout of proc(5)),
// then the real /proc of this test process.
#include "observability/process_metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <sstream>

namespace dlmsgw::observability {
namespace {

// Fields 1..24 of /proc/[pid]/stat with utime=250, stime=50, starttime=1000, vsize=8192000,
// rss=300 pages; the command name holds a space and a ')' to test that the parser keys on the last
// ')'.
constexpr std::string_view self_stat =
    "4242 (dlm sgw) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 3 0 1000 8192000 300 "
    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
constexpr std::string_view system_stat =
    "cpu  1 2 3 4 5 6 7 0 0 0\nintr 12345\nctxt 99\nbtime 1700000000\nprocesses 77\n";

TEST(ProcessMetrics, ParsesProcStat) {
  auto stats = parse_process_stats(self_stat, system_stat, 100, 4096);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_DOUBLE_EQ(stats->cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(stats->resident_memory_bytes, 300.0 * 4096);
  EXPECT_DOUBLE_EQ(stats->virtual_memory_bytes, 8192000.0);
  EXPECT_DOUBLE_EQ(stats->start_time_seconds, 1700000010.0);
}

TEST(ProcessMetrics, RejectsMalformedProcText) {
  EXPECT_FALSE(parse_process_stats("4242 dlmsgw S 1", system_stat, 100, 4096));
  EXPECT_FALSE(parse_process_stats("4242 (dlmsgw) S 1 2 3", system_stat, 100, 4096));
  auto no_btime = parse_process_stats(self_stat, "cpu 1 2 3\n", 100, 4096);
  ASSERT_FALSE(no_btime);
  EXPECT_EQ(no_btime.error().message, "/proc/stat: no btime line");
  auto bad_number =
      parse_process_stats("1 (x) S 1 1 1 0 -1 0 0 0 0 0 2x5 50 0 0 20 0 3 0 1000 8192000 300\n",
                          system_stat, 100, 4096);
  ASSERT_FALSE(bad_number);
  EXPECT_EQ(bad_number.error().message, "/proc/self/stat: utime is not a number: '2x5'");
  EXPECT_FALSE(parse_process_stats(self_stat, "btime x\n", 100, 4096));
  EXPECT_FALSE(parse_process_stats(self_stat, system_stat, 0, 4096));
}

TEST(ProcessMetrics, ThisProcessLooksPlausible) {
  auto stats = read_process_stats();
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_GT(stats->resident_memory_bytes, 0);
  EXPECT_GE(stats->cpu_seconds, 0);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  // Started in the past, and not before the day this code was written.
  EXPECT_LE(stats->start_time_seconds, now + 5);
  EXPECT_GT(stats->start_time_seconds, 1.7e9);
  auto fds = count_open_fds();
  ASSERT_TRUE(fds) << fds.error().message;
  EXPECT_GE(*fds, 3u);  // stdin, stdout, stderr at least
}

TEST(ProcessMetrics, RegisteredUnderTheStandardNames) {
  MetricsRegistry registry;
  ASSERT_TRUE(register_process_metrics(registry));
  const auto text = registry.render();
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) continue;
    const auto space = line.find(' ');
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  ASSERT_TRUE(samples.contains("process_cpu_seconds_total")) << text;
  EXPECT_GE(samples["process_cpu_seconds_total"], 0);
  EXPECT_GT(samples["process_resident_memory_bytes"], 0);
  EXPECT_GT(samples["process_virtual_memory_bytes"], 0);
  EXPECT_GT(samples["process_open_fds"], 0);
  EXPECT_GT(samples["process_start_time_seconds"], 1.7e9);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE process_open_fds gauge\n"), std::string::npos);
  // Registering twice (two components asking) is harmless.
  EXPECT_TRUE(register_process_metrics(registry));
}

}  // namespace
}  // namespace dlmsgw::observability
