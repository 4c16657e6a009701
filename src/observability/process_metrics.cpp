#include "observability/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

namespace dlmsgw::observability {
namespace {

Error malformed(std::string_view file, std::string_view why) {
  return make_error(ErrorCode::malformed, std::string(file) + ": " + std::string(why));
}

Expected<double> parse_number(std::string_view text, std::string_view file,
                              std::string_view field) {
  unsigned long long value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
    return malformed(file, std::string(field) + " is not a number: '" + std::string(text) + "'");
  }
  return static_cast<double>(value);
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto start = text.find_first_not_of(" \n", pos);
    if (start == std::string_view::npos) break;
    auto end = text.find_first_of(" \n", start);
    if (end == std::string_view::npos) end = text.size();
    fields.push_back(text.substr(start, end - start));
    pos = end;
  }
  return fields;
}

Expected<std::string> read_text_file(const char* path) {
  std::ifstream file(path);
  if (!file) return make_error(ErrorCode::io_error, std::string(path) + ": cannot open");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

Expected<ProcessStats> parse_process_stats(std::string_view self_stat, std::string_view system_stat,
                                           long ticks_per_second, long page_size) {
  constexpr std::string_view self_file = "/proc/self/stat";
  if (ticks_per_second <= 0 || page_size <= 0) {
    return make_error(ErrorCode::invalid_argument, "clock ticks and page size must be positive");
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and ')': the fields
  // we want come after the last ')'.
  const auto name_end = self_stat.rfind(')');
  if (name_end == std::string_view::npos) return malformed(self_file, "no ')' after the name");
  const auto fields = split_spaces(self_stat.substr(name_end + 1));
  // fields[0] is field 3 (state) of proc(5): field N is fields[N - 3].
  constexpr std::size_t utime = 14 - 3, stime = 15 - 3, starttime = 22 - 3, vsize = 23 - 3,
                        rss = 24 - 3;
  if (fields.size() <= rss) return malformed(self_file, "fewer than 24 fields");
  DLMSGW_TRY_ASSIGN(const double user_ticks, parse_number(fields[utime], self_file, "utime"));
  DLMSGW_TRY_ASSIGN(const double system_ticks, parse_number(fields[stime], self_file, "stime"));
  DLMSGW_TRY_ASSIGN(const double start_ticks,
                    parse_number(fields[starttime], self_file, "starttime"));
  DLMSGW_TRY_ASSIGN(const double virtual_bytes, parse_number(fields[vsize], self_file, "vsize"));
  DLMSGW_TRY_ASSIGN(const double resident_pages, parse_number(fields[rss], self_file, "rss"));

  constexpr std::string_view system_file = "/proc/stat";
  constexpr std::string_view btime_key = "btime ";
  std::optional<double> boot_time;
  std::size_t line_start = 0;
  while (line_start < system_stat.size()) {
    auto line_end = system_stat.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = system_stat.size();
    const auto line = system_stat.substr(line_start, line_end - line_start);
    if (line.starts_with(btime_key)) {
      DLMSGW_TRY_ASSIGN(boot_time,
                        parse_number(line.substr(btime_key.size()), system_file, "btime"));
      break;
    }
    line_start = line_end + 1;
  }
  if (!boot_time) return malformed(system_file, "no btime line");

  const auto ticks = static_cast<double>(ticks_per_second);
  ProcessStats stats;
  stats.cpu_seconds = (user_ticks + system_ticks) / ticks;
  stats.resident_memory_bytes = resident_pages * static_cast<double>(page_size);
  stats.virtual_memory_bytes = virtual_bytes;
  stats.start_time_seconds = *boot_time + start_ticks / ticks;
  return stats;
}

Expected<ProcessStats> read_process_stats() {
  DLMSGW_TRY_ASSIGN(const auto self_stat, read_text_file("/proc/self/stat"));
  DLMSGW_TRY_ASSIGN(const auto system_stat, read_text_file("/proc/stat"));
  return parse_process_stats(self_stat, system_stat, sysconf(_SC_CLK_TCK), sysconf(_SC_PAGESIZE));
}

Expected<std::size_t> count_open_fds() {
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/self/fd", error);
  if (error) {
    return make_error(ErrorCode::io_error, "/proc/self/fd: " + error.message());
  }
  std::size_t count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return make_error(ErrorCode::io_error, "/proc/self/fd: " + error.message());
    ++count;
  }
  // The iterator's own descriptor is listed too; it is closed again by now.
  return count > 0 ? count - 1 : 0;
}

Expected<void> register_process_metrics(MetricsRegistry& registry) {
  const auto stat = [](double ProcessStats::*field) {
    return [field]() -> std::optional<double> {
      auto stats = read_process_stats();
      if (!stats) return std::nullopt;
      return (*stats).*field;
    };
  };
  auto cpu = registry.callback(MetricType::counter, "process_cpu_seconds_total",
                               "Total user and system CPU time spent in seconds.");
  if (!cpu) return cpu.error();
  DLMSGW_TRY(cpu->set({}, stat(&ProcessStats::cpu_seconds)));
  DLMSGW_TRY(registry.callback_gauge("process_resident_memory_bytes",
                                     "Resident memory size in bytes.",
                                     stat(&ProcessStats::resident_memory_bytes)));
  DLMSGW_TRY(registry.callback_gauge("process_virtual_memory_bytes",
                                     "Virtual memory size in bytes.",
                                     stat(&ProcessStats::virtual_memory_bytes)));
  DLMSGW_TRY(registry.callback_gauge("process_start_time_seconds",
                                     "Start time of the process since unix epoch in seconds.",
                                     stat(&ProcessStats::start_time_seconds)));
  DLMSGW_TRY(registry.callback_gauge("process_open_fds", "Number of open file descriptors.",
                                     []() -> std::optional<double> {
                                       auto count = count_open_fds();
                                       if (!count) return std::nullopt;
                                       return static_cast<double>(*count);
                                     }));
  DLMSGW_TRY(registry.callback_gauge(
      "process_max_fds", "Maximum number of open file descriptors.", []() -> std::optional<double> {
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
          return std::nullopt;
        }
        return static_cast<double>(limit.rlim_cur);
      }));
  return {};
}

}  // namespace dlmsgw::observability
