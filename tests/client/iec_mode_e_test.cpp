// The IEC 62056-21 mode E opening over a real pseudo-terminal (the meter side is the master end).
#include "client/iec_mode_e.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <thread>

#include "client/connection_settings.hpp"
#include "client/fake_meter.hpp"
#include "net/serial_port.hpp"
#include "net/tcp_connect.hpp"

namespace dlmsgw::client {
namespace {

using namespace fake;

TEST(IecModeE, OpeningOverAPseudoTerminal) {
  int master = -1;
  int slave = -1;
  std::array<char, 128> name{};
  ASSERT_EQ(openpty(&master, &slave, name.data(), nullptr, nullptr), 0);
  asio::io_context io;
  net::SerialSettings line{name.data(), 9600, net::Parity::none, 8, net::StopBits::one};
  auto stream = net::open_serial(io.get_executor(), line);
  ASSERT_TRUE(stream) << stream.error().message;
  // The meter: read the request, identify at 9600 baud ('5'), read the acknowledgement.
  std::string request;
  std::string acknowledgement;
  std::thread meter([&] {
    std::array<char, 64> buffer{};
    // Never blocks for long: a failing client must not hang the test.
    const auto read_some = [&]() -> ssize_t {
      pollfd ready{master, POLLIN, 0};
      if (::poll(&ready, 1, 3000) <= 0) return -1;
      return ::read(master, buffer.data(), buffer.size());
    };
    while (request.find('\n') == std::string::npos) {
      const ssize_t count = read_some();
      if (count <= 0) return;
      request.append(buffer.data(), static_cast<std::size_t>(count));
    }
    const char identification[] = "/XYZ5\2MICRO1\r\n";
    if (::write(master, identification, std::strlen(identification)) < 0) return;
    while (acknowledgement.size() < 6) {
      const ssize_t count = read_some();
      if (count <= 0) return;
      acknowledgement.append(buffer.data(), static_cast<std::size_t>(count));
    }
  });
  auto opened = run(io, run_iec_mode_e_opening(**stream, line, 2s));
  meter.join();
  if (!opened && opened.error().message.find("7E1: data bits") != std::string::npos) {
    // Linux pseudo-terminals refuse CS7; a real UART or USB probe accepts it.
    ::close(master);
    ::close(slave);
    GTEST_SKIP() << opened.error().message;
  }
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(request, "/?!\r\n");
  EXPECT_EQ(acknowledgement, std::string("\x06"
                                         "252\r\n"));
  ::close(master);
  ::close(slave);
}

TEST(IecModeE, NeedsASerialPort) {
  asio::io_context io;
  FakeMeter meter(io);
  ConnectionSettings settings;
  settings.endpoint = TcpTarget{"127.0.0.1", meter.port()};
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { co_await meter.accept(); }, asio::detached);
  net::TcpEndpoint endpoint{"127.0.0.1", meter.port()};
  auto stream = run(io, net::connect_tcp(endpoint, 2s));
  ASSERT_TRUE(stream);
  net::SerialSettings line;
  auto opened = run(io, run_iec_mode_e_opening(**stream, line, 1s));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace dlmsgw::client
