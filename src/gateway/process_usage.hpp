#pragma once
// ProcessUsage: this process's CPU time and resident memory, from /proc/self (Linux), for the
// gateway's statistics.

#include <cstdint>
#include <filesystem>
#include <string_view>

#include "core/expected.hpp"

namespace dlmsgw::gateway {

struct ProcessUsage {
  double cpu_seconds = 0;       // user + system time since start
  std::uint64_t rss_bytes = 0;  // resident set size
};

// The machine as ThingsBoard's gateway page shows it (client attributes totalMemory, totalDisk,
// cpuCount, sent once at start). Zero where unknown.
struct MachineFacts {
  std::uint64_t total_memory_bytes = 0;  // /proc/meminfo MemTotal
  std::uint64_t total_disk_bytes = 0;    // the file system holding `disk_of`
  unsigned cpu_count = 0;
};
MachineFacts read_machine_facts(const std::filesystem::path& disk_of);

// The machine's load now, for the statistics' machineStats: memory and disk (bytes), and CPU
// time of all cores in clock ticks (busy and total: a percentage is the difference of two).
struct MachineLoad {
  std::uint64_t total_memory_bytes = 0;
  std::uint64_t available_memory_bytes = 0;  // /proc/meminfo MemAvailable
  std::uint64_t total_disk_bytes = 0;
  std::uint64_t free_disk_bytes = 0;
  std::uint64_t cpu_busy_ticks = 0;  // /proc/stat "cpu": all but idle and iowait
  std::uint64_t cpu_total_ticks = 0;
};
MachineLoad read_machine_load(const std::filesystem::path& disk_of);

// Reads /proc/self/stat and /proc/self/statm.
Expected<ProcessUsage> read_process_usage();

// Parses the text of /proc/<pid>/stat (utime and stime are fields 14 and 15, after the
// parenthesised command name, which may itself contain spaces and parentheses).
Expected<double> parse_cpu_seconds(std::string_view stat, long ticks_per_second);

}  // namespace dlmsgw::gateway
