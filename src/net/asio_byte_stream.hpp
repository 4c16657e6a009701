#pragma once
// AsioByteStream: ByteStream over any asio stream object (tcp::socket, serial_port). A deadline is
// a timer raced against the operation with `||`; when the timer wins, the operation is cancelled.

#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <variant>

#include "net/byte_stream.hpp"

namespace dlmsgw::net {

// Maps an asio error to our error kinds: end of file and resets are the peer going away.
Error stream_error(const std::error_code& error, const std::string& peer,
                   std::string_view operation);
Error timeout_error(const std::string& peer, std::string_view operation, Timeout timeout);

template <class AsioStream>
class AsioByteStream final : public ByteStream {
 public:
  AsioByteStream(AsioStream stream, std::string peer)
      : stream_(std::move(stream)), peer_(std::move(peer)) {}

  asio::awaitable<Expected<std::size_t>> read_some(std::span<std::uint8_t> buffer,
                                                   Timeout timeout) override {
    using namespace asio::experimental::awaitable_operators;
    constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
    if (!is_open()) co_return stream_error(asio::error::not_connected, peer_, "read");
    asio::steady_timer timer(stream_.get_executor(), timeout);
    auto result =
        co_await (stream_.async_read_some(asio::buffer(buffer.data(), buffer.size()), token) ||
                  timer.async_wait(token));
    if (result.index() == 1) co_return timeout_error(peer_, "read", timeout);
    auto [error, count] = std::get<0>(result);
    if (error) co_return stream_error(error, peer_, "read");
    co_return count;
  }

  asio::awaitable<Expected<void>> write(ByteView data, Timeout timeout) override {
    using namespace asio::experimental::awaitable_operators;
    constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
    if (!is_open()) co_return stream_error(asio::error::not_connected, peer_, "write");
    asio::steady_timer timer(stream_.get_executor(), timeout);
    auto result =
        co_await (asio::async_write(stream_, asio::buffer(data.data(), data.size()), token) ||
                  timer.async_wait(token));
    if (result.index() == 1) {
      // Part of the data may be on the wire: the framing is broken, so the stream cannot be reused.
      close();
      co_return timeout_error(peer_, "write", timeout);
    }
    auto [error, count] = std::get<0>(result);
    if (error) co_return stream_error(error, peer_, "write");
    co_return Expected<void>{};
  }

  void close() override {
    std::error_code ignored;
    stream_.close(ignored);
  }
  [[nodiscard]] bool is_open() const override { return stream_.is_open(); }
  [[nodiscard]] const std::string& peer() const override { return peer_; }

  AsioStream& native() { return stream_; }

 private:
  AsioStream stream_;
  std::string peer_;
};

}  // namespace dlmsgw::net
