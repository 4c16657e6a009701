#include "app/reboot_command.hpp"

#include <spawn.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <thread>

extern char** environ;

namespace dlmsgw::app {

void start_reboot_command(const std::string& command) {
  spdlog::warn("gateway_reboot: running '{}'", command);
  const char* argv[] = {"/bin/sh", "-c", command.c_str(), nullptr};
  pid_t pid = 0;
  // posix_spawn takes char* const[]; the strings are not modified.
  const int spawned =
      ::posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char* const*>(argv), environ);
  if (spawned != 0) {
    spdlog::error("gateway_reboot: cannot run '{}': {}", command, std::strerror(spawned));
    return;
  }
  // Reaped on a thread of its own: the command may take long, and the loop must not wait.
  std::thread([pid, command] {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      spdlog::info("gateway_reboot: '{}' finished", command);
    } else {
      spdlog::error("gateway_reboot: '{}' failed (status {})", command, status);
    }
  }).detach();
}

}  // namespace dlmsgw::app
