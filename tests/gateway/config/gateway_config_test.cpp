#include "gateway/config/gateway_config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

#include "gateway/config/environment_of.hpp"
#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::gateway {
namespace {

using test::env_of;

const Environment kNoEnv = env_of({});

// The ThingsBoard gateway's own shipped tb_gateway.json shape (abridged), which must load.
constexpr const char* kTbJson = R"({
  "thingsboard": {
    "host": "thingsboard.cloud",
    "port": 1883,
    "remoteShell": false,
    "statistics": {"enable": true, "statsSendPeriodInSeconds": 60},
    "maxPayloadSizeBytes": 8196,
    "security": {"type": "accessToken", "accessToken": "YOUR_ACCESS_TOKEN"},
    "qos": 1,
    "rateLimits": "DEFAULT_TELEMETRY_RATE_LIMIT",
    "dpRateLimits": "DEFAULT_TELEMETRY_DP_RATE_LIMIT",
    "messagesRateLimits": "DEFAULT_MESSAGES_RATE_LIMIT",
    "deviceMessagesRateLimits": "DEFAULT_MESSAGES_RATE_LIMIT",
    "deviceRateLimits": "DEFAULT_TELEMETRY_RATE_LIMIT",
    "deviceDpRateLimits": "DEFAULT_TELEMETRY_DP_RATE_LIMIT"
  },
  "storage": {"type": "memory", "read_records_count": 100, "max_records_count": 100000},
  "connectors": []
})";

TEST(GatewayConfig, TheThingsBoardGatewaysOwnJsonLoads) {
  auto config = parse_gateway_config(kTbJson, "tb_gateway.json", kNoEnv);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->host, "thingsboard.cloud");
  EXPECT_EQ(config->port, 1883);
  EXPECT_EQ(config->security.access_token, "YOUR_ACCESS_TOKEN");
  EXPECT_EQ(config->rate_limits, "");  // DEFAULT_*: the platform's limits apply
  EXPECT_EQ(config->storage.type, StorageType::memory);
  ASSERT_EQ(config->warnings.size(), 1U);  // remoteShell
  EXPECT_NE(config->warnings[0].find("tb_gateway.json:5: thingsboard.remoteShell"),
            std::string::npos)
      << config->warnings[0];
  const auto options = to_gateway_options(*config);
  EXPECT_EQ(options.mqtt.username, "YOUR_ACCESS_TOKEN");
  EXPECT_FALSE(options.mqtt.password);
  EXPECT_EQ(options.uplink.max_batch_records, 100U);
  EXPECT_TRUE(options.uplink.limits.messages.unlimited());
  EXPECT_NE(options.mqtt.credentials_source.find("accessToken in tb_gateway.json"),
            std::string::npos);
}

TEST(GatewayConfig, YamlWithEveryKeyWeUse) {
  const char* yaml = R"(thingsboard:
  host: tb.example.com
  port: 8883
  qos: 1
  mqttVersion: 5
  maxPayloadSizeBytes: 65536
  statistics:
    enable: false
    statsSendPeriodInSeconds: 30
  security:
    username: gw
    password: secret
    clientId: gw-1
    caCert: ca.pem
    cert: client.pem
    privateKey: client.key
  messagesRateLimits: "10:1,300:60"
  deviceDpRateLimits: "100:1"
storage:
  type: sqlite
  data_file_path: data/queue.db
  max_records_count: 5000
  messages_ttl_in_days: 2
connectors:
  - name: DLMS Connector
    type: dlms
    configuration: dlms_connector.json
)";
  auto config = parse_gateway_config(yaml, "/etc/dlmsgw/tb_gateway.yaml", kNoEnv);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_TRUE(config->warnings.empty()) << config->warnings[0];
  EXPECT_EQ(config->port, 8883);
  EXPECT_FALSE(config->statistics);
  EXPECT_EQ(config->statistics_period, std::chrono::seconds(30));
  EXPECT_EQ(config->security.ca_cert, "/etc/dlmsgw/ca.pem");
  EXPECT_EQ(config->storage.type, StorageType::sqlite);
  EXPECT_EQ(config->storage.data_file_path, "/etc/dlmsgw/data/queue.db");
  EXPECT_EQ(config->storage.max_records_count, 5000U);
  ASSERT_EQ(config->connectors.size(), 1U);
  EXPECT_EQ(config->connectors[0].configuration, "/etc/dlmsgw/dlms_connector.json");
  const auto options = to_gateway_options(*config);
  EXPECT_EQ(options.mqtt.username, "gw");
  EXPECT_EQ(options.mqtt.password, "secret");
  EXPECT_EQ(options.mqtt.client_id, "gw-1");
  ASSERT_TRUE(options.mqtt.tls);
  EXPECT_EQ(options.mqtt.tls->key_file, "/etc/dlmsgw/client.key");
  EXPECT_EQ(options.uplink.limits.messages.to_string(), "10:1,300:60");
  EXPECT_EQ(options.uplink.limits.device_telemetry_data_points.to_string(), "100:1");
  EXPECT_EQ(options.uplink.limits.max_payload_bytes, 65536U);
  EXPECT_EQ(options.mqtt.version, MqttVersion::v5);
}

