#pragma once
// MeterStatistics: what one meter worker counts, for the gateway's statistics report and the
// `status` output. Plain counters the worker bumps; to_json() renders them at a given wall-clock
// time (the age of the last good read depends on it).

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "connectors/dlms/latency_window.hpp"

namespace dlmsgw::connectors::dlms {

struct MeterStatistics {
  std::uint64_t reads_ok = 0;
  std::uint64_t reads_failed = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t overruns = 0;  // poll cycles that took longer than the poll period
  std::uint64_t cycles = 0;
  LatencyWindow read_latency;
  std::optional<std::chrono::system_clock::time_point> last_good_read;
  std::string state = "connecting";  // connecting | connected | backoff | paused
  std::string last_error;

  // {"reads_ok","reads_failed","reconnects","connect_failures","overruns","cycles",
  //  "latency_p50_ms","latency_p95_ms" (1 decimal, omitted without samples),
  //  "last_good_read_age_s" (whole seconds, never negative; omitted before the first good read),
  //  "state","last_error" (omitted when empty)}.
  [[nodiscard]] nlohmann::json to_json(std::chrono::system_clock::time_point now) const;
};

}  // namespace dlmsgw::connectors::dlms
