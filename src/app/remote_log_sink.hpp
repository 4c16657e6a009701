#pragma once
// RemoteLogSink: the log lines ThingsBoard's gateway page asked for (the shared attribute
// RemoteLoggingLevel), kept for RemoteLogSender. An spdlog sink added to every logger of
// `dlmsgw run`: a line at or above the remote level (a line must also pass its logger's own
// level) is copied into a bounded queue; nothing is formatted or sent on the logging thread, and
// a full queue drops the line and counts it, so logging never waits for the network.

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlmsgw::app {

struct RemoteLogLine {
  std::chrono::system_clock::time_point time;
  spdlog::level::level_enum level = spdlog::level::info;
  std::string logger;  // the component ("gateway", "mqtt", ...)
  std::string text;
};

// The UI's level names (Python logging) to spdlog's: NONE (or anything unknown) is nullopt.
std::optional<spdlog::level::level_enum> remote_log_level(std::string_view name);

// The line as ThingsBoard's log widgets parse it (the Python gateway's remote format, the level
// between bars): "2026-05-01 10:00:00,123 - |INFO|<main> [gateway] - dlmsgw gateway - 0 - text".
std::string format_remote_log_line(const RemoteLogLine& line);

class RemoteLogSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit RemoteLogSink(std::size_t capacity = 1000) : capacity_(capacity) {}

  // nullopt: none (NONE), the default.
  void set_threshold(std::optional<spdlog::level::level_enum> level);
  [[nodiscard]] std::optional<spdlog::level::level_enum> threshold() const;

  struct Taken {
    std::vector<RemoteLogLine> lines;
    std::uint64_t dropped = 0;  // lines lost since the previous take (queue full)
  };
  // Up to `max` of the oldest lines, and the count of lines dropped.
  Taken take(std::size_t max);

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override;
  void flush_() override {}

 private:
  std::size_t capacity_;
  std::atomic<int> threshold_{spdlog::level::off};
  std::deque<RemoteLogLine> lines_;
  std::uint64_t dropped_ = 0;
};

}  // namespace dlmsgw::app
