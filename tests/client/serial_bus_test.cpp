// Meters sharing one serial port (RS-485 multi-drop) over a real pseudo-terminal: the meter end is
// the master, where the simulator's HDLC server transports answer each for its own address, as
// meters on one bus do. Several sessions read at once through the port's one owner.
#include "client/serial_bus.hpp"

#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <array>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <cstdlib>
#include <optional>

#include "client/session.hpp"
#include "dlms/server/hdlc_server_transport.hpp"
#include "dlms/server/simulated_meter.hpp"
#include "support/run_coroutine.hpp"

namespace dlmsgw::client {
namespace {

using namespace std::chrono_literals;

// The meters behind the bus: one SimulatedMeter and HDLC server end per physical address.
struct BusMeters {
  explicit BusMeters(std::vector<std::uint16_t> addresses) {
    for (const auto physical : addresses) {
      meters.push_back(
          std::make_unique<server::SimulatedMeter>(server::MeterProfile::microstar(), physical));
      server::HdlcServerSettings settings;
      settings.address = *hdlc::HdlcAddress::server_one_byte(0, physical);
      ends.push_back(
          std::make_unique<server::HdlcServerTransport>(*meters.back(), config, settings));
    }
  }
  server::ServerConfig config = server::ServerConfig::microstar();
  std::vector<std::unique_ptr<server::SimulatedMeter>> meters;
  std::vector<std::unique_ptr<server::HdlcServerTransport>> ends;
  std::size_t answered = 0;
};

asio::awaitable<void> serve_bus(asio::posix::stream_descriptor& line, BusMeters& bus) {
  std::array<std::uint8_t, 1024> buffer{};
  while (true) {
    auto [error, count] = co_await line.async_read_some(
        asio::buffer(buffer), asio::experimental::as_tuple(asio::use_awaitable));
    if (error) co_return;
    for (auto& end : bus.ends) {
      auto out = end->on_bytes(ByteView(buffer.data(), count), 1795526854000);
      for (const auto& frame : out.writes) {
        ++bus.answered;
        co_await asio::async_write(line, asio::buffer(frame),
                                   asio::experimental::as_tuple(asio::use_awaitable));
      }
    }
  }
}

ConnectionSettings bus_meter(const std::string& device, std::uint16_t physical) {
  ConnectionSettings settings;
  settings.name = "bus-" + std::to_string(physical);
  settings.endpoint = SerialTarget{
      net::SerialSettings{device, 9600, net::Parity::none, 8, net::StopBits::one}, false, {}};
  settings.server_physical = physical;
  settings.timeouts.response = 300ms;
  settings.timeouts.retries = 1;
  return settings;
}

TEST(SerialBus, MetersSharingOnePortAreReadTogether) {
  int master = -1;
  int slave = -1;
  std::array<char, 128> name{};
  ASSERT_EQ(openpty(&master, &slave, name.data(), nullptr, nullptr), 0);
  asio::io_context io;
  asio::posix::stream_descriptor line(io, master);
  BusMeters meters({1, 2, 3});
  asio::co_spawn(io, serve_bus(line, meters), asio::detached);

  // Physical address 9 has no meter: it stays silent and must not stop the others.
  std::vector<std::unique_ptr<Session>> sessions;
  for (const int physical : {1, 2, 3, 9}) {
    sessions.push_back(
        std::make_unique<Session>(bus_meter(name.data(), static_cast<std::uint16_t>(physical))));
  }
  std::vector<std::string> failures;
  std::vector<int> reads(sessions.size(), 0);
  std::size_t finished = 0;
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          Session& session = *sessions[i];
          auto opened = co_await session.open();
          if (opened) {
            for (int round = 0; round < 5; ++round) {
              auto voltage = co_await session.read({3, ObisCode(1, 1, 32, 7, 0), 2});
              if (!voltage) {
                failures.push_back(voltage.error().message);
                break;
              }
              ++reads[i];
            }
            co_await session.close();
          } else {
            failures.push_back(opened.error().message);
          }
          ++finished;
        },
        asio::detached);
  }
  ASSERT_TRUE(test::wait_until(
      io, [&] { return finished == sessions.size(); }, 60s));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(reads[i], 5) << "meter " << i + 1;
  EXPECT_EQ(reads[3], 0);
  ASSERT_EQ(failures.size(), 1U);
  EXPECT_NE(failures[0].find("bus-9"), std::string::npos) << failures[0];
  line.close();
  ::close(slave);
}