void expect_error(const char* yaml, const std::string& expected) {
  auto config = parse_gateway_config(yaml, "tb_gateway.yaml", kNoEnv);
  ASSERT_FALSE(config) << yaml;
  EXPECT_NE(config.error().message.find(expected), std::string::npos) << config.error().message;
}

TEST(GatewayConfig, WrongTypesAndValuesNameFileLineAndFix) {
  expect_error("thingsboard:\n  host: h\n\n\n\n\n  port: abc\n",
               "tb_gateway.yaml:7: thingsboard.port: 'abc' is not a port number (1-65535)");
  expect_error("thingsboard:\n  host: h\n  port: 70000\n", "tb_gateway.yaml:3: thingsboard.port");
  expect_error("thingsboard:\n  port: 1883\n", "thingsboard.host: missing");
  expect_error("thingsboard:\n  host: [a, b]\n", "thingsboard.host: expected a text value");
  expect_error("thingsboard:\n  host: h\n  qos: 2\n", "thingsboard.qos: '2'");
  expect_error("thingsboard:\n  host: h\n  messagesRateLimits: \"10-1\"\n",
               "tb_gateway.yaml:3: thingsboard.messagesRateLimits: '10-1' is not a rate limit");
  expect_error("thingsboard:\n  host: h\n  statistics:\n    enable: maybe\n",
               "tb_gateway.yaml:4: thingsboard.statistics.enable: 'maybe' is not true or false");
  expect_error("thingsboard:\n  host: h\nstorage:\n  type: file\n",
               "tb_gateway.yaml:4: storage.type: 'file' is not a storage type dlmsgw has (memory "
               "or sqlite; use sqlite instead of file)");
  expect_error("thingsboard:\n  host: h\n  security:\n    cert: c.pem\n",
               "cert and privateKey go together");
  expect_error("thingsboard:\n  host: h\nconnectors:\n  - {name: a, type: dlms}\n",
               "connectors[0].configuration: missing");
  expect_error(
      "thingsboard:\n  host: h\nconnectors:\n  - {name: a, type: dlms, configuration: x}\n"
      "  - {name: a, type: dlms, configuration: y}\n",
      "tb_gateway.yaml:5: connectors[1].name: 'a' is used twice");
  expect_error("thingsboard: {host: h\n", "not valid YAML/JSON");
  expect_error("- 1\n- 2\n", "expected a mapping");
}

// thingsboard.mqttVersion (issue 15, item 3): 3.1.1 unless 5 is asked for; nothing else.
TEST(GatewayConfig, MqttVersionIsThreeOneOneOrFive) {
  const auto version_of = [](const std::string& line) {
    auto config =
        parse_gateway_config("thingsboard:\n  host: h\n" + line, "tb_gateway.yaml", kNoEnv);
    EXPECT_TRUE(config) << config.error().message;
    return config ? to_gateway_options(*config).mqtt.version : MqttVersion::v311;
  };
  EXPECT_EQ(version_of(""), MqttVersion::v311);
  EXPECT_EQ(version_of("  mqttVersion: 3.1.1\n"), MqttVersion::v311);
  EXPECT_EQ(version_of("  mqttVersion: \"5\"\n"), MqttVersion::v5);
  EXPECT_EQ(version_of("  mqttVersion: 5\n"), MqttVersion::v5);
  expect_error("thingsboard:\n  host: h\n  mqttVersion: 3.1\n",
               "tb_gateway.yaml:3: thingsboard.mqttVersion: '3.1' is not an MQTT version dlmsgw "
               "speaks: write 3.1.1 (the default) or 5");
  expect_error("thingsboard:\n  host: h\n  mqttVersion: [5]\n", "thingsboard.mqttVersion");
}

