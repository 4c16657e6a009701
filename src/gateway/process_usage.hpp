#pragma once
// ProcessUsage: this process's CPU time and resident memory, from /proc/self (Linux), for the
// gateway's statistics.

#include <cstdint>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

struct ProcessUsage {
  double cpu_seconds = 0;       // user + system time since start
  std::uint64_t rss_bytes = 0;  // resident set size
};

// Reads /proc/self/stat and /proc/self/statm.
Expected<ProcessUsage> read_process_usage();

// Parses the text of /proc/<pid>/stat (utime and stime are fields 14 and 15, after the
// parenthesised command name, which may itself contain spaces and parentheses).
Expected<double> parse_cpu_seconds(std::string_view stat, long ticks_per_second);

}  // namespace dlmsgw::gateway
