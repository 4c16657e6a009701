// `dlmsgw run`'s health and metrics endpoint end to end: real mosquitto, a real `dlmsgw simulate`
// meter, the real gateway. /health is 200 while ThingsBoard's broker is reachable and 503 with the
// reason once it is stopped; /metrics is valid Prometheus text whose per-meter read counter grows;
// POST /trace switches a meter's frame log on and off. The gateway runs as under systemd
// (JOURNAL_STREAM set), so its log lines carry "<N>" priorities and no timestamps, and with
// logging.levels making one component quieter than the rest.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "gateway/storage/temp_directory.hpp"
#include "support/dlmsgw_binary.hpp"
#include "support/gateway_process.hpp"
#include "support/http_chunked.hpp"
#include "support/mosquitto_broker.hpp"
#include "support/simulator_process.hpp"

namespace dlmsgw {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using json = nlohmann::json;

using test::kBinary;

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string body;
};

// One request over a fresh connection (the endpoint closes after each answer).
HttpAnswer http(std::uint16_t port, const std::string& method, const std::string& target,
                const std::string& extra_headers = "") {
  HttpAnswer answer;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return answer;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return answer;
  }
  const std::string request = method + " " + target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                              extra_headers + "\r\n";
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return answer;
  }
  std::string response;
  char buffer[8192];
  for (;;) {
    const auto got = ::recv(fd, buffer, sizeof buffer, 0);
    if (got <= 0) break;
    response.append(buffer, static_cast<std::size_t>(got));
  }
  ::close(fd);
  const auto head_end = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.1 ", 0) != 0 || head_end == std::string::npos) return answer;
  answer.body = response.substr(head_end + 4);
  if (response.substr(0, head_end + 2).find("\r\nTransfer-Encoding: chunked\r\n") !=
      std::string::npos) {
    // /metrics: written as it is rendered. Cut short (no last chunk), it is no answer.
    auto chunked = test::dechunk(answer.body);
    if (!chunked.complete) return HttpAnswer{};
    answer.body = std::move(chunked.body);
  }
  answer.status = std::atoi(response.c_str() + 9);
  return answer;
}

// Polls every 100 ms until `done` or the limit.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// The value of the sample line that starts with `series` ("name{labels}"), or nullopt.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// Checks the exposition text: every line a HELP, a TYPE or a sample; every sample's family has
// a TYPE line before it (histograms own their _bucket, _sum and _count lines); values parse.
::testing::AssertionResult valid_exposition(const std::string& text) {
  static const std::regex sample_line(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? ([^ ]+)$)");
  std::map<std::string, std::string> types;
  std::istringstream lines(text);
  std::size_t samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# HELP ", 0) == 0) continue;
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream fields(line.substr(7));
      std::string name;
      std::string type;
      fields >> name >> type;
      types[name] = type;
      continue;
    }
    std::smatch match;
    if (!std::regex_match(line, match, sample_line)) {
      return ::testing::AssertionFailure() << "not a sample line: '" << line << "'";
    }
    std::string family = match[1];
    if (!types.contains(family)) {
      for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
        if (family.size() > suffix.size() && family.ends_with(suffix)) {
          const auto base = family.substr(0, family.size() - suffix.size());
          if (types.contains(base) && types[base] == "histogram") family = base;
        }
      }
    }
    if (!types.contains(family)) {
      return ::testing::AssertionFailure() << "sample without a # TYPE family: '" << line << "'";
    }
    const std::string value = match[5];
    if (value != "+Inf" && value != "-Inf" && value != "NaN") {
      char* end = nullptr;
      std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') {
        return ::testing::AssertionFailure() << "bad value in '" << line << "'";
      }
    }
    ++samples;
  }
  if (samples == 0) return ::testing::AssertionFailure() << "no samples";
  return ::testing::AssertionSuccess();
}

// JOURNAL_STREAM for the child only: GatewayProcess forks with our environment.
class JournalEnvironment {
 public:
  JournalEnvironment() { ::setenv("JOURNAL_STREAM", "8:123456", 1); }
  ~JournalEnvironment() { ::unsetenv("JOURNAL_STREAM"); }
  JournalEnvironment(const JournalEnvironment&) = delete;
  JournalEnvironment& operator=(const JournalEnvironment&) = delete;
};

