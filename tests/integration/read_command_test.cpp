// `dlmsgw read` and `dlmsgw objects` against `dlmsgw simulate`: both real executables, real
// sockets.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/command_runner.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/simulator_process.hpp"

namespace dlmsgw {
namespace {

using test::kBinary;

// The user's settings (shared/reference/user-meter.md) are the defaults: HDLC over TCP, client 1,
// server logical 0 / physical 1 in one byte, LLS 22222222, B=1. Only the port differs.
TEST(ReadCommand, ReadsClockEnergyAndVoltageFromTheMicrostarProfile) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  const std::string port = std::to_string(simulator.port());
  const auto result = test::run_command(kBinary + " read --host 127.0.0.1 --port " + port +
                                        " 0-0:1.0.0 1-1:1.8.0 voltage_l1 2>&1");
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("0-0:1.0.0  20"), std::string::npos) << result.output;  // ISO 8601
  EXPECT_NE(result.output.find(" Wh\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("1-1:32.7.0 (voltage_l1)  13"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(" V\n"), std::string::npos) << result.output;

  const auto as_json = test::run_command(kBinary + " read --host 127.0.0.1 --port " + port +
                                         " --json voltage_l1 frequency");
  ASSERT_EQ(as_json.exit_status, 0) << as_json.output;
  const auto values = nlohmann::json::parse(as_json.output);
  ASSERT_EQ(values.size(), 2u);
  EXPECT_EQ(values[0]["obis"], "1-1:32.7.0");
  EXPECT_EQ(values[0]["classId"], 3);
  EXPECT_EQ(values[0]["unit"], "V");  // unit 35: the old client printed Hz here
  EXPECT_GT(values[0]["value"].get<double>(), 100.0);
  EXPECT_EQ(values[1]["unit"], "Hz");

  const auto summary = simulator.stop();
  EXPECT_GE(summary.value("connections", 0), 2) << summary.dump();
}

// Issue 16: `dlmsgw profile` prints the load profile with capture times, scaled values and units,
// by entry (--last) and by range (--from/--to, CSV), from a meter with a 2 s capture period;
// columns named by the catalog as the connector keys them.
TEST(ReadCommand, ProfilePrintsTheLoadProfileByEntryAndByRange) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "microstar", "--capture-period", "2"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  const std::string connect =
      kBinary + " profile --host 127.0.0.1 --port " + std::to_string(simulator.port());
  const auto last = test::run_command(connect + " 1-1:99.1.0 --last 3 2>&1");
  ASSERT_EQ(last.exit_status, 0) << last.output;
  EXPECT_EQ(last.output.rfind("time  active_energy  reactive_energy\n", 0), 0U) << last.output;
  EXPECT_NE(last.output.find(" Wh  "), std::string::npos) << last.output;
  EXPECT_NE(last.output.find("\n3 entries\n"), std::string::npos) << last.output;

  const auto range = test::run_command(connect +
                                       " 1-1:99.1.0 --from 2020-01-01T00:00:00Z --to "
                                       "2020-01-01T01:00:00Z --csv 2>&1");
  ASSERT_EQ(range.exit_status, 0) << range.output;
  EXPECT_EQ(range.output,
            "time,active_energy,reactive_energy\n");  // long before the meter's history

  const auto as_json = test::run_command(connect + " 1-1:99.1.0 --last 2 --json");
  ASSERT_EQ(as_json.exit_status, 0) << as_json.output;
  const auto rows = nlohmann::json::parse(as_json.output);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1]["ts"].get<std::int64_t>() - rows[0]["ts"].get<std::int64_t>(), 2000);
  EXPECT_EQ(rows[0]["active_energy"]["unit"], "Wh");

  const auto bad = test::run_command(connect + " 1-1:99.1.0 --from yesterday 2>&1");
  EXPECT_EQ(bad.exit_status, 2);
  EXPECT_NE(bad.output.find("--from 'yesterday': not a date-time"), std::string::npos)
      << bad.output;
}

