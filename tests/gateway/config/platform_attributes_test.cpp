// gateway_client_attributes: what ThingsBoard's Gateways page reads, without the secrets.

#include "gateway/config/platform_attributes.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>

#include "gateway/storage/temp_directory.hpp"
#include "gateway/uplink/gateway_outgoing.hpp"

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

// A connector file with meters of every JSON kind of value, as the DLMS connector's are.
std::string connector_file_of(int meters) {
  std::string text = R"({"name": "DLMS", "devices": [)";
  for (int i = 0; i < meters; ++i) {
    text += std::string(i == 0 ? "" : ",") + R"(
      {"name": "Meter \u00e9 )" +
            std::to_string(i) + R"(", "host": "127.0.0.1", "port": )" + std::to_string(4000 + i) +
            R"(, "scale": 1.50, "big": 1e3, "negative": -7,
       "enabled": true, "nothing": null, "escaped": "a\/b\"c\n",
       "attributes": [], "timeseries": [{"key": "energy", "obis": "1.0.1.8.0.255"}]})";
  }
  return text + "]}";
}

TEST(PlatformAttributes, AConnectorFileOverTheLimitIsNotParsedButSizedAsGatewayServiceWould) {
  testing::TempDirectory dir;
  const auto file = dir.path() / "dlms_connector.json";
  std::ofstream(file) << connector_file_of(20);
  const std::vector<ConnectorConfig> connectors{{"DLMS Meters", "dlms", file}};
  const auto whole = connector_client_attributes(connectors, "info", SIZE_MAX);
  ASSERT_TRUE(whole["DLMS Meters"]["configurationJson"].is_object());
  ASSERT_EQ(whole["DLMS Meters"]["configurationJson"]["devices"].size(), 20U);
  // As GatewayService measures it: {"DLMS Meters":<entry>}.
  const auto entry_bytes = whole["DLMS Meters"].dump().size();
  const auto message_bytes = std::string(R"({"DLMS Meters":})").size() + entry_bytes;

  // Just fits: built and sent as before.
  EXPECT_EQ(connector_client_attributes(connectors, "info", message_bytes), whole);
  // One byte over: not built; the same size for the warning.
  const auto over = connector_client_attributes(connectors, "info", message_bytes - 1);
  EXPECT_EQ(over["DLMS Meters"], unsendable_attribute(entry_bytes)) << over["DLMS Meters"].dump();
  EXPECT_EQ(unsendable_attribute_bytes(over["DLMS Meters"].dump()), entry_bytes);
  EXPECT_EQ(over["active_connectors"], nlohmann::json::array({"DLMS Meters"}));

  // The whole gateway's attributes take the limit from maxPayloadSizeBytes.
  GatewayConfig config;
  config.max_payload_size_bytes = 1024;
  config.connectors = connectors;
  const auto gateway = gateway_client_attributes(config, "0.4.2", 1700000000000);
  EXPECT_TRUE(unsendable_attribute_bytes(gateway["DLMS Meters"].dump()).has_value());
}

TEST(PlatformAttributes, AConnectorFileThatIsNotJsonIsAnEmptyConfigurationWhateverTheLimit) {
  testing::TempDirectory dir;
  const auto file = dir.path() / "broken_connector.json";
  std::ofstream(file) << connector_file_of(20).substr(0, 900);
  const auto attributes = connector_client_attributes(
      {{"Broken", "dlms", file}, {"Absent", "dlms", dir.path() / "no.json"}}, "info", 256);
  EXPECT_EQ(attributes["Broken"]["configurationJson"], nlohmann::json::object());
  EXPECT_EQ(attributes["Absent"]["configurationJson"], nlohmann::json::object());
  EXPECT_FALSE(unsendable_attribute_bytes(attributes["Broken"].dump()).has_value());
}

// Comments are allowed in a connector file (the DLMS connector reads it so): its attribute is
// the configuration without them, sized without them too.
TEST(PlatformAttributes, AConnectorFileWithCommentsIsItsConfigurationWithoutThem) {
  testing::TempDirectory dir;
  const auto file = dir.path() / "commented_connector.json";
  std::ofstream(file) << "{\n  // the meters\n  \"devices\": [] /* none yet */\n}\n";
  const auto sendable = connector_client_attributes({{"DLMS", "dlms", file}}, "info", 8196);
  EXPECT_EQ(sendable["DLMS"]["configurationJson"], nlohmann::json::parse(R"({"devices":[]})"));
  const auto sized = connector_client_attributes({{"DLMS", "dlms", file}}, "info", 16);
  EXPECT_TRUE(unsendable_attribute_bytes(sized["DLMS"].dump()).has_value());
}

}  // namespace
}  // namespace dlmsgw::gateway
