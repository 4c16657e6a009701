// Transport tests on real loopback sockets and a real pseudo-terminal: no mocks.
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "net/asio_byte_stream.hpp"
#include "net/serial_port.hpp"
#include "net/tcp_connect.hpp"
#include "support/run_coroutine.hpp"

namespace dlmsgw::net {
namespace {

using namespace std::chrono_literals;
using asio::ip::tcp;

using test::run;
using test::wait_until;

class LoopbackServer {
 public:
  explicit LoopbackServer(asio::io_context& io)
      : acceptor_(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {}
  [[nodiscard]] std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  tcp::acceptor& acceptor() { return acceptor_; }

 private:
  tcp::acceptor acceptor_;
};

asio::awaitable<std::string> read_text(ByteStream& stream, std::size_t size) {
  std::string text;
  std::array<std::uint8_t, 64> buffer{};
  while (text.size() < size) {
    auto count = co_await stream.read_some(buffer, 2s);
    if (!count) co_return "error: " + count.error().message;
    text.append(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(*count));
  }
  co_return text;
}

TEST(TcpByteStream, WritesAndReadsOverLoopback) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream) << stream.error().message;
  EXPECT_EQ((*stream)->peer(), "127.0.0.1:" + std::to_string(server.port()));
  wait_until(io, [&] { return accepted.has_value(); });
  ASSERT_TRUE(accepted);

  const std::string hello = "\x7E\xA0\x07 hello";
  auto written =
      run(io, (*stream)->write(
                  ByteView(reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size()), 1s));
  ASSERT_TRUE(written) << written.error().message;
  std::array<char, 16> received{};
  const std::size_t count = asio::read(*accepted, asio::buffer(received.data(), hello.size()));
  EXPECT_EQ(std::string(received.data(), count), hello);

  asio::write(*accepted, asio::buffer(std::string("answer")));
  EXPECT_EQ(run(io, read_text(**stream, 6)), "answer");
}

TEST(TcpByteStream, SilentPeerTimesOutAndTheStreamStaysUsable) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream);
  std::array<std::uint8_t, 8> buffer{};
  auto silent = run(io, (*stream)->read_some(buffer, 50ms));
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().code, ErrorCode::timeout);
  EXPECT_EQ(silent.error().message,
            "127.0.0.1:" + std::to_string(server.port()) + ": read timed out after 50 ms");
  // A late answer is still read: the timeout cancelled only the wait.
  wait_until(io, [&] { return accepted.has_value(); });
  asio::write(*accepted, asio::buffer(std::string("late")));
  EXPECT_EQ(run(io, read_text(**stream, 4)), "late");
}

TEST(TcpByteStream, WriteTimeoutClosesTheStream) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;  // accepts, then never reads: the socket buffers fill up
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream);
  const Bytes flood(64 * 1024 * 1024, 0x7E);
  auto written = run(io, (*stream)->write(flood, 200ms));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::timeout);
  EXPECT_FALSE((*stream)->is_open());
}

// Deadlines are values checked by one watchdog timer per stream (no timer armed per request):
// a read with a shorter timeout than the watchdog's pending expiry must still end on its own.
TEST(TcpByteStream, AShortTimeoutAfterALongOneStillEnds) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream);
  wait_until(io, [&] { return accepted.has_value(); });
  ASSERT_TRUE(accepted);
  asio::write(*accepted, asio::buffer(std::string("x")));
  std::array<std::uint8_t, 8> buffer{};
  auto answered = run(io, (*stream)->read_some(buffer, std::chrono::hours(1)));
  ASSERT_TRUE(answered) << answered.error().message;
  // The watchdog still waits for the hour: this read's 50 ms must arm it earlier (run() gives up
  // after 30 s).
  auto silent = run(io, (*stream)->read_some(buffer, 50ms));
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().code, ErrorCode::timeout);
}

// The watchdog fires at the first read's deadline while a later read, with a later deadline, is
// pending: that read is not cancelled, and its answer arrives.
TEST(TcpByteStream, AWatchdogExpiryBeforeTheCurrentDeadlineCancelsNothing) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream);
  wait_until(io, [&] { return accepted.has_value(); });
  ASSERT_TRUE(accepted);
  asio::write(*accepted, asio::buffer(std::string("a")));
  std::array<std::uint8_t, 8> buffer{};
  // t=0: read 1 (deadline t=2 s) answered at once; the watchdog waits for t=2 s.
  auto first = run(io, (*stream)->read_some(buffer, 2s));
  ASSERT_TRUE(first) << first.error().message;
  // t=1 s: read 2 (deadline t=3 s); the peer answers at t=2.5 s, after the watchdog's expiry.
  asio::steady_timer pause(io, 1s);
  run(io, [&]() -> asio::awaitable<void> { co_await pause.async_wait(asio::use_awaitable); }());
  asio::steady_timer answer(io, 1500ms);
  answer.async_wait(
      [&](std::error_code) { asio::write(*accepted, asio::buffer(std::string("b"))); });
  auto second = run(io, (*stream)->read_some(buffer, 2s));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(buffer[0], 'b');
}

// A closed stream leaves nothing on the event loop: io_context::run returns (the watchdog of the
// last read, an hour away, is cancelled by close()).
TEST(TcpByteStream, AClosedStreamLeavesNoWorkBehind) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream);
  wait_until(io, [&] { return accepted.has_value(); });
  ASSERT_TRUE(accepted);
  asio::write(*accepted, asio::buffer(std::string("x")));
  std::array<std::uint8_t, 8> buffer{};
  auto answered = run(io, (*stream)->read_some(buffer, std::chrono::hours(1)));
  ASSERT_TRUE(answered) << answered.error().message;
  accepted->close();
  server.acceptor().close();
  (*stream)->close();
  io.restart();
  io.run_for(10s);
  EXPECT_TRUE(io.stopped()) << "work left on the loop after close()";
}

