// `dlmsgw validate` as a process: a valid configuration, broken ones (each problem reported as
// file:line: key: problem (hint), with exit status 2), warnings that do not fail, and --probe
// against a real mosquitto and real simulator meters (exit status 0 or 1 and the table rows).

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "gateway/storage/temp_directory.hpp"
#include "support/command_runner.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/simulator_process.hpp"

namespace dlmsgw {
namespace {

namespace fs = std::filesystem;

using test::kBinary;

using test::write_file;

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("test template has no " + from);
  return text.replace(at, from.size(), to);
}

// Line numbers matter: the tests expect problems at the lines written here.
const std::string kGatewayYaml =
    "thingsboard:\n"                             // 1
    "  host: 127.0.0.1\n"                        // 2
    "  port: 1883\n"                             // 3
    "  security:\n"                              // 4
    "    accessToken: token\n"                   // 5
    "storage:\n"                                 // 6
    "  type: memory\n"                           // 7
    "connectors:\n"                              // 8
    "  - name: DLMS\n"                           // 9
    "    type: dlms\n"                           // 10
    "    configuration: dlms_connector.json\n";  // 11

const std::string kConnectorJson =
    "{\n"                                                                           // 1
    "  \"name\": \"DLMS\",\n"                                                       // 2
    "  \"devices\": [\n"                                                            // 3
    "    {\n"                                                                       // 4
    "      \"deviceName\": \"m1\",\n"                                               // 5
    "      \"pollPeriod\": 5000,\n"                                                 // 6
    "      \"connection\": {\n"                                                     // 7
    "        \"type\": \"tcp\",\n"                                                  // 8
    "        \"host\": \"127.0.0.1\",\n"                                            // 9
    "        \"port\": 3333,\n"                                                     // 10
    "        \"authentication\": \"low\",\n"                                        // 11
    "        \"password\": \"22222222\"\n"                                          // 12
    "      },\n"                                                                    // 13
    "      \"timeseries\": [\n"                                                     // 14
    "        {\"key\": \"voltage\", \"obis\": \"1-1:32.7.0\"},\n"                   // 15
    "        {\"key\": \"energy\", \"obis\": \"1-1:1.8.0\"}\n"                      // 16
    "      ]\n"                                                                     // 17
    "    },\n"                                                                      // 18
    "    {\n"                                                                       // 19
    "      \"deviceName\": \"m2\",\n"                                               // 20
    "      \"connection\": {\"host\": \"127.0.0.1\", \"port\": 3334},\n"            // 21
    "      \"timeseries\": [{\"key\": \"frequency\", \"obis\": \"1-1:14.7.0\"}]\n"  // 22
    "    }\n"                                                                       // 23
    "  ]\n"                                                                         // 24
    "}\n";                                                                          // 25

class ValidateCommand : public ::testing::Test {
 protected:
  void write(const std::string& gateway, const std::string& connector) {
    write_file(dir_.path() / "tb_gateway.yaml", gateway);
    write_file(dir_.path() / "dlms_connector.json", connector);
  }

  test::CommandResult validate(const std::string& extra = "") {
    const std::string as = extra.find("--as-user") == std::string::npos ? test::kValidateAsMe : "";
    return test::run_command(kBinary + " validate -c '" + dir_.path().string() + "' " + extra + as +
                             " 2>&1");
  }

  // The output line that mentions `needle` (empty when none does).
  static std::string line_with(const std::string& output, const std::string& needle) {
    const auto at = output.find(needle);
    if (at == std::string::npos) return {};
    const auto start = output.rfind('\n', at);
    const auto end = output.find('\n', at);
    const auto from = start == std::string::npos ? 0 : start + 1;
    return output.substr(from, end == std::string::npos ? std::string::npos : end - from);
  }

  std::string yaml_path() const { return (dir_.path() / "tb_gateway.yaml").string(); }
  std::string json_path() const { return (dir_.path() / "dlms_connector.json").string(); }

