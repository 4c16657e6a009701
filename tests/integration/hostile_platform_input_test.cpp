// `dlmsgw run` against what a broken or hostile platform (or any client of the broker) can publish
// on the topics the gateway subscribes to: deep nesting, megabytes, invalid UTF-8, wrong types,
// malformed RPCs. The process must stay up, keep delivering readings, and answer every RPC it can
// attribute to a requester with an error. Real mosquitto, the ThingsBoard emulator in this
// process, a `dlmsgw simulate` meter.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <fstream>

#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/gateway_process.hpp"
#include "support/gateway_yaml.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"
#include "support/simulator_process.hpp"
#include "support/thingsboard_emulator.hpp"

namespace dlmsgw {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;
using test::run_until;

using test::kBinary;

std::string connector_file(int port) {
  const json device{
      {"deviceName", "Meter A"},
      {"pollPeriod", 1000},
      {"connection",
       {{"type", "tcp"},
        {"host", "127.0.0.1"},
        {"port", port},
        {"transport", "hdlc"},
        {"clientAddress", 1},
        {"serverLogicalAddress", 0},
        {"serverPhysicalAddress", 1},
        {"serverAddressSize", 1},
        {"authentication", "low"},
        {"password", "22222222"},
        {"security", "none"}}},
      {"timeseries",
       {{{"key", "voltage"}, {"obis", "1-1:32.7.0"}, {"classId", 3}, {"attribute", 2}}}}};
  return json{{"name", "DLMS Meters"}, {"devices", {device}}}.dump(2);
}

std::size_t voltage_readings(const test::ThingsBoardEmulator& tb) {
  const auto it = tb.telemetry().find("Meter A");
  return it == tb.telemetry().end() ? 0 : it->second.size();
}

TEST(HostilePlatformInput, EverySubscribedTopicSurvivesAndTheGatewayKeepsDelivering) {
  test::SimulatorProcess meters(kBinary, {"--profile", "microstar", "--meters", "1"});
  ASSERT_TRUE(meters.ready()) << meters.ready_line().dump();
  test::MosquittoBroker broker;
  asio::io_context io;
  test::ThingsBoardEmulator tb{io, broker};
  gateway::testing::TempDirectory dir;
  std::ofstream(dir.path() / "tb_gateway.yaml") << test::gateway_yaml_for(broker, "dlmsgw-hostile");
  std::ofstream(dir.path() / "dlms_connector.json") << connector_file(meters.port(0));
  ASSERT_TRUE(run_until(io, [&] { return tb.connected(); })) << broker.log();
  test::GatewayProcess gateway(kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "dlmsgw.log");
  ASSERT_TRUE(run_until(
      io, [&] { return voltage_readings(tb) > 0 || !gateway.running(); }, 30s))
      << gateway.log();
  ASSERT_TRUE(gateway.running()) << gateway.log();

  // 100,000 nested arrays (200 KB): used to overflow the stack when the tree was copied.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string deep_rpc =
      R"({"device":"Meter A","data":{"id":5,"method":"get","params":)" + deep + "}}";
  const std::string huge_rpc = R"({"device":"Meter A","data":{"id":6,"method":"get","params":")" +
                               std::string(3 << 20, 'a') + "\"}}";
  const std::string bad_utf8 = "{\"device\":\"Meter \xff\",\"data\":{\"id\":7,\"method\":\"m\"}}";
  const std::string wrong_types = R"({"device":["Meter A"],"data":{"id":{},"method":5}})";
  for (const std::string topic :
       {"v1/gateway/rpc", "v1/gateway/attributes", "v1/gateway/attributes/response",
        "v1/devices/me/attributes", "v1/devices/me/rpc/request/900",
        "v1/devices/me/rpc/response/1"}) {
    for (const auto* payload : {&deep, &deep_rpc, &huge_rpc, &bad_utf8, &wrong_types}) {
      ASSERT_TRUE(tb.send_raw(topic, *payload)) << topic;
    }
  }
  // Malformed RPCs to the gateway itself and to a device: error replies, not silence.
  ASSERT_TRUE(tb.send_raw("v1/devices/me/rpc/request/901", "{not json"));
  ASSERT_TRUE(tb.send_raw("v1/devices/me/rpc/request/902", R"({"method": 5})"));
  ASSERT_TRUE(tb.send_raw("v1/devices/me/rpc/request/903", deep));
  ASSERT_TRUE(
      tb.send_raw("v1/gateway/rpc", R"({"device":"Meter A","data":{"id":904,"method":5}})"));

  ASSERT_TRUE(run_until(io, [&] {
    return (tb.gateway_reply(901) && tb.gateway_reply(902) && tb.gateway_reply(903) &&
            tb.device_reply(904)) ||
           !gateway.running();
  })) << gateway.log();
  ASSERT_TRUE(gateway.running()) << gateway.log();
  EXPECT_NE(tb.gateway_reply(901)->value("error", "").find("not valid JSON"), std::string::npos)
      << tb.gateway_reply(901)->dump();
  EXPECT_NE(tb.gateway_reply(902)->value("error", "").find("\"method\" is a number"),
            std::string::npos)
      << tb.gateway_reply(902)->dump();
  EXPECT_NE(tb.gateway_reply(903)->value("error", "").find("levels deep"), std::string::npos)
      << tb.gateway_reply(903)->dump();
  EXPECT_TRUE(tb.device_reply(904)->at("data").contains("error")) << tb.device_reply(904)->dump();

  // Still delivering after all of it, and the refusals were warned about, a bounded number.
  const auto before = voltage_readings(tb);
  ASSERT_TRUE(run_until(
      io, [&] { return voltage_readings(tb) >= before + 2; }, 30s))
      << gateway.log();
  EXPECT_TRUE(gateway.logged("levels deep")) << gateway.log();
  // A 3 MB payload must not become a 3 MB log line, nor 34 refusals 34 lines.
  EXPECT_LT(gateway.log().size(), 1u << 20);
  EXPECT_TRUE(gateway.logged("more malformed messages this minute are only counted"))
      << gateway.log();
  std::size_t warnings = 0;
  const auto log = gateway.log();
  for (const std::string outcome : {": ignored", ": answered with an error"}) {
    for (std::size_t at = 0; (at = log.find(outcome, at)) != std::string::npos; ++at) ++warnings;
  }
  EXPECT_LE(warnings, 10u) << gateway.log();
  ASSERT_TRUE(gateway.signal(SIGTERM));
  ASSERT_TRUE(run_until(
      io, [&] { return gateway.exit_status().has_value(); }, 30s));
  EXPECT_EQ(gateway.exit_status(), 0) << gateway.log();
}

}  // namespace
}  // namespace dlmsgw
