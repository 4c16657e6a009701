// HttpEndpoint over real loopback sockets, clients and server on one io_context: no mocks.
#include "observability/http_endpoint.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <optional>
#include <regex>
#include <sstream>

#include "observability/process_metrics.hpp"

namespace dlmsgw::observability {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;
constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);

// Runs the io_context until `done()` holds, failing the test after 20 s rather than hanging CI.
template <class Predicate>
void run_until(asio::io_context& io, Predicate done) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "condition not reached within 20 s";
      return;
    }
    io.restart();
    io.run_one_for(100ms);
  }
}

void run_for(asio::io_context& io, std::chrono::milliseconds duration) {
  io.restart();
  io.run_for(duration);
}

struct Exchange {
  std::string response;  // everything received until the server closed
  bool done = false;
};

// Connects, sends `request` (possibly nothing), and reads until the server closes.
asio::awaitable<void> exchange(std::uint16_t port, std::string request, Exchange& result) {
  tcp::socket socket(co_await asio::this_coro::executor);
  auto [connect_error] =
      co_await socket.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), token);
  if (!connect_error && !request.empty()) {
    co_await asio::async_write(socket, asio::buffer(request), token);
  }
  std::array<char, 4096> chunk{};
  while (!connect_error) {
    auto [error, count] = co_await socket.async_read_some(asio::buffer(chunk), token);
    if (error) break;
    result.response.append(chunk.data(), count);
  }
  result.done = true;
}

struct Fixture {
  asio::io_context io;
  MetricsRegistry registry;
  HealthState health;
  std::unique_ptr<HttpEndpoint> endpoint;

  explicit Fixture(HttpEndpointOptions options = {}) {
    auto started = HttpEndpoint::start(io.get_executor(), std::move(options), registry, health);
    if (!started) throw std::runtime_error(started.error().message);
    endpoint = std::move(*started);
  }
  ~Fixture() { endpoint.reset(); }

  std::string fetch(std::string request) {
    Exchange result;
    asio::co_spawn(io, exchange(endpoint->port(), std::move(request), result), asio::detached);
    run_until(io, [&] { return result.done; });
    return result.response;
  }
};

std::string body_of(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

TEST(HttpEndpoint, BindsToLoopbackOnAFreePort) {
  Fixture fixture;
  EXPECT_NE(fixture.endpoint->port(), 0);
  EXPECT_EQ(fixture.endpoint->listen_address(),
            "127.0.0.1:" + std::to_string(fixture.endpoint->port()));
}

TEST(HttpEndpoint, HealthIs200ThenIs503WithTheReason) {
  Fixture fixture;
  fixture.health.set_ok("uplink");
  fixture.health.set_ok("storage");
  EXPECT_EQ(fixture.fetch("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Length: 3\r\n"
            "Cache-Control: no-store\r\n"
            "Connection: close\r\n"
            "\r\n"
            "ok\n");
  fixture.health.set_failing("uplink", "broker 127.0.0.1:1883: connection refused");
  const auto response = fixture.fetch("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 503 Service Unavailable\r\n")) << response;
  EXPECT_EQ(body_of(response), "unhealthy\nuplink: broker 127.0.0.1:1883: connection refused\n");
  const auto json = fixture.fetch("GET /health HTTP/1.1\r\nAccept: application/json\r\n\r\n");
  EXPECT_NE(json.find("Content-Type: application/json\r\n"), std::string::npos) << json;
}

TEST(HttpEndpoint, MetricsBodyFollowsTheTextFormatGrammar) {
  Fixture fixture;
  ASSERT_TRUE(register_process_metrics(fixture.registry));
  auto reads =
      *fixture.registry.counter("dlmsgw_meter_reads_total", "Reads.", {"meter", "address"});
  reads.with({"kitchen", "127.0.0.1:3333"})->inc(3);
  reads.with({"odd \"name\"\\\n", "[::1]:4059"})->inc();
  auto latency = *fixture.registry.histogram("dlmsgw_meter_read_seconds", "Latency.", {"meter"});
  latency.with({"kitchen"})->observe(0.3);

  const auto response = fixture.fetch("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
  ASSERT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << response;
  EXPECT_NE(response.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  const auto body = body_of(response);
  EXPECT_NE(response.find("Content-Length: " + std::to_string(body.size()) + "\r\n"),
            std::string::npos);

  // https://prometheus.io/docs/instrumenting/exposition_formats/#text-format-details
  const std::string label = R"([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")";
  const std::regex sample("[a-zA-Z_:][a-zA-Z0-9_:]*(?:\\{" + label + "(?:," + label +
                          ")*\\})? (?:NaN|[+-]Inf|[-+]?[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)");
  const std::regex comment(
      "# (?:HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
      "(?:counter|gauge|histogram|summary|untyped))");
  std::istringstream lines(body);
  std::size_t samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
    } else {
      EXPECT_TRUE(std::regex_match(line, sample)) << line;
      ++samples;
    }
  }
  EXPECT_GT(samples, 20u);
  EXPECT_TRUE(body.ends_with("\n"));
  EXPECT_NE(body.find("dlmsgw_meter_reads_total{meter=\"kitchen\",address=\"127.0.0.1:3333\"} 3\n"),
            std::string::npos);
  EXPECT_NE(body.find("process_resident_memory_bytes "), std::string::npos);
}

