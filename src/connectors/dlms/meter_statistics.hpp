#pragma once
// MeterStatistics: what one meter worker counts, for the gateway's statistics report and the
// `status` output. Plain counters the worker bumps; to_json() renders them at a given wall-clock
// time (the age of the last good read depends on it).

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "connectors/dlms/latency_window.hpp"

namespace dlmsgw::connectors::dlms {

// Every read latency since the worker started, counted into fixed buckets, for a Prometheus
// histogram (src/app renders it; the connector does not depend on the metrics library). The
// window above gives recent percentiles; this gives the whole distribution at constant cost.
struct LatencyBuckets {
  // Upper bounds in seconds: 5 ms to 10 s, the Prometheus client default.
  static const std::vector<double>& bounds();

  std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(bounds().size() + 1);  // +Inf last
  double sum_seconds = 0;

  void add(std::chrono::microseconds sample);
};

struct MeterStatistics {
  std::uint64_t reads_ok = 0;
  std::uint64_t reads_failed = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t overruns = 0;  // poll cycles that took longer than the poll period
  std::uint64_t cycles = 0;
  // Links the meter dropped while idle, opened again before a poll: neither failures nor
  // reconnects for the breaker (a keep-alive shorter than the meter's timeout avoids them).
  std::uint64_t idle_reopens = 0;
  LatencyWindow read_latency;
  LatencyBuckets read_latency_buckets;
  std::optional<std::chrono::system_clock::time_point> last_good_read;
  // Profiles (issue 16), in the JSON only when the meter has some: entries delivered (committed
  // to storage), failed profile reads, the capture time of the newest entry delivered (newest over
  // the meter's profiles, UTC ms) and the entries estimated still to fetch.
  std::size_t profiles = 0;
  std::uint64_t profile_entries = 0;
  std::uint64_t profile_read_failures = 0;
  std::optional<std::int64_t> profile_newest_entry_ms;
  std::uint64_t profile_pending_entries = 0;
  std::string state = "connecting";  // connecting | connected | backoff | paused
  std::string last_error;

  // {"reads_ok","reads_failed","reconnects","connect_failures","overruns","cycles","idle_reopens",
  //  "latency_p50_ms","latency_p95_ms" (1 decimal, omitted without samples),
  //  "last_good_read_age_s" (whole seconds, never negative; omitted before the first good read),
  //  "state","last_error" (omitted when empty)}.
  [[nodiscard]] nlohmann::json to_json(std::chrono::system_clock::time_point now) const;
};

// One meter as the metrics endpoint sees it at scrape time.
struct MeterSnapshot {
  std::string device;          // the configured name
  std::string address;         // "127.0.0.1:3333", "/dev/ttyUSB0"
  MeterStatistics statistics;  // read_latency left empty (not exported; kept per meter)
  bool tracing = false;        // frame tracing switched on
};

}  // namespace dlmsgw::connectors::dlms
