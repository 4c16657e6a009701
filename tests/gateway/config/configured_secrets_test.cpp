// configured_secrets: what remote logs mask is the secret itself, wherever the configuration keeps
// it (a file, the environment, the text), never the path or the reference.

#include "gateway/config/configured_secrets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::gateway {
namespace {

void write_secrets_fixture(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The secrets of a gateway with one DLMS connector whose file (dlms.json in `dir`) is `text`.
std::vector<std::string> secrets_with_dlms_file(const std::filesystem::path& dir,
                                                const std::string& text,
                                                const GatewayConfig& config = {}) {
  write_secrets_fixture(dir / "dlms.json", text);
  return configured_secrets(config, {ConnectorConfig{"DLMS", "dlms", dir / "dlms.json"}});
}

bool secrets_hold(const std::vector<std::string>& secrets, const std::string& text) {
  return std::find(secrets.begin(), secrets.end(), text) != secrets.end();
}

TEST(ConfiguredSecrets, AreTheSecretsThemselvesFromFilesEnvironmentAndText) {
  testing::TempDirectory dir;
  write_secrets_fixture(dir.path() / "meter.pw", "file-held-password\n");
  ASSERT_EQ(::chmod((dir.path() / "meter.pw").c_str(), 0600), 0);
  ::setenv("DLMSGW_TEST_BLOCK_KEY", "env-held-block-key", 1);
  GatewayConfig config;
  config.security.access_token = "gateway-access-token";
  config.health.trace_token = "trace-bearer-token";
  const auto secrets = secrets_with_dlms_file(dir.path(), R"({"devices": [{"name": "Meter Kitchen",
      "security": {"passwordFile": "meter.pw", "blockKey": "${env:DLMSGW_TEST_BLOCK_KEY}",
                   "authenticationKey": "text-held-auth-key", "keyId": 7}}]})",
                                              config);
  ::unsetenv("DLMSGW_TEST_BLOCK_KEY");

  EXPECT_TRUE(secrets_hold(secrets, "file-held-password"));
  EXPECT_TRUE(secrets_hold(secrets, "env-held-block-key"));
  EXPECT_TRUE(secrets_hold(secrets, "text-held-auth-key"));
  EXPECT_TRUE(secrets_hold(secrets, "gateway-access-token"));
  EXPECT_TRUE(secrets_hold(secrets, "trace-bearer-token"));
  // Not the places they are kept in, nor what is not a secret.
  EXPECT_FALSE(secrets_hold(secrets, "meter.pw"));
  EXPECT_FALSE(secrets_hold(secrets, "${env:DLMSGW_TEST_BLOCK_KEY}"));
  EXPECT_FALSE(secrets_hold(secrets, "Meter Kitchen"));
}

TEST(ConfiguredSecrets, EachSecretIsListedOnceHoweverManyMetersShareIt) {
  // Kept for the life of the process: 10,000 meters with one password are one entry, not 10,000.
  testing::TempDirectory dir;
  GatewayConfig config;
  config.security.access_token = "shared-password";
  const auto secrets = secrets_with_dlms_file(dir.path(), R"({"devices": [
      {"name": "a", "security": {"password": "shared-password"}},
      {"name": "b", "security": {"password": "shared-password"}},
      {"name": "c", "security": {"password": "own-password"}}]})",
                                              config);
  EXPECT_EQ(std::count(secrets.begin(), secrets.end(), "shared-password"), 1);
  EXPECT_TRUE(secrets_hold(secrets, "own-password"));
  EXPECT_EQ(secrets.size(), 2U);
}

TEST(ConfiguredSecrets, AMissingOrBrokenFileIsSkipped) {
  testing::TempDirectory dir;
  write_secrets_fixture(dir.path() / "broken.json", "{not json");
  write_secrets_fixture(dir.path() / "missing.json", R"({"passwordFile": "nowhere.pw"})");
  GatewayConfig config;
  const auto secrets =
      configured_secrets(config, {ConnectorConfig{"A", "dlms", dir.path() / "broken.json"},
                                  ConnectorConfig{"B", "dlms", dir.path() / "missing.json"},
                                  ConnectorConfig{"C", "dlms", dir.path() / "absent.json"}});
  EXPECT_TRUE(secrets.empty());
}

TEST(ConfiguredSecrets, OnlyStringValuesOfSecretNamedMembersAtAnyDepth) {
  // Read without a tree (a SAX pass): the same values as the tree's walk took.
  testing::TempDirectory dir;
  const auto secrets = secrets_with_dlms_file(dir.path(), R"({"devices": [
      {"name": "a", "security": {"keys": ["array-held-value", {"other": "in-array-object"}],
                                 "secretSettings": {"mode": "object-held-value",
                                                    "deep": {"authToken": "deeply-nested-token"}},
                                 "blockKey": "after-the-object-key"}},
      {"tokenList": [["nested-array-value"]], "name": "after-array-name"},
      "top-level-string-in-array"],
      "password": "connector-level-password"})");
  EXPECT_TRUE(secrets_hold(secrets, "deeply-nested-token"));
  EXPECT_TRUE(secrets_hold(secrets, "after-the-object-key"));
  EXPECT_TRUE(secrets_hold(secrets, "connector-level-password"));
  // A secret-named member whose value is an array or an object is not a secret; nor is what
  // follows it under another name.
  EXPECT_FALSE(secrets_hold(secrets, "array-held-value"));
  EXPECT_FALSE(secrets_hold(secrets, "in-array-object"));
  EXPECT_FALSE(secrets_hold(secrets, "object-held-value"));
  EXPECT_FALSE(secrets_hold(secrets, "nested-array-value"));
  EXPECT_FALSE(secrets_hold(secrets, "after-array-name"));
  EXPECT_FALSE(secrets_hold(secrets, "top-level-string-in-array"));
  EXPECT_EQ(secrets.size(), 3U);
}

// The DLMS connector reads its file with comments allowed (edited by hand): so are its secrets
// (a review found a commented file left unmasked).
TEST(ConfiguredSecrets, AreFoundInAConnectorFileWithComments) {
  testing::TempDirectory dir;
  const auto secrets = secrets_with_dlms_file(dir.path(), R"({
      // the kitchen meter
      "devices": [{"name": "a", /* LLS */ "security": {"password": "commented-file-password"}}]})");
  EXPECT_TRUE(secrets_hold(secrets, "commented-file-password"));
}

TEST(ConfiguredSecrets, NothingFromAFileThatBreaksAfterItsSecrets) {
  // Secrets before the place the file stops being JSON are not taken, as when it was parsed whole.
  testing::TempDirectory dir;
  write_secrets_fixture(dir.path() / "cut.json",
                        R"({"devices": [{"password": "before-the-break"}, {"name": )");
  write_secrets_fixture(dir.path() / "text.json", "password: plain-text-password\n");
  GatewayConfig config;
  const auto secrets =
      configured_secrets(config, {ConnectorConfig{"A", "dlms", dir.path() / "cut.json"},
                                  ConnectorConfig{"B", "dlms", dir.path() / "text.json"}});
  EXPECT_TRUE(secrets.empty());
}

}  // namespace
}  // namespace dlmsgw::gateway
