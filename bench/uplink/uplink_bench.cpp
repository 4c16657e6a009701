// bench/uplink: readings per second from storage to the broker, and how fast a backlog drains
// after a broker outage. The gateway's own classes (GatewayService with its StorageService and
// UplinkService, as `dlmsgw run` assembles them with to_gateway_options) on one io_context, storage
// on its thread, a synthetic connector submitting readings of --values numbers each, and a real
// mosquitto (tests/support/mosquitto_broker.hpp, quiet and anonymous). Figures: bench/README.md.
//
//   build/release/bench/bench_uplink --readings 50000
//
// For each storage (memory, sqlite with sync full, sqlite with sync normal):
//  live:   broker up; submit --readings readings as fast as storage takes them (backpressure
//          honoured) and time from the first submit to the PUBACK of the last one (records_sent
//          counts records removed from storage after every PUBACK of their batch).
//  outage: broker stopped; submit --readings readings and wait until all are committed; start the
//          broker; time until the gateway is connected again (its reconnect backoff) and until
//          the last PUBACK.
//  overload: broker up; readings offered at --overload-factor times the live rate just measured
//          (run live first) for --overload-seconds, paced on the clock, a reading refused by
//          storage's backpressure counted and not retried. Reports the delivered rate against the
//          live ceiling, the process's peak RSS, the backlog left in storage (waiting on disk or
//          in memory), readings refused and dropped for storage limits, and the time to drain the
//          backlog afterwards.
// CPU is this process's (user+sys, all threads: the event loop and the storage thread), per
// reading; the broker's is measured apart from /proc/<pid>/stat.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gateway/config/gateway_config.hpp"
#include "gateway/gateway_service.hpp"
#include "gateway/storage/memory_queue.hpp"
#include "gateway/storage/sqlite_queue.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/synthetic_connector.hpp"

namespace dlmsgw {
namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  std::uint64_t readings = 50'000;
  std::size_t devices = 100;
  std::size_t values = 10;
  std::size_t batch = 100;  // storage.read_records_count
  std::vector<std::string> storages{"memory", "sqlite-full", "sqlite-normal"};
  std::vector<std::string> scenarios{"live", "outage"};
  bool json = false;
  bool broker_nodelay = false;
  double overload_factor = 2.0;
  double overload_seconds = 60.0;
  std::uint64_t max_records = 0;  // storage.max_records_count; 0: 4 x --readings
};

// The process's resident set now and at its peak, in MB (/proc/self/status VmRSS, VmHWM).
std::pair<double, double> rss_mb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  double now = 0;
  double peak = 0;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) now = std::stod(line.substr(6)) / 1024.0;
    if (line.rfind("VmHWM:", 0) == 0) peak = std::stod(line.substr(6)) / 1024.0;
  }
  return {now, peak};
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU time of a single-threaded process (mosquitto) in seconds, exact: the first field of
// /proc/<pid>/schedstat is its runtime in ns (/proc/<pid>/stat counts 10 ms ticks).
double pid_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
  double ns = 0;
  in >> ns;
  return ns / 1e9;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::seconds limit = std::chrono::seconds(600)) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(1));
  }
  return true;
}

Expected<std::unique_ptr<gateway::RecordQueue>> make_queue(const std::string& storage,
                                                           const fs::path& dir,
                                                           const Options& bench) {
  gateway::QueueLimits limits;
  limits.max_records = bench.max_records != 0 ? bench.max_records : 4 * bench.readings;
  if (storage == "memory") {
    return std::unique_ptr<gateway::RecordQueue>(std::make_unique<gateway::MemoryQueue>(limits));
  }
  gateway::SqliteQueueOptions options;
  options.limits = limits;
  options.sync = storage == "sqlite-full" ? gateway::SyncPolicy::full : gateway::SyncPolicy::normal;
  auto queue = gateway::SqliteQueue::open(dir / (storage + ".db"), options);
  if (!queue) return queue.error();
  return std::unique_ptr<gateway::RecordQueue>(std::move(*queue));
}

struct Bench {
  const Options& options;
  test::MosquittoBroker& broker;
  asio::io_context io;
  std::unique_ptr<gateway::StorageService> storage;
  std::unique_ptr<gateway::GatewayService> gateway;
  test::SyntheticConnector* connector = nullptr;
  std::vector<std::string> devices;
  std::int64_t next_ts = 1'700'000'000'000;

  std::uint64_t made = 0;

