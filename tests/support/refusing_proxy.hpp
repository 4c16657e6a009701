#pragma once
// RefusingProxy: a TCP proxy on 127.0.0.1 in front of a real broker (MosquittoBroker) that refuses
// one kind of message the way ThingsBoard does when it cannot process a PUBLISH (the tenant's
// device limit, a payload it fails on): it closes the session and never sends that message's
// PUBACK.
//
// Client to broker, the stream is cut into MQTT packets (fixed header, remaining length) and
// forwarded packet by packet. A PUBLISH whose bytes contain `marker` is not forwarded; nothing the
// client sends after it is either; the broker's answers to what came before still reach the client
// for `grace` (ThingsBoard acknowledges what it processed before giving up), then both sides are
// closed. Broker to client, bytes pass unchanged.
//
// Refusal::swallow instead drops only that PUBLISH and keeps the session: the platform answering
// everything but that message (its PUBACK never comes, later messages are acknowledged).
// Header-only, blocking sockets on its own threads, so it works whatever the test does with its
// io_context.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "support/free_port.hpp"

namespace dlmsgw::test {

class RefusingProxy {
 public:
  enum class Refusal { close_session, swallow };

  RefusingProxy(std::uint16_t broker_port, std::string marker,
                Refusal refusal = Refusal::close_session,
                std::chrono::milliseconds grace = std::chrono::milliseconds(200))
      : broker_port_(broker_port), marker_(std::move(marker)), refusal_(refusal), grace_(grace) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    const int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in addr = loopback(0);
    socklen_t len = sizeof addr;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 16) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("RefusingProxy: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~RefusingProxy() {
    stopping_ = true;
    acceptor_.join();
    ::close(listener_);
    std::lock_guard lock(mutex_);
    for (auto& session : sessions_) {
      ::shutdown(session->client, SHUT_RDWR);
      ::shutdown(session->broker, SHUT_RDWR);
    }
    for (auto& session : sessions_) {
      session->upstream.join();
      session->downstream.join();
      ::close(session->client);
      ::close(session->broker);
    }
  }

  RefusingProxy(const RefusingProxy&) = delete;
  RefusingProxy& operator=(const RefusingProxy&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  // PUBLISH packets refused because they carried the marker.
  [[nodiscard]] int refusals() const { return refusals_; }
  // Client connections accepted (and forwarded to the broker).
  [[nodiscard]] int connections() const { return connections_; }

 private:
  struct Session {
    int client = -1;
    int broker = -1;
    std::thread upstream;
    std::thread downstream;
  };

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
  }

  void accept_loop() {
    while (!stopping_) {
      pollfd waiting{listener_, POLLIN, 0};
      if (::poll(&waiting, 1, 50) <= 0) continue;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      const int broker = ::socket(AF_INET, SOCK_STREAM, 0);
      const sockaddr_in addr = loopback(broker_port_);
      if (broker < 0 || ::connect(broker, reinterpret_cast<const sockaddr*>(&addr), sizeof addr)) {
        ::close(client);
        if (broker >= 0) ::close(broker);
        continue;
      }
      ++connections_;
      auto session = std::make_unique<Session>();
      session->client = client;
      session->broker = broker;
      Session* raw = session.get();
      raw->upstream = std::thread([this, raw] { relay_packets(*raw); });
      raw->downstream = std::thread([raw] { relay_bytes(raw->broker, raw->client); });
      std::lock_guard lock(mutex_);
      sessions_.push_back(std::move(session));
    }
  }

  static bool send_all(int fd, const char* data, std::size_t size) {
    while (size > 0) {
      const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
      if (n <= 0) return false;
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }

  static void relay_bytes(int from, int to) {
    char buffer[16384];
    for (;;) {
      const ssize_t n = ::recv(from, buffer, sizeof buffer, 0);
      if (n <= 0 || !send_all(to, buffer, static_cast<std::size_t>(n))) break;
    }
    ::shutdown(to, SHUT_RDWR);
    ::shutdown(from, SHUT_RDWR);
  }

  // The length of the packet at the start of `bytes`, or 0 while it is incomplete.
  static std::size_t packet_length(const std::string& bytes) {
    std::size_t remaining = 0;
    std::size_t multiplier = 1;
    for (std::size_t i = 1; i < bytes.size() && i <= 4; ++i) {
      const auto byte = static_cast<unsigned char>(bytes[i]);
      remaining += (byte & 0x7fU) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80U) == 0) {
        const std::size_t total = 1 + i + remaining;
        return bytes.size() >= total ? total : 0;
      }
    }
    return 0;
  }

  void relay_packets(Session& session) {
    std::string pending;
    char buffer[16384];
    for (;;) {
      const ssize_t n = ::recv(session.client, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      pending.append(buffer, static_cast<std::size_t>(n));
      while (const std::size_t length = packet_length(pending)) {
        const bool publish = (static_cast<unsigned char>(pending[0]) >> 4) == 3;
        if (publish &&
            std::string_view(pending.data(), length).find(marker_) != std::string_view::npos) {
          ++refusals_;
          if (refusal_ == Refusal::swallow) {
            pending.erase(0, length);
            continue;
          }
          // What came before may still be acknowledged; then the session ends, no PUBACK.
          std::this_thread::sleep_for(grace_);
          ::shutdown(session.client, SHUT_RDWR);
          ::shutdown(session.broker, SHUT_RDWR);
          return;
        }
        if (!send_all(session.broker, pending.data(), length)) break;
        pending.erase(0, length);
      }
    }
    ::shutdown(session.broker, SHUT_RDWR);
    ::shutdown(session.client, SHUT_RDWR);
  }

  std::uint16_t broker_port_;
  std::string marker_;
  Refusal refusal_;
  std::chrono::milliseconds grace_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> refusals_{0};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::list<std::unique_ptr<Session>> sessions_;
  std::thread acceptor_;
};

}  // namespace dlmsgw::test
