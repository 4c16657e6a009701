#pragma once
// Runs the real `dlmsgw simulate --json` as a child process for integration tests: waits for its
// "ready" line (ports, keys, passwords), and on stop sends SIGINT and collects the "summary" line.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace dlmsgw::test {

class SimulatorProcess {
 public:
  // `arguments` follow `dlmsgw simulate --json --base-port 0`, e.g. {"--profile", "microstar"}.
  SimulatorProcess(const std::string& binary, const std::vector<std::string>& arguments) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<std::string> all{binary, "simulate", "--json", "--base-port", "0"};
      all.insert(all.end(), arguments.begin(), arguments.end());
      std::vector<char*> argv;
      for (auto& argument : all) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    output_ = fds[0];
    const std::string line = read_line(std::chrono::seconds(10));
    if (!line.empty()) ready_ = nlohmann::json::parse(line, nullptr, false);
  }

  ~SimulatorProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (output_ >= 0) ::close(output_);
  }

  SimulatorProcess(const SimulatorProcess&) = delete;
  SimulatorProcess& operator=(const SimulatorProcess&) = delete;

  [[nodiscard]] bool ready() const {
    return ready_.is_object() && ready_.value("event", "") == "ready";
  }
  [[nodiscard]] const nlohmann::json& ready_line() const { return ready_; }
  // For SIGSTOP/SIGCONT: a meter that goes silent with its connections open, then comes back.
  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] int port(std::size_t meter = 0) const { return ready_["ports"][meter].get<int>(); }

  // SIGINT, then the summary line (null JSON when it does not come within 10 s).
  nlohmann::json stop() {
    if (pid_ <= 0) return {};
    ::kill(pid_, SIGINT);
    const std::string line = read_line(std::chrono::seconds(10));
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return line.empty() ? nlohmann::json() : nlohmann::json::parse(line, nullptr, false);
  }

 private:
  std::string read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd descriptor{output_, POLLIN, 0};
      if (::poll(&descriptor, 1, 100) <= 0) continue;
      char c = 0;
      if (::read(output_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line += c;
    }
    return line;
  }

  pid_t pid_ = -1;
  int output_ = -1;
  nlohmann::json ready_;
};

}  // namespace dlmsgw::test