  gateway::testing::TempDirectory dir_;
};

TEST_F(ValidateCommand, AValidConfigurationExitsZeroWithASummary) {
  write(kGatewayYaml, kConnectorJson);
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find(
                "configuration valid: 1 gateway file, 1 connector file, 2 meters, 0 warnings"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, SaysWhichTlsTheUplinkWillUse) {
  write(kGatewayYaml, kConnectorJson);
  auto result = validate();
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("uplink: ThingsBoard 127.0.0.1:1883 over plain MQTT, no TLS "
                               "(credentials travel in clear)"),
            std::string::npos)
      << result.output;
  write(replace(kGatewayYaml, "    accessToken: token\n",
                "    accessToken: token\n    type: tlsAccessToken\n"),
        kConnectorJson);
  result = validate();
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("uplink: ThingsBoard 127.0.0.1:1883 over TLS, server certificate "
                               "verified against the system trust store /etc/ssl/certs and host "
                               "name '127.0.0.1'"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, HelpDocumentsTheExitStatuses) {
  const auto result = test::run_command(kBinary + " validate --help 2>&1");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_NE(result.output.find("0 valid (warnings allowed), 1 valid but a probe failed"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("2 configuration invalid"), std::string::npos);
}

TEST_F(ValidateCommand, OutOfRangePortNamesTheGatewayLine) {
  write(replace(kGatewayYaml, "port: 1883", "port: 70000"), kConnectorJson);
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(yaml_path() +
                               ":3: thingsboard.port: '70000' is not a port number (1-65535)"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("configuration invalid: 1 error"), std::string::npos);
}

TEST_F(ValidateCommand, WrongTypeNamesTheConnectorLine) {
  write(kGatewayYaml, replace(kConnectorJson, "\"pollPeriod\": 5000", "\"pollPeriod\": \"fast\""));
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(json_path() +
                               ":6: devices[0].pollPeriod: expected a period in milliseconds (1 "
                               "or more, e.g. 5000 for 5 s), got text \"fast\""),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, BadObisNamesTheLineAndTheWayToWriteIt) {
  write(kGatewayYaml, replace(kConnectorJson, "1-1:32.7.0", "1.0.1.8"));
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(json_path() +
                               ":15: devices[0].timeseries[0].obis: \"1.0.1.8\" is not an OBIS "
                               "code (write A-B:C.D.E, e.g. 1-0:32.7.0"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, DuplicateDeviceNamesInAFile) {
  write(kGatewayYaml, replace(kConnectorJson, "\"deviceName\": \"m2\"", "\"deviceName\": \"m1\""));
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(json_path() +
                               ":20: devices[1].deviceName: \"m1\" is used twice (device names "
                               "must be unique"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, DuplicateDeviceNamesAcrossConnectorFiles) {
  const std::string second = (dir_.path() / "second.json").string();
  write(kGatewayYaml + "  - {name: Second, type: dlms, configuration: second.json}\n",
        kConnectorJson);
  write_file(second, replace(kConnectorJson, "\"deviceName\": \"m1\"", "\"deviceName\": \"m9\""));
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(second + ":20: devices[1].deviceName: \"m2\" is also a device of " +
                               json_path() + " (device names must be unique over all connectors"),
            std::string::npos)
      << result.output;
}

// A by-id link and the port it names are one bus, as `dlmsgw run` treats them.
TEST_F(ValidateCommand, ASerialPortNamedByALinkAndByItsTargetIsOneBus) {
  const auto port = dir_.path() / "ttyUSB7";
  const auto link = dir_.path() / "usb-FTDI-if00-port0";
  write_file(port.string(), "");
  std::filesystem::create_symlink(port, link);
  std::string connector =
      replace(kConnectorJson,
              "\"type\": \"tcp\",\n        \"host\": \"127.0.0.1\",\n        \"port\": 3333,",
              "\"serial\": {\"port\": \"" + link.string() + "\", \"baudrate\": 9600},");
  connector = replace(connector, "{\"host\": \"127.0.0.1\", \"port\": 3334}",
                      "{\"serial\": {\"port\": \"" + port.string() + "\", \"baudrate\": 2400}}");
  write(kGatewayYaml, connector);
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(
      result.output.find("devices 'm1' and 'm2' share serial port " +
                         std::filesystem::canonical(port).string() + " with different settings"),
      std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, DevicesOnOneSerialPortMustAgreeOnTheLineAndHaveTheirOwnAddress) {
  std::string connector =
      replace(kConnectorJson,
              "\"type\": \"tcp\",\n        \"host\": \"127.0.0.1\",\n        \"port\": 3333,",
              "\"serial\": {\"port\": \"/dev/ttyS9\", \"baudrate\": 9600},");
  connector = replace(connector, "{\"host\": \"127.0.0.1\", \"port\": 3334}",
                      "{\"serial\": {\"port\": \"/dev/ttyS9\", \"baudrate\": 2400}}");
  write(kGatewayYaml, connector);
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find("devices 'm1' and 'm2' share serial port /dev/ttyS9 with different "
                               "settings (/dev/ttyS9 9600 8N1 and /dev/ttyS9 2400 8N1)"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("devices 'm1' and 'm2' on serial port /dev/ttyS9 have the same "
                               "HDLC address"),
            std::string::npos)
      << result.output;

  // The same line and an address each: one bus, valid.
  connector = replace(connector, "\"baudrate\": 2400}}",
                      "\"baudrate\": 9600}, \"serverPhysicalAddress\": 2}");
  write(kGatewayYaml, connector);
  const auto valid = validate();
  EXPECT_EQ(valid.exit_status, 0) << valid.output;
}

TEST_F(ValidateCommand, DuplicateKeysWithinADevice) {
  write(kGatewayYaml, replace(kConnectorJson, "{\"key\": \"energy\"", "{\"key\": \"voltage\""));
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(json_path() +
                               ":16: devices[0].timeseries[1].key: \"voltage\" is used twice in "
                               "timeseries (keys must be unique"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, LlsWithoutPassword) {
  write(kGatewayYaml, replace(kConnectorJson, "\"password\": \"22222222\"", "\"password\": \"\""));
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(json_path() +
                               ":7: devices[0].connection: meter 'm1' 127.0.0.1:3333: LLS needs a "
                               "password (give password, passwordFile or \"${env:NAME}\")"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, SecretFileReadableByEveryoneIsRefused) {
  const auto token = dir_.path() / "gateway.token";
  write_file(token, "secret-token\n");
  ::chmod(token.c_str(), 0644);
  write(replace(kGatewayYaml, "accessToken: token", "accessTokenFile: gateway.token"),
        kConnectorJson);
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(
                yaml_path() + ":5: thingsboard.security.accessTokenFile: access token file " +
                token.string() + " is readable by every user (protect it with: chmod o-rwx " +
                token.string() + "; secret files are 0600 owned by the service user or 0640 " +
                "root:dlmsgw)"),
            std::string::npos)
      << result.output;

  ::chmod(token.c_str(), 0640);  // group-readable, as the package installs: the one rule allows it
  const auto allowed = validate();
  EXPECT_EQ(allowed.exit_status, 0) << allowed.output;
  EXPECT_EQ(allowed.output.find("readable by"), std::string::npos) << allowed.output;
}

// Issue 20 item 5: run as root, validate approved a token file the service user cannot read (the
// unit then exited 2 and stayed down). --as-user checks the files as that user sees them.
TEST_F(ValidateCommand, AsUserChecksTheFilesAsThatUserSeesThem) {
  write(replace(kGatewayYaml, "accessToken: token", "accessTokenFile: gateway.token"),
        kConnectorJson);
  const auto token = dir_.path() / "gateway.token";
  write_file(token, "t\n");
  ::chmod(token.c_str(), 0600);

  const auto unknown = validate("--as-user no-such-user-of-dlmsgw");
  EXPECT_EQ(unknown.exit_status, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("--as-user no-such-user-of-dlmsgw: no such user"),
            std::string::npos)
      << unknown.output;

  // Oneself needs no privilege.
  const passwd* self = ::getpwuid(::geteuid());
  ASSERT_NE(self, nullptr);
  const std::string me = self->pw_name;
  const auto own = validate("--as-user " + me);
  EXPECT_EQ(own.exit_status, 0) << own.output;
  EXPECT_NE(own.output.find("checked as user " + me + " (uid "), std::string::npos) << own.output;

  if (::geteuid() != 0) {
    const auto refused = validate("--as-user nobody");
    EXPECT_EQ(refused.exit_status, 2) << refused.output;
    EXPECT_NE(refused.output.find("needs root"), std::string::npos) << refused.output;
    GTEST_SKIP() << "checking as another user needs root: only the unprivileged part ran";
  }
  if (::getpwnam("nobody") == nullptr) GTEST_SKIP() << "no user 'nobody' here";
  // The files as the package leaves them for root: the directory and the configuration readable
  // by all, the token root's alone.
  fs::permissions(dir_.path(), fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
  ::chmod(yaml_path().c_str(), 0644);
  ::chmod(json_path().c_str(), 0644);
  EXPECT_EQ(validate().exit_status, 0);  // as root: approved
  const auto as_nobody = validate("--as-user nobody");
  EXPECT_EQ(as_nobody.exit_status, 2) << as_nobody.output;
  EXPECT_NE(as_nobody.output.find(yaml_path() +
                                  ":5: thingsboard.security.accessTokenFile: access token file " +
                                  token.string() + " cannot be read: Permission denied"),
            std::string::npos)
      << as_nobody.output;
  EXPECT_NE(as_nobody.output.find("checked as user nobody"), std::string::npos);
}

// Issue 20 item 5: a storage path the unit cannot write under ProtectSystem=strict passed
// validate and the service restart-looped. With a state directory (the unit's, or the one
// --as-user stands in), a database outside it is said.
TEST_F(ValidateCommand, StorageOutsideTheStateDirectoryIsWarnedAbout) {
  const auto state = dir_.path() / "state";
  fs::create_directories(state);
  write(replace(
            kGatewayYaml, "  type: memory\n",
            "  type: sqlite\n  data_file_path: " + (dir_.path() / "elsewhere.db").string() + "\n"),
        kConnectorJson);
  const auto outside =
      test::run_command("STATE_DIRECTORY='" + state.string() + "' " + kBinary + " validate -c '" +
                        dir_.path().string() + "'" + test::kValidateAsMe + " 2>&1");
  EXPECT_EQ(outside.exit_status, 0) << outside.output;
  EXPECT_NE(outside.output.find("warning: " + yaml_path() + ": storage.data_file_path: " +
                                (dir_.path() / "elsewhere.db").string() +
                                " is outside the state directory " + state.string()),
            std::string::npos)
      << outside.output;
  // A relative path resolves under the state directory: nothing to say.
  write(replace(kGatewayYaml, "  type: memory\n", "  type: sqlite\n  data_file_path: q.db\n"),
        kConnectorJson);
  const auto inside =
      test::run_command("STATE_DIRECTORY='" + state.string() + "' " + kBinary + " validate -c '" +
                        dir_.path().string() + "'" + test::kValidateAsMe + " 2>&1");
  EXPECT_EQ(inside.exit_status, 0) << inside.output;
  EXPECT_EQ(inside.output.find("state directory"), std::string::npos) << inside.output;
}

// Profiles of a device with its own deviceToken on storage in memory: their entries wait in the
// own-token store, which the cursors do not wait for; a stop loses them while the cursor on disk
// says they were stored. Said with the fix; a gateway child's profile (the cursors wait for the
// gateway's queue) and sqlite storage say nothing.
TEST_F(ValidateCommand, OwnTokenProfilesWithStorageInMemoryAreWarnedAbout) {
  const std::string child_profile =
      replace(kConnectorJson, "      \"pollPeriod\": 5000,\n",
              "      \"pollPeriod\": 5000,\n      \"profiles\": [{\"obis\": \"1-0:99.1.0\"}],\n");
  write(kGatewayYaml, child_profile);
  const auto child = validate();
  EXPECT_EQ(child.exit_status, 0) << child.output;
  EXPECT_EQ(child.output.find("with profiles"), std::string::npos) << child.output;
  const std::string own_token = replace(
      child_profile, "      \"pollPeriod\": 5000,\n",
      "      \"pollPeriod\": 5000,\n      \"deviceToken\": {\"accessToken\": \"m1-token\"},\n");
  write(kGatewayYaml, own_token);
  const auto memory = validate();
  EXPECT_EQ(memory.exit_status, 0) << memory.output;
  EXPECT_NE(memory.output.find("warning: " + yaml_path() +
                               ": storage.type: memory with profiles of devices with their own "
                               "deviceToken ('m1'): their profile entries waiting for the broker "
                               "when the gateway stops are lost"),
            std::string::npos)
      << memory.output;
  EXPECT_NE(memory.output.find("set storage.type: sqlite"), std::string::npos) << memory.output;
  write(replace(kGatewayYaml, "  type: memory\n",
                "  type: sqlite\n  data_file_path: " + (dir_.path() / "q.db").string() + "\n"),
        own_token);
  const auto sqlite = validate();
  EXPECT_EQ(sqlite.exit_status, 0) << sqlite.output;
  EXPECT_EQ(sqlite.output.find("with profiles"), std::string::npos) << sqlite.output;
}

TEST_F(ValidateCommand, MissingTokenFile) {
  write(replace(kGatewayYaml, "accessToken: token", "accessTokenFile: missing.token"),
        kConnectorJson);
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(yaml_path() +
                               ":5: thingsboard.security.accessTokenFile: access token file "),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("missing.token cannot be read: No such file or directory"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, UnknownKeyIsAWarningOnly) {
  write(replace(kGatewayYaml, "  port: 1883\n", "  port: 1883\n  hots: x\n"),
        replace(kConnectorJson, "\"pollPeriod\": 5000,", "\"pollPeriod\": 5000, \"colour\": 1,"));
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("warning: " + yaml_path() +
                               ":4: unknown key thingsboard.hots (ignored; check the spelling)"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("warning: " + json_path() +
                               ":6: devices[0].colour: unknown key, ignored (check the spelling)"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(
                "configuration valid: 1 gateway file, 1 connector file, 2 meters, 2 warnings"),
            std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, ReportsEveryProblemNotOnlyTheFirst) {
  auto connector = replace(kConnectorJson, "1-1:32.7.0", "1.0.1.8");
  connector = replace(connector, "\"port\": 3334", "\"port\": 70000");
  write(replace(replace(kGatewayYaml, "type: memory", "type: file"), "port: 1883", "port: 0"),
        connector);
  const auto result = validate();
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find(yaml_path() + ":3: thingsboard.port: '0' is not a port number"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(yaml_path() + ":7: storage.type: 'file' is not a storage type"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(json_path() + ":15: devices[0].timeseries[0].obis:"),
            std::string::npos)
      << result.output;
  EXPECT_NE(
      result.output.find(json_path() + ":21: devices[1].connection.port: 70000 is not a TCP port "
                                       "(1..65535)"),
      std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("configuration invalid: 4 errors"), std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, JsonReport) {
  write(replace(kGatewayYaml, "port: 1883", "port: 0"), kConnectorJson);
  const auto result = test::run_command(kBinary + " validate --json -c '" + dir_.path().string() +
                                        "'" + test::kValidateAsMe);
  EXPECT_EQ(result.exit_status, 2);
  const auto report = nlohmann::json::parse(result.output, nullptr, false);
  ASSERT_TRUE(report.is_object()) << result.output;
  EXPECT_FALSE(report["valid"].get<bool>());
  ASSERT_EQ(report["errors"].size(), 1u);
  EXPECT_EQ(report["errors"][0], yaml_path() +
                                     ":3: thingsboard.port: '0' is not a port number "
                                     "(1-65535)");
}

// --probe: the broker with the configured credentials, each meter with an association and a read.
std::string probe_gateway_yaml(const test::MosquittoBroker& broker, const std::string& password) {
  return "thingsboard:\n  host: 127.0.0.1\n  port: " + std::to_string(broker.port()) +
         "\n  security: {username: " + broker.user() + ", password: " + password +
         "}\nconnectors:\n  - {name: DLMS, type: dlms, configuration: dlms_connector.json}\n";
}

TEST_F(ValidateCommand, ProbeReachesTheBrokerAndEveryMeter) {
  test::MosquittoBroker broker;
  test::SimulatorProcess meters(kBinary, {"--profile", "microstar", "--meters", "2"});
  ASSERT_TRUE(meters.ready());
  auto connector = replace(kConnectorJson, "3333", std::to_string(meters.port(0)));
  connector = replace(connector, "3334", std::to_string(meters.port(1)));
  write(probe_gateway_yaml(broker, broker.password()), connector);
  const auto result = validate("--probe");
  EXPECT_EQ(result.exit_status, 0) << result.output;
  const auto broker_row = line_with(result.output, "broker ");
  EXPECT_NE(broker_row.find("127.0.0.1:" + std::to_string(broker.port())), std::string::npos)
      << result.output;
  EXPECT_NE(broker_row.find(" ok"), std::string::npos) << result.output;
  const auto m1 = line_with(result.output, "meter 'm1'");
  EXPECT_NE(m1.find("127.0.0.1:" + std::to_string(meters.port(0))), std::string::npos)
      << result.output;
  EXPECT_NE(m1.find("ok: 1-1:32.7.0 = "), std::string::npos) << result.output;
  EXPECT_NE(line_with(result.output, "meter 'm2'").find("ok: 1-1:14.7.0 = "), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("probe: all 3 targets reachable"), std::string::npos)
      << result.output;
}

TEST_F(ValidateCommand, ProbeReportsARefusedTokenAndAnUnreachableMeter) {
  test::MosquittoBroker broker;
  test::SimulatorProcess meters(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(meters.ready());
  const int closed = test::free_loopback_port();  // nothing listens there
  auto connector = replace(kConnectorJson, "3333", std::to_string(meters.port(0)));
  connector = replace(connector, "3334", std::to_string(closed));
  write(probe_gateway_yaml(broker, "wrong-password"), connector);
  const auto result = validate("--probe --probe-timeout 5");
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(line_with(result.output, "broker ").find("refused"), std::string::npos)
      << result.output;
  EXPECT_NE(line_with(result.output, "meter 'm1'").find("ok: "), std::string::npos)
      << result.output;
  const auto m2 = line_with(result.output, "meter 'm2'");
  EXPECT_NE(m2.find("127.0.0.1:" + std::to_string(closed)), std::string::npos) << result.output;
  EXPECT_NE(m2.find("unreachable"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("probe: 2 of 3 targets failed"), std::string::npos) << result.output;
}

TEST_F(ValidateCommand, AnInvalidConfigurationIsNotProbed) {
  write(replace(kGatewayYaml, "port: 1883", "port: 70000"), kConnectorJson);
  const auto result = validate("--probe");
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_EQ(result.output.find("TARGET"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace dlmsgw

namespace dlmsgw {
namespace {

// TLS files were not checked at all: a missing CA or a private key every user can read passed
// validate, and the service failed (or leaked the key) later.
TEST_F(ValidateCommand, TlsFilesAreCheckedAMissingCaAndAWorldReadableKeyAreRefused) {
  const auto ca = dir_.path() / "ca.pem";
  const auto cert = dir_.path() / "client.pem";
  const auto key = dir_.path() / "client.key";
  write_file(cert, "cert");
  write_file(key, "key");
  ::chmod(key.c_str(), 0644);
  write(replace(kGatewayYaml, "accessToken: token",
                "accessToken: token\n    caCert: ca.pem\n    cert: client.pem\n"
                "    privateKey: client.key"),
        kConnectorJson);
  const auto refused = validate();
  EXPECT_EQ(refused.exit_status, 2) << refused.output;
  EXPECT_NE(refused.output.find("thingsboard.security.caCert: file " + ca.string() +
                                " cannot be read: No such file or directory"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(
      refused.output.find("thingsboard.security.privateKey: private key file " + key.string() +
                          " is readable by every user (protect it with: chmod o-rwx"),
      std::string::npos)
      << refused.output;

  write_file(ca, "ca");
  ::chmod(key.c_str(), 0600);
  const auto valid = validate();
  EXPECT_EQ(valid.exit_status, 0) << valid.output;
}

}  // namespace
}  // namespace dlmsgw