TEST(HealthEndpoint, HealthMetricsAndTraceOfARunningGateway) {
  test::MosquittoBroker broker;
  test::SimulatorProcess meter(kBinary, {"--profile", "microstar"});
  ASSERT_TRUE(meter.ready());
  gateway::testing::TempDirectory dir;
  const json connector = {{"name", "DLMS"},
                          {"devices",
                           {{{"deviceName", "Meter A"},
                             {"pollPeriod", 300},
                             {"connection",
                              {{"type", "tcp"},
                               {"host", "127.0.0.1"},
                               {"port", meter.port()},
                               {"password", "22222222"}}},
                             {"timeseries", {{{"key", "voltage_l1"}, {"obis", "1-1:32.7.0"}}}}}}}};
  std::ofstream(dir.path() / "dlms.json") << connector.dump(2);
  std::ofstream(dir.path() / "trace-token") << "s3cret-trace-token\n";
  std::filesystem::permissions(dir.path() / "trace-token", std::filesystem::perms::owner_read);
  std::ofstream(dir.path() / "tb_gateway.yaml")
      << "thingsboard:\n"
         "  host: 127.0.0.1\n"
         "  port: "
      << broker.port() << "\n  security: {username: " << broker.user()
      << ", password: " << broker.password()
      << "}\n"
         "  statistics: {enable: false}\n"
         "storage: {type: memory}\n"
         "connectors: [{name: DLMS, type: dlms, configuration: dlms.json}]\n"
         "health: {port: 0, traceTokenFile: trace-token}\n"
         "logging: {level: info, levels: {connector: warn}}\n";

  std::unique_ptr<test::GatewayProcess> gateway;
  {
    JournalEnvironment journal;
    gateway = std::make_unique<test::GatewayProcess>(
        kBinary, std::vector<std::string>{"run", "-c", dir.path().string()},
        dir.path() / "dlmsgw.log");
  }
  // Port 0: the system chose one, and the log says which.
  std::uint16_t port = 0;
  const std::regex announced(R"(health endpoint on http://127\.0\.0\.1:([0-9]+))");
  ASSERT_TRUE(eventually([&] {
    std::smatch match;
    const auto log = gateway->log();
    if (!std::regex_search(log, match, announced)) return false;
    port = static_cast<std::uint16_t>(std::stoi(match[1]));
    return true;
  })) << gateway->log();
  ASSERT_NE(port, 0);

  // Connected to the broker and storage in memory: healthy.
  HttpAnswer health;
  ASSERT_TRUE(eventually([&] {
    health = http(port, "GET", "/health");
    return health.status == 200;
  })) << health.status
      << " " << health.body << "\n"
      << gateway->log();
  EXPECT_EQ(health.body, "ok\n");

  // The meter's good reads are counted and keep growing.
  const std::string address = "127.0.0.1:" + std::to_string(meter.port());
  const std::string reads_ok =
      "dlmsgw_meter_reads_total{meter=\"Meter A\",address=\"" + address + "\",outcome=\"ok\"}";
  std::string metrics;
  double first = 0;
  ASSERT_TRUE(eventually([&] {
    metrics = http(port, "GET", "/metrics").body;
    first = sample(metrics, reads_ok).value_or(0);
    return first > 0;
  })) << metrics;
  ASSERT_TRUE(eventually([&] {
    metrics = http(port, "GET", "/metrics").body;
    return sample(metrics, reads_ok).value_or(0) > first;
  })) << metrics;
  EXPECT_TRUE(valid_exposition(metrics)) << metrics;
  EXPECT_EQ(sample(metrics, "dlmsgw_uplink_connected"), 1.0) << metrics;
  EXPECT_EQ(
      sample(metrics, "dlmsgw_meter_connected{meter=\"Meter A\",address=\"" + address + "\"}"),
      1.0);
  EXPECT_TRUE(sample(metrics,
                     "dlmsgw_meter_read_duration_seconds_count{meter=\"Meter A\","
                     "address=\"" +
                         address + "\"}")
                  .value_or(0) > 0)
      << metrics;
  EXPECT_TRUE(sample(metrics,
                     "dlmsgw_meter_last_good_read_age_seconds{meter=\"Meter A\","
                     "address=\"" +
                         address + "\"}")
                  .has_value());
  for (const char* name :
       {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
        "dlmsgw_uplink_queue_records", "dlmsgw_dead_letter_records",
        "dlmsgw_uplink_records_sent_total", "dlmsgw_uplink_puback_latency_seconds_count",
        "dlmsgw_uplink_records_dead_lettered_total"}) {
    EXPECT_TRUE(sample(metrics, name).has_value()) << name << " missing:\n" << metrics;
  }
  EXPECT_NE(metrics.find("dlmsgw_uplink_records_dropped_total{reason=\"storage_limit\"} 0"),
            std::string::npos);
  // Dead letters are kept, not dropped: counted as dead letters only, as in the statistics.
  EXPECT_EQ(metrics.find("dlmsgw_uplink_records_dropped_total{reason=\"refused\"}"),
            std::string::npos);

  // Frame trace on and off over HTTP, without a restart, with the token of traceTokenFile only
  // (issue 20 item 7: any local user, or a web page, could switch it).
  const std::string frames = "dlms: meter 'Meter A' " + address + ": -> 7E";
  const std::string bearer = "Authorization: Bearer s3cret-trace-token\r\n";
  const auto refused = http(port, "POST", "/trace?meter=Meter+A&enabled=1");
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(http(port, "POST", "/trace?meter=Meter+A&enabled=1",
                 "Authorization: Bearer s3cret-trace-tokeX\r\n")
                .status,
            401);
  EXPECT_EQ(http(port, "POST", "/trace?meter=Meter+A&enabled=1", bearer).status, 200);
  ASSERT_TRUE(eventually([&] { return gateway->logged(frames); })) << gateway->log();
  auto off = http(port, "POST", "/trace?meter=Meter%20A&enabled=0", bearer);
  EXPECT_EQ(off.status, 200);
  EXPECT_EQ(off.body, "frame trace off for meter 'Meter A'\n");
  // Off means off: two more good reads later, no frame was traced after the answer.
  const auto traced = [&] {
    const auto log = gateway->log();
    std::size_t count = 0;
    for (auto at = log.find(frames); at != std::string::npos; at = log.find(frames, at + 1)) {
      ++count;
    }
    return count;
  };
  const auto traced_when_off = traced();
  const double reads_when_off = sample(http(port, "GET", "/metrics").body, reads_ok).value_or(0);
  ASSERT_TRUE(eventually([&] {
    return sample(http(port, "GET", "/metrics").body, reads_ok).value_or(0) >= reads_when_off + 2;
  }));
  EXPECT_EQ(traced(), traced_when_off) << gateway->log();
  EXPECT_EQ(http(port, "POST", "/trace?meter=Nobody&enabled=1", bearer).status, 404);
  EXPECT_EQ(http(port, "GET", "/trace?meter=Meter+A&enabled=1").status, 405);
  EXPECT_EQ(http(port, "POST", "/trace?meter=Meter+A&enabled=maybe", bearer).status, 400);

  // The broker goes away: unhealthy, and the body says why.
  broker.stop();
  ASSERT_TRUE(eventually([&] {
    health = http(port, "GET", "/health");
    return health.status == 503;
  })) << health.status
      << " " << health.body;
  EXPECT_NE(health.body.find("uplink: not connected to ThingsBoard at 127.0.0.1:" +
                             std::to_string(broker.port())),
            std::string::npos)
      << health.body;
  EXPECT_EQ(sample(http(port, "GET", "/metrics").body, "dlmsgw_uplink_connected"), 0.0);

  ASSERT_TRUE(gateway->signal(SIGTERM));
  ASSERT_TRUE(eventually([&] { return gateway->exit_status().has_value(); }, 30s));
  EXPECT_EQ(gateway->exit_status(), 0) << gateway->log();

  // journald style: priorities, component names, no timestamps or colours; "connector" at warn
  // hides its info lines (the association), while "dlms" traced at info.
  const auto log = gateway->log();
  EXPECT_NE(log.find("<6>dlmsgw: health endpoint on http://127.0.0.1:"), std::string::npos) << log;
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << "colour codes in:\n" << log;
  EXPECT_FALSE(std::regex_search(log, std::regex(R"(^\d{4}-\d\d-\d\d )", std::regex::multiline)))
      << log;
  EXPECT_EQ(log.find("associated"), std::string::npos) << log;
  EXPECT_NE(log.find("<6>dlms: meter 'Meter A' " + address + ": <- 7E"), std::string::npos);
}

