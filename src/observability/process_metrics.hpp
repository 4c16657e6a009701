#pragma once
// Process metrics under their standard Prometheus names, read from /proc at scrape time so that
// nothing runs between scrapes: process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_start_time_seconds.
// Linux only; a /proc file that cannot be read omits its samples rather than failing the scrape.

#include <cstddef>
#include <string_view>

#include "core/expected.hpp"
#include "observability/metrics_registry.hpp"

namespace dlmsgw::observability {

struct ProcessStats {
  double cpu_seconds = 0;  // user + system
  double resident_memory_bytes = 0;
  double virtual_memory_bytes = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Parses the contents of /proc/self/stat and /proc/stat (for the boot time). Sans-I/O so that odd
// process names (spaces, parentheses) are tested on literal text.
Expected<ProcessStats> parse_process_stats(std::string_view self_stat, std::string_view system_stat,
                                           long ticks_per_second, long page_size);

Expected<ProcessStats> read_process_stats();
Expected<std::size_t> count_open_fds();

Expected<void> register_process_metrics(MetricsRegistry& registry);

}  // namespace dlmsgw::observability
