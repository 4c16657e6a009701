// `dlmsgw run` with thingsboard.security.type: tlsAccessToken and no caCert, against a TLS-only
// mosquitto whose test CA is in no system trust store (issue 15, item 1): the gateway speaks TLS,
// verification against /etc/ssl/certs fails, and it never sends its CONNECT (the token) at all,
// let alone in clear; its log says why and names caCert. With caCert it connects.

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/gateway_process.hpp"
#include "support/mosquitto_broker.hpp"

namespace dlmsgw {
namespace {

using namespace std::chrono_literals;

using test::kBinary;

bool tls_eventually(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

void write_gateway(const gateway::testing::TempDirectory& dir, const test::MosquittoBroker& broker,
                   const std::string& extra_security) {
  std::ofstream(dir.path() / "tb_gateway.yaml")
      << "thingsboard: {host: 127.0.0.1, port: "
      << broker.port()
      // The test broker wants a password with the token's user name (see MosquittoBroker).
      << ", security: {type: tlsAccessToken, username: " << broker.user()
      << ", password: " << broker.password() << extra_security
      << "}}\nstorage: {type: memory}\nhealth: {enabled: false}\n";
}

TEST(UplinkTls, TlsAccessTokenWithoutCaCertNeverSendsConnectAndNamesCaCert) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::tls);
  gateway::testing::TempDirectory dir;
  write_gateway(dir, broker, "");
  test::GatewayProcess gateway(kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "dlmsgw.log");
  ASSERT_TRUE(tls_eventually([&] {
    return gateway.logged("system trust store /etc/ssl/certs") &&
           gateway.logged("set thingsboard.security.caCert");
  })) << gateway.log();
  // Our client refuses the broker's certificate ("unknown ca"), attempt after attempt (the first
  // one logs it twice).
  ASSERT_TRUE(tls_eventually([&] { return broker.log_count("alert unknown ca") >= 3; }))
      << broker.log();
  EXPECT_TRUE(gateway.running());
  EXPECT_TRUE(
      gateway.logged("over TLS, server certificate verified against the system trust "
                     "store /etc/ssl/certs"))
      << gateway.log();
  // mosquitto logs "New client connected ... u'<user>'" once it has read a CONNECT.
  EXPECT_EQ(broker.log_count("New client connected"), 0U) << broker.log();
  EXPECT_EQ(broker.log_count(broker.user()), 0U) << broker.log();
  EXPECT_EQ(broker.log_count("Sending CONNACK"), 0U) << broker.log();
  ASSERT_TRUE(gateway.signal(SIGTERM));
  ASSERT_TRUE(tls_eventually([&] { return gateway.exit_status().has_value(); }, 30s));
  EXPECT_EQ(gateway.exit_status(), 0) << gateway.log();
}

TEST(UplinkTls, TlsAccessTokenWithCaCertConnects) {
  test::MosquittoBroker broker(test::MosquittoBroker::Transport::tls);
  gateway::testing::TempDirectory dir;
  write_gateway(dir, broker, ", caCert: " + broker.ca_file());
  test::GatewayProcess gateway(kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "dlmsgw.log");
  ASSERT_TRUE(tls_eventually([&] { return broker.log_count("New client connected") >= 1; }))
      << broker.log() << "\n"
      << gateway.log();
  ASSERT_TRUE(gateway.signal(SIGTERM));
  ASSERT_TRUE(tls_eventually([&] { return gateway.exit_status().has_value(); }, 30s));
  EXPECT_EQ(gateway.exit_status(), 0) << gateway.log();
}

}  // namespace
}  // namespace dlmsgw