// A token the broker refuses (issue 15, item 2): the process stays up, /health says why, and the
// uplink is not switched off (the in-process test RefusedCredentials sees it deliver once
// accepted).
TEST(HealthEndpoint, ARefusedTokenIsUnhealthyWithTheReasonWhileTheGatewayKeepsRunning) {
  test::MosquittoBroker broker;
  gateway::testing::TempDirectory dir;
  std::ofstream(dir.path() / "tb_gateway.yaml")
      << "thingsboard: {host: 127.0.0.1, port: " << broker.port()
      << ", security: {username: rotated-token, password: " << broker.password()
      << "}}\nstorage: {type: memory}\nhealth: {port: 0}\n";
  test::GatewayProcess gateway(kBinary, {"run", "-c", dir.path().string()},
                               dir.path() / "dlmsgw.log");
  std::uint16_t port = 0;
  const std::regex announced(R"(health endpoint on http://127\.0\.0\.1:([0-9]+))");
  ASSERT_TRUE(eventually([&] {
    std::smatch match;
    const auto log = gateway.log();
    if (!std::regex_search(log, match, announced)) return false;
    port = static_cast<std::uint16_t>(std::stoi(match[1]));
    return true;
  })) << gateway.log();
  HttpAnswer health;
  ASSERT_TRUE(eventually([&] {
    health = http(port, "GET", "/health");
    return health.body.find("refused the connection") != std::string::npos;
  })) << health.status
      << " " << health.body << "\n"
      << gateway.log();
  EXPECT_EQ(health.status, 503);
  EXPECT_NE(health.body.find("thingsboard.security.username/password"), std::string::npos)
      << health.body;
  EXPECT_NE(health.body.find("retrying"), std::string::npos) << health.body;
  // No health.traceTokenFile: POST /trace is off, whoever asks.
  const auto trace = http(port, "POST", "/trace?meter=Meter+A&enabled=1");
  EXPECT_EQ(trace.status, 403) << trace.body;
  EXPECT_NE(trace.body.find("health.traceTokenFile"), std::string::npos) << trace.body;
  EXPECT_TRUE(gateway.running());
  ASSERT_TRUE(gateway.signal(SIGTERM));
  ASSERT_TRUE(eventually([&] { return gateway.exit_status().has_value(); }, 30s));
  EXPECT_EQ(gateway.exit_status(), 0) << gateway.log();
}

