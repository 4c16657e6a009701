// The simulator on real loopback sockets, driven by the library's client-role pieces.
#include "simulator/simulator.hpp"

#include <gtest/gtest.h>

#include "dlms/acse/aare.hpp"
#include "simulator_test_support.hpp"

namespace dlmsgw::simulator {
namespace {

using namespace testing;

SimulatorConfig microstar_on_ephemeral_ports(std::size_t meters = 1) {
  SimulatorConfig config = SimulatorConfig::microstar();
  config.base_port = 0;
  config.meters = meters;
  return config;
}

std::optional<xdlms::GetDataResult> get_result(const std::optional<Bytes>& answer) {
  if (!answer) return std::nullopt;
  auto apdu = xdlms::decode_apdu(*answer);
  if (!apdu) return std::nullopt;
  auto* normal = std::get_if<xdlms::GetResponseNormal>(&*apdu);
  if (normal == nullptr) return std::nullopt;
  return normal->result;
}

// Connect, SNRM/UA, AARQ/AARE with LLS 22222222: true when associated.
asio::awaitable<bool> associate(HdlcClient& client, std::uint16_t port) {
  if (!co_await client.connect(port)) co_return false;
  if (!co_await client.snrm()) co_return false;
  auto aare = co_await client.request(lls_aarq("22222222"));
  if (!aare) co_return false;
  auto decoded = acse::decode_aare(*aare);
  co_return decoded && decoded->accepted();
}

TEST(Simulator, MicrostarReadsVoltageWithScaler) {
  SimulatorThread sim(microstar_on_ephemeral_ports());
  asio::io_context io;
  HdlcClient client(io);
  ASSERT_TRUE(run(io, associate(client, sim.port())));
  // The UA carried one-byte parameter values (the user's meter).
  EXPECT_EQ(client.link().parameters().max_info_receive, 128U);
  const auto value =
      get_result(run(io, client.request(get_request(3, ObisCode(1, 1, 32, 7, 0), 2))));
  ASSERT_TRUE(value);
  const auto* voltage = std::get_if<axdr::Data>(&*value);
  ASSERT_NE(voltage, nullptr);
  EXPECT_EQ(voltage->type(), axdr::DataType::long_unsigned);
  EXPECT_NEAR(static_cast<double>(*voltage->as_unsigned()), 13500, 200);
  const auto scaler =
      get_result(run(io, client.request(get_request(3, ObisCode(1, 1, 32, 7, 0), 3))));
  ASSERT_TRUE(scaler);
  EXPECT_EQ(std::get<axdr::Data>(*scaler),
            axdr::Data::structure({axdr::Data::integer(-2), axdr::Data::enumerated(35)}));
  sim.stop();
  EXPECT_EQ(sim.simulator().counters().connections, 1U);
  EXPECT_GE(sim.simulator().counters().requests, 3U);
}

TEST(Simulator, OneClientAtATime) {
  SimulatorThread sim(microstar_on_ephemeral_ports());
  asio::io_context io;
  HdlcClient first(io);
  ASSERT_TRUE(run(io, associate(first, sim.port())));
  HdlcClient second(io);
  ASSERT_TRUE(run(io, second.connect(sim.port())));
  // The meter closes the second connection without a word.
  EXPECT_FALSE(run(io, second.read_once(10s)));
  // The first still works; once it leaves, a new client is served.
  EXPECT_TRUE(get_result(run(io, first.request(get_request(3, ObisCode(1, 1, 1, 8, 0), 2)))));
  first.socket().close();
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    HdlcClient third(io);
    served = run(io, associate(third, sim.port()));
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served);
  sim.stop();
  EXPECT_GE(sim.simulator().counters().busy_refusals, 1U);
}

TEST(Simulator, DropsAnIdleLink) {
  SimulatorConfig config = microstar_on_ephemeral_ports();
  config.inactivity_timeout = 300ms;
  SimulatorThread sim(config);
  asio::io_context io;
  HdlcClient client(io);
  ASSERT_TRUE(run(io, associate(client, sim.port())));
  // Nothing sent: the meter hangs up (EOF) well within 10 s.
  EXPECT_FALSE(run(io, client.read_once(10s)));
  sim.stop();
  EXPECT_EQ(sim.simulator().counters().inactivity_drops, 1U);
}

class FaultTest : public ::testing::Test {
 protected:
  SimulatorConfig with_fault(Fault fault, double rate = 1.0) {
    SimulatorConfig config = microstar_on_ephemeral_ports();
    config.fault_rates[static_cast<std::size_t>(fault)] = rate;
    config.fault_delay = 300ms;
    return config;
  }
  asio::io_context io;
};

TEST_F(FaultTest, GarbageBetweenFramesIsSkippedByTheDeframer) {
  SimulatorThread sim(with_fault(Fault::garbage));
  HdlcClient client(io);
  ASSERT_TRUE(run(io, associate(client, sim.port())));
  EXPECT_TRUE(get_result(run(io, client.request(get_request(3, ObisCode(1, 1, 32, 7, 0), 2)))));
  const auto& stats = client.link().deframer_stats();
  EXPECT_GT(stats.garbage_bytes + stats.bad_frames, 0U);
  sim.stop();
  EXPECT_GE(sim.simulator().counters().faults[static_cast<std::size_t>(Fault::garbage)], 3U);
}

TEST_F(FaultTest, FlagBytesInsideFrames) {
  SimulatorThread sim(with_fault(Fault::flag_bytes));
  HdlcClient client(io);
  ASSERT_TRUE(run(io, associate(client, sim.port())));
  bool flag_inside = false;
  for (int i = 0; i < 6; ++i) {
    const std::size_t before = client.reads.size();
    const auto value =
        get_result(run(io, client.request(get_request(3, ObisCode(1, 1, 32, 7, 0), 2))));
    ASSERT_TRUE(value);  // the client's deframer goes by the length field
    EXPECT_NEAR(static_cast<double>(*std::get<axdr::Data>(*value).as_unsigned()), 13500, 600);
    for (std::size_t r = before; r < client.reads.size(); ++r) {
      const Bytes& bytes = client.reads[r];
      if (bytes.size() > 2 &&
          std::find(bytes.begin() + 1, bytes.end() - 1, 0x7E) != bytes.end() - 1) {
        flag_inside = true;
      }
    }
  }
  EXPECT_TRUE(flag_inside);
}

TEST_F(FaultTest, ByteAtATime) {
  SimulatorThread sim(with_fault(Fault::byte_at_a_time));
  HdlcClient client(io);
  ASSERT_TRUE(run(io, associate(client, sim.port())));
  std::size_t single_byte_reads = 0;
  for (const auto& read : client.reads) single_byte_reads += read.size() == 1 ? 1 : 0;
  EXPECT_GT(single_byte_reads, 10U);
}

TEST_F(FaultTest, StaleDuplicatesAreNotDeliveredTwice) {
  SimulatorThread sim(with_fault(Fault::stale_duplicate));
  HdlcClient client(io);
  ASSERT_TRUE(run(io, associate(client, sim.port())));
  EXPECT_TRUE(get_result(run(io, client.request(get_request(3, ObisCode(1, 1, 32, 7, 0), 2)))));
  EXPECT_GT(client.link().stats().duplicates + client.link().stats().ignored_frames, 0U);
}

TEST_F(FaultTest, DelayedAnswerStillArrives) {
  SimulatorThread sim(with_fault(Fault::delay));
  HdlcClient client(io);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(run(io, associate(client, sim.port())));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 600ms);  // two delayed answers at least
}

