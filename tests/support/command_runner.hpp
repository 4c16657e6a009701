#pragma once
// Runs a command through the shell and captures its standard output and exit status, for tests that
// drive the real dlmsgw executable.

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace dlmsgw::test {

struct CommandResult {
  int exit_status = -1;
  std::string output;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer{};
  std::size_t count = 0;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), count);
  const int status = ::pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace dlmsgw::test
