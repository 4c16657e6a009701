#include "gateway/process_usage.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace dlmsgw::gateway {

Expected<double> parse_cpu_seconds(std::string_view stat, long ticks_per_second) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || ticks_per_second <= 0) {
    return make_error(ErrorCode::malformed, "/proc/self/stat: no command name");
  }
  std::istringstream fields{std::string(stat.substr(close + 1))};
  // After ')': state (3), ppid (4), ... utime (14), stime (15).
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  for (int index = 3; index <= 15; ++index) {
    if (!(fields >> field)) {
      return make_error(ErrorCode::truncated, "/proc/self/stat: fewer than 15 fields");
    }
    try {
      if (index == 14) utime = std::stoull(field);
      if (index == 15) stime = std::stoull(field);
    } catch (...) {
      return make_error(ErrorCode::malformed, "/proc/self/stat: field " + std::to_string(index) +
                                                  " '" + field + "' is not a number");
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(ticks_per_second);
}

Expected<ProcessUsage> read_process_usage() {
  ProcessUsage usage;
  std::ifstream stat_file("/proc/self/stat");
  std::stringstream stat;
  stat << stat_file.rdbuf();
  DLMSGW_TRY_ASSIGN(usage.cpu_seconds, parse_cpu_seconds(stat.str(), ::sysconf(_SC_CLK_TCK)));
  std::ifstream statm("/proc/self/statm");
  unsigned long long size = 0;
  unsigned long long resident = 0;
  if (!(statm >> size >> resident)) {
    return make_error(ErrorCode::io_error, "/proc/self/statm cannot be read");
  }
  usage.rss_bytes = resident * static_cast<unsigned long long>(::sysconf(_SC_PAGESIZE));
  return usage;
}

MachineFacts read_machine_facts(const std::filesystem::path& disk_of) {
  MachineFacts facts;
  facts.cpu_count = std::thread::hardware_concurrency();
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemTotal:") {
      facts.total_memory_bytes = kib * 1024;
      break;
    }
    meminfo.ignore(256, '\n');
  }
  std::error_code ec;
  const auto space = std::filesystem::space(disk_of, ec);
  if (!ec) facts.total_disk_bytes = space.capacity;
  return facts;
}

MachineLoad read_machine_load(const std::filesystem::path& disk_of) {
  MachineLoad load;
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  while (meminfo >> key >> kib) {
    if (key == "MemTotal:") load.total_memory_bytes = kib * 1024;
    if (key == "MemAvailable:") load.available_memory_bytes = kib * 1024;
    meminfo.ignore(256, '\n');
  }
  std::ifstream stat("/proc/stat");
  std::string cpu;
  if (stat >> cpu && cpu == "cpu") {
    // user nice system idle iowait irq softirq steal
    std::uint64_t value = 0;
    for (int field = 0; field < 8 && stat >> value; ++field) {
      load.cpu_total_ticks += value;
      if (field != 3 && field != 4) load.cpu_busy_ticks += value;
    }
  }
  std::error_code ec;
  const auto space = std::filesystem::space(disk_of, ec);
  if (!ec) {
    load.total_disk_bytes = space.capacity;
    load.free_disk_bytes = space.available;
  }
  return load;
}

}  // namespace dlmsgw::gateway
