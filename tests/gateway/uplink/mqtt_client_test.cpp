// MqttClient against a real mosquitto broker started for each test (tests/support).
#include "gateway/uplink/mqtt_client.hpp"

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <functional>
#include <map>

#include "gateway/uplink/gateway_batch.hpp"
#include "gateway/uplink/gateway_topic.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;

// Runs the loop until `done` holds or `limit` passes; generous limits keep a loaded 2-core machine
// from failing tests that are merely slow.
using test::run_until;

// Runs the loop for a while regardless: used only to give a misbehaving client time to misbehave.
void run_for(asio::io_context& io, std::chrono::steady_clock::duration span) {
  io.restart();
  io.run_for(span);
}

MqttOptions options_for(const test::MosquittoBroker& broker, MqttVersion version) {
  MqttOptions options;
  options.port = broker.port();
  options.username = broker.user();
  options.password = broker.password();
  options.credentials_source = "test fixture";
  options.version = version;
  options.keepalive = 10s;
  options.reconnect_min = 50ms;
  options.reconnect_max = 500ms;
  return options;
}

std::unique_ptr<MqttClient> make_client(asio::io_context& io, MqttOptions options) {
  auto client = MqttClient::create(io, std::move(options));
  EXPECT_TRUE(client) << client.error().message;
  return client ? std::move(*client) : nullptr;
}

// Records everything a client reports.
struct Observer {
  std::map<int, bool> outcomes;  // mid -> acknowledged with success
  std::vector<std::pair<std::string, std::string>> messages;
  std::vector<Error> refused;
  int connects = 0;
  int disconnects = 0;

  void watch(MqttClient& client) {
    client.on_publish(
        [this](int mid, const Expected<void>& outcome) { outcomes[mid] = outcome.has_value(); });
    client.on_message([this](std::string_view topic, std::string_view payload) {
      messages.emplace_back(topic, payload);
    });
    client.on_refused([this](const Error& error) { refused.push_back(error); });
    client.on_connection([this](bool up) { up ? ++connects : ++disconnects; });
  }
};

class MqttClientTest : public ::testing::TestWithParam<MqttVersion> {
 protected:
  test::MosquittoBroker broker;
  asio::io_context io;
};

TEST_P(MqttClientTest, PublishesQos1AndSeesThePuback) {
  auto client = make_client(io, options_for(broker, GetParam()));
  ASSERT_TRUE(client);
  Observer seen;
  seen.watch(*client);
  EXPECT_FALSE(client->publish("v1/gateway/telemetry", "{}"));  // not connected yet
  client->start();
  ASSERT_TRUE(run_until(io, [&] { return client->connected(); })) << broker.log();
  EXPECT_EQ(seen.connects, 1);
  auto mid = client->publish("v1/gateway/connect", R"({"device":"Meter 1","type":"DLMS_Meter"})");
  ASSERT_TRUE(mid) << mid.error().message;
  ASSERT_TRUE(run_until(io, [&] { return seen.outcomes.count(*mid) == 1; }));
  EXPECT_TRUE(seen.outcomes[*mid]);
  client->stop();
  ASSERT_TRUE(run_until(io, [&] { return !client->connected(); }));
  EXPECT_EQ(client->connection_attempts(), 1U);
}

// A host name is resolved on asio's resolver thread, never by libmosquitto on the loop. Only
// "localhost" is used: /etc/hosts answers it, and tests send no DNS query anywhere.
TEST_P(MqttClientTest, ConnectsByHostName) {
  MqttOptions options = options_for(broker, GetParam());
  options.host = "localhost";
  auto client = make_client(io, options);
  ASSERT_TRUE(client);
  client->start();
  ASSERT_TRUE(run_until(io, [&] { return client->connected(); })) << broker.log();
  EXPECT_EQ(client->endpoint(), "localhost:" + std::to_string(broker.port()));
  client->stop();
}

