// HttpEndpoint over real loopback sockets, clients and server on one io_context: no mocks.
#include "observability/http_endpoint.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "observability/process_metrics.hpp"
#include "support/http_chunked.hpp"

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
  EXPECT_NE(response.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << response;
  const auto chunked = test::dechunk(body_of(response));
  EXPECT_TRUE(chunked.complete) << response;
  const auto& body = chunked.body;

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

// `count` clients GET /metrics at once; runs the loop until every one has its response.
std::vector<Exchange> scrape_at_once(Fixture& fixture, int count) {
  std::vector<Exchange> results(static_cast<std::size_t>(count));
  for (auto& result : results) {
    asio::co_spawn(fixture.io,
                   exchange(fixture.endpoint->port(), "GET /metrics HTTP/1.1\r\n\r\n", result),
                   asio::detached);
  }
  run_until(fixture.io, [&] {
    return std::all_of(results.begin(), results.end(), [](const auto& r) { return r.done; });
  });
  return results;
}

TEST(HttpEndpoint, ManyConcurrentClientsAreAllServed) {
  HttpEndpointOptions options;
  options.max_connections = 4;
  Fixture fixture(options);
  ASSERT_TRUE(fixture.registry.gauge("g", "G."));
  constexpr int clients = 64;
  const std::vector<Exchange> results = scrape_at_once(fixture, clients);
  for (const auto& result : results) {
    EXPECT_TRUE(result.response.starts_with("HTTP/1.1 200 OK\r\n")) << result.response;
    EXPECT_EQ(body_of(result.response), "1f\r\n# HELP g G.\n# TYPE g gauge\ng 0\n\r\n0\r\n\r\n");
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

// A per-meter family of `count` meters, about 80 bytes a meter, listed from a snapshot.
void add_metered_fleet(MetricsRegistry& registry, std::size_t count) {
  auto fleet = std::make_shared<std::vector<std::string>>();
  for (std::size_t i = 0; i < count; ++i) {
    auto name = std::to_string(i);
    fleet->push_back("meter-" + std::string(6 - std::min<std::size_t>(6, name.size()), '0') + name);
  }
  std::shared_ptr<const std::vector<std::string>> shared = std::move(fleet);
  ASSERT_TRUE(registry.snapshot_collector(
      MetricType::counter, "dlmsgw_meter_reads_total", "Reads.", {"meter", "address"}, [shared] {
        return collected_items(shared, [](const std::string& meter, SeriesWriter& writer) {
          writer.sample({meter, "127.0.0.1:" + meter.substr(6)}, 12345);
        });
      }));
}

// The head of a response, up to its blank line.
std::string head_of(const std::string& response) {
  return response.substr(0, response.find("\r\n\r\n") + 4);
}

// Issue 18 item 4: a /metrics of thousands of meters is written as it is rendered, in chunks of
// about metrics_part_bytes, never held whole; joined, the chunks are the whole text. HTTP/1.0
// (no chunked coding) gets the whole text with its length; HEAD the head GET would have.
TEST(HttpEndpoint, LargeMetricsComeInChunksThatJoinToTheWholeText) {
  HttpEndpointOptions options;
  options.metrics_part_bytes = 16 * 1024;
  Fixture fixture(options);
  ASSERT_TRUE(register_process_metrics(fixture.registry));
  ASSERT_TRUE(fixture.registry.gauge("dlmsgw_z_last", "After the meters."));
  add_metered_fleet(fixture.registry, 10'000);
  const std::string whole = fixture.registry.render();
  ASSERT_GT(whole.size(), 40 * options.metrics_part_bytes);

  const auto response = fixture.fetch("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
  const auto head = head_of(response);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200 OK\r\n")) << head;
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  const auto chunked = test::dechunk(body_of(response));
  EXPECT_TRUE(chunked.complete);
  EXPECT_GE(chunked.chunks, 40u);
  // process_* values move between two renderings: compare without them.
  const auto without_process = [](const std::string& text) {
    std::string kept;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("process_")) continue;
      kept += line + '\n';
    }
    return kept;
  };
  EXPECT_EQ(without_process(chunked.body), without_process(whole));
  EXPECT_NE(chunked.body.find("\ndlmsgw_z_last 0\n# HELP process_"), std::string::npos);

  const auto old = fixture.fetch("GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_TRUE(old.starts_with("HTTP/1.1 200 OK\r\n")) << head_of(old);
  EXPECT_EQ(head_of(old).find("Transfer-Encoding"), std::string::npos) << head_of(old);
  EXPECT_NE(old.find("Content-Length: " + std::to_string(body_of(old).size()) + "\r\n"),
            std::string::npos)
      << head_of(old);
  EXPECT_EQ(without_process(body_of(old)), without_process(whole));

  const auto head_only = fixture.fetch("HEAD /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
  EXPECT_EQ(head_only, head);
  const auto old_head = fixture.fetch("HEAD /metrics HTTP/1.0\r\n\r\n");
  EXPECT_NE(old_head.find("Content-Length: "), std::string::npos) << old_head;
  EXPECT_TRUE(old_head.ends_with("\r\n\r\n")) << old_head;
  EXPECT_EQ(body_of(old_head), "");
}

// Sends `request` with a small receive buffer and reads nothing for `pause` (a scraper that stops
// reading), so that a large response cannot be written whole meanwhile; then reads to the end.
asio::awaitable<void> paused_exchange(std::uint16_t port, std::string request,
                                      std::chrono::milliseconds pause, Exchange& result) {
  tcp::socket socket(co_await asio::this_coro::executor);
  socket.open(tcp::v4());
  socket.set_option(asio::socket_base::receive_buffer_size(4096));
  auto [connect_error] =
      co_await socket.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), token);
  if (!connect_error) co_await asio::async_write(socket, asio::buffer(request), token);
  asio::steady_timer timer(co_await asio::this_coro::executor, pause);
  co_await timer.async_wait(token);
  std::array<char, 4096> chunk{};
  while (!connect_error) {
    auto [error, count] = co_await socket.async_read_some(asio::buffer(chunk), token);
    if (error) break;
    result.response.append(chunk.data(), count);
  }
  result.done = true;
}

// What a /metrics cut short must look like: chunked, a prefix of the text, and no last chunk,
// so that the scraper fails the scrape instead of taking one without its last families.
void expect_cut_short(const std::string& response, const std::string& whole) {
  ASSERT_TRUE(response.starts_with("HTTP/1.1 200 OK\r\n")) << head_of(response);
  EXPECT_NE(head_of(response).find("Transfer-Encoding: chunked\r\n"), std::string::npos)
      << head_of(response);
  const auto chunked = test::dechunk(body_of(response));
  EXPECT_FALSE(chunked.complete);
  EXPECT_LT(chunked.body.size(), whole.size());
  EXPECT_TRUE(whole.starts_with(chunked.body));
}

constexpr std::size_t kCutShortMeters = 100'000;  // 8 MB: more than the socket buffers hold

TEST(HttpEndpoint, MetricsCutShortByTheWriteDeadlineLackTheLastChunk) {
  HttpEndpointOptions options;
  options.write_timeout = 300ms;
  Fixture fixture(options);
  add_metered_fleet(fixture.registry, kCutShortMeters);
  ASSERT_TRUE(fixture.registry.gauge("dlmsgw_z_last", "After the meters."));
  const std::string whole = fixture.registry.render();
  Exchange stalled;
  asio::co_spawn(
      fixture.io,
      paused_exchange(fixture.endpoint->port(), "GET /metrics HTTP/1.1\r\n\r\n", 1500ms, stalled),
      asio::detached);
  run_until(fixture.io, [&] { return stalled.done; });
  expect_cut_short(stalled.response, whole);
}

TEST(HttpEndpoint, MetricsCutShortByAStopOrForRoomLackTheLastChunk) {
  HttpEndpointOptions options;
  options.max_connections = 1;
  Fixture fixture(options);
  add_metered_fleet(fixture.registry, kCutShortMeters);
  const std::string whole = fixture.registry.render();
  // A new client closes the oldest connection, here one a scrape is being written to.
  Exchange evicted;
  asio::co_spawn(
      fixture.io,
      paused_exchange(fixture.endpoint->port(), "GET /metrics HTTP/1.1\r\n\r\n", 1000ms, evicted),
      asio::detached);
  run_for(fixture.io, 300ms);
  ASSERT_EQ(fixture.endpoint->active_connections(), 1u);
  EXPECT_TRUE(fixture.fetch("GET /health HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 200 OK\r\n"));
  run_until(fixture.io, [&] { return evicted.done; });
  expect_cut_short(evicted.response, whole);
  // stop() in the middle of a scrape.
  Exchange stopped;
  asio::co_spawn(
      fixture.io,
      paused_exchange(fixture.endpoint->port(), "GET /metrics HTTP/1.1\r\n\r\n", 1000ms, stopped),
      asio::detached);
  run_for(fixture.io, 300ms);
  ASSERT_EQ(fixture.endpoint->active_connections(), 1u);
  fixture.endpoint->stop();
  run_until(fixture.io, [&] { return stopped.done; });
  expect_cut_short(stopped.response, whole);
}

// Scrapes at the same time, each written in many parts while the meters change between parts
// (a reload adding and removing meters): each lists, in every family, the meters of one moment,
// each once.
TEST(HttpEndpoint, ConcurrentScrapesWhileMetersComeAndGoEachListEveryMeterOnce) {
  HttpEndpointOptions options;
  options.metrics_part_bytes = 512;
  Fixture fixture(options);
  int generation = 0;
  const auto fleet_of = [](int g) {
    auto fleet = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < 40 + (g % 5) * 10; ++i) {
      fleet->push_back("g" + std::to_string(1000 + g) + "-" + std::to_string(100 + i));
    }
    return std::shared_ptr<const std::vector<std::string>>(std::move(fleet));
  };
  auto fleet = fleet_of(0);
  ASSERT_TRUE(fixture.registry.snapshot_collector(
      MetricType::counter, "dlmsgw_meter_reads_total", "Reads.", {"meter", "outcome"}, [&] {
        return collected_items(fleet, [](const std::string& meter, SeriesWriter& writer) {
          writer.sample({meter, "failed"}, 1);
          writer.sample({meter, "ok"}, 2);
        });
      }));
  ASSERT_TRUE(fixture.registry.snapshot_collector(
      MetricType::gauge, "dlmsgw_meter_connected", "Connected.", {"meter"}, [&] {
        return collected_items(fleet, [](const std::string& meter, SeriesWriter& writer) {
          writer.sample({meter}, 1);
        });
      }));
  bool scraping = true;
  asio::co_spawn(
      fixture.io,
      [&]() -> asio::awaitable<void> {
        while (scraping) {
          fleet = fleet_of(++generation);
          co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        }
      },
      asio::detached);
  constexpr int scrapes = 8;
  const std::vector<Exchange> results = scrape_at_once(fixture, scrapes);
  scraping = false;
  run_for(fixture.io, 10ms);
  EXPECT_GT(generation, 20);  // the meters changed many times while the scrapes were written

  const std::regex meter_label("meter=\"(g[0-9]+)-([0-9]+)\"");
  std::set<std::string> generations_seen;
  for (const auto& result : results) {
    const auto chunked = test::dechunk(body_of(result.response));
    ASSERT_TRUE(chunked.complete) << head_of(result.response);
    EXPECT_GT(chunked.chunks, 10u);
    std::set<std::string> lines;
    std::map<std::string, std::set<std::string>> meters_by_family;  // family -> "gen-meter"
    std::set<std::string> generations;
    std::istringstream text(chunked.body);
    for (std::string line; std::getline(text, line);) {
      EXPECT_TRUE(lines.insert(line).second) << "repeated: " << line;
      std::smatch match;
      if (!std::regex_search(line, match, meter_label)) continue;
      generations.insert(match[1]);
      meters_by_family[line.substr(0, line.find('{'))].insert(match[1].str() + "-" +
                                                              match[2].str());
    }
    ASSERT_EQ(generations.size(), 1u) << "meters of several moments in one scrape";
    generations_seen.insert(*generations.begin());
    const int g = std::stoi(generations.begin()->substr(1)) - 1000;
    const auto expected = fleet_of(g);
    ASSERT_EQ(meters_by_family.size(), 2u);
    for (const auto& [family, meters] : meters_by_family) {
      EXPECT_EQ(meters.size(), expected->size()) << family;
    }
    EXPECT_EQ(lines.size(), 4 + 3 * expected->size());
  }
  EXPECT_GT(generations_seen.size(), 1u);
}

}  // namespace
}  // namespace dlmsgw::observability
