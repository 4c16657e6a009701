// thingsboard.mqttVersion (issue 15, item 3): `dlmsgw run` speaks the MQTT version tb_gateway.yaml
// names to a real mosquitto, whose log says which protocol each client connected with (p2: 3.1.1,
// p5: MQTT 5). What MQTT 5 gives (a PUBACK reason code refusing one message, set aside as a dead
// letter) is tested in process:
// GatewayService.MessagesRefusedForGoodAreSetAsideAndTheQueueKeepsFlowing.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <fstream>
#include <string>

#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/gateway_process.hpp"
#include "support/gateway_yaml.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"

namespace dlmsgw {
namespace {

using namespace std::chrono_literals;

// The protocol tag mosquitto logs for the client `client_id` connecting with `mqtt_version`.
std::string connected_protocol(const std::string& mqtt_version, const std::string& client_id) {
  test::MosquittoBroker broker;
  gateway::testing::TempDirectory dir;
  std::string yaml = test::gateway_yaml_for(broker, client_id, "[]", "{type: memory}");
  if (!mqtt_version.empty()) {
    yaml.insert(yaml.find("thingsboard:\n") + 13, "  mqttVersion: " + mqtt_version + "\n");
  }
  std::ofstream(dir.path() / "tb_gateway.yaml") << yaml;
  test::GatewayProcess gateway(test::kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "gateway.log");
  asio::io_context io;
  const std::string marker = "as " + client_id + " (p";
  if (!test::run_until(
          io, [&] { return broker.log().find(marker) != std::string::npos; }, 15s)) {
    ADD_FAILURE() << "no connection of " << client_id << "; gateway log:\n" << gateway.log();
    return {};
  }
  const auto log = broker.log();
  const auto at = log.find(marker) + marker.size() - 1;
  return log.substr(at, log.find(',', at) - at);
}

TEST(MqttVersion, TheGatewaySpeaksTheVersionItsConfigurationNames) {
  EXPECT_EQ(connected_protocol("", "version-default"), "p2");
  EXPECT_EQ(connected_protocol("5", "version-five"), "p5");
}

}  // namespace
}  // namespace dlmsgw