TEST_P(MqttClientTest, ASubscriberReceivesExactlyTheGatewayApiPayload) {
  auto gateway = make_client(io, options_for(broker, GetParam()));
  auto platform = make_client(io, options_for(broker, GetParam()));
  ASSERT_TRUE(gateway && platform);
  Observer gateway_seen;
  Observer platform_seen;
  gateway_seen.watch(*gateway);
  platform_seen.watch(*platform);
  ASSERT_TRUE(platform->subscribe(topic::gateway_telemetry));
  platform->start();
  gateway->start();
  ASSERT_TRUE(run_until(io, [&] { return gateway->connected() && platform->connected(); }));
  // SUBACK is not tracked: publish until the subscription is in place, then check what arrived.
  const std::vector<StoredRecord> records{
      {RecordId{1},
       Record{RecordKind::telemetry, "Meter 1", Timestamp{std::chrono::milliseconds{1700000000000}},
              R"({"voltage":230.1})"}},
      {RecordId{2},
       Record{RecordKind::telemetry, "Meter 2", Timestamp{std::chrono::milliseconds{1700000000001}},
              R"({"energy":12345})"}},
  };
  const auto batch = encode_batch(records, 4096);
  ASSERT_EQ(batch.messages.size(), 1U);
  const auto& message = batch.messages[0].message;
  ASSERT_TRUE(run_until(io, [&] {
    if (!platform_seen.messages.empty()) return true;
    (void)gateway->publish(message.topic, message.payload);
    run_for(io, 100ms);
    return !platform_seen.messages.empty();
  }));
  EXPECT_EQ(platform_seen.messages[0].first, "v1/gateway/telemetry");
  EXPECT_EQ(platform_seen.messages[0].second,
            R"({"Meter 1":[{"ts":1700000000000,"values":{"voltage":230.1}}],)"
            R"("Meter 2":[{"ts":1700000000001,"values":{"energy":12345}}]})");
}

TEST_P(MqttClientTest, RpcPublishedByThePlatformReachesTheMessageCallback) {
  auto gateway = make_client(io, options_for(broker, GetParam()));
  auto platform = make_client(io, options_for(broker, GetParam()));
  ASSERT_TRUE(gateway && platform);
  Observer gateway_seen;
  gateway_seen.watch(*gateway);
  ASSERT_TRUE(gateway->subscribe(topic::gateway_rpc));
  gateway->start();
  platform->start();
  ASSERT_TRUE(run_until(io, [&] { return gateway->connected() && platform->connected(); }));
  const std::string rpc = R"({"device":"Meter 1","data":{"id":7,"method":"getTime","params":{}}})";
  ASSERT_TRUE(run_until(io, [&] {
    if (!gateway_seen.messages.empty()) return true;
    (void)platform->publish(topic::gateway_rpc, rpc);
    run_for(io, 100ms);
    return !gateway_seen.messages.empty();
  }));
  EXPECT_EQ(gateway_seen.messages[0].first, "v1/gateway/rpc");
  EXPECT_EQ(gateway_seen.messages[0].second, rpc);
}

// A token refused at CONNACK (rotated, device recreated) is retried slowly, never in a storm, and
// the client connects by itself once the broker accepts it (issue 15, item 2).
TEST_P(MqttClientTest, ARefusedTokenIsRetriedSlowlyUntilTheBrokerAcceptsIt) {
  auto options = options_for(broker, GetParam());
  options.username = "rotated-token";
  options.credentials_source = "thingsboard.security.accessToken in tb_gateway.yaml";
  options.refused_reconnect_min = 300ms;
  options.refused_reconnect_max = 600ms;
  auto client = make_client(io, options);
  ASSERT_TRUE(client);
  Observer seen;
  seen.watch(*client);
  client->start();
  ASSERT_TRUE(run_until(io, [&] { return !seen.refused.empty(); })) << broker.log();
  ASSERT_TRUE(run_until(io, [&] { return client->connection_attempts() >= 3; })) << broker.log();
  // With the 50 ms backoff of other failures a storm would show dozens of attempts by now.
  run_for(io, 1s);
  EXPECT_LE(client->connection_attempts(), 8U);
  EXPECT_EQ(seen.refused.size(), 1U) << "reported once per series of refusals";
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(seen.connects, 0);
  ASSERT_TRUE(client->refusal());
  const auto& error = seen.refused[0];
  EXPECT_EQ(error.code, ErrorCode::rejected);
  EXPECT_NE(error.message.find("refused the connection"), std::string::npos) << error.message;
  EXPECT_NE(error.message.find("thingsboard.security.accessToken in tb_gateway.yaml"),
            std::string::npos)
      << error.message;

  broker.add_user("rotated-token", broker.password());
  ASSERT_TRUE(broker.restart()) << broker.log();
  ASSERT_TRUE(run_until(io, [&] { return client->connected(); })) << broker.log();
  EXPECT_FALSE(client->refusal());
  auto mid = client->publish("v1/gateway/telemetry", R"({"Meter 1":[]})");
  ASSERT_TRUE(mid);
  ASSERT_TRUE(run_until(io, [&] { return seen.outcomes.count(*mid) == 1; }));
  EXPECT_TRUE(seen.outcomes[*mid]);
}