  gateway::Reading make_reading() {
    const auto i = made++;
    gateway::Reading reading{
        devices[i % devices.size()], gateway::Timestamp{std::chrono::milliseconds(next_ts++)}, {}};
    reading.values.reserve(options.values);
    for (std::size_t v = 0; v < options.values; ++v) {
      reading.values.push_back(
          {"value_" + std::to_string(v), 230.0 + static_cast<double>((i + v) % 1000) / 100.0});
    }
    return reading;
  }

  // Offers readings at `rate` per second for `seconds`, as meters would: a reading storage refuses
  // is counted and lost, not retried. Returns {offered, refused}.
  std::pair<std::uint64_t, std::uint64_t> offer(double rate, double seconds) {
    const auto start = Clock::now();
    std::uint64_t offered = 0;
    std::uint64_t refused = 0;
    for (;;) {
      const double elapsed = seconds_since(start);
      if (elapsed >= seconds) break;
      const auto due = static_cast<std::uint64_t>(rate * elapsed);
      for (int burst = 0; offered < due && burst < 64; ++burst, ++offered) {
        if (!connector->sink()->submit(make_reading())) ++refused;
      }
      io.restart();
      if (offered < due) {
        io.poll();
      } else {
        io.run_for(std::chrono::milliseconds(1));
      }
    }
    return {offered, refused};
  }

  // Submits `count` readings, running the loop whenever storage pushes back. Returns false if
  // storage refused for a minute.
  bool submit(std::uint64_t count) {
    for (std::uint64_t i = 0; i < count; ++i) {
      const auto reading = make_reading();
      const auto refused_since = Clock::now();
      while (!connector->sink()->submit(reading)) {
        if (Clock::now() - refused_since > std::chrono::minutes(1)) return false;
        io.restart();
        io.run_for(std::chrono::milliseconds(1));
      }
      if (i % 64 == 0) {
        io.restart();
        io.poll();
      }
    }
    return true;
  }
};

