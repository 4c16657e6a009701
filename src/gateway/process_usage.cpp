#include "gateway/process_usage.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace dlmsgw::gateway