TEST_P(MqttClientTest, ReconnectsAfterTheBrokerRestartsAndPublishesAgain) {
  auto client = make_client(io, options_for(broker, GetParam()));
  ASSERT_TRUE(client);
  Observer seen;
  seen.watch(*client);
  client->start();
  ASSERT_TRUE(run_until(io, [&] { return client->connected(); }));
  auto first = client->publish("v1/gateway/telemetry", R"({"Meter 1":[]})");
  ASSERT_TRUE(first);
  ASSERT_TRUE(run_until(io, [&] { return seen.outcomes.count(*first) == 1; }));

  broker.stop();
  ASSERT_TRUE(run_until(io, [&] { return !client->connected(); }));
  EXPECT_EQ(seen.disconnects, 1);
  EXPECT_FALSE(client->publish("v1/gateway/telemetry", "{}"));
  run_for(io, 600ms);  // a few failed attempts against the closed port
  const auto attempts_while_down = client->connection_attempts();
  EXPECT_GE(attempts_while_down, 2U);
  // Backoff: with 50 ms doubling to a 500 ms ceiling, 600 ms allow only a handful of attempts.
  EXPECT_LE(attempts_while_down, 8U);

  ASSERT_TRUE(broker.start()) << broker.log();
  ASSERT_TRUE(run_until(io, [&] { return client->connected(); })) << broker.log();
  EXPECT_EQ(seen.connects, 2);
  auto second = client->publish("v1/gateway/telemetry", R"({"Meter 1":[]})");
  ASSERT_TRUE(second) << second.error().message;
  ASSERT_TRUE(run_until(io, [&] { return seen.outcomes.count(*second) == 1; }));
  EXPECT_TRUE(seen.outcomes[*second]);
}

TEST_P(MqttClientTest, ClientDestroyedWhileConnectedLeavesNoDanglingHandlers) {
  int callbacks_after_destruction = 0;
  bool destroyed = false;
  {
    auto client = make_client(io, options_for(broker, GetParam()));
    ASSERT_TRUE(client);
    const auto count_if_dead = [&] { callbacks_after_destruction += destroyed ? 1 : 0; };
    client->on_publish([&](int, const Expected<void>&) { count_if_dead(); });
    client->on_connection([&](bool) { count_if_dead(); });
    client->start();
    ASSERT_TRUE(run_until(io, [&] { return client->connected(); }));
    (void)client->publish("a/b", "x");  // its PUBACK arrives after the client is gone
  }
  destroyed = true;
  // Queued handlers of the dead client must neither call back nor touch freed memory (ASan).
  run_for(io, 200ms);
  EXPECT_EQ(callbacks_after_destruction, 0);
}

INSTANTIATE_TEST_SUITE_P(Versions, MqttClientTest,
                         ::testing::Values(MqttVersion::v311, MqttVersion::v5),
                         [](const auto& param_info) {
                           return param_info.param == MqttVersion::v5 ? "Mqtt5" : "Mqtt311";
                         });

TEST(MqttClientTls, ConnectsAndPublishesOverTlsWithTheRightCa) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::tls);
  asio::io_context io;
  auto options = options_for(broker, MqttVersion::v311);
  options.tls = MqttTls{broker.ca_file(), "", ""};
  auto client = make_client(io, options);
  ASSERT_TRUE(client);
  Observer seen;
  seen.watch(*client);
  client->start();
  ASSERT_TRUE(run_until(io, [&] { return client->connected(); })) << broker.log();
  auto mid = client->publish("v1/gateway/telemetry", R"({"Meter 1":[]})");
  ASSERT_TRUE(mid);
  ASSERT_TRUE(run_until(io, [&] { return seen.outcomes.count(*mid) == 1; }));
  EXPECT_TRUE(seen.outcomes[*mid]);
}

TEST(MqttClientTls, AnUntrustedServerCertificateNeverFallsBackToPlainMqtt) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::tls);
  asio::io_context io;
  auto options = options_for(broker, MqttVersion::v311);
  options.tls = MqttTls{broker.other_ca_file(), "", ""};
  options.connect_timeout = 2s;
  auto client = make_client(io, options);
  ASSERT_TRUE(client);
  client->start();
  EXPECT_TRUE(run_until(io, [&] { return client->connection_attempts() >= 2; })) << broker.log();
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(broker.log_count("Sending CONNACK"), 0U) << broker.log();
}

TEST(MqttClientConnect, ABrokerThatNeverAnswersTimesOutAndIsRetried) {
  // A listening socket nobody accepts on: the kernel completes TCP handshakes, no CONNACK ever
  // comes.
  asio::io_context io;
  asio::ip::tcp::acceptor silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  MqttOptions options;
  options.port = silent.local_endpoint().port();
  options.username = "token";
  options.connect_timeout = 200ms;
  options.reconnect_min = 50ms;
  options.reconnect_max = 100ms;
  auto client = make_client(io, options);
  ASSERT_TRUE(client);
  client->start();
  EXPECT_TRUE(run_until(io, [&] { return client->connection_attempts() >= 3; }));
  EXPECT_FALSE(client->connected());
  EXPECT_FALSE(client->refusal());
  client->stop();
  const auto attempts = client->connection_attempts();
  run_for(io, 500ms);
  EXPECT_EQ(client->connection_attempts(), attempts) << "stop() ends the retries";
}