nlohmann::json run_storage(const Options& options, test::MosquittoBroker& broker,
                           const std::string& storage_name, const fs::path& dir) {
  nlohmann::json result{{"storage", storage_name}};
  auto queue = make_queue(storage_name, dir, options);
  if (!queue) {
    result["error"] = queue.error().message;
    return result;
  }
  if (!broker.start()) {
    result["error"] = "mosquitto did not start";
    return result;
  }
  Bench bench{options, broker, {}, {}, {}, nullptr, {}, 1'700'000'000'000};
  bench.storage =
      std::make_unique<gateway::StorageService>(std::move(*queue), bench.io.get_executor());
  // What `dlmsgw run` would use for a tb_gateway.yaml naming this broker.
  gateway::GatewayConfig config;
  config.host = "127.0.0.1";
  config.port = broker.port();
  config.security.username = "uplink-bench";
  config.storage.read_records_count = options.batch;
  config.statistics = false;
  auto gateway_options = gateway::to_gateway_options(config);
  auto created = gateway::GatewayService::create(bench.io, *bench.storage, gateway_options);
  if (!created) {
    result["error"] = created.error().message;
    return result;
  }
  bench.gateway = std::move(*created);
  for (std::size_t i = 0; i < options.devices; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "meter-%05zu", i);
    bench.devices.emplace_back(name);
  }
  auto owned = std::make_unique<test::SyntheticConnector>("Bench", bench.devices);
  bench.connector = owned.get();
  (void)bench.gateway->add_connector(std::move(owned));
  bench.gateway->start();
  if (!run_until(
          bench.io, [&] { return bench.gateway->mqtt().connected(); }, std::chrono::seconds(30))) {
    result["error"] = "gateway did not connect";
    return result;
  }
  const auto sent = [&] { return bench.gateway->uplink_counters().records_sent; };
  const auto n = static_cast<double>(options.readings);

  double ceiling = 0;  // the live rate, for the overload scenario
  for (const auto& scenario : options.scenarios) {
    nlohmann::json figures;
    const auto sent_before = sent();
    if (scenario == "overload") {
      if (ceiling <= 0) {
        figures["error"] = "run the live scenario first (its rate is the ceiling)";
        result[scenario] = figures;
        continue;
      }
      const double rate = options.overload_factor * ceiling;
      const auto dropped_before = bench.storage->stats().dropped_records;
      const double cpu = process_cpu_seconds();
      const auto [offered, refused] = bench.offer(rate, options.overload_seconds);
      const auto delivered = sent() - sent_before;
      const auto stats = bench.storage->stats();
      const auto [rss, peak] = rss_mb();
      figures["offered_per_s"] = static_cast<double>(offered) / options.overload_seconds;
      figures["target_per_s"] = rate;
      figures["offered"] = offered;
      figures["delivered_per_s"] = static_cast<double>(delivered) / options.overload_seconds;
      figures["of_ceiling"] = static_cast<double>(delivered) / options.overload_seconds / ceiling;
      figures["refused"] = refused;
      figures["dropped"] = stats.dropped_records - dropped_before;
      figures["backlog"] = stats.records + bench.storage->pending_records();
      figures["rss_mb"] = rss;
      figures["peak_rss_mb"] = peak;
      figures["cpu_us_per_delivered"] =
          delivered == 0 ? 0.0
                         : 1e6 * (process_cpu_seconds() - cpu) / static_cast<double>(delivered);
      const auto accepted = offered - refused;
      const auto drain_start = Clock::now();
      if (!run_until(bench.io, [&] {
            return sent() + (bench.storage->stats().dropped_records - dropped_before) >=
                   sent_before + accepted;
          })) {
        figures["error"] = "backlog not drained";
      }
      figures["drain_seconds"] = seconds_since(drain_start);
      result[scenario] = figures;
      continue;
    }
    if (scenario == "live") {
      const double cpu = process_cpu_seconds();
      const double broker_cpu = pid_cpu_seconds(broker.pid());
      const auto start = Clock::now();
      if (!bench.submit(options.readings) ||
          !run_until(bench.io, [&] { return sent() >= sent_before + options.readings; })) {
        figures["error"] = "readings not delivered";
      }
      const double wall = seconds_since(start);
      figures["seconds"] = wall;
      figures["readings_per_s"] = n / wall;
      ceiling = n / wall;
      figures["cpu_us_per_reading"] = 1e6 * (process_cpu_seconds() - cpu) / n;
      figures["broker_cpu_us_per_reading"] = 1e6 * (pid_cpu_seconds(broker.pid()) - broker_cpu) / n;
    } else {
      broker.stop();
      run_until(
          bench.io, [&] { return !bench.gateway->mqtt().connected(); }, std::chrono::seconds(30));
      const auto fill_start = Clock::now();
      bench.submit(options.readings);
      run_until(bench.io, [&] {
        return bench.storage->pending_records() == 0 &&
               bench.storage->stats().records >= options.readings;
      });
      figures["fill_seconds"] = seconds_since(fill_start);
      const double cpu = process_cpu_seconds();
      const auto start = Clock::now();
      if (!broker.start()) {
        figures["error"] = "mosquitto did not restart";
        result[scenario] = figures;
        continue;
      }
      const double broker_cpu = pid_cpu_seconds(broker.pid());
      run_until(bench.io, [&] { return bench.gateway->mqtt().connected(); });
      const double reconnect = seconds_since(start);
      const auto connected = Clock::now();
      if (!run_until(bench.io, [&] { return sent() >= sent_before + options.readings; })) {
        figures["error"] = "backlog not drained";
      }
      const double drain = seconds_since(connected);
      figures["reconnect_seconds"] = reconnect;
      figures["drain_seconds"] = drain;
      figures["readings_per_s"] = n / drain;
      figures["cpu_us_per_reading"] = 1e6 * (process_cpu_seconds() - cpu) / n;
      figures["broker_cpu_us_per_reading"] = 1e6 * (pid_cpu_seconds(broker.pid()) - broker_cpu) / n;
    }
    result[scenario] = figures;
  }
  result["messages_sent"] = bench.gateway->uplink_counters().messages_sent;
  result["batches_resent"] = bench.gateway->uplink_counters().batches_abandoned;
  bench.gateway->stop();
  bench.io.restart();
  bench.io.run_for(std::chrono::milliseconds(200));
  bench.storage->stop();
  return result;
}