TEST(GatewayConfig, UnknownKeysAreWarnedWithTheirLine) {
  auto config = parse_gateway_config("thingsboard:\n  host: h\n  prot: 1883\nstorge: {}\n",
                                     "tb_gateway.yaml", kNoEnv);
  ASSERT_TRUE(config);
  ASSERT_GE(config->warnings.size(), 2U);
  EXPECT_NE(config->warnings[0].find("tb_gateway.yaml:4: unknown key storge"), std::string::npos)
      << config->warnings[0];
  EXPECT_NE(config->warnings[1].find("tb_gateway.yaml:3: unknown key thingsboard.prot"),
            std::string::npos)
      << config->warnings[1];
}

TEST(GatewayConfig, EnvironmentOverridesTheFileAndIsChecked) {
  auto config = parse_gateway_config(kTbJson, "tb_gateway.json",
                                     env_of({{"TB_GW_HOST", "10.0.0.5"},
                                             {"TB_GW_PORT", "1884"},
                                             {"TB_GW_ACCESS_TOKEN", "from-env"},
                                             {"TB_GW_STORAGE_TYPE", "sqlite"},
                                             {"TB_GW_STORAGE_PATH", "/var/lib/dlmsgw/q.db"}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->host, "10.0.0.5");
  EXPECT_EQ(config->port, 1884);
  EXPECT_EQ(config->security.access_token, "from-env");
  EXPECT_EQ(config->security.credentials_source, "the environment variable TB_GW_ACCESS_TOKEN");
  EXPECT_EQ(config->storage.type, StorageType::sqlite);
  EXPECT_EQ(config->storage.data_file_path, "/var/lib/dlmsgw/q.db");
  auto bad = parse_gateway_config(kTbJson, "tb_gateway.json", env_of({{"TB_GW_PORT", "x"}}));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("TB_GW_PORT: 'x' is not a port number"), std::string::npos);
}

TEST(GatewayConfig, SecretFilesMustNotBeReadableByOthers) {
  testing::TempDirectory dir;
  const auto token = dir.path() / "token";
  std::ofstream(token) << "s3cret\n";
  ::chmod(token.c_str(), 0644);
  auto refused = parse_gateway_config(kTbJson, "tb_gateway.json",
                                      env_of({{"TB_GW_ACCESS_TOKEN_FILE", token.string()}}));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("chmod o-rwx"), std::string::npos);
  ::chmod(token.c_str(), 0640);  // root:dlmsgw as the package installs: allowed, no warning
  auto group = parse_gateway_config(kTbJson, "tb_gateway.json",
                                    env_of({{"TB_GW_ACCESS_TOKEN_FILE", token.string()}}));
  ASSERT_TRUE(group) << group.error().message;
  EXPECT_EQ(group->security.access_token, "s3cret");
  EXPECT_TRUE(group->warnings.size() == 1 &&
              group->warnings[0].find("remoteShell") != std::string::npos);
  ::chmod(token.c_str(), 0600);
  const auto yaml =
      "thingsboard:\n  host: h\n  security:\n    accessTokenFile: " + token.string() + "\n";
  auto from_file = parse_gateway_config(yaml, "tb_gateway.yaml", kNoEnv);
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ(from_file->security.access_token, "s3cret");
  EXPECT_TRUE(from_file->warnings.empty());
  EXPECT_NE(from_file->security.credentials_source.find(token.string()), std::string::npos);
}

TEST(GatewayConfig, LoadsFromAFile) {
  testing::TempDirectory dir;
  const auto path = dir.path() / "tb_gateway.json";
  std::ofstream(path) << kTbJson;
  auto config = load_gateway_config(path, kNoEnv);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->host, "thingsboard.cloud");
  EXPECT_FALSE(load_gateway_config(dir.path() / "missing.yaml", kNoEnv));
}

