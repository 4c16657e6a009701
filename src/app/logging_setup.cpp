#include "app/logging_setup.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <memory>

namespace dlmsgw::app {
namespace {

// "<3>" for an error and so on: the prefix journald reads a line's priority from (sd-daemon.h).
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
              spdlog::memory_buf_t& out) override {
    const char* prefix = priority(message.level);
    out.append(prefix, prefix + 3);
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }

 private:
  static const char* priority(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        return SD_DEBUG;
      case spdlog::level::info:
        return SD_INFO;
      case spdlog::level::warn:
        return SD_WARNING;
      case spdlog::level::err:
        return SD_ERR;
      case spdlog::level::critical:
        return SD_CRIT;
      default:
        return SD_INFO;
    }
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(bool journal) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (journal) {
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%n: %v");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ [%n] %v");
  }
  return formatter;
}

}  // namespace

bool logging_to_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  return stream != nullptr && *stream != '\0';
}

void set_up_logging(const gateway::LoggingConfig& config,
                    const std::optional<std::string>& level_override) {
  const bool journal = logging_to_journal();
  // stderr: stdout stays free for a future machine-readable output; journald takes both.
  spdlog::sink_ptr sink;
  if (journal) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  }
  sink->set_formatter(make_formatter(journal));
  const auto base = spdlog::level::from_str(level_override.value_or(config.level));

  spdlog::drop_all();
  auto main_logger = std::make_shared<spdlog::logger>("dlmsgw", sink);
  main_logger->set_level(base);
  main_logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(main_logger);
  for (const auto& component : gateway::log_component_names()) {
    auto logger = std::make_shared<spdlog::logger>(component, sink);
    const auto own = config.levels.find(component);
    logger->set_level(own != config.levels.end() ? spdlog::level::from_str(own->second) : base);
    logger->flush_on(spdlog::level::trace);
    spdlog::register_logger(logger);
  }
}

}  // namespace dlmsgw::app
