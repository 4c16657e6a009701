#include "app/remote_log_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace dlmsgw::app {

std::optional<spdlog::level::level_enum> remote_log_level(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "TRACE") return spdlog::level::trace;
  if (upper == "DEBUG") return spdlog::level::debug;
  if (upper == "INFO") return spdlog::level::info;
  if (upper == "WARNING" || upper == "WARN") return spdlog::level::warn;
  if (upper == "ERROR") return spdlog::level::err;
  if (upper == "CRITICAL") return spdlog::level::critical;
  return std::nullopt;
}

namespace {
const char* python_level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "TRACE";
    case spdlog::level::debug:
      return "DEBUG";
    case spdlog::level::warn:
      return "WARNING";
    case spdlog::level::err:
      return "ERROR";
    case spdlog::level::critical:
      return "CRITICAL";
    default:
      return "INFO";
  }
}
}  // namespace

std::string format_remote_log_line(const RemoteLogLine& line) {
  const auto seconds = std::chrono::system_clock::to_time_t(line.time);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(line.time.time_since_epoch()).count() %
      1000;
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &local);
  return fmt::format("{},{:03} - |{}|<main> [{}] - dlmsgw {} - 0 - {}", stamp, millis,
                     python_level_name(line.level), line.logger, line.logger, line.text);
}

void RemoteLogSink::set_threshold(std::optional<spdlog::level::level_enum> level) {
  threshold_.store(level ? static_cast<int>(*level) : static_cast<int>(spdlog::level::off));
  if (!level) {
    std::lock_guard lock(mutex_);
    lines_.clear();
    dropped_ = 0;
  }
}

std::optional<spdlog::level::level_enum> RemoteLogSink::threshold() const {
  const int level = threshold_.load();
  if (level >= static_cast<int>(spdlog::level::off)) return std::nullopt;
  return static_cast<spdlog::level::level_enum>(level);
}

void RemoteLogSink::sink_it_(const spdlog::details::log_msg& message) {
  // base_sink holds mutex_ here.
  if (static_cast<int>(message.level) < threshold_.load()) return;
  if (message.level == spdlog::level::off) return;
  if (lines_.size() >= capacity_) {
    ++dropped_;
    return;
  }
  lines_.push_back({message.time, message.level,
                    std::string(message.logger_name.data(), message.logger_name.size()),
                    std::string(message.payload.data(), message.payload.size())});
}

RemoteLogSink::Taken RemoteLogSink::take(std::size_t max) {
  std::lock_guard lock(mutex_);
  Taken taken;
  const auto count = std::min(max, lines_.size());
  taken.lines.assign(std::make_move_iterator(lines_.begin()),
                     std::make_move_iterator(lines_.begin() + static_cast<std::ptrdiff_t>(count)));
  lines_.erase(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(count));
  taken.dropped = std::exchange(dropped_, 0);
  return taken;
}

}  // namespace dlmsgw::app