TEST(GatewayConfig, OpensTheConfiguredStorage) {
  testing::TempDirectory dir;
  StorageConfig storage;
  ASSERT_TRUE(open_record_queue(storage));  // memory
  storage.type = StorageType::sqlite;
  storage.data_file_path = dir.path() / "data" / "data.db";
  storage.max_records_count = 2;
  auto queue = open_record_queue(storage);
  ASSERT_TRUE(queue) << queue.error().message;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*queue)->append({Record{RecordKind::telemetry, "m", Timestamp{}, "{}"}}));
  }
  EXPECT_EQ((*queue)->stats().records, 2U);
  EXPECT_EQ((*queue)->stats().dropped_records, 1U);
  EXPECT_TRUE(std::filesystem::exists(storage.data_file_path));
}

}  // namespace
}  // namespace dlmsgw::gateway

namespace dlmsgw::gateway {
namespace {

// README: every reading is stored on disk until acknowledged. A file without a storage section ran
// on memory storage, losing unsent readings on every restart.
TEST(GatewayConfig, WithoutAStorageSectionReadingsAreStoredOnDisk) {
  const std::string yaml = "thingsboard:\n  host: h\n  security: {accessToken: t}\n";
  auto config = parse_gateway_config(yaml, "/etc/dlmsgw/tb_gateway.yaml", kNoEnv);
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->storage.type, StorageType::sqlite);
  EXPECT_EQ(config->storage.data_file_path, "/etc/dlmsgw/data/data.db");

  // Under systemd (StateDirectory=dlmsgw): the state directory, where the package stores it.
  auto service = parse_gateway_config(yaml, "/etc/dlmsgw/tb_gateway.yaml",
                                      env_of({{"STATE_DIRECTORY", "/var/lib/dlmsgw"}}));
  ASSERT_TRUE(service) << service.error().message;
  EXPECT_EQ(service->storage.type, StorageType::sqlite);
  EXPECT_EQ(service->storage.data_file_path, "/var/lib/dlmsgw/data.db");

  // A storage section without a type is on disk too; memory only when asked for.
  auto untyped = parse_gateway_config(yaml + "storage: {max_records_count: 5}\n",
                                      "/etc/dlmsgw/tb_gateway.yaml", kNoEnv);
  ASSERT_TRUE(untyped);
  EXPECT_EQ(untyped->storage.type, StorageType::sqlite);
  auto memory = parse_gateway_config(yaml + "storage: {type: memory}\n",
                                     "/etc/dlmsgw/tb_gateway.yaml", kNoEnv);
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->storage.type, StorageType::memory);
}

}  // namespace
}  // namespace dlmsgw::gateway

