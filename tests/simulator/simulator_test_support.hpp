#pragma once
// A simulator on its own thread, and an HDLC client made of the library's client-role pieces
// (HdlcLink, encode_aarq, GetRequest) on real loopback sockets.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/awaitable_operators.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <thread>

#include "dlms/acse/aarq.hpp"
#include "dlms/hdlc/hdlc_link.hpp"
#include "dlms/security/lls_authentication_value.hpp"
#include "dlms/xdlms/apdu.hpp"
#include "dlms/xdlms/initiate.hpp"
#include "simulator/simulator.hpp"
#include "support/run_coroutine.hpp"

namespace dlmsgw::simulator::testing {

using namespace std::chrono_literals;
using asio::ip::tcp;
inline constexpr auto kToken = asio::experimental::as_tuple(asio::use_awaitable);

class SimulatorThread {
 public:
  explicit SimulatorThread(SimulatorConfig config) : simulator_(io_, std::move(config)) {
    auto started = simulator_.start();
    EXPECT_TRUE(started) << (started ? "" : started.error().message);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~SimulatorThread() { stop(); }
  // Stops and joins; the counters are then safe to read.
  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { simulator_.stop(); });
    thread_.join();
  }
  Simulator& simulator() { return simulator_; }
  [[nodiscard]] std::uint16_t port(std::size_t i = 0) const { return simulator_.ports().at(i); }

 private:
  asio::io_context io_;
  Simulator simulator_;
  std::thread thread_;
};

using test::run;
using test::wait_until;

inline Bytes lls_aarq(const std::string& password) {
  acse::AarqParameters aarq;
  aarq.mechanism = acse::MechanismName::low;
  aarq.calling_authentication_value = security::lls_authentication_value(password);
  xdlms::InitiateRequest initiate;
  initiate.proposed_conformance = xdlms::Conformance(0x007E1F);
  initiate.client_max_receive_pdu_size = 1200;
  aarq.user_information = initiate.encode();
  return *acse::encode_aarq(aarq);
}

inline Bytes get_request(std::uint16_t class_id, const ObisCode& code, std::int8_t attribute) {
  return xdlms::GetRequestNormal{{}, {class_id, code, attribute}, std::nullopt}.encode();
}

// The user's client setup: client 1, server one-byte 0x03, SNRM without parameters.
class HdlcClient {
 public:
  explicit HdlcClient(asio::io_context& io) : socket_(io), link_(make_link()) {}

  static hdlc::HdlcLink make_link() {
    hdlc::LinkConfig config;
    config.local = *hdlc::HdlcAddress::client(1);
    config.peer = *hdlc::HdlcAddress::server_one_byte(0, 1);
    config.send_snrm_parameters = false;
    return *hdlc::HdlcLink::create(config);
  }

  asio::awaitable<bool> connect(std::uint16_t port) {
    auto [error] = co_await socket_.async_connect({asio::ip::address_v4::loopback(), port}, kToken);
    co_return !error;
  }

  // Reads once with a deadline: the bytes, empty on timeout, nullopt on EOF or error.
  asio::awaitable<std::optional<Bytes>> read_once(std::chrono::milliseconds timeout) {
    using namespace asio::experimental::awaitable_operators;
    std::array<std::uint8_t, 4096> buffer{};
    asio::steady_timer timer(socket_.get_executor(), timeout);
    auto result = co_await (socket_.async_read_some(asio::buffer(buffer), kToken) ||
                            timer.async_wait(kToken));
    if (result.index() == 1) co_return Bytes{};
    auto [error, count] = std::get<0>(result);
    if (error) {
      last_error = error;
      co_return std::nullopt;
    }
    Bytes bytes(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(count));
    reads.push_back(bytes);
    co_return bytes;
  }

  // Writes `frames` and feeds what comes back to the link until `want` happened; nullopt on
  // timeout, EOF or error.
  asio::awaitable<std::optional<hdlc::LinkEvent>> exchange(
      std::vector<Bytes> frames, hdlc::LinkEvent::Kind want,
      std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (const auto& frame : frames) {
        auto [error, count] = co_await asio::async_write(socket_, asio::buffer(frame), kToken);
        if (error) co_return std::nullopt;
      }
      frames.clear();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) co_return std::nullopt;
      auto bytes = co_await read_once(left);
      if (!bytes) co_return std::nullopt;
      auto out = link_.on_bytes(*bytes);
      frames = std::move(out.frames);
      for (auto& event : out.events) {
        if (event.kind == want) {
          for (const auto& frame : frames) {
            co_await asio::async_write(socket_, asio::buffer(frame), kToken);
          }
          co_return std::move(event);
        }
      }
    }
  }

  asio::awaitable<bool> snrm(std::chrono::milliseconds timeout = 10s) {
    auto out = link_.connect();
    auto event = co_await exchange(out->frames, hdlc::LinkEvent::Kind::connected, timeout);
    co_return event.has_value();
  }

  asio::awaitable<std::optional<Bytes>> request(const Bytes& apdu,
                                                std::chrono::milliseconds timeout = 10s) {
    auto out = link_.send_apdu(apdu);
    auto event = co_await exchange(out->frames, hdlc::LinkEvent::Kind::apdu_received, timeout);
    if (!event) co_return std::nullopt;
    co_return std::move(event->data);
  }

  tcp::socket& socket() { return socket_; }
  hdlc::HdlcLink& link() { return link_; }
  std::vector<Bytes> reads;
  std::error_code last_error;

 private:
  tcp::socket socket_;
  hdlc::HdlcLink link_;
};

}  // namespace dlmsgw::simulator::testing
