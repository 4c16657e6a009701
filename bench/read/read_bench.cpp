// bench/read: the client-side cost of one register read (GET) over loopback, against a running
// `dlmsgw simulate` (or any meter). It opens one association with the same connection flags as
// `dlmsgw read`, reads the register --warmup times, then --count times while measuring, and prints
// per GET: wall time, CPU time of this process (all threads; user/system split from getrusage),
// heap allocations (a counting operator new in this executable), system calls by name (the
// kernel's syscall tracepoints through perf_event_open: needs tracefs and root or a
// perf_event_paranoid of -1; `strace -c -f` gives the same counts from outside) and, where the
// kernel lets us count them, instructions retired.
// bench/read/run.sh starts the simulator for each transport and security setting and runs this;
// bench/README.md has figures.
//
//   build/release/bench/bench_read --port 3333 --count 20000 1-1:32.7.0
//
// Only this process is measured: the meter's (simulator's) work is in another process. The loop
// is the Session API the gateway uses (request serialised, invoke id checked, ciphering when
// configured), one GET per iteration, no scaler lookup (Session::get, not read).
#include <dirent.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/connection_options.hpp"
#include "client/read_target.hpp"

namespace dlmsgw::bench {
// Heap allocations of this process (every operator new below counts one).
std::atomic<std::uint64_t> allocations{0};
}  // namespace dlmsgw::bench

// Counting replacements of the global allocation functions (the sized, aligned and nothrow forms
// of the standard library end in these or in malloc directly). g++ takes the malloc/free pairs
// below for mismatched new/delete once inlined: they are the allocator itself.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  dlmsgw::bench::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

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

// Counts system calls of every thread of this process while enabled: raw_syscalls:sys_enter for the
// total, syscalls:sys_enter_<name> for the ones named below (those the kernel has). One counter per
// thread and event (a perf counter follows one thread; threads created later inherit it).
class SyscallCounter {
 public:
  SyscallCounter() {
    const std::string tracefs = find_tracefs();
    if (tracefs.empty()) {
      error_ =
          "no tracefs at /sys/kernel/tracing or /sys/kernel/debug/tracing (mount -t tracefs "
          "none /sys/kernel/tracing, or count with strace -c -f)";
      return;
    }
    const auto threads = thread_ids();
    auto add = [&](const std::string& name, const std::string& event) {
      std::ifstream id_file(tracefs + "/events/" + event + "/id");
      std::uint64_t id = 0;
      if (!(id_file >> id)) return false;
      Event counted{name, {}};
      for (const int tid : threads) {
        perf_event_attr attr{};
        attr.type = PERF_TYPE_TRACEPOINT;
        attr.size = sizeof(attr);
        attr.config = id;
        attr.disabled = 1;
        attr.inherit = 1;
        const long fd = syscall(SYS_perf_event_open, &attr, tid, -1, -1, 0);
        if (fd < 0) {
          error_ = "perf_event_open(" + event + "): " + std::strerror(errno) +
                   " (needs root or kernel.perf_event_paranoid -1; or count with strace -c -f)";
          for (const int open_fd : counted.fds) ::close(open_fd);
          return false;
        }
        counted.fds.push_back(static_cast<int>(fd));
      }
      events_.push_back(std::move(counted));
      return true;
    };
    if (!add("total", "raw_syscalls/sys_enter")) return;
    for (const char* name :
         {"epoll_wait", "epoll_pwait", "epoll_ctl", "timerfd_settime", "sendto", "sendmsg", "write",
          "writev", "recvfrom", "recvmsg", "read", "readv", "futex", "clock_gettime", "ioctl"}) {
      add(name, std::string("syscalls/sys_enter_") + name);
    }
    error_.clear();
  }
  ~SyscallCounter() {
    for (const Event& event : events_)
      for (const int fd : event.fds) ::close(fd);
  }
  SyscallCounter(const SyscallCounter&) = delete;
  SyscallCounter& operator=(const SyscallCounter&) = delete;

  void start() {
    for (const Event& event : events_) {
      for (const int fd : event.fds) {
        ioctl(fd, PERF_EVENT_IOC_RESET, 0);
        ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
      }
    }
  }
  // Counts by name ("total" first), or empty when nothing could be counted.
  std::vector<std::pair<std::string, std::uint64_t>> stop() {
    std::vector<std::pair<std::string, std::uint64_t>> counts;
    for (const Event& event : events_)
      for (const int fd : event.fds) ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
    for (const Event& event : events_) {
      std::uint64_t sum = 0;
      for (const int fd : event.fds) {
        std::uint64_t count = 0;
        if (::read(fd, &count, sizeof count) == sizeof count) sum += count;
      }
      counts.emplace_back(event.name, sum);
    }
    return counts;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  struct Event {
    std::string name;
    std::vector<int> fds;
  };

  static std::string find_tracefs() {
    for (const char* dir : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
      if (std::ifstream(std::string(dir) + "/events/raw_syscalls/sys_enter/id")) return dir;
    }
    return {};
  }
  static std::vector<int> thread_ids() {
    std::vector<int> ids;
    if (DIR* dir = opendir("/proc/self/task")) {
      while (const dirent* entry = readdir(dir)) {
        if (entry->d_name[0] != '.') ids.push_back(std::atoi(entry->d_name));
      }
      closedir(dir);
    }
    return ids;
  }

  std::vector<Event> events_;
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
  // Opened here, before the association's threads (if any) exist, and inherited by them.
  SyscallCounter syscalls;
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
    const std::uint64_t allocations_before = bench::allocations.load();
    syscalls.start();
    instructions.start();
    for (std::uint64_t i = 0; i < options.count; ++i) {
      if (auto value = co_await session.get(attribute); !value) {
        std::cerr << "bench_read: GET " << i << ": " << value.error().message << "\n";
        co_return 1;
      }
    }
    const auto counted = instructions.stop();
    const auto syscall_counts = syscalls.stop();
    const std::uint64_t allocated = bench::allocations.load() - allocations_before;
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
                          {"gets_per_s", n / wall},
                          {"allocations_per_get", static_cast<double>(allocated) / n}};
    if (!syscall_counts.empty()) {
      nlohmann::json by_name = nlohmann::json::object();
      for (const auto& [name, count] : syscall_counts) {
        if (name == "total") {
          result["syscalls_per_get"] = static_cast<double>(count) / n;
        } else if (count * 100 >= options.count) {  // at least 0.01 per GET
          by_name[name] = static_cast<double>(count) / n;
        }
      }
      result["syscalls_per_get_by_name"] = by_name;
    } else {
      result["syscalls_per_get"] = nullptr;
      result["syscalls_unavailable"] = syscalls.error();
    }
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