// One read slot per stream (review B1 of issue 18 item 6): a second read while one is pending is
// refused loudly; it does not take over the first one's deadline, which still ends it, and a late
// answer goes to a read of its own.
TEST(TcpByteStream, ASecondReadWhileOneIsPendingIsRefused) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream);
  wait_until(io, [&] { return accepted.has_value(); });
  ASSERT_TRUE(accepted);
  std::array<std::uint8_t, 8> first_buffer{};
  std::optional<Expected<std::size_t>> first;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        first.emplace(co_await (*stream)->read_some(first_buffer, 300ms));
      },
      asio::detached);
  io.poll();
  std::array<std::uint8_t, 8> second_buffer{};
  auto second = run(io, (*stream)->read_some(second_buffer, 1h));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::protocol_state) << second.error().message;
  wait_until(
      io, [&] { return first.has_value(); }, 5s);
  ASSERT_TRUE(first.has_value());
  ASSERT_FALSE(*first);
  EXPECT_EQ(first->error().code, ErrorCode::timeout) << first->error().message;
  asio::write(*accepted, asio::buffer(std::string("late")));
  EXPECT_EQ(run(io, read_text(**stream, 4)), "late");
}

TEST(TcpByteStream, PeerCloseIsConnectionClosed) {
  asio::io_context io;
  LoopbackServer server(io);
  std::optional<tcp::socket> accepted;
  server.acceptor().async_accept(
      [&](std::error_code, tcp::socket socket) { accepted = std::move(socket); });
  auto stream = run(io, connect_tcp({"127.0.0.1", server.port()}, 2s));
  ASSERT_TRUE(stream);
  wait_until(io, [&] { return accepted.has_value(); });
  ASSERT_TRUE(accepted);
  accepted->close();
  std::array<std::uint8_t, 8> buffer{};
  auto closed = run(io, (*stream)->read_some(buffer, 2s));
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::connection_closed);
  (*stream)->close();
  (*stream)->close();  // twice is harmless
  EXPECT_FALSE((*stream)->is_open());
  auto after_close = run(io, (*stream)->write(Bytes{1}, 1s));
  ASSERT_FALSE(after_close);
  EXPECT_EQ(after_close.error().code, ErrorCode::connection_closed);
}

TEST(TcpByteStream, RefusedConnectionNamesThePeer) {
  asio::io_context io;
  std::uint16_t closed_port = 0;
  {
    LoopbackServer server(io);  // take a free port, then close it so nothing listens there
    closed_port = server.port();
  }
  auto stream = run(io, connect_tcp({"127.0.0.1", closed_port}, 2s));
  ASSERT_FALSE(stream);
  EXPECT_EQ(stream.error().code, ErrorCode::connection_closed);
  EXPECT_EQ(stream.error().message.rfind(
                "127.0.0.1:" + std::to_string(closed_port) + ": connect failed", 0),
            0u)
      << stream.error().message;
}

TEST(TcpEndpoint, BracketsIpv6Literals) {
  EXPECT_EQ((TcpEndpoint{"::1", 4059}).to_string(), "[::1]:4059");
  EXPECT_EQ((TcpEndpoint{"192.0.2.1", 3333}).to_string(), "192.0.2.1:3333");
}

TEST(SerialByteStream, TalksThroughAPseudoTerminal) {
  int master = -1;
  int slave = -1;
  std::array<char, 128> name{};
  ASSERT_EQ(openpty(&master, &slave, name.data(), nullptr, nullptr), 0);
  asio::io_context io;
  auto stream = open_serial(io.get_executor(),
                            SerialSettings{name.data(), 9600, Parity::even, 8, StopBits::one});
  ASSERT_TRUE(stream) << stream.error().message;
  EXPECT_EQ((*stream)->peer(), std::string(name.data()));
  auto written = run(io, (*stream)->write(Bytes{0x7E, 0x01, 0x7E}, 1s));
  ASSERT_TRUE(written) << written.error().message;
  std::array<std::uint8_t, 3> from_meter_side{};
  ASSERT_EQ(::read(master, from_meter_side.data(), from_meter_side.size()), 3);
  EXPECT_EQ(from_meter_side[1], 0x01);
  ASSERT_EQ(::write(master, "ok", 2), 2);
  EXPECT_EQ(run(io, read_text(**stream, 2)), "ok");
  (*stream)->close();
  ::close(slave);
  ::close(master);
}

TEST(SerialByteStream, BadSettingsAreClearErrors) {
  asio::io_context io;
  auto missing = open_serial(io.get_executor(), SerialSettings{"/dev/no-such-meter-port"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message.rfind("/dev/no-such-meter-port: cannot open", 0), 0u);
  auto bits = open_serial(io.get_executor(), SerialSettings{"/dev/null", 9600, Parity::none, 9});
  ASSERT_FALSE(bits);
  EXPECT_EQ(bits.error().message, "/dev/null: data bits 9: use 5 to 8");
  EXPECT_EQ(*parse_parity("odd"), Parity::odd);
  EXPECT_FALSE(parse_parity("mark"));
}

}  // namespace
}  // namespace dlmsgw::net
