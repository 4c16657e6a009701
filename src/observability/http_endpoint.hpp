#pragma once
// HttpEndpoint: the /health and /metrics responder (see request_router.hpp) on the asio event
// loop, one coroutine per connection. Bound to 127.0.0.1 unless told otherwise; turned off by not
// creating it. Defences against clients that misbehave, since nothing here may stall the loop:
//   - the whole request head must arrive within read_timeout, and be at most max_request_head
//     bytes (else 400 and close);
//   - at most max_connections at once: a new client closes the oldest connection (an idle or
//     trickling client cannot hold the slots a health check needs; a real request is answered
//     within a loop turn of its arrival, long before it becomes the oldest, and a /metrics cut
//     short so lacks its last chunk: the scraper sees an error, not a shorter scrape);
//   - one request per connection, and writes have a deadline too (write_timeout for the whole
//     response);
//   - a Host header naming anything but an IP address, localhost or one of host_names is
//     refused (421): a web page whose name was rebound to 127.0.0.1 cannot read or POST here.
//
// The registry and health state are read on the loop thread, so they need no locks. Destroy the
// endpoint (or call stop()) before the registry, the health state and the io_context.

#include <asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.hpp"
#include "observability/health_state.hpp"
#include "observability/http_request.hpp"
#include "observability/http_response.hpp"
#include "observability/metrics_registry.hpp"

namespace dlmsgw::observability {

struct HttpEndpointOptions {
  std::string address = "127.0.0.1";  // a numeric IPv4 or IPv6 address
  std::uint16_t port = 0;             // 0: the system picks a free port; see HttpEndpoint::port()
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::size_t max_connections = 16;
  std::size_t max_request_head = 8192;
  // Names accepted in the Host header besides IP addresses and "localhost" (case-insensitive):
  // the names scrapers use for this machine.
  std::vector<std::string> host_names;
  // Runs on the loop before each /metrics answer: lets values kept elsewhere be copied into the
  // registry (per-meter series of meters added or removed by a reload).
  std::function<void()> before_metrics;
  // A /metrics body to an HTTP/1.1 request is rendered and written in chunks of about this size,
  // each written before the next is rendered (see request_router.hpp).
  std::size_t metrics_part_bytes = 64 * 1024;
  // Asked first for every request: a response for paths the application serves itself (POST
  // /trace), nullopt to fall through to /health and /metrics.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> extra_routes;
};

class HttpEndpoint {
 public:
  // Binds and starts accepting on `executor`. Fails (with the address in the message) when the
  // address is invalid or cannot be bound.
  static Expected<std::unique_ptr<HttpEndpoint>> start(asio::any_io_executor executor,
                                                       HttpEndpointOptions options,
                                                       const MetricsRegistry& registry,
                                                       const HealthState& health);
  ~HttpEndpoint();
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] const std::string& listen_address() const;  // "127.0.0.1:9464"
  [[nodiscard]] std::size_t active_connections() const;

  // Stops accepting and closes open connections; idempotent.
  void stop();

  struct State;  // shared with the connection coroutines, which may outlive the endpoint

 private:
  explicit HttpEndpoint(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace dlmsgw::observability
