#include "simulator/simulator.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <numeric>

#include "dlms/server/wrapper_server_transport.hpp"

namespace dlmsgw::simulator {
namespace {

using asio::ip::tcp;
constexpr auto kToken = asio::experimental::as_tuple(asio::use_awaitable);

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Close with RST instead of FIN: what a meter's modem does when it drops the line.
void reset_socket(tcp::socket& socket) {
  std::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

}  // namespace

std::uint64_t SimulatorCounters::faults_total() const {
  return std::accumulate(faults.begin(), faults.end(), std::uint64_t{0});
}

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

Simulator::Simulator(asio::io_context& io, SimulatorConfig config)
    : io_(io), config_(std::move(config)), random_(config_.seed ^ 0x51D0C0FFEEULL) {}

Simulator::~Simulator() {
  stop();
}

Expected<void> Simulator::start() {
  std::error_code error;
  const auto bind_address = asio::ip::make_address(config_.bind_address, error);
  if (error) {
    return make_error(ErrorCode::invalid_argument,
                      "bind address '" + config_.bind_address + "': " + error.message());
  }
  meters_.reserve(config_.meters);
  for (std::size_t i = 0; i < config_.meters; ++i) {
    auto slot = std::make_unique<MeterSlot>(config_.meter_profile, config_.seed + i, io_,
                                            server_config_for(i));
    const auto port =
        static_cast<std::uint16_t>(config_.base_port == 0 ? 0 : config_.base_port + i);
    const tcp::endpoint endpoint(bind_address, port);
    slot->acceptor.open(endpoint.protocol(), error);
    if (!error) slot->acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) slot->acceptor.bind(endpoint, error);
    if (!error) slot->acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      stop();
      return make_error(ErrorCode::io_error, "meter " + std::to_string(i) + ": cannot listen on " +
                                                 config_.bind_address + ":" + std::to_string(port) +
                                                 ": " + error.message());
    }
    ports_.push_back(slot->acceptor.local_endpoint().port());
    meters_.push_back(std::move(slot));
  }
  for (auto& slot : meters_) asio::co_spawn(io_, accept_loop(*slot), asio::detached);
  return {};
}

void Simulator::stop() {
  stopped_ = true;
  std::error_code ignored;
  for (auto& slot : meters_) slot->acceptor.close(ignored);
  for (auto* socket : active_) socket->close(ignored);
}

server::ServerConfig Simulator::server_config_for(std::size_t index) const {
  server::ServerConfig config = config_.server;
  const ByteView title = config.security.system_title.bytes();
  std::array<std::uint8_t, security::SystemTitle::kSize> bytes{};
  std::copy(title.begin(), title.end(), bytes.begin());
  // Meter i (seed s + i): the configured title plus s - 1 + i in its last four bytes, so that
  // meters of simulators with other seeds differ too (with the default seed 1, meter 0 keeps it).
  std::uint32_t serial = (std::uint32_t{bytes[4]} << 24) | (std::uint32_t{bytes[5]} << 16) |
                         (std::uint32_t{bytes[6]} << 8) | bytes[7];
  serial += static_cast<std::uint32_t>(config_.seed - 1 + index);
  for (std::size_t k = 0; k < 4; ++k) bytes[7 - k] = static_cast<std::uint8_t>(serial >> (8 * k));
  config.security.system_title = security::SystemTitle(bytes);
  return config;
}

bool Simulator::roll(Fault fault) {
  const double rate = config_.fault_rates[static_cast<std::size_t>(fault)];
  if (rate <= 0.0) return false;
  if (rate < 1.0 && std::uniform_real_distribution<double>(0.0, 1.0)(random_) >= rate) return false;
  ++counters_.faults[static_cast<std::size_t>(fault)];
  return true;
}

std::unique_ptr<server::ServerTransport> Simulator::make_transport(MeterSlot& slot) const {
  if (config_.transport == Transport::hdlc) {
    return std::make_unique<server::HdlcServerTransport>(slot.meter, slot.server, config_.hdlc);
  }
  return std::make_unique<server::WrapperServerTransport>(slot.meter, slot.server);
}