namespace dlmsgw::gateway {
namespace {

// TB_GW_HOST= (empty) passed validate and made `run` exit: a variable is held to the rule of the
// key it replaces (thingsboard.host: "is empty").
TEST(GatewayConfig, EnvironmentVariablesAreCheckedLikeTheKeysTheyReplace) {
  auto empty_host = parse_gateway_config(kTbJson, "tb_gateway.json", env_of({{"TB_GW_HOST", ""}}));
  ASSERT_FALSE(empty_host);
  EXPECT_NE(empty_host.error().message.find("TB_GW_HOST"), std::string::npos);
  EXPECT_NE(empty_host.error().message.find("empty"), std::string::npos);
  auto check = check_gateway_config(kTbJson, "tb_gateway.json", env_of({{"TB_GW_HOST", ""}}));
  EXPECT_FALSE(check.errors.empty());
  EXPECT_FALSE(
      parse_gateway_config(kTbJson, "tb_gateway.json", env_of({{"TB_GW_STORAGE_PATH", ""}})));
  // As in the file: a client certificate without caCert means TLS verified against the system
  // trust store, and a key without its certificate is refused naming both variables.
  auto no_ca =
      parse_gateway_config(kTbJson, "tb_gateway.json",
                           env_of({{"TB_GW_CERT", "c.pem"}, {"TB_GW_PRIVATE_KEY", "k.pem"}}));
  ASSERT_TRUE(no_ca) << no_ca.error().message;
  EXPECT_TRUE(uses_tls(no_ca->security));
  auto key_alone =
      parse_gateway_config(kTbJson, "tb_gateway.json", env_of({{"TB_GW_PRIVATE_KEY", "k.pem"}}));
  ASSERT_FALSE(key_alone);
  EXPECT_NE(key_alone.error().message.find("TB_GW_CERT"), std::string::npos)
      << key_alone.error().message;
}

// Issue 20 item 6: the token, passwords and keys through systemd credentials (LoadCredential=,
// $CREDENTIALS_DIRECTORY) instead of Environment=, which any local user can read over D-Bus.
TEST(GatewayConfig, SecretsComeFromSystemdCredentials) {
  testing::TempDirectory dir;
  const auto credentials = dir.path() / "credentials";
  std::filesystem::create_directory(credentials);
  std::ofstream(credentials / "tb-token") << "cred-token\n";
  std::ofstream(credentials / "tb-password") << "cred-password\n";
  std::ofstream(credentials / "trace-token") << "cred-trace\n";
  std::ofstream(credentials / "client.key") << "key\n";
  for (const auto* name : {"tb-token", "tb-password", "trace-token", "client.key"}) {
    ::chmod((credentials / name).c_str(), 0400);
  }
  const std::string yaml =
      "thingsboard:\n  host: h\n  security:\n"
      "    accessTokenFile: ${CREDENTIALS_DIRECTORY}/tb-token\n"
      "    cert: client.pem\n    privateKey: ${CREDENTIALS_DIRECTORY}/client.key\n"
      "health: {traceTokenFile: '${CREDENTIALS_DIRECTORY}/trace-token'}\n";
  const auto file = (dir.path() / "tb_gateway.yaml").string();
  auto config =
      parse_gateway_config(yaml, file, env_of({{"CREDENTIALS_DIRECTORY", credentials.string()}}));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->security.access_token, "cred-token");
  EXPECT_EQ(config->health.trace_token, "cred-trace");
  EXPECT_EQ(config->security.private_key, (credentials / "client.key").string());
  EXPECT_EQ(config->security.cert, (dir.path() / "client.pem").string());

  // Outside the unit the directory is unknown: an error naming the fix, not a file "${...}".
  auto outside = check_gateway_config(yaml, file, kNoEnv);
  ASSERT_FALSE(outside.errors.empty());
  EXPECT_NE(outside.errors[0].message.find(
                "tb_gateway.yaml:4: thingsboard.security.accessTokenFile: "
                "${CREDENTIALS_DIRECTORY}/tb-token: CREDENTIALS_DIRECTORY is not set"),
            std::string::npos)
      << outside.errors[0].message;
  EXPECT_NE(outside.errors[0].message.find("LoadCredential=tb-token:"), std::string::npos);