TEST_F(FaultTest, DroppedAnswer) {
  SimulatorThread sim(with_fault(Fault::drop));
  HdlcClient client(io);
  ASSERT_TRUE(run(io, client.connect(sim.port())));
  EXPECT_FALSE(run(io, client.snrm(500ms)));
  sim.stop();
  EXPECT_GE(sim.simulator().counters().faults[static_cast<std::size_t>(Fault::drop)], 1U);
}

TEST_F(FaultTest, ResetMidFrame) {
  SimulatorThread sim(with_fault(Fault::reset));
  HdlcClient client(io);
  ASSERT_TRUE(run(io, client.connect(sim.port())));
  EXPECT_FALSE(run(io, client.snrm()));
  EXPECT_TRUE(client.last_error == asio::error::connection_reset ||
              client.last_error == asio::error::eof)
      << client.last_error.message();
  EXPECT_NE(client.link().state(), hdlc::LinkState::connected);
}

TEST_F(FaultTest, RefusedConnection) {
  SimulatorThread sim(with_fault(Fault::refuse));
  HdlcClient client(io);
  // The simulator accepts and resets at once; on a loaded machine the reset can arrive before the
  // client sees its connect complete, which then fails. Either way nothing is ever read.
  if (run(io, client.connect(sim.port()))) {
    EXPECT_FALSE(run(io, client.read_once(10s)));
  }
  EXPECT_TRUE(client.reads.empty());
  sim.stop();
  EXPECT_GE(sim.simulator().counters().connections, 1u);
}