asio::awaitable<void> Simulator::accept_loop(MeterSlot& slot) {
  while (!stopped_) {
    auto [error, socket] = co_await slot.acceptor.async_accept(kToken);
    if (error) {
      if (stopped_ || error == asio::error::operation_aborted) co_return;
      continue;  // EMFILE and friends: keep listening
    }
    ++counters_.connections;
    if (roll(Fault::refuse)) {
      reset_socket(socket);
      continue;
    }
    const bool slow = roll(Fault::slow_accept);
    asio::co_spawn(io_, serve(slot, std::move(socket), slow), asio::detached);
  }
}

asio::awaitable<bool> Simulator::write_answer(tcp::socket& socket, const Bytes& frame) {
  if (roll(Fault::byte_at_a_time)) {
    for (const std::uint8_t byte : frame) {
      auto [error, count] = co_await asio::async_write(socket, asio::buffer(&byte, 1), kToken);
      if (error) co_return false;
      asio::steady_timer pause(io_, std::chrono::milliseconds(1));
      co_await pause.async_wait(kToken);
    }
    co_return true;
  }
  auto [error, count] = co_await asio::async_write(socket, asio::buffer(frame), kToken);
  co_return !error;
}

asio::awaitable<void> Simulator::serve(MeterSlot& slot, tcp::socket socket, bool slow) {
  using namespace asio::experimental::awaitable_operators;
  active_.insert(&socket);
  struct Leave {
    Simulator& self;
    tcp::socket* socket;
    ~Leave() { self.active_.erase(socket); }
  } leave{*this, &socket};
  std::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  if (slow) {
    asio::steady_timer wait(io_, config_.fault_delay);
    co_await wait.async_wait(kToken);
  }
  if (config_.one_client_at_a_time && slot.clients > 0) {
    // The user's meter serves one client: a second connection is closed at once.
    ++counters_.busy_refusals;
    socket.close(ignored);
    co_return;
  }
  ++slot.clients;
  struct Release {
    std::size_t& clients;
    ~Release() { --clients; }
  } release{slot.clients};

  auto transport = make_transport(slot);
  std::array<std::uint8_t, 4096> buffer{};
  Bytes previous_answer;
  while (socket.is_open() && !stopped_) {
    asio::steady_timer idle(io_, config_.inactivity_timeout);
    auto result =
        co_await (socket.async_read_some(asio::buffer(buffer), kToken) || idle.async_wait(kToken));
    if (result.index() == 1) {
      ++counters_.inactivity_drops;
      break;
    }
    auto [error, count] = std::get<0>(result);
    if (error) break;
    if (roll(Fault::flag_bytes)) transport->request_flag_bytes();
    auto out = transport->on_bytes(ByteView(buffer.data(), count), now_unix_ms());
    counters_.requests += out.requests;
    counters_.releases += out.releases;
    counters_.security_errors += out.security_errors;
    if (out.link_disconnected) ++counters_.link_disconnects;
    if (!out.writes.empty()) {
      if (roll(Fault::drop)) continue;
      if (roll(Fault::delay) || (out.service_errors > 0 && roll(Fault::late_error))) {
        asio::steady_timer wait(io_, config_.fault_delay);
        co_await wait.async_wait(kToken);
      }
      if (!previous_answer.empty() && roll(Fault::stale_duplicate)) {
        if (!co_await write_answer(socket, previous_answer)) break;
      }
      bool failed = false;
      for (const auto& frame : out.writes) {
        if (roll(Fault::garbage)) {
          Bytes garbage(1 + random_() % 16);
          for (auto& byte : garbage) byte = static_cast<std::uint8_t>(random_());
          auto [garbage_error, written] =
              co_await asio::async_write(socket, asio::buffer(garbage), kToken);
          if (garbage_error) failed = true;
        }
        if (!failed && roll(Fault::reset)) {
          co_await asio::async_write(socket, asio::buffer(frame.data(), frame.size() / 2), kToken);
          reset_socket(socket);
          failed = true;
        }
        if (failed || !co_await write_answer(socket, frame)) {
          failed = true;
          break;
        }
      }
      if (failed) break;
      previous_answer = out.writes.back();
    }
    if (out.close) break;
  }
  socket.close(ignored);
}

}  // namespace dlmsgw::simulator