TEST(MqttClientOptions, BadOptionsAreErrors) {
  asio::io_context io;
  MqttOptions options;
  options.host = "";
  EXPECT_FALSE(MqttClient::create(io, options));
  options.host = "127.0.0.1";
  options.keepalive = 1s;
  EXPECT_FALSE(MqttClient::create(io, options));
  options.keepalive = 60s;
  options.tls = MqttTls{"/nonexistent/ca.pem", "", ""};
  auto tls = MqttClient::create(io, options);
  ASSERT_FALSE(tls);
  EXPECT_NE(tls.error().message.find(
                "TLS file '/nonexistent/ca.pem' (thingsboard.security.caCert) cannot be read"),
            std::string::npos)
      << tls.error().message;
  options.tls = MqttTls{"/etc/hostname", "/etc/hostname", ""};
  EXPECT_FALSE(MqttClient::create(io, options));
  options.tls.reset();
  auto client = MqttClient::create(io, options);
  ASSERT_TRUE(client);
  EXPECT_FALSE((*client)->subscribe("a/#/b"));
}

// Mutual TLS: the broker demands a client certificate signed by its CA (require_certificate).
TEST(MqttClientTls, MutualTlsConnectsWithTheClientCertificate) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::mutual_tls);
  asio::io_context io;
  auto options = options_for(broker, MqttVersion::v5);
  options.tls = MqttTls{broker.ca_file(), broker.client_cert_file(), broker.client_key_file()};
  auto client = make_client(io, options);
  ASSERT_TRUE(client);
  Observer seen;
  seen.watch(*client);
  client->start();
  ASSERT_TRUE(run_until(io, [&] { return client->connected(); })) << broker.log();
  auto mid = client->publish("v1/gateway/telemetry", R"({"Meter 1":[]})");
  ASSERT_TRUE(mid);
  ASSERT_TRUE(run_until(io, [&] { return seen.outcomes.count(*mid) == 1; }));
  EXPECT_TRUE(seen.outcomes[*mid]);
  EXPECT_FALSE(client->last_connection_error());
}

TEST(MqttClientTls, MutualTlsWithoutOrWithAForeignClientCertificateFailsAndNeverGoesPlain) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::mutual_tls);
  for (const bool foreign : {false, true}) {
    SCOPED_TRACE(foreign ? "certificate of another CA" : "no client certificate");
    asio::io_context io;
    auto options = options_for(broker, MqttVersion::v311);
    options.tls =
        foreign ? MqttTls{broker.ca_file(), broker.foreign_cert_file(), broker.foreign_key_file()}
                : MqttTls{broker.ca_file(), "", ""};
    options.connect_timeout = 2s;
    auto client = make_client(io, options);
    ASSERT_TRUE(client);
    client->start();
    EXPECT_TRUE(run_until(io, [&] {
      return client->connection_attempts() >= 2 && client->last_connection_error();
    })) << broker.log();
    EXPECT_FALSE(client->connected());
    ASSERT_TRUE(client->last_connection_error());
    const auto& message = client->last_connection_error()->message;
    EXPECT_NE(message.find("TLS"), std::string::npos) << message;
    EXPECT_NE(message.find(broker.ca_file()), std::string::npos) << message;
    client->stop();
  }
  // The broker never accepted an MQTT session, and never saw plain MQTT on its TLS port.
  EXPECT_EQ(broker.log_count("Sending CONNACK"), 0U) << broker.log();
  EXPECT_EQ(broker.log_count("New client connected"), 0U) << broker.log();
}

TEST(MqttClientPuback, OnlyRefusalsThatCanNeverPassArePermanent) {
  EXPECT_TRUE(is_permanent_refusal(0x87));   // not authorized
  EXPECT_TRUE(is_permanent_refusal(0x90));   // topic name invalid
  EXPECT_TRUE(is_permanent_refusal(0x99));   // payload format invalid
  EXPECT_FALSE(is_permanent_refusal(0x97));  // quota exceeded: later it may pass
  EXPECT_FALSE(is_permanent_refusal(0x89));  // server busy
  EXPECT_FALSE(is_permanent_refusal(0x80));  // unspecified error
  EXPECT_FALSE(is_permanent_refusal(0x00));
}

}  // namespace
}  // namespace dlmsgw::gateway