TEST(ReadCommand, WrongPasswordAndMissingObjectAreClearErrors) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(simulator.ready());
  const std::string port = std::to_string(simulator.port());
  const auto wrong = test::run_command(kBinary + " read --host 127.0.0.1 --port " + port +
                                       " --password 00000001 voltage_l1 2>&1");
  EXPECT_EQ(wrong.exit_status, 1);
  EXPECT_NE(wrong.output.find("AARE rejected: authentication failure (diagnostic 13)"),
            std::string::npos)
      << wrong.output;
  // B=0 codes do not answer on this meter.
  const auto missing =
      test::run_command(kBinary + " read --host 127.0.0.1 --port " + port + " 1-0:32.7.0 2>&1");
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_NE(missing.output.find("1-0:32.7.0"), std::string::npos) << missing.output;
}

TEST(ReadCommand, GenericProfileOverTheWrapperWithHlsGmacAndAuthenticatedEncryption) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "generic"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  const auto& ready = simulator.ready_line();
  // Our invocation counters in a folder of this test's own, not the user's state folder.
  std::string folder = (std::filesystem::temp_directory_path() / "dlmsgw-read-XXXXXX").string();
  ASSERT_NE(::mkdtemp(folder.data()), nullptr);
  const std::filesystem::path counters = folder;
  const std::string command =
      kBinary + " read --transport wrapper --host 127.0.0.1 --port " +
      std::to_string(simulator.port()) +
      " --client 1 --auth high-gmac --security auth-enc --system-title 4D4D4D0000000001"
      " --block-key " +
      ready["block_key"].get<std::string>() + " --auth-key " +
      ready["authentication_key"].get<std::string>() +
      " --b-field 0 0-0:1.0.0 1-0:1.8.0 voltage_l1 --counter-dir " + counters.string() + " 2>&1";
  const auto result = test::run_command(command);
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("0-0:1.0.0  20"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("1-0:1.8.0  "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("1-0:32.7.0 (voltage_l1)  2"), std::string::npos) << result.output;

  // The same read with a wrong authentication key fails the HLS exchange.
  const auto wrong_key =
      test::run_command(kBinary + " read --transport wrapper --host 127.0.0.1 --port " +
                        std::to_string(simulator.port()) +
                        " --client 1 --auth high-gmac --security auth-enc --system-title "
                        "4D4D4D0000000001 --block-key " +
                        ready["block_key"].get<std::string>() +
                        " --auth-key 00000000000000000000000000000000 --b-field 0 voltage_l1"
                        " --counter-dir " +
                        counters.string() + " 2>&1");
  EXPECT_EQ(wrong_key.exit_status, 1) << wrong_key.output;
  std::filesystem::remove_all(counters);
}

TEST(ObjectsCommand, ListsTheSimulatorsObjects) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(simulator.ready());
  const std::string port = std::to_string(simulator.port());
  const auto table =
      test::run_command(kBinary + " objects --host 127.0.0.1 --port " + port + " 2>&1");
  ASSERT_EQ(table.exit_status, 0) << table.output;
  EXPECT_NE(table.output.find("Association LN"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("1-1:32.7.0"), std::string::npos);
  EXPECT_NE(table.output.find("0-0:1.0.0"), std::string::npos);

  const auto as_json =
      test::run_command(kBinary + " objects --host 127.0.0.1 --port " + port + " --json");
  ASSERT_EQ(as_json.exit_status, 0) << as_json.output;
  const auto objects = nlohmann::json::parse(as_json.output, nullptr, false);
  ASSERT_TRUE(objects.is_array()) << as_json.output.substr(0, 300);
  EXPECT_GE(objects.size(), 10u);
}

}  // namespace
}  // namespace dlmsgw

namespace dlmsgw {
namespace {

// The gateway's trace masks the LLS password of the AARQ; `read --trace` printed it in clear
// ("22222222" is 3232323232323232 in the AARQ's calling-authentication-value).
TEST(ReadCommand, TraceMasksTheLlsPassword) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  const std::string port = std::to_string(simulator.port());
  const auto result = test::run_command(kBinary + " read --trace --host 127.0.0.1 --port " + port +
                                        " voltage_l1 2>&1");
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("(password masked)"), std::string::npos) << result.output;
  std::string compact;
  for (const char c : result.output) {
    if (c != ' ' && c != ':') compact += static_cast<char>(std::toupper(c));
  }
  EXPECT_EQ(compact.find("3232323232323232"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("1-1:32.7.0 (voltage_l1)"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace dlmsgw
