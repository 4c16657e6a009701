// `dlmsgw validate` refuses every configuration `dlmsgw run` refuses at start (issue 15, item 9),
// with the same words where the check is the same code (storage location, MQTT/TLS options), and
// both accept a storage directory (the database file inside it, named in run's log).
// Each case runs both real processes on the same broken configuration.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "gateway/storage/temp_directory.hpp"
#include "support/command_runner.hpp"
#include "support/dlmsgw_binary.hpp"

namespace dlmsgw {
namespace {

namespace fs = std::filesystem;

using test::kBinary;

// A meter nobody answers: run keeps retrying it, which is fine, it is stopped by the timeout.
const std::string kStartupConnectorJson = R"({"name": "DLMS", "devices": [{"deviceName": "m1",
  "connection": {"host": "127.0.0.1", "port": 9}, "timeseries": [{"key": "v", "obis": "1-1:32.7.0"}]}]})";

std::string gateway_yaml(const std::string& security, const std::string& storage,
                         const std::string& connectors =
                             "[{name: DLMS, type: dlms, configuration: dlms_connector.json}]") {
  return "thingsboard:\n  host: 127.0.0.1\n  port: 9\n  security: {" + security +
         "}\n  statistics: {enable: false}\nstorage: {" + storage + "}\nconnectors: " + connectors +
         "\nhealth: {enabled: false}\n";
}

class StartupCheck : public ::testing::Test {
 protected:
  void write(const std::string& gateway) {
    std::ofstream(dir_.path() / "tb_gateway.yaml") << gateway;
    std::ofstream(dir_.path() / "dlms_connector.json") << kStartupConnectorJson;
  }
  // `run` must have stopped by itself by then; 124 (timeout) means it accepted the configuration.
  test::CommandResult run() {
    return test::run_command("cd '" + dir_.path().string() + "' && timeout -s KILL 15 " + kBinary +
                             " run -c '" + dir_.path().string() + "' 2>&1");
  }
  test::CommandResult validate() {
    return test::run_command("cd '" + dir_.path().string() + "' && " + kBinary + " validate -c '" +
                             dir_.path().string() + "'" + test::kValidateAsMe + " 2>&1");
  }
  // The problem run printed ("dlmsgw run: <problem>"), which validate must print too.
  static std::string run_problem(const std::string& output) {
    const auto at = output.find("dlmsgw run: ");
    if (at == std::string::npos) return {};
    const auto end = output.find('\n', at);
    return output.substr(at + 12, end == std::string::npos ? std::string::npos : end - at - 12);
  }

  gateway::testing::TempDirectory dir_;
};

struct BrokenCase {
  const char* what;
  std::string security;
  std::string storage;
  std::string connectors;
  bool same_words;  // the same check, so the same message
};

TEST_F(StartupCheck, EveryConfigurationErrorRunRaisesAtStartValidateRaisesToo) {
  const std::string token = "accessToken: t";
  const std::string sqlite = "type: sqlite, data_file_path: ";
  std::ofstream(dir_.path() / "a-file") << "not a directory";
  const std::vector<BrokenCase> cases{
      {"storage under a regular file", token, sqlite + "a-file/data.db", "", true},
      {"storage file that is a device", token, sqlite + "/dev/null", "", true},
      {"caCert that does not exist", token + ", caCert: missing-ca.pem", "type: memory", "", true},
      {"client certificate that does not exist",
       "type: tlsPrivateKey, " + token + ", cert: missing.pem, privateKey: missing.key",
       "type: memory", "", true},
      {"connector file that does not exist", token, "type: memory",
       "[{name: DLMS, type: dlms, configuration: missing.json}]", false},
      {"connector type dlmsgw has not", token, "type: memory",
       "[{name: DLMS, type: modbus, configuration: dlms_connector.json}]", false},
      {"two connectors with one name", token, "type: memory",
       "[{name: A, type: dlms, configuration: dlms_connector.json}, "
       "{name: A, type: dlms, configuration: dlms_connector.json}]",
       true},
      {"bad port", token, "type: memory", "", false},
  };
  for (const auto& item : cases) {
    SCOPED_TRACE(item.what);
    auto yaml = item.connectors.empty()
                    ? gateway_yaml(item.security, item.storage)
                    : gateway_yaml(item.security, item.storage, item.connectors);
    if (std::string(item.what) == "bad port") {
      yaml.replace(yaml.find("port: 9"), 7, "port: 0");
    }
    write(yaml);
    const auto ran = run();
    EXPECT_TRUE(ran.exit_status == 1 || ran.exit_status == 2) << ran.exit_status << "\n"
                                                              << ran.output;
    const auto checked = validate();
    EXPECT_EQ(checked.exit_status, 2) << checked.output;
    const auto problem = run_problem(ran.output);
    ASSERT_FALSE(problem.empty()) << ran.output;
    if (item.same_words) {
      EXPECT_NE(checked.output.find(problem), std::string::npos)
          << "run said: " << problem << "\nvalidate said:\n"
          << checked.output;
    }
  }
}

TEST_F(StartupCheck, AStorageDirectoryHoldsTheDatabaseFileNamedInTheLog) {
  fs::create_directory(dir_.path() / "data");
  write(gateway_yaml("accessToken: t", "type: sqlite, data_file_path: ./data/"));
  const auto checked = validate();
  EXPECT_EQ(checked.exit_status, 0) << checked.output;
  // run accepts it and keeps running (stopped by the timeout: 137 = SIGKILL).
  const auto ran = run();
  EXPECT_EQ(ran.exit_status, 137) << ran.output;
  EXPECT_NE(ran.output.find("/data/dlmsgw.db, device registry"), std::string::npos) << ran.output;
  EXPECT_TRUE(fs::exists(dir_.path() / "data" / "dlmsgw.db"));
}

}  // namespace
}  // namespace dlmsgw
