#pragma once
// GatewayProcess: the real `dlmsgw run` as a child process for integration tests. Its stdout and
// stderr go to a log file the test can search; signals are sent by the test; its exit is collected
// without blocking so the test keeps its own io_context (the ThingsBoard emulator) running while it
// waits. Killed (SIGKILL) at destruction if still running. Header-only.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace dlmsgw::test {

class GatewayProcess {
 public:
  // Runs `binary arguments...` with both output streams appended to `log_file`.
  GatewayProcess(const std::string& binary, const std::vector<std::string>& arguments,
                 std::filesystem::path log_file)
      : log_file_(std::move(log_file)) {
    std::vector<std::string> all{binary};
    all.insert(all.end(), arguments.begin(), arguments.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (out >= 0) {
        ::dup2(out, STDOUT_FILENO);
        ::dup2(out, STDERR_FILENO);
      }
      std::vector<char*> argv;
      for (auto& argument : all) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
  }

  ~GatewayProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }

  bool signal(int number) const { return running_ && ::kill(pid_, number) == 0; }

  // The exit status once it has exited (128 + N when killed by signal N), without waiting.
  std::optional<int> exit_status() {
    if (!running_) return status_;
    int status = 0;
    if (pid_ <= 0 || ::waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
    running_ = false;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
  }

  bool running() { return pid_ > 0 && !exit_status().has_value(); }

  [[nodiscard]] std::string log() const {
    std::ifstream in(log_file_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  [[nodiscard]] bool logged(const std::string& needle) const {
    return log().find(needle) != std::string::npos;
  }

 private:
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
  bool running_ = true;
  std::optional<int> status_;
};

}  // namespace dlmsgw::test