void print(const nlohmann::json& result, const Options& options) {
  std::printf("%-14s", result["storage"].get<std::string>().c_str());
  if (result.contains("error")) {
    std::printf(" error: %s\n", result["error"].get<std::string>().c_str());
    return;
  }
  if (result.contains("live")) {
    const auto& live = result["live"];
    std::printf(" live %8.0f readings/s, %6.1f us CPU/reading (broker %5.1f us)",
                live.value("readings_per_s", 0.0), live.value("cpu_us_per_reading", 0.0),
                live.value("broker_cpu_us_per_reading", 0.0));
  }
  if (result.contains("outage")) {
    const auto& outage = result["outage"];
    std::printf(
        " | backlog of %llu: filled in %.1f s, reconnect %.1f s, drained %.1f s = %.0f/s,"
        " %.1f us CPU/reading",
        static_cast<unsigned long long>(options.readings), outage.value("fill_seconds", 0.0),
        outage.value("reconnect_seconds", 0.0), outage.value("drain_seconds", 0.0),
        outage.value("readings_per_s", 0.0), outage.value("cpu_us_per_reading", 0.0));
  }
  if (result.contains("overload")) {
    const auto& overload = result["overload"];
    std::printf(
        "\n%-14s overload: offered %.0f/s for %.0f s, delivered %.0f/s (%.0f %% of live), "
        "refused %llu, dropped %llu, backlog %llu (drained in %.1f s), RSS %.0f MB (peak %.0f), "
        "%.1f us CPU/delivered reading",
        "", overload.value("offered_per_s", 0.0), options.overload_seconds,
        overload.value("delivered_per_s", 0.0), 100.0 * overload.value("of_ceiling", 0.0),
        static_cast<unsigned long long>(overload.value("refused", 0ULL)),
        static_cast<unsigned long long>(overload.value("dropped", 0ULL)),
        static_cast<unsigned long long>(overload.value("backlog", 0ULL)),
        overload.value("drain_seconds", 0.0), overload.value("rss_mb", 0.0),
        overload.value("peak_rss_mb", 0.0), overload.value("cpu_us_per_delivered", 0.0));
  }
  std::printf("\n");
}

}  // namespace
}  // namespace dlmsgw

int main(int argc, char** argv) {
  CLI::App app{"bench_uplink: storage-to-broker throughput and backlog drain (real mosquitto)"};
  dlmsgw::Options options;
  app.add_option("--readings", options.readings, "readings per scenario")->capture_default_str();
  app.add_option("--devices", options.devices, "devices the readings are spread over")
      ->capture_default_str();
  app.add_option("--values", options.values, "values per reading")->capture_default_str();
  app.add_option("--batch", options.batch, "storage.read_records_count (records per batch)")
      ->capture_default_str();
  app.add_option("--storage", options.storages, "memory, sqlite-full, sqlite-normal")
      ->check(CLI::IsMember({"memory", "sqlite-full", "sqlite-normal"}))
      ->capture_default_str();
  app.add_option("--scenario", options.scenarios, "live, outage, overload (after live)")
      ->check(CLI::IsMember({"live", "outage", "overload"}))
      ->capture_default_str();
  app.add_option("--overload-factor", options.overload_factor,
                 "overload: readings offered per second, as a multiple of the live rate")
      ->capture_default_str();
  app.add_option("--overload-seconds", options.overload_seconds, "overload: how long")
      ->capture_default_str();
  app.add_option("--max-records", options.max_records,
                 "storage.max_records_count (oldest dropped beyond it); 0: 4 x --readings")
      ->capture_default_str();
  app.add_flag("--json", options.json, "one JSON line per storage");
  app.add_flag("--broker-nodelay", options.broker_nodelay,
               "mosquitto with set_tcp_nodelay (its PUBACKs not held by Nagle's algorithm)");
  std::string log_level = "error";
  app.add_option("--log-level", log_level, "the gateway's log level (stderr)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (options.devices == 0 || options.readings == 0) {
    std::cerr << "bench_uplink: --devices and --readings must be positive\n";
    return 2;
  }

  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));  // stdout has the figures
  spdlog::set_level(spdlog::level::from_str(log_level));
  char pattern[] = "/tmp/dlmsgw-bench-uplink-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return 1;
  const std::filesystem::path dir = pattern;
  // Anonymous and logging errors only (the default logs every packet, which would make the broker
  // the bottleneck being measured).
  dlmsgw::test::MosquittoBroker::Options broker_options;
  broker_options.anonymous = true;
  broker_options.quiet_log = true;
  broker_options.tcp_nodelay = options.broker_nodelay;
  dlmsgw::test::MosquittoBroker broker(broker_options);
  std::printf("%llu readings of %zu values over %zu devices, batches of %zu records\n",
              static_cast<unsigned long long>(options.readings), options.values, options.devices,
              options.batch);
  int status = 0;
  for (const auto& storage : options.storages) {
    const auto result = dlmsgw::run_storage(options, broker, storage, dir);
    if (result.contains("error")) status = 1;
    if (options.json) {
      std::cout << result.dump() << std::endl;
    } else {
      dlmsgw::print(result, options);
      std::fflush(stdout);
    }
  }
  broker.stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return status;
}