TEST(HealthEndpoint, TurnedOffServesNothingAndBadPortIsAConfigError) {
  test::MosquittoBroker broker;
  gateway::testing::TempDirectory dir;
  const auto write = [&](const std::string& health) {
    std::ofstream(dir.path() / "tb_gateway.yaml")
        << "thingsboard: {host: 127.0.0.1, port: " << broker.port()
        << ", security: {username: " << broker.user() << ", password: " << broker.password()
        << "}}\nstorage: {type: memory}\nhealth: " << health << "\n";
  };
  write("{port: 70000}");
  {
    test::GatewayProcess bad(kBinary, {"run", "-c", dir.path().string()}, dir.path() / "bad.log");
    ASSERT_TRUE(eventually([&] { return bad.exit_status().has_value(); }));
    EXPECT_EQ(bad.exit_status(), 2);
    EXPECT_TRUE(bad.logged("tb_gateway.yaml:3: health.port: '70000' is not a port number"))
        << bad.log();
  }
  write("{enabled: false}");
  test::GatewayProcess off(kBinary, {"run", "-c", dir.path().string(), "--log-level", "debug"},
                           dir.path() / "off.log");
  ASSERT_TRUE(eventually([&] { return off.logged("health endpoint off"); })) << off.log();
  EXPECT_TRUE(off.signal(SIGTERM));
  ASSERT_TRUE(eventually([&] { return off.exit_status().has_value(); }, 30s));
  EXPECT_EQ(off.exit_status(), 0) << off.log();
}

}  // namespace
}  // namespace dlmsgw
