#pragma once
// Simulator: many simulated meters in one process on one asio io_context. Each meter has its own
// TCP acceptor; each connection is one coroutine feeding a sans-I/O ServerTransport
// (src/dlms/server), so nothing blocks the loop and no thread is spent per meter. Faults are
// injected here, on the wire.

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <memory>
#include <random>
#include <unordered_set>
#include <vector>

#include "dlms/server/simulated_meter.hpp"
#include "simulator/simulator_config.hpp"

namespace dlmsgw::simulator {

struct SimulatorCounters {
  std::uint64_t connections = 0;    // accepted
  std::uint64_t busy_refusals = 0;  // closed because the meter already had a client
  std::uint64_t inactivity_drops = 0;
  std::uint64_t requests = 0;          // APDUs answered
  std::uint64_t releases = 0;          // associations a client released with RLRQ
  std::uint64_t link_disconnects = 0;  // HDLC links a client ended with DISC
  std::uint64_t security_errors = 0;   // ciphered APDUs refused (counter not above the last...)
  FaultCounts faults{};                // per Fault
  [[nodiscard]] std::uint64_t faults_total() const;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (10,000 meters need 10,000 listening sockets
// and more for clients); returns the new soft limit.
std::uint64_t raise_open_file_limit();

class Simulator {
 public:
  Simulator(asio::io_context& io, SimulatorConfig config);
  ~Simulator();
  Simulator(const Simulator&) = delete;
  Simulator& operator=(const Simulator&) = delete;

  // Binds and listens on every meter's port and starts accepting; errors name the port.
  Expected<void> start();
  // Closes every acceptor and connection; the io_context then runs out of work.
  void stop();

  [[nodiscard]] const SimulatorConfig& config() const { return config_; }
  [[nodiscard]] const std::vector<std::uint16_t>& ports() const { return ports_; }
  [[nodiscard]] const SimulatorCounters& counters() const { return counters_; }
  server::SimulatedMeter& meter(std::size_t index) { return meters_[index]->meter; }
  // The server configuration of meter `index`: config().server with that meter's system title.
  [[nodiscard]] server::ServerConfig server_config_for(std::size_t index) const;

 private:
  struct MeterSlot {
    MeterSlot(server::MeterProfile profile, std::uint64_t seed, asio::io_context& io,
              server::ServerConfig server_config)
        : meter(std::move(profile), seed), acceptor(io), server(std::move(server_config)) {}
    server::SimulatedMeter meter;
    asio::ip::tcp::acceptor acceptor;
    std::size_t clients = 0;
    // The configured one with this meter's own system title: a client keeps the replay guard of
    // a meter's invocation counter by system title, so meters must not share one.
    server::ServerConfig server;
  };

  asio::awaitable<void> accept_loop(MeterSlot& slot);
  asio::awaitable<void> serve(MeterSlot& slot, asio::ip::tcp::socket socket, bool slow);
  asio::awaitable<bool> write_answer(asio::ip::tcp::socket& socket, const Bytes& frame);
  bool roll(Fault fault);
  std::unique_ptr<server::ServerTransport> make_transport(MeterSlot& slot) const;

  asio::io_context& io_;
  SimulatorConfig config_;
  std::vector<std::unique_ptr<MeterSlot>> meters_;
  std::vector<std::uint16_t> ports_;
  std::unordered_set<asio::ip::tcp::socket*> active_;
  std::mt19937_64 random_;
  SimulatorCounters counters_;
  bool stopped_ = false;
};

}  // namespace dlmsgw::simulator