  // The environment's *_FILE variables take credentials too.
  auto from_env = parse_gateway_config(
      kTbJson, "tb_gateway.json",
      env_of({{"CREDENTIALS_DIRECTORY", credentials.string()},
              {"TB_GW_USERNAME", "gw"},
              {"TB_GW_PASSWORD_FILE", "${CREDENTIALS_DIRECTORY}/tb-password"}}));
  ASSERT_TRUE(from_env) << from_env.error().message;
  EXPECT_EQ(from_env->security.password, "cred-password");
}

// Issue 20 item 6: "variables apply after the file" was not true for credentials: with
// accessToken in the file, TB_GW_USERNAME/TB_GW_PASSWORD were silently ignored.
TEST(GatewayConfig, CredentialVariablesReplaceTheFilesCredentials) {
  auto user = parse_gateway_config(kTbJson, "tb_gateway.json",
                                   env_of({{"TB_GW_USERNAME", "gw"}, {"TB_GW_PASSWORD", "pw"}}));
  ASSERT_TRUE(user) << user.error().message;
  auto options = to_gateway_options(*user);
  EXPECT_EQ(options.mqtt.username, "gw");
  EXPECT_EQ(options.mqtt.password, "pw");
  EXPECT_EQ(options.mqtt.credentials_source, "TB_GW_USERNAME/TB_GW_PASSWORD");
  EXPECT_NE(user->warnings.back().find("TB_GW_USERNAME replaces thingsboard.security.accessToken"),
            std::string::npos)
      << user->warnings.back();

  const std::string with_user = "thingsboard:\n  host: h\n  security: {username: u, password: p}\n";
  auto token =
      parse_gateway_config(with_user, "tb_gateway.yaml", env_of({{"TB_GW_ACCESS_TOKEN", "t"}}));
  ASSERT_TRUE(token) << token.error().message;
  options = to_gateway_options(*token);
  EXPECT_EQ(options.mqtt.username, "t");
  EXPECT_FALSE(options.mqtt.password);
  EXPECT_TRUE(token->security.username.empty());

  // A password alone cannot go with the file's token: said, not silently dropped.
  auto lone = parse_gateway_config(kTbJson, "tb_gateway.json", env_of({{"TB_GW_PASSWORD", "pw"}}));
  ASSERT_TRUE(lone) << lone.error().message;
  EXPECT_EQ(to_gateway_options(*lone).mqtt.username, "YOUR_ACCESS_TOKEN");
  EXPECT_NE(lone->warnings.back().find("TB_GW_PASSWORD is not used"), std::string::npos)
      << lone->warnings.back();
}

// Issue 20 item 5: a relative data_file_path resolved next to the configuration (/etc/dlmsgw),
// which ProtectSystem=strict keeps read-only: the unit restart-looped. Under systemd it now
// resolves in the state directory; without systemd, next to the configuration as before.
TEST(GatewayConfig, RelativeStoragePathsResolveUnderTheStateDirectory) {
  const std::string yaml =
      "thingsboard: {host: h}\nstorage: {type: sqlite, data_file_path: queue/data.db}\n";
  auto service = parse_gateway_config(yaml, "/etc/dlmsgw/tb_gateway.yaml",
                                      env_of({{"STATE_DIRECTORY", "/var/lib/dlmsgw"}}));
  ASSERT_TRUE(service) << service.error().message;
  EXPECT_EQ(service->storage.data_file_path, "/var/lib/dlmsgw/queue/data.db");
  auto by_hand = parse_gateway_config(yaml, "/etc/dlmsgw/tb_gateway.yaml", kNoEnv);
  ASSERT_TRUE(by_hand) << by_hand.error().message;
  EXPECT_EQ(by_hand->storage.data_file_path, "/etc/dlmsgw/queue/data.db");
  auto absolute = parse_gateway_config(
      "thingsboard: {host: h}\nstorage: {data_file_path: /srv/q.db}\n",
      "/etc/dlmsgw/tb_gateway.yaml", env_of({{"STATE_DIRECTORY", "/var/lib/dlmsgw"}}));
  ASSERT_TRUE(absolute);
  EXPECT_EQ(absolute->storage.data_file_path, "/srv/q.db");
  auto variable = parse_gateway_config(
      yaml, "/etc/dlmsgw/tb_gateway.yaml",
      env_of({{"STATE_DIRECTORY", "/var/lib/dlmsgw"}, {"TB_GW_STORAGE_PATH", "other.db"}}));
  ASSERT_TRUE(variable);
  EXPECT_EQ(variable->storage.data_file_path, "/var/lib/dlmsgw/other.db");
}

TEST(GatewayConfig, EmptyVariablesAreRefusedLikeEmptyKeys) {
  for (const auto* name : {"TB_GW_ACCESS_TOKEN", "TB_GW_ACCESS_TOKEN_FILE", "TB_GW_USERNAME",
                           "TB_GW_PASSWORD", "TB_GW_PASSWORD_FILE", "TB_GW_CLIENT_ID",
                           "TB_GW_CA_CERT", "TB_GW_CERT", "TB_GW_PRIVATE_KEY"}) {
    auto empty = parse_gateway_config(kTbJson, "tb_gateway.json", env_of({{name, ""}}));
    ASSERT_FALSE(empty) << name;
    EXPECT_NE(empty.error().message.find(std::string("environment ") + name + ": "),
              std::string::npos)
        << empty.error().message;
    EXPECT_NE(empty.error().message.find("it is empty: unset it"), std::string::npos)
        << empty.error().message;
  }
}

}  // namespace
}  // namespace dlmsgw::gateway
