#include "observability/http_endpoint.hpp"

#include <algorithm>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cctype>
#include <list>

#include "observability/http_request.hpp"
#include "observability/request_router.hpp"

namespace dlmsgw::observability {

using asio::ip::tcp;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);

// After an error response the client may still be sending (an oversized head): closing with
// unread data would reset the connection and could destroy the response before the client reads
// it. So half-close, then read and discard for a short while.
constexpr auto linger_time = 1s;
constexpr std::size_t linger_bytes = 64 * 1024;
}  // namespace

struct HttpEndpoint::State {
  State(asio::any_io_executor executor, HttpEndpointOptions options_in,
        const MetricsRegistry& registry_in, const HealthState& health_in)
      : options(std::move(options_in)),
        registry(registry_in),
        health(health_in),
        acceptor(executor),
        slot_free(executor) {
    slot_free.expires_at(asio::steady_timer::time_point::max());
  }

  HttpEndpointOptions options;
  const MetricsRegistry& registry;
  const HealthState& health;
  tcp::acceptor acceptor;
  asio::steady_timer slot_free;  // never expires; cancelled to wake the accept loop
  std::string listen_address;
  std::size_t active = 0;
  std::list<tcp::socket*> sockets;  // oldest first: the one closed when a new client needs room
  bool stopped = false;
};