TEST_F(FaultTest, SlowAccept) {
  SimulatorThread sim(with_fault(Fault::slow_accept));
  HdlcClient client(io);
  ASSERT_TRUE(run(io, client.connect(sim.port())));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(run(io, client.snrm()));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);
}

TEST(SimulatorScale, ThousandMetersReadConcurrently) {
  raise_open_file_limit();
  SimulatorThread sim(microstar_on_ephemeral_ports(1000));
  asio::io_context io;
  std::size_t done = 0;
  std::size_t ok = 0;
  std::vector<std::unique_ptr<HdlcClient>> clients;
  for (std::size_t i = 0; i < 1000; ++i) {
    clients.push_back(std::make_unique<HdlcClient>(io));
    asio::co_spawn(
        io,
        [&, i, port = sim.port(i)]() -> asio::awaitable<void> {
          HdlcClient& client = *clients[i];
          bool good = co_await associate(client, port);
          if (good) {
            auto answer = co_await client.request(get_request(3, ObisCode(1, 1, 1, 8, 0), 2));
            auto result = get_result(answer);
            good = result && std::holds_alternative<axdr::Data>(*result);
          }
          ok += good ? 1 : 0;
          ++done;
        },
        asio::detached);
  }
  wait_until(
      io, [&] { return done == 1000; }, 60s);
  EXPECT_EQ(ok, 1000U);
  // Different seeds, different meters.
  EXPECT_NE(sim.simulator().meter(0).model().serial_number(),
            sim.simulator().meter(999).model().serial_number());
}

TEST(SimulatorConfig, ProfilesAndFaultParsing) {
  EXPECT_EQ(SimulatorConfig::microstar().base_port, 3333);
  EXPECT_EQ(SimulatorConfig::generic().base_port, 4059);
  EXPECT_FALSE(SimulatorConfig::for_profile("landis"));
  auto fault = parse_fault("flag_bytes=0.25");
  ASSERT_TRUE(fault);
  EXPECT_EQ(fault->first, Fault::flag_bytes);
  EXPECT_DOUBLE_EQ(fault->second, 0.25);
  EXPECT_FALSE(parse_fault("flag_bytes"));
  EXPECT_FALSE(parse_fault("nope=1"));
  EXPECT_FALSE(parse_fault("drop=2"));
  EXPECT_FALSE(parse_fault("drop=x"));
  for (std::size_t i = 0; i < kFaultCount; ++i) {
    EXPECT_EQ(fault_from_name(to_string(static_cast<Fault>(i))), static_cast<Fault>(i));
  }
}

}  // namespace
}  // namespace dlmsgw::simulator
