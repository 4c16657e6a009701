// Our invocation counter across processes, against `dlmsgw simulate --profile generic`, whose
// HLS-GMAC client (1) must send counters that only go up: a second `dlmsgw read` must continue
// where the first stopped, even when the first was killed with SIGKILL mid-traffic.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "support/command_runner.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/simulator_process.hpp"

namespace dlmsgw {
namespace {

using test::kBinary;
const std::string kClientTitle = "4D4D4D0000000001";

class StateFolder {
 public:
  StateFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "dlmsgw-state-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  StateFolder(const StateFolder&) = delete;
  StateFolder& operator=(const StateFolder&) = delete;
  ~StateFolder() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `dlmsgw read` of three values over the wrapper, HLS-GMAC with authenticated encryption, its
// counters under $XDG_STATE_HOME (the per-user default, so that this also runs on a build
// without --counter-dir).
std::vector<std::string> read_arguments(const test::SimulatorProcess& simulator) {
  const auto& ready = simulator.ready_line();
  return {"read",
          "--transport",
          "wrapper",
          "--host",
          "127.0.0.1",
          "--port",
          std::to_string(simulator.port()),
          "--client",
          "1",
          "--auth",
          "high-gmac",
          "--security",
          "auth-enc",
          "--system-title",
          kClientTitle,
          "--block-key",
          ready["block_key"].get<std::string>(),
          "--auth-key",
          ready["authentication_key"].get<std::string>(),
          "--b-field",
          "0",
          "0-0:1.0.0",
          "1-0:1.8.0",
          "voltage_l1"};
}

std::string shell_command(const StateFolder& state, const std::vector<std::string>& arguments) {
  std::string command = "XDG_STATE_HOME=" + state.path().string() + " " + kBinary;
  for (const auto& argument : arguments) command += " " + argument;
  return command + " 2>&1";
}

std::filesystem::path the_counter_file(const StateFolder& state) {
  const auto folder = state.path() / "dlmsgw" / "invocation-counters";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.path().extension() == ".counter") return entry.path();
  }
  return {};
}

TEST(InvocationCounter, ASecondCipheredReadContinuesTheCounterOfTheFirst) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  StateFolder state;
  const auto command = shell_command(state, read_arguments(simulator));
  for (int round = 0; round < 3; ++round) {
    const auto result = test::run_command(command);
    ASSERT_EQ(result.exit_status, 0) << "read " << round + 1 << ": " << result.output;
    EXPECT_NE(result.output.find("1-0:32.7.0 (voltage_l1)  2"), std::string::npos) << result.output;
  }
  const auto file = the_counter_file(state);
  ASSERT_FALSE(file.empty()) << "no counter file under " << state.path();
  EXPECT_EQ(file.filename().string().rfind(kClientTitle + "-", 0), 0u) << file;
  const auto summary = simulator.stop();
  EXPECT_EQ(summary.value("security_errors", -1), 0) << summary.dump();
}

TEST(InvocationCounter, ARefusedAssociationNamesTheCounterFileAndTheFix) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  StateFolder state;
  const auto command = shell_command(state, read_arguments(simulator));
  ASSERT_EQ(test::run_command(command).exit_status, 0);
  // Someone lowered the counter by hand (or another client used this title and key): the meter
  // has seen higher values and refuses the association.
  const auto file = the_counter_file(state);
  ASSERT_FALSE(file.empty());
  std::ofstream(file, std::ios::trunc) << "next 0\n";
  const auto refused = test::run_command(command);
  EXPECT_EQ(refused.exit_status, 1) << refused.output;
  EXPECT_NE(refused.output.find("AARE rejected"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("invocation counter"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find(file.string()), std::string::npos) << refused.output;
}

TEST(InvocationCounter, ReadsKilledWithSigkillNeverMakeTheMeterSeeAnOldCounter) {
  // Every answer 20 ms late: a read is several exchanges (AARQ, HLS, GETs, release) over
  // 100 ms or more, so that each kill lands in the middle of ciphered traffic.
  test::SimulatorProcess simulator(
      kBinary, {"--profile", "generic", "--fault", "delay=1", "--fault-delay", "0.02"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  StateFolder state;
  const auto verify = shell_command(state, read_arguments(simulator));
  const auto arguments = read_arguments(simulator);
  std::mt19937 random(14);
  std::uniform_int_distribution<int> delay_ms(5, 90);
  int killed = 0;
  for (int round = 0; round < 12; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
      ::setenv("XDG_STATE_HOME", state.path().c_str(), 1);
      std::vector<std::string> all{kBinary};
      all.insert(all.end(), arguments.begin(), arguments.end());
      std::vector<char*> argv;
      for (auto& argument : all) argv.push_back(argument.data());
      argv.push_back(nullptr);
      ::execv(kBinary.c_str(), argv.data());
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
    // The meter is free again once the killed client's connection is gone; every read after a
    // kill must be accepted: its counters are above anything the killed one may have sent.
    const auto result = test::run_command(verify);
    ASSERT_EQ(result.exit_status, 0) << "after kill " << round + 1 << ": " << result.output;
  }
  EXPECT_GE(killed, 10) << "most processes should have been killed before they finished";
  const auto summary = simulator.stop();
  // Not one ciphered APDU refused: no counter at or below one the meter had accepted.
  EXPECT_EQ(summary.value("security_errors", -1), 0) << summary.dump();
}

}  // namespace
}  // namespace dlmsgw
