// thingsboard.security.type decides TLS (issue 15, item 1): every TLS type speaks TLS, verified
// against caCert or else the system trust store, with host name verification; plain MQTT only for
// the plain types. From the configuration text through to_gateway_options to a real MqttClient,
// against a raw socket (to see the first bytes on the wire) and a real TLS-only mosquitto.

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <string>

#include "gateway/config/gateway_config.hpp"
#include "gateway/uplink/mqtt_client.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/run_until.hpp"

namespace dlmsgw::gateway {
namespace {

using namespace std::chrono_literals;
using test::run_until;

const std::string kToken = "secret-token-never-in-clear";

// tb_gateway.yaml with `security` as the flow mapping's inner text.
GatewayOptions options_from(const std::string& host, std::uint16_t port,
                            const std::string& security) {
  const std::string text = "thingsboard:\n  host: " + host + "\n  port: " + std::to_string(port) +
                           "\n  security: {" + security + "}\nstorage: {type: memory}\n";
  auto config = parse_gateway_config(text, "tb_gateway.yaml");
  EXPECT_TRUE(config) << config.error().message;
  auto options = to_gateway_options(*config);
  options.mqtt.connect_timeout = 2s;
  options.mqtt.reconnect_min = 100ms;
  options.mqtt.reconnect_max = 300ms;
  return options;
}

// The first bytes a client configured by `security` sends to a listening socket.
std::string first_bytes_sent(const std::string& security) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  auto options = options_from("127.0.0.1", acceptor.local_endpoint().port(), security);
  auto client = MqttClient::create(io, options.mqtt);
  EXPECT_TRUE(client) << client.error().message;
  if (!client) return {};
  std::string received(256, '\0');
  std::size_t length = 0;
  bool done = false;
  asio::ip::tcp::socket peer(io);
  acceptor.async_accept(peer, [&](std::error_code ec) {
    if (ec) return;
    peer.async_read_some(asio::buffer(received), [&](std::error_code, std::size_t n) {
      length = n;
      done = true;
    });
  });
  (*client)->start();
  EXPECT_TRUE(run_until(io, [&] { return done; }));
  (*client)->stop();
  return received.substr(0, length);
}

constexpr char kTlsHandshakeRecord = 0x16;
constexpr char kMqttConnect = 0x10;

TEST(SecurityTypeTls, TlsAccessTokenWithoutCaCertSpeaksTlsAndNeverSendsTheTokenInClear) {
  const auto bytes = first_bytes_sent("type: tlsAccessToken, accessToken: " + kToken);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes[0], kTlsHandshakeRecord) << "the first byte is not a TLS handshake";
  EXPECT_EQ(bytes.find(kToken), std::string::npos) << "the token went out in clear";
}

TEST(SecurityTypeTls, TlsPrivateKeyWithoutCaCertSpeaksTls) {
  test::MosquittoBroker certificates(test::MosquittoBroker::Transport::mutual_tls);
  const auto bytes = first_bytes_sent("type: tlsPrivateKey, accessToken: " + kToken +
                                      ", cert: " + certificates.client_cert_file() +
                                      ", privateKey: " + certificates.client_key_file());
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes[0], kTlsHandshakeRecord);
}

TEST(SecurityTypeTls, AccessTokenTypeIsPlainMqtt) {
  const auto bytes = first_bytes_sent("type: accessToken, accessToken: " + kToken);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes[0], kMqttConnect);
}

TEST(SecurityTypeTls, TlsPrivateKeyWithoutTheCertificateIsRefusedNamingTheKeys) {
  auto config = parse_gateway_config(
      "thingsboard:\n  host: h\n  security: {type: tlsPrivateKey, accessToken: t}\n",
      "tb_gateway.yaml");
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("cert and privateKey"), std::string::npos)
      << config.error().message;
}

// The test CA is in no system trust store: verification must fail, and say what to set.
TEST(SecurityTypeTls, WithoutCaCertTheSystemTrustStoreRefusesTheTestCaAndTheErrorNamesCaCert) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::tls);
  asio::io_context io;
  auto options = options_from("127.0.0.1", broker.port(),
                              "type: tlsAccessToken, accessToken: " + broker.user());
  ASSERT_TRUE(options.mqtt.tls);
  options.mqtt.password = broker.password();
  auto client = MqttClient::create(io, options.mqtt);
  ASSERT_TRUE(client) << client.error().message;
  (*client)->start();
  ASSERT_TRUE(run_until(io, [&] {
    return (*client)->connection_attempts() >= 2 && (*client)->last_connection_error();
  })) << broker.log();
  EXPECT_FALSE((*client)->connected());
  const auto& message = (*client)->last_connection_error()->message;
  EXPECT_NE(message.find("system trust store /etc/ssl/certs"), std::string::npos) << message;
  EXPECT_NE(message.find("thingsboard.security.caCert"), std::string::npos) << message;
  (*client)->stop();
  EXPECT_EQ(broker.log_count("Sending CONNACK"), 0U) << broker.log();
  EXPECT_EQ(broker.log_count("New client connected"), 0U) << broker.log();
  EXPECT_EQ(broker.log_count("Received CONNECT"), 0U) << broker.log();
}

TEST(SecurityTypeTls, WithCaCertItConnects) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::tls);
  asio::io_context io;
  auto options = options_from(
      "127.0.0.1", broker.port(),
      "type: tlsAccessToken, accessToken: " + broker.user() + ", caCert: " + broker.ca_file());
  options.mqtt.password = broker.password();
  auto client = MqttClient::create(io, options.mqtt);
  ASSERT_TRUE(client) << client.error().message;
  (*client)->start();
  EXPECT_TRUE(run_until(io, [&] { return (*client)->connected(); })) << broker.log();
}

// The certificate names 127.0.0.1 only; "localhost" reaches the same broker but is not its name.
TEST(SecurityTypeTls, AHostNameTheCertificateDoesNotNameIsRefused) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::tls);
  asio::io_context io;
  auto options = options_from(
      "localhost", broker.port(),
      "type: tlsAccessToken, accessToken: " + broker.user() + ", caCert: " + broker.ca_file());
  options.mqtt.password = broker.password();
  auto client = MqttClient::create(io, options.mqtt);
  ASSERT_TRUE(client) << client.error().message;
  (*client)->start();
  ASSERT_TRUE(run_until(io, [&] {
    return (*client)->connection_attempts() >= 2 && (*client)->last_connection_error();
  })) << broker.log();
  EXPECT_FALSE((*client)->connected());
  const auto& message = (*client)->last_connection_error()->message;
  EXPECT_NE(message.find("'localhost'"), std::string::npos) << message;
  (*client)->stop();
  EXPECT_EQ(broker.log_count("Sending CONNACK"), 0U) << broker.log();
}

}  // namespace
}  // namespace dlmsgw::gateway
