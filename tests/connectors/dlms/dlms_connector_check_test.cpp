// check_dlms_connector_config: every problem of a connector file (for `dlmsgw validate`), while
// parse_dlms_connector_config keeps stopping at the first.

#include <gtest/gtest.h>

#include "connectors/dlms/dlms_connector_config.hpp"

namespace dlmsgw::connectors::dlms {
namespace {

const std::string kTwoBrokenDevices = R"({
  "devices": [
    {"deviceName": "a", "connection": {"host": "h", "port": 70000}},
    {"deviceName": "b", "connection": {"host": "h"}, "timeseries": [{"key": "v", "obis": "1.0.1.8"}]},
    {"deviceName": "c", "connection": {"host": "h"}},
    {"deviceName": "c", "connection": {"host": "h"}},
    {"deviceName": "a", "connection": {"host": "h"}}
  ]
})";

TEST(DlmsConnectorCheck, CollectsOneProblemPerDeviceAndKeepsTheValidOnes) {
  const auto check = check_dlms_connector_config(kTwoBrokenDevices, "c.json");
  ASSERT_EQ(check.errors.size(), 4u);
  EXPECT_EQ(check.errors[0].message,
            "c.json: devices[0].connection.port: 70000 is not a TCP port (1..65535)");
  EXPECT_NE(check.errors[1].message.find("devices[1].timeseries[0].obis: \"1.0.1.8\" is not an "
                                         "OBIS code"),
            std::string::npos);
  EXPECT_NE(check.errors[2].message.find("devices[3].deviceName: \"c\" is used twice"),
            std::string::npos);
  // devices[0] failed, but its name is taken all the same.
  EXPECT_NE(check.errors[3].message.find("devices[4].deviceName: \"a\" is used twice"),
            std::string::npos);
  ASSERT_EQ(check.config.devices.size(), 1u);
  EXPECT_EQ(check.config.devices[0].name, "c");
}

TEST(DlmsConnectorCheck, ParseStillStopsAtTheFirstProblem) {
  const auto parsed = parse_dlms_connector_config(kTwoBrokenDevices, "c.json");
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().message,
            "c.json: devices[0].connection.port: 70000 is not a TCP port (1..65535)");
}

TEST(DlmsConnectorCheck, ConnectorLevelAndDeviceProblemsTogether) {
  const auto check = check_dlms_connector_config(
      R"({"maxConcurrentPolls": 0, "watchdog": {"enabled": 1},
          "devices": [{"deviceName": "a", "connection": {"host": "h"}, "pollPeriod": "x"}]})",
      "c.json");
  ASSERT_EQ(check.errors.size(), 3u);
  EXPECT_NE(check.errors[0].message.find("maxConcurrentPolls"), std::string::npos);
  EXPECT_NE(check.errors[1].message.find("watchdog.enabled"), std::string::npos);
  EXPECT_NE(check.errors[2].message.find("devices[0].pollPeriod"), std::string::npos);
}

TEST(DlmsConnectorCheck, AValidFileHasNoErrors) {
  const auto check = check_dlms_connector_config(
      R"({"devices": [{"deviceName": "a", "connection": {"host": "h"}, "foo": 1}]})", "c.json");
  EXPECT_TRUE(check.errors.empty());
  ASSERT_EQ(check.config.warnings.size(), 1u);
  EXPECT_NE(check.config.warnings[0].find("devices[0].foo: unknown key"), std::string::npos);
}

TEST(DlmsConnectorCheck, MissingSecretsNameTheKey) {
  const auto lls = parse_dlms_connector_config(
      R"({"devices": [{"deviceName": "a", "connection": {"host": "h", "password": ""}}]})",
      "c.json");
  ASSERT_FALSE(lls);
  EXPECT_NE(lls.error().message.find("devices[0].connection: meter 'a' h:3333: LLS needs a "
                                     "password (give password, passwordFile or \"${env:NAME}\")"),
            std::string::npos)
      << lls.error().message;
  const auto hls = parse_dlms_connector_config(
      R"({"devices": [{"deviceName": "a", "connection": {"host": "h",
          "authentication": "high-gmac", "systemTitle": "4D4D4D0000000001"}}]})",
      "c.json");
  ASSERT_FALSE(hls);
  EXPECT_NE(hls.error().message.find("need the block (encryption) key (give blockKey, "
                                     "blockKeyFile or \"${env:NAME}\")"),
            std::string::npos)
      << hls.error().message;
}

}  // namespace
}  // namespace dlmsgw::connectors::dlms