namespace {

using State = HttpEndpoint::State;

// Holds one of the max_connections slots for the life of a connection coroutine.
class ConnectionSlot {
 public:
  ConnectionSlot(std::shared_ptr<State> state, tcp::socket& socket)
      : state_(std::move(state)),
        position_(state_->sockets.insert(state_->sockets.end(), &socket)) {}
  ~ConnectionSlot() {
    state_->sockets.erase(position_);
    --state_->active;
    if (!state_->stopped) state_->slot_free.cancel_one();
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;

 private:
  std::shared_ptr<State> state_;
  std::list<tcp::socket*>::iterator position_;
};

// Makes room for a new client by closing the connection accepted first (its coroutine then ends
// and frees the slot). A client that is served sends its request at once and is answered within
// a loop turn, so the oldest connection is the one doing least for anybody: an idle or trickling
// client holding a slot would otherwise keep health checks waiting in the backlog.
void close_oldest(State& state) {
  for (auto* socket : state.sockets) {
    if (!socket->is_open()) continue;  // already closed, its coroutine not yet done
    std::error_code ignored;
    socket->close(ignored);
    return;
  }
}

struct HeadResult {
  enum class Outcome { complete, too_large, timed_out, closed } outcome;
  std::string head;
};

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// DNS rebinding: a browser sends the page's own name as Host. Requests without Host (HTTP/1.0
// probes) are served; "[::1]:9110", "127.0.0.1:9110", "localhost" and the configured names pass.
bool host_allowed(const HttpRequest& request, const HttpEndpointOptions& options) {
  const auto header = request.header("Host");
  if (!header) return true;
  std::string_view host = *header;
  if (host.starts_with('[')) {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    std::error_code error;
    asio::ip::make_address_v6(std::string(host.substr(1, close - 1)), error);
    return !error;
  }
  if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (host.empty()) return false;
  std::error_code error;
  asio::ip::make_address_v4(std::string(host), error);
  if (!error || same_name(host, "localhost")) return true;
  return std::any_of(options.host_names.begin(), options.host_names.end(),
                     [&](const std::string& name) { return same_name(host, name); });
}

asio::awaitable<HeadResult> read_head(tcp::socket& socket, const HttpEndpointOptions& options) {
  asio::steady_timer deadline(socket.get_executor(), options.read_timeout);
  std::string buffer;
  std::array<char, 2048> chunk{};
  for (;;) {
    auto result =
        co_await (socket.async_read_some(asio::buffer(chunk), token) || deadline.async_wait(token));
    if (result.index() == 1) co_return HeadResult{HeadResult::Outcome::timed_out, {}};
    const auto [error, count] = std::get<0>(result);
    if (error) co_return HeadResult{HeadResult::Outcome::closed, {}};
    const auto previous = buffer.size();
    buffer.append(chunk.data(), count);
    if (const auto end = find_head_end(buffer, previous)) {
      if (*end > options.max_request_head) break;
      buffer.resize(*end);  // anything after the head (a body) is ignored
      co_return HeadResult{HeadResult::Outcome::complete, std::move(buffer)};
    }
    if (buffer.size() > options.max_request_head) break;
  }
  co_return HeadResult{HeadResult::Outcome::too_large, {}};
}

asio::awaitable<void> linger_and_close(tcp::socket& socket) {
  std::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  asio::steady_timer deadline(socket.get_executor(), linger_time);
  std::array<char, 2048> chunk{};
  std::size_t discarded = 0;
  while (discarded < linger_bytes) {
    auto result =
        co_await (socket.async_read_some(asio::buffer(chunk), token) || deadline.async_wait(token));
    if (result.index() == 1) break;
    const auto [error, count] = std::get<0>(result);
    if (error) break;
    discarded += count;
  }
  socket.close(ignored);
}

asio::awaitable<void> serve(std::shared_ptr<State> state, tcp::socket socket) {
  ConnectionSlot slot(state, socket);
  const auto& options = state->options;
  auto head = co_await read_head(socket, options);
  if (state->stopped) co_return;

  HttpResponse response;
  bool with_body = true;
  switch (head.outcome) {
    case HeadResult::Outcome::timed_out:
    case HeadResult::Outcome::closed:
      co_return;  // nothing useful to say; the socket closes with the coroutine
    case HeadResult::Outcome::too_large:
      response = bad_request("request head larger than " +
                             std::to_string(options.max_request_head) + " bytes");
      break;
    case HeadResult::Outcome::complete: {
      auto request = parse_request_head(head.head);
      if (!request) {
        response = bad_request(request.error().message);
      } else if (!host_allowed(*request, options)) {
        response.status = 421;
        response.body = "misdirected request: Host '" + std::string(*request->header("Host")) +
                        "' is not this endpoint (use its IP address or localhost, or add the "
                        "name to health.hostNames)\n";
      } else {
        std::optional<HttpResponse> extra;
        if (options.extra_routes) extra = options.extra_routes(*request);
        if (extra) {
          response = std::move(*extra);
        } else {
          if (request->path == "/metrics" && options.before_metrics) options.before_metrics();
          response =
              route_request(*request, state->registry, state->health, options.metrics_part_bytes);
        }
        with_body = request->method != "HEAD";
      }
      break;
    }
  }

  const std::string response_head = serialize_head(response);
  asio::steady_timer deadline(socket.get_executor(), options.write_timeout);
  if (!with_body || !response.next_part) {
    const std::array<asio::const_buffer, 2> bytes{
        asio::buffer(response_head),
        with_body ? asio::buffer(response.body) : asio::const_buffer()};
    auto written = co_await (asio::async_write(socket, bytes, token) || deadline.async_wait(token));
    if (written.index() == 1 || std::get<0>(std::get<0>(written))) co_return;
    co_await linger_and_close(socket);
    co_return;
  }
  // A body written as it is rendered: one part held at a time, each written (within the same
  // deadline) before the next is rendered; the head goes with the first. Cut short, the response
  // lacks its last chunk, which the client sees as an error.
  std::string part;
  part.reserve(options.metrics_part_bytes + options.metrics_part_bytes / 4);
  bool first = true;
  for (bool last = false; !last; first = false) {
    if (state->stopped) co_return;
    part.clear();
    last = response.next_part(part);
    const std::string size_line = part.empty() ? std::string() : chunk_size_line(part.size());
    const std::string_view after = part.empty() ? std::string_view() : std::string_view("\r\n");
    const std::array<asio::const_buffer, 5> bytes{
        first ? asio::buffer(response_head) : asio::const_buffer(), asio::buffer(size_line),
        asio::buffer(part), asio::buffer(after.data(), after.size()),
        last ? asio::buffer(last_chunk.data(), last_chunk.size()) : asio::const_buffer()};
    auto written = co_await (asio::async_write(socket, bytes, token) || deadline.async_wait(token));
    if (written.index() == 1 || std::get<0>(std::get<0>(written))) co_return;
  }
  co_await linger_and_close(socket);
}

asio::awaitable<void> accept_loop(std::shared_ptr<State> state) {
  while (!state->stopped) {
    if (state->active >= 2 * state->options.max_connections) {
      // Connections closed for room have not finished yet: wait for one (or stop()) so that the
      // descriptors stay bounded.
      co_await state->slot_free.async_wait(token);
      continue;
    }
    auto [error, socket] = co_await state->acceptor.async_accept(token);
    if (state->stopped || error == asio::error::operation_aborted) break;
    if (error) {
      // Out of descriptors and the like: back off instead of spinning on the loop.
      asio::steady_timer pause(state->acceptor.get_executor(), 100ms);
      co_await pause.async_wait(token);
      continue;
    }
    if (state->active >= state->options.max_connections) close_oldest(*state);
    ++state->active;
    asio::co_spawn(state->acceptor.get_executor(), serve(state, std::move(socket)), asio::detached);
  }
}

Error bind_error(const std::string& where, std::string_view what, const std::error_code& error) {
  return make_error(ErrorCode::io_error, "health/metrics endpoint " + where + ": " +
                                             std::string(what) + ": " + error.message());
}

}  // namespace

Expected<std::unique_ptr<HttpEndpoint>> HttpEndpoint::start(asio::any_io_executor executor,
                                                            HttpEndpointOptions options,
                                                            const MetricsRegistry& registry,
                                                            const HealthState& health) {
  const std::string where = options.address + ":" + std::to_string(options.port);
  if (options.max_connections == 0 || options.max_request_head == 0) {
    return make_error(ErrorCode::invalid_argument,
                      "health/metrics endpoint " + where +
                          ": max_connections and max_request_head must be positive");
  }
  std::error_code error;
  const auto address = asio::ip::make_address(options.address, error);
  if (error) {
    return make_error(ErrorCode::invalid_argument, "health/metrics endpoint: listen address '" +
                                                       options.address +
                                                       "' is not a numeric IP address");
  }
  auto state = std::make_shared<State>(executor, std::move(options), registry, health);
  const tcp::endpoint endpoint(address, state->options.port);
  auto& acceptor = state->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (error) return bind_error(where, "open", error);
  // A restart must not fail on the previous process's connections in TIME_WAIT.
  acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (error) return bind_error(where, "setsockopt", error);
  acceptor.bind(endpoint, error);
  if (error) return bind_error(where, "bind", error);
  acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return bind_error(where, "listen", error);
  const auto local = acceptor.local_endpoint(error);
  if (error) return bind_error(where, "local address", error);
  state->listen_address = (local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                                   : local.address().to_string()) +
                          ":" + std::to_string(local.port());
  asio::co_spawn(executor, accept_loop(state), asio::detached);
  return std::unique_ptr<HttpEndpoint>(new HttpEndpoint(std::move(state)));
}

HttpEndpoint::HttpEndpoint(std::shared_ptr<State> state) : state_(std::move(state)) {}

HttpEndpoint::~HttpEndpoint() {
  stop();
}

std::uint16_t HttpEndpoint::port() const {
  std::error_code error;
  const auto local = state_->acceptor.local_endpoint(error);
  return error ? std::uint16_t{0} : local.port();
}

const std::string& HttpEndpoint::listen_address() const {
  return state_->listen_address;
}

std::size_t HttpEndpoint::active_connections() const {
  return state_->active;
}

void HttpEndpoint::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  std::error_code ignored;
  state_->acceptor.close(ignored);
  state_->slot_free.cancel();
  for (auto* socket : state_->sockets) socket->close(ignored);
}

}  // namespace dlmsgw::observability
