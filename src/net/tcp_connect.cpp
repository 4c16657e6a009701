#include "net/tcp_connect.hpp"

#include <asio/connect.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>

#include "net/asio_byte_stream.hpp"

namespace dlmsgw::net {

std::string TcpEndpoint::to_string() const {
  // IPv6 literals need brackets to keep the port readable.
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

asio::awaitable<Expected<std::unique_ptr<ByteStream>>> connect_tcp(const TcpEndpoint& endpoint,
                                                                   Timeout timeout) {
  using namespace asio::experimental::awaitable_operators;
  using asio::ip::tcp;
  constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
  const std::string peer = endpoint.to_string();
  auto executor = co_await asio::this_coro::executor;

  asio::steady_timer timer(executor, timeout);
  tcp::resolver resolver(executor);
  auto resolved =
      co_await (resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                       asio::ip::resolver_base::numeric_service, token) ||
                timer.async_wait(token));
  if (resolved.index() == 1) co_return timeout_error(peer, "resolve", timeout);
  auto [resolve_error, results] = std::get<0>(resolved);
  if (resolve_error) co_return stream_error(resolve_error, peer, "resolve");

  tcp::socket socket(executor);
  auto connected =
      co_await (asio::async_connect(socket, results, token) || timer.async_wait(token));
  if (connected.index() == 1) co_return timeout_error(peer, "connect", timeout);
  auto [connect_error, ignored_endpoint] = std::get<0>(connected);
  if (connect_error) {
    co_return make_error(connect_error == asio::error::connection_refused
                             ? ErrorCode::connection_closed
                             : ErrorCode::io_error,
                         peer + ": connect failed: " + connect_error.message());
  }
  std::error_code option_error;
  socket.set_option(tcp::no_delay(true), option_error);
  co_return std::unique_ptr<ByteStream>(
      std::make_unique<AsioByteStream<tcp::socket>>(std::move(socket), peer));
}

}  // namespace dlmsgw::net
