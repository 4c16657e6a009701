#include "gateway/platform_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dlmsgw::gateway {
namespace {

double percent(double part, double whole) {
  if (whole <= 0) return 0;
  return std::round(1000.0 * part / whole) / 10.0;  // one decimal, as psutil gives
}

std::uint64_t since(std::uint64_t now, std::uint64_t before) {
  return now >= before ? now - before : now;  // a counter that restarted counts from zero
}

}  // namespace

std::string human_bytes(std::uint64_t bytes) {
  static constexpr const char* kSymbols[] = {"K", "M", "G", "T", "P", "E"};
  for (int i = 5; i >= 0; --i) {
    const double unit = std::ldexp(1.0, 10 * (i + 1));
    if (static_cast<double>(bytes) >= unit) {
      char text[32];
      std::snprintf(text, sizeof text, "%.1f%s", static_cast<double>(bytes) / unit, kSymbols[i]);
      return text;
    }
  }
  return std::to_string(bytes) + "B";
}

nlohmann::json PlatformStatistics::report(const StatisticsSample& sample, double elapsed_seconds) {
  const StatisticsSample before = previous_.value_or(StatisticsSample{});
  const auto& m = sample.machine;
  nlohmann::json machine{
      {"freeMemory",
       percent(static_cast<double>(m.total_memory_bytes -
                                   std::min(m.available_memory_bytes, m.total_memory_bytes)),
               static_cast<double>(m.total_memory_bytes))},
      {"diskUsage", percent(static_cast<double>(m.total_disk_bytes - m.free_disk_bytes),
                            static_cast<double>(m.total_disk_bytes))},
      {"freeDisk", human_bytes(m.free_disk_bytes)},
      {"msgsSentToPlatform", since(sample.messages_pushed, before.messages_pushed)},
      {"msgsReceivedFromPlatform", since(sample.messages_received, before.messages_received)},
  };
  machine["totalCpuUsage"] =
      previous_
          ? percent(static_cast<double>(since(m.cpu_busy_ticks, before.machine.cpu_busy_ticks)),
                    static_cast<double>(since(m.cpu_total_ticks, before.machine.cpu_total_ticks)))
          : 0.0;
  if (sample.process) {
    machine["gwMemory"] = percent(static_cast<double>(sample.process->rss_bytes),
                                  static_cast<double>(m.total_memory_bytes));
    machine["gwProcessMemoryFullInfo"] = {{"rss", sample.process->rss_bytes}};
    machine["gwProcessCpuUsage"] =
        previous_ && before.process && elapsed_seconds > 0
            ? percent(sample.process->cpu_seconds - before.process->cpu_seconds, elapsed_seconds)
            : 0.0;
  }
  nlohmann::json service{
      {"storageMsgPulled", since(sample.records_pulled, before.records_pulled)},
      {"storageMsgCount", sample.storage_count},
      {"platformMsgPushed", since(sample.messages_pushed, before.messages_pushed)},
      {"platformAttrProduced", since(sample.attributes_produced, before.attributes_produced)},
      {"platformTsProduced", since(sample.telemetry_produced, before.telemetry_produced)},
  };
  nlohmann::json connectors = nlohmann::json::object();
  nlohmann::json out{{"machineStats", std::move(machine)}, {"serviceStats", std::move(service)}};
  std::uint64_t all_errors = 0;
  for (const auto& [name, now] : sample.connectors) {
    const auto old = before.connectors.find(name);
    const auto then = old != before.connectors.end() ? old->second : StatisticsSample::Connector{};
    connectors[name] = {{"connectorMsgsReceived", since(now.readings, then.readings)},
                        {"connectorErrors", since(now.errors, then.errors)}};
    all_errors += now.errors;
    const auto reported = reported_errors_.find(name);
    if (reported == reported_errors_.end() || reported->second != now.errors) {
      out[name + "_ERRORS_COUNT"] = now.errors;
      reported_errors_[name] = now.errors;
    }
  }
  out["connectorsStats"] = std::move(connectors);
  if (reported_all_errors_ != all_errors) {
    out["ALL_ERRORS_COUNT"] = all_errors;
    reported_all_errors_ = all_errors;
  }
  previous_ = sample;
  return out;
}

}  // namespace dlmsgw::gateway