TEST(HttpEndpoint, NotFoundMethodNotAllowedAndHead) {
  Fixture fixture;
  EXPECT_TRUE(
      fixture.fetch("GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404 Not Found\r\n"));
  const auto post = fixture.fetch("POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405 Method Not Allowed\r\n")) << post;
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
  const auto head = fixture.fetch("HEAD /health HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Content-Length: 3\r\n"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;  // no body
}

TEST(HttpEndpoint, MalformedRequestIs400) {
  Fixture fixture;
  const auto response = fixture.fetch("GET metrics HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400 Bad Request\r\n")) << response;
  EXPECT_EQ(body_of(response), "bad request: request target must be a path starting with '/'\n");
}

TEST(HttpEndpoint, OversizedRequestHeadIs400) {
  HttpEndpointOptions options;
  options.max_request_head = 8192;
  Fixture fixture(options);
  std::string request = "GET /metrics HTTP/1.1\r\n";
  while (request.size() < 9000) request += "X-Padding: " + std::string(100, 'a') + "\r\n";
  // Without the blank line: the server must not wait for it.
  const auto unterminated = fixture.fetch(request);
  EXPECT_TRUE(unterminated.starts_with("HTTP/1.1 400 Bad Request\r\n")) << unterminated;
  EXPECT_EQ(body_of(unterminated), "bad request: request head larger than 8192 bytes\n");
  // Complete, but too long.
  const auto complete = fixture.fetch(request + "\r\n");
  EXPECT_TRUE(complete.starts_with("HTTP/1.1 400 Bad Request\r\n")) << complete;
}

TEST(HttpEndpoint, SilentClientIsDroppedAfterTheReadDeadline) {
  HttpEndpointOptions options;
  options.read_timeout = 200ms;
  Fixture fixture(options);
  Exchange silent;
  asio::co_spawn(fixture.io, exchange(fixture.endpoint->port(), "", silent), asio::detached);
  run_until(fixture.io, [&] { return fixture.endpoint->active_connections() == 1; });
  run_until(fixture.io, [&] { return silent.done; });
  EXPECT_EQ(silent.response, "");  // closed without a response
  run_until(fixture.io, [&] { return fixture.endpoint->active_connections() == 0; });
  // A slow client sending a byte at a time is bounded by the same deadline for the whole head.
  Exchange trickle;
  bool trickling = true;
  asio::co_spawn(
      fixture.io,
      [&]() -> asio::awaitable<void> {
        tcp::socket socket(co_await asio::this_coro::executor);
        co_await socket.async_connect(
            tcp::endpoint(asio::ip::address_v4::loopback(), fixture.endpoint->port()), token);
        asio::steady_timer pause(co_await asio::this_coro::executor);
        for (int i = 0; trickling && i < 1000; ++i) {
          auto [error, count] = co_await asio::async_write(socket, asio::buffer("G", 1), token);
          if (error) break;
          pause.expires_after(20ms);
          co_await pause.async_wait(token);
        }
        trickle.done = true;
      },
      asio::detached);
  run_until(fixture.io, [&] { return trickle.done; });
  trickling = false;
  EXPECT_EQ(fixture.endpoint->active_connections(), 0u);
}

