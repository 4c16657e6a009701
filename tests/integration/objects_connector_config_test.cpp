// `dlmsgw objects --connector-config` against `dlmsgw simulate`: a full-form device entry that
// `dlmsgw validate` takes as it is, with the meter's registers under catalog keys and its
// profiles (issue 16, from discovery to configuration).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "gateway/storage/temp_directory.hpp"
#include "support/command_runner.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/simulator_process.hpp"

namespace dlmsgw {
namespace {

using test::kBinary;

bool has_entry(const nlohmann::json& list, const nlohmann::json& wanted) {
  return std::any_of(list.begin(), list.end(), [&](const nlohmann::json& entry) {
    for (const auto& [key, value] : wanted.items()) {
      if (!entry.contains(key) || entry[key] != value) return false;
    }
    return true;
  });
}

TEST(ObjectsConnectorConfig, PrintsADeviceEntryThatValidatesWithCatalogKeysAndProfiles) {
  test::SimulatorProcess simulator(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(simulator.ready()) << simulator.ready_line().dump();
  const std::string port = std::to_string(simulator.port());
  const auto printed = test::run_command(kBinary + " objects --host 127.0.0.1 --port " + port +
                                         " --name kitchen --connector-config");
  ASSERT_EQ(printed.exit_status, 0) << printed.output;
  const auto device = nlohmann::json::parse(printed.output, nullptr, false);
  ASSERT_TRUE(device.is_object()) << printed.output;
  EXPECT_EQ(device["deviceName"], "kitchen");
  // The connection as used: the Microstar's defaults and the port given.
  const auto& connection = device["connection"];
  EXPECT_EQ(connection["port"], simulator.port());
  EXPECT_EQ(connection["transport"], "hdlc");
  EXPECT_EQ(connection["clientAddress"], 1);
  EXPECT_EQ(connection["authentication"], "low");
  // B = 1 registers under the catalog's keys; the rest under their OBIS text.
  const auto& timeseries = device["timeseries"];
  EXPECT_TRUE(has_entry(timeseries, {{"key", "voltage_l1"}, {"obis", "1-1:32.7.0"}})) << timeseries;
  EXPECT_TRUE(has_entry(timeseries, {{"key", "active_energy"}, {"obis", "1-1:1.8.0"}}))
      << timeseries;
  EXPECT_TRUE(has_entry(timeseries, {{"key", "1-1:1.6.0"}, {"classId", 4}})) << timeseries;
  const auto& profiles = device["profiles"];
  for (const char* obis : {"1-1:99.1.0", "1-1:98.1.0", "0-0:99.98.0"}) {
    EXPECT_TRUE(has_entry(profiles, {{"obis", obis}})) << obis << " " << profiles;
  }

  // Pasted into dlms_connector.json, it validates.
  gateway::testing::TempDirectory dir;
  test::write_file(dir.path() / "tb_gateway.yaml",
                   "thingsboard:\n  host: 127.0.0.1\n  port: 1883\n  security:\n"
                   "    accessToken: token\nstorage:\n  type: memory\nconnectors:\n"
                   "  - name: DLMS\n    type: dlms\n    configuration: dlms_connector.json\n");
  test::write_file(dir.path() / "dlms_connector.json",
                   nlohmann::json{{"name", "DLMS"}, {"devices", {device}}}.dump(2));
  const auto validated = test::run_command(kBinary + " validate -c '" + dir.path().string() + "' " +
                                           test::kValidateAsMe + " 2>&1");
  EXPECT_EQ(validated.exit_status, 0) << validated.output;
}

}  // namespace
}  // namespace dlmsgw
