// bench/read: the client-side cost of one register read (GET) over loopback, against a running
// `dlmsgw simulate` (or any meter). It opens one association with the same connection flags as
// `dlmsgw read`, reads the register --warmup times, then --count times while measuring, and prints
// per GET: wall time, CPU time of this process (all threads; user/system split from getrusage)
// and, where the kernel lets us count them (perf_event_open), instructions retired.
// bench/read/run.sh starts the simulator for each transport and security setting and runs this;
// bench/README.md has figures.
//
//   build/release/bench/bench_read --port 3333 --count 20000 1-1:32.7.0
//
// Only this process is measured: the meter's (simulator's) work is in another process. The loop
// is the Session API the gateway uses (request serialised, invoke id checked, ciphering when
// configured), one GET per iteration, no scaler lookup (Session::get, not read).
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "app/connection_options.hpp"
#include "client/read_target.hpp"

namespace dlmsgw {
namespace {

// Counts instructions retired by this process (user space only: a perf_event_paranoid of 2 allows
// no more to an unprivileged process). Empty with the reason when the kernel or the hypervisor
// does not offer the counter (many VMs do not virtualise the PMU).
class InstructionCounter {
 public:
  InstructionCounter() {
    perf_event_attr attr{};
    attr.type = PERF_TYPE_HARDWARE;
    attr.size = sizeof(attr);
    attr.config = PERF_COUNT_HW_INSTRUCTIONS;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    const long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0) {
      error_ = std::string("perf_event_open(instructions): ") + std::strerror(errno);
      if (errno == ENOENT || errno == EOPNOTSUPP)
        error_ += " (no hardware counters here, e.g. a VM)";
      if (errno == EACCES || errno == EPERM)
        error_ += " (see /proc/sys/kernel/perf_event_paranoid)";
      return;
    }
    fd_ = static_cast<int>(fd);
  }
  ~InstructionCounter() {
    if (fd_ >= 0) ::close(fd_);
  }
  InstructionCounter(const InstructionCounter&) = delete;
  InstructionCounter& operator=(const InstructionCounter&) = delete;

  void start() {
    if (fd_ < 0) return;
    ioctl(fd_, PERF_EVENT_IOC_RESET, 0);
    ioctl(fd_, PERF_EVENT_IOC_ENABLE, 0);
  }
  std::optional<std::uint64_t> stop() {
    if (fd_ < 0) return std::nullopt;
    ioctl(fd_, PERF_EVENT_IOC_DISABLE, 0);
    std::uint64_t count = 0;
    if (::read(fd_, &count, sizeof count) != sizeof count) return std::nullopt;
    return count;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  int fd_ = -1;
  std::string error_;
};

double seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

// CPU time of the whole process, exact (the scheduler's runtime), unlike getrusage's user/system
// split, which on many kernels is sampled at the tick: used for the total, the split is indicative.
double process_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Options {
  app::CommonOptions common;
  std::string target = "1-1:32.7.0";
  unsigned b_field = 1;
  std::uint64_t count = 10000;
  std::uint64_t warmup = 200;
  std::string label;
};

int run(const Options& options) {
  auto target =
      client::parse_read_target(options.target, static_cast<std::uint8_t>(options.b_field));
  if (!target) {
    std::cerr << "bench_read: " << target.error().message << "\n";
    return 2;
  }
  const auto attribute = target->attribute;
  InstructionCounter instructions;
  return app::run_session(options.common, [&](client::Session& session) -> asio::awaitable<int> {
    for (std::uint64_t i = 0; i < options.warmup; ++i) {
      if (auto value = co_await session.get(attribute); !value) {
        std::cerr << "bench_read: " << value.error().message << "\n";
        co_return 1;
      }
    }
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const double cpu_before = process_cpu_seconds();
    const auto started = std::chrono::steady_clock::now();
    instructions.start();
    for (std::uint64_t i = 0; i < options.count; ++i) {
      if (auto value = co_await session.get(attribute); !value) {
        std::cerr << "bench_read: GET " << i << ": " << value.error().message << "\n";
        co_return 1;
      }
    }
    const auto counted = instructions.stop();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double cpu = process_cpu_seconds() - cpu_before;
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    const double n = static_cast<double>(options.count);
    const double user = seconds(after.ru_utime) - seconds(before.ru_utime);
    const double sys = seconds(after.ru_stime) - seconds(before.ru_stime);
    nlohmann::json result{{"label", options.label.empty() ? options.target : options.label},
                          {"gets", options.count},
                          {"wall_us_per_get", 1e6 * wall / n},
                          {"cpu_us_per_get", 1e6 * cpu / n},
                          {"user_us_per_get", 1e6 * user / n},
                          {"sys_us_per_get", 1e6 * sys / n},
                          {"gets_per_s", n / wall}};
    if (counted) {
      result["instructions_per_get"] = static_cast<double>(*counted) / n;
    } else {
      result["instructions_per_get"] = nullptr;
      result["instructions_unavailable"] = instructions.error();
    }
    std::cout << result.dump() << std::endl;
    co_return 0;
  });
}

}  // namespace
}  // namespace dlmsgw

int main(int argc, char** argv) {
  CLI::App app{"bench_read: client CPU time and instructions per GET against a meter"};
  dlmsgw::Options options;
  dlmsgw::app::add_connection_options(app, options.common);
  app.add_option("--count", options.count, "GETs measured")->capture_default_str();
  app.add_option("--warmup", options.warmup, "GETs before measuring")->capture_default_str();
  app.add_option("--b-field", options.b_field, "B field of named measurements")
      ->capture_default_str();
  app.add_option("--label", options.label, "name printed with the figures");
  app.add_option("target", options.target, "what to read, as for `dlmsgw read`")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return dlmsgw::run(options);
}