TEST(HttpEndpoint, ManyConcurrentClientsAreAllServed) {
  HttpEndpointOptions options;
  options.max_connections = 4;
  Fixture fixture(options);
  ASSERT_TRUE(fixture.registry.gauge("g", "G."));
  constexpr int clients = 64;
  std::vector<Exchange> results(clients);
  for (auto& result : results) {
    asio::co_spawn(fixture.io,
                   exchange(fixture.endpoint->port(), "GET /metrics HTTP/1.1\r\n\r\n", result),
                   asio::detached);
  }
  run_until(fixture.io, [&] {
    return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.done; });
  });
  for (const auto& result : results) {
    EXPECT_TRUE(result.response.starts_with("HTTP/1.1 200 OK\r\n")) << result.response;
    EXPECT_EQ(body_of(result.response), "# HELP g G.\n# TYPE g gauge\ng 0\n");
  }
}

TEST(HttpEndpoint, ANewClientClosesTheOldestConnectionWhenAllSlotsAreTaken) {
  HttpEndpointOptions options;
  options.max_connections = 2;
  options.read_timeout = 60s;  // the idle clients would hold their slots for the whole test
  Fixture fixture(options);
  asio::io_context& io = fixture.io;
  const tcp::endpoint server(asio::ip::address_v4::loopback(), fixture.endpoint->port());
  tcp::socket idle1(io), idle2(io);
  idle1.connect(server);
  run_until(io, [&] { return fixture.endpoint->active_connections() == 1; });
  idle2.connect(server);
  run_until(io, [&] { return fixture.endpoint->active_connections() == 2; });

  Exchange waiting;
  asio::co_spawn(io, exchange(fixture.endpoint->port(), "GET /health HTTP/1.1\r\n\r\n", waiting),
                 asio::detached);
  run_until(io, [&] { return waiting.done; });
  EXPECT_TRUE(waiting.response.starts_with("HTTP/1.1 200 OK\r\n")) << waiting.response;
  // The first idle client made room; the second still holds its slot.
  std::array<char, 16> byte{};
  std::error_code error;
  idle1.read_some(asio::buffer(byte), error);
  EXPECT_EQ(error, asio::error::eof);
  run_until(io, [&] { return fixture.endpoint->active_connections() == 1; });
}

// Issue 20 item 7: 200 clients sending a partial head a byte at a time and 1,000 idle ones, all
// from this machine, must not keep a health check waiting behind them (before: 16 slots held
// for the 5 s read deadline each, so a probe waited minutes in the listen backlog).
TEST(HttpEndpoint, HealthStaysAnswerableUnderSlowAndIdleConnectionFloods) {
  Fixture fixture;  // the default limits, as the gateway runs them
  fixture.health.set_ok("uplink");
  asio::io_context& io = fixture.io;
  const tcp::endpoint server(asio::ip::address_v4::loopback(), fixture.endpoint->port());
  bool flooding = true;
  int trickling = 0;
  for (int i = 0; i < 200; ++i) {
    asio::co_spawn(
        io,
        [&, server]() -> asio::awaitable<void> {
          tcp::socket socket(co_await asio::this_coro::executor);
          auto [connect_error] = co_await socket.async_connect(server, token);
          if (connect_error) co_return;
          ++trickling;
          asio::steady_timer pause(co_await asio::this_coro::executor);
          const std::string partial = "GET /health HTTP/1.1\r\nX-Slow: ";
          for (std::size_t sent = 0; flooding; ++sent) {
            auto [error, count] = co_await asio::async_write(
                socket, asio::buffer(&partial[sent % partial.size()], 1), token);
            if (error) break;
            pause.expires_after(50ms);
            co_await pause.async_wait(token);
          }
        },
        asio::detached);
  }
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (int i = 0; i < 1000; ++i) {
    idle.push_back(std::make_unique<tcp::socket>(io));
    idle.back()->connect(server);
  }
  run_until(io, [&] { return trickling == 200; });
  for (int probe = 0; probe < 3; ++probe) {
    Exchange result;
    asio::co_spawn(io, exchange(fixture.endpoint->port(), "GET /health HTTP/1.1\r\n\r\n", result),
                   asio::detached);
    run_until(io, [&] { return result.done; });
    EXPECT_TRUE(result.response.starts_with("HTTP/1.1 200 OK\r\n")) << result.response;
  }
  EXPECT_LE(fixture.endpoint->active_connections(), 2 * HttpEndpointOptions{}.max_connections);
  flooding = false;
  idle.clear();
  run_for(io, 200ms);
}