// Review B1 of issue 18 item 6: a meter aborted while its read waits on the shared port (the
// reconnect RPC, a stop's grace period) must not leave that read pending there: it would take the
// next meter's answer and, the port keeping one read at a time, clear that read's deadline, so the
// next meter waited forever holding the line. The aborted read is cancelled and the line given up
// when it has returned.
TEST(SerialBus, AMeterAbortedMidReadLeavesTheNextMeterItsAnswerAndItsDeadline) {
  int master = -1;
  int slave = -1;
  std::array<char, 128> name{};
  ASSERT_EQ(openpty(&master, &slave, name.data(), nullptr, nullptr), 0);
  asio::io_context io;
  asio::posix::stream_descriptor line(io, master);
  const net::SerialSettings settings{name.data(), 9600, net::Parity::none, 8, net::StopBits::one};
  auto port = net::open_serial(io.get_executor(), settings);
  ASSERT_TRUE(port) << port.error().message;
  auto bus = std::make_shared<SerialBus>(std::move(*port), settings, 1ms);
  auto first = SerialBus::attach(bus, *hdlc::HdlcAddress::server_one_byte(0, 1));
  auto second = SerialBus::attach(bus, *hdlc::HdlcAddress::server_one_byte(0, 2));

  // The line's far end answers whatever request arrives with "answer".
  std::string requests;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::array<char, 7> received{};  // "request"
        auto [error, count] = co_await asio::async_read(
            line, asio::buffer(received), asio::experimental::as_tuple(asio::use_awaitable));
        if (error) co_return;
        requests.append(received.data(), count);
        co_await asio::async_write(line, asio::buffer(std::string("answer")),
                                   asio::experimental::as_tuple(asio::use_awaitable));
      },
      asio::detached);

  // The first meter takes the line and waits for an answer that never comes ...
  std::array<std::uint8_t, 64> first_buffer{};
  std::optional<Expected<std::size_t>> first_read;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        first_read.emplace(co_await first->read_some(first_buffer, 10s));
      },
      asio::detached);
  ASSERT_TRUE(test::wait_until(
      io, [&] { return bus->stats().turns == 1; }, 5s));
  io.poll();
  // ... and is aborted while that read is pending on the port.
  first->close();

  std::array<std::uint8_t, 64> second_buffer{};
  std::string answer;
  std::optional<Expected<std::size_t>> answered;
  std::optional<Expected<std::size_t>> silent;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const std::string request = "request";
        auto written = co_await second->write(
            ByteView(reinterpret_cast<const std::uint8_t*>(request.data()), request.size()), 2s);
        if (!written) {
          answered.emplace(written.error());
          co_return;
        }
        while (answer.size() < 6) {
          answered.emplace(co_await second->read_some(second_buffer, 2s));
          if (!*answered) break;
          answer.append(second_buffer.begin(),
                        second_buffer.begin() + static_cast<std::ptrdiff_t>(**answered));
        }
        silent.emplace(co_await second->read_some(second_buffer, 200ms));
      },
      asio::detached);
  ASSERT_TRUE(test::wait_until(
      io, [&] { return silent.has_value(); }, 5s))
      << "the second meter's read never ended";
  ASSERT_TRUE(first_read.has_value());
  ASSERT_FALSE(*first_read) << "the aborted meter's read took " << **first_read << " bytes";
  EXPECT_EQ(first_read->error().code, ErrorCode::connection_closed);
  EXPECT_EQ(requests, "request");
  ASSERT_TRUE(*answered) << answered->error().message;
  EXPECT_EQ(answer, "answer");
  ASSERT_FALSE(*silent);
  EXPECT_EQ(silent->error().code, ErrorCode::timeout) << silent->error().message;
  second.reset();
  first.reset();
  line.close();
  ::close(slave);
}

TEST(SerialBus, RefusesAMeterWithOtherLineSettingsOnTheSamePort) {
  int master = -1;
  int slave = -1;
  std::array<char, 128> name{};
  ASSERT_EQ(openpty(&master, &slave, name.data(), nullptr, nullptr), 0);
  asio::io_context io;
  const net::SerialSettings first{name.data(), 9600, net::Parity::none, 8, net::StopBits::one};
  auto bus = SerialBus::shared_bus(io.get_executor(), first);
  ASSERT_TRUE(bus) << bus.error().message;
  auto same = SerialBus::shared_bus(io.get_executor(), first);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->get(), bus->get());
  net::SerialSettings other = first;
  other.baud = 2400;
  auto refused = SerialBus::shared_bus(io.get_executor(), other);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("9600 8N1"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("2400 8N1"), std::string::npos) << refused.error().message;
  ::close(master);
  ::close(slave);
}

// issue 14 item 4's leftover: /dev/serial/by-id/... and the /dev/ttyUSB0 it links to are one port
// (one owner), and the bus keeps the largest inter-frame gap its meters ask for.
TEST(SerialBus, ALinkAndItsTargetAreOnePortWithTheLargestGap) {
  int master = -1;
  int slave = -1;
  std::array<char, 128> name{};
  ASSERT_EQ(openpty(&master, &slave, name.data(), nullptr, nullptr), 0);
  std::string folder = ::testing::TempDir() + "serial-by-id-XXXXXX";
  ASSERT_NE(::mkdtemp(folder.data()), nullptr);
  const std::string link = folder + "/usb-FTDI_RS485-if00-port0";
  ASSERT_EQ(::symlink(name.data(), link.c_str()), 0);
  EXPECT_EQ(serial_port_identity(link), serial_port_identity(name.data()));
  EXPECT_EQ(serial_port_identity("/dev/no-such-port"), "/dev/no-such-port");

  asio::io_context io;
  const net::SerialSettings by_id{link, 9600, net::Parity::none, 8, net::StopBits::one};
  auto bus = SerialBus::shared_bus(io.get_executor(), by_id, 50ms);
  ASSERT_TRUE(bus) << bus.error().message;
  net::SerialSettings by_name = by_id;
  by_name.device = name.data();
  auto same = SerialBus::shared_bus(io.get_executor(), by_name, 80ms);
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->get(), bus->get());
  EXPECT_EQ((*bus)->gap(), 80ms);
  ASSERT_TRUE(SerialBus::shared_bus(io.get_executor(), by_id, 10ms));
  EXPECT_EQ((*bus)->gap(), 80ms);
  by_name.baud = 2400;
  EXPECT_FALSE(SerialBus::shared_bus(io.get_executor(), by_name));
  ::unlink(link.c_str());
  ::rmdir(folder.c_str());
  ::close(master);
  ::close(slave);
}

}  // namespace
}  // namespace dlmsgw::client
