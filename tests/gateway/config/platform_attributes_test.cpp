// gateway_client_attributes: what ThingsBoard's Gateways page reads, without the secrets.

#include "gateway/config/platform_attributes.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "gateway/storage/temp_directory.hpp"

namespace dlmsgw::gateway {
namespace {

TEST(PlatformAttributes, DescribeTheGatewayAndItsConnectorsWithoutSecrets) {
  testing::TempDirectory dir;
  const auto file = dir.path() / "dlms_connector.json";
  std::ofstream(file) << R"({"name": "DLMS Meters", "devices": []})";
  GatewayConfig config;
  config.host = "tb.example";
  config.port = 8883;
  config.security.access_token = "SECRET-TOKEN";
  config.security.ca_cert = "/etc/dlmsgw/ca.pem";
  config.storage.type = StorageType::sqlite;
  config.logging.levels["connector"] = "warn";
  config.connectors.push_back({"DLMS Meters", "dlms", file});

  const auto attributes = gateway_client_attributes(config, "0.4.2", 1700000000000);
  EXPECT_EQ(attributes["Version"], "3.8.0");
  EXPECT_EQ(attributes["dlmsgwVersion"], "0.4.2");
  EXPECT_EQ(attributes["active_connectors"], nlohmann::json::array({"DLMS Meters"}));
  const auto& general = attributes["general_configuration"];
  EXPECT_EQ(general["host"], "tb.example");
  EXPECT_EQ(general["port"], 8883);
  EXPECT_EQ(general["ts"], 1700000000000);
  EXPECT_EQ(general["security"],
            (nlohmann::json{{"type", "tlsAccessToken"}, {"caCert", "/etc/dlmsgw/ca.pem"}}));
  EXPECT_EQ(attributes.dump().find("SECRET-TOKEN"), std::string::npos);
  EXPECT_EQ(attributes["storage_configuration"]["type"], "sqlite");
  EXPECT_EQ(attributes["logs_configuration"]["local"]["connector"]["logLevel"], "WARNING");

  const auto& connector = attributes["DLMS Meters"];
  EXPECT_EQ(connector["name"], "DLMS Meters");
  EXPECT_EQ(connector["type"], "dlms");
  EXPECT_EQ(connector["configuration"], "dlms_connector.json");
  EXPECT_EQ(connector["configurationJson"],
            (nlohmann::json{{"name", "DLMS Meters"}, {"devices", nlohmann::json::array()}}));
  EXPECT_EQ(connector["logLevel"], "WARNING");
  EXPECT_EQ(connector["id"].get<std::string>().size(), 16U);
  EXPECT_GT(connector["ts"].get<std::int64_t>(), 0);
  // Stable across restarts: the same inputs, the same attributes.
  EXPECT_EQ(gateway_client_attributes(config, "0.4.2", 1700000000000), attributes);
}

}  // namespace
}  // namespace dlmsgw::gateway