TEST(HttpEndpoint, HostHeaderMustNameThisEndpoint) {
  HttpEndpointOptions options;
  options.host_names = {"gw1.example.net"};
  Fixture fixture(options);
  const auto status_of = [&](const std::string& host) {
    const auto response = fixture.fetch("GET /health HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    return response.substr(0, response.find("\r\n"));
  };
  for (const auto* host : {"127.0.0.1:9110", "127.0.0.1", "LOCALHOST:9110", "[::1]:9110",
                           "10.1.2.3", "GW1.example.net:9110"}) {
    EXPECT_EQ(status_of(host), "HTTP/1.1 200 OK") << host;
  }
  // A page on attacker.example whose name now resolves to 127.0.0.1.
  for (const auto* host : {"attacker.example:9110", "attacker.example", "127.0.0.1.nip.io",
                           "[not-an-address]", ":9110"}) {
    EXPECT_EQ(status_of(host), "HTTP/1.1 421 Misdirected Request") << host;
  }
  const auto post =
      fixture.fetch("POST /trace?meter=a&enabled=1 HTTP/1.1\r\nHost: evil.example\r\n\r\n");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 421 Misdirected Request\r\n")) << post;
  EXPECT_NE(body_of(post).find("health.hostNames"), std::string::npos) << post;
}

TEST(HttpEndpoint, StopClosesOpenConnectionsAndTheListener) {
  Fixture fixture;
  const auto port = fixture.endpoint->port();
  Exchange silent;
  asio::co_spawn(fixture.io, exchange(port, "", silent), asio::detached);
  run_until(fixture.io, [&] { return fixture.endpoint->active_connections() == 1; });
  fixture.endpoint->stop();
  fixture.endpoint->stop();  // idempotent
  run_until(fixture.io, [&] { return silent.done; });
  EXPECT_EQ(silent.response, "");
  tcp::socket late(fixture.io);
  std::error_code error;
  late.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), error);
  EXPECT_TRUE(error);  // nobody listens any more
}

TEST(HttpEndpoint, RefusesBadAddressesAndBusyPorts) {
  asio::io_context io;
  MetricsRegistry registry;
  HealthState health;
  HttpEndpointOptions options;
  options.address = "localhost";  // names are not resolved: the loop must never block on DNS
  auto named = HttpEndpoint::start(io.get_executor(), options, registry, health);
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().message,
            "health/metrics endpoint: listen address 'localhost' is not a numeric IP address");

  auto first = HttpEndpoint::start(io.get_executor(), {}, registry, health);
  ASSERT_TRUE(first);
  options.address = "127.0.0.1";
  options.port = (*first)->port();
  auto second = HttpEndpoint::start(io.get_executor(), options, registry, health);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::io_error);
  EXPECT_TRUE(second.error().message.starts_with(
      "health/metrics endpoint 127.0.0.1:" + std::to_string(options.port) + ": bind: "))
      << second.error().message;

  options.port = 0;
  options.max_connections = 0;
  EXPECT_FALSE(HttpEndpoint::start(io.get_executor(), options, registry, health));
}

TEST(HttpEndpoint, ListensOnIpv6Loopback) {
  HttpEndpointOptions options;
  options.address = "::1";
  asio::io_context io;
  MetricsRegistry registry;
  HealthState health;
  auto endpoint = HttpEndpoint::start(io.get_executor(), options, registry, health);
  if (!endpoint) GTEST_SKIP() << "no IPv6 loopback here: " << endpoint.error().message;
  EXPECT_EQ((*endpoint)->listen_address(), "[::1]:" + std::to_string((*endpoint)->port()));
}

}  // namespace
}  // namespace dlmsgw::observability
