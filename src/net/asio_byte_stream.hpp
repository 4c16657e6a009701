#pragma once
// AsioByteStream: ByteStream over any asio stream object (tcp::socket, serial_port).
//
// Deadlines cost nothing per operation: each operation stores its deadline as a value, and one
// long-lived watchdog timer per stream, armed only when no earlier expiry is already pending,
// checks the stored deadlines when it fires: an operation past its deadline is cancelled (a read)
// or the stream closed (a write), and the watchdog is armed again for what is still pending. With
// the same timeout on every request the deadlines only move later, so a busy stream re-arms its
// timer once per timeout period instead of twice per request, and an idle stream's watchdog stops
// after one expiry.
//
// A TCP write is first tried at once when the socket could be made non-blocking: a request frame
// almost always fits the send buffer, so it leaves in one send() without an event-loop round trip;
// only what did not fit (or what a signal interrupted) waits for the socket. Where
// non_blocking(true) failed every write goes through asio, so that no send() can block the event
// loop. Reads wait through asio (one epoll wait, then one receive).
//
// Each stream keeps one slot for its read and one for its write, so a caller has at most one read
// and one write pending, one after the other: a second read (or write) while one is pending is
// refused with protocol_state, never allowed to take over the first one's deadline. A read that
// times out cancels the stream's pending operations (asio cancels per object), which is only that
// read.

#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <memory>
#include <optional>
#include <utility>

#include "net/byte_stream.hpp"

namespace dlmsgw::net {

// Maps an asio error to our error kinds: end of file and resets are the peer going away.
Error stream_error(const std::error_code& error, const std::string& peer,
                   std::string_view operation);
Error timeout_error(const std::string& peer, std::string_view operation, Timeout timeout);

template <class AsioStream>
class AsioByteStream final : public ByteStream {
  using Clock = asio::steady_timer::clock_type;

 public:
  AsioByteStream(AsioStream stream, std::string peer)
      : stream_(std::move(stream)), peer_(std::move(peer)), watchdog_(stream_.get_executor()) {
    if constexpr (kCanTryWritesAtOnce) {
      // Only sync calls see it (asio's own ops already are non-blocking). Without it write_some
      // would wait in poll() for a peer with a zero TCP window, and the whole event loop with it.
      std::error_code error;
      stream_.non_blocking(true, error);
      try_writes_at_once_ = !error && stream_.non_blocking();
    }
  }
  ~AsioByteStream() override { *alive_ = false; }
  AsioByteStream(const AsioByteStream&) = delete;
  AsioByteStream& operator=(const AsioByteStream&) = delete;

  asio::awaitable<Expected<std::size_t>> read_some(std::span<std::uint8_t> buffer,
                                                   Timeout timeout) override {
    constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
    if (!is_open()) co_return stream_error(asio::error::not_connected, peer_, "read");
    if (read_.active) co_return overlap_error("read");
    begin(read_, timeout);
    auto [error, count] =
        co_await stream_.async_read_some(asio::buffer(buffer.data(), buffer.size()), token);
    const bool timed_out = end(read_);
    if (error == asio::error::operation_aborted && timed_out) {
      co_return timeout_error(peer_, "read", timeout);
    }
    if (error) co_return stream_error(error, peer_, "read");
    co_return count;
  }

  asio::awaitable<Expected<void>> write(ByteView data, Timeout timeout) override {
    constexpr auto token = asio::experimental::as_tuple(asio::use_awaitable);
    if (!is_open()) co_return stream_error(asio::error::not_connected, peer_, "write");
    if (write_.active) co_return overlap_error("write");
    if (try_writes_at_once_) {
      std::error_code error;
      const std::size_t sent = stream_.write_some(asio::buffer(data.data(), data.size()), error);
      if (!error && sent == data.size()) co_return Expected<void>{};
      if (error && error != asio::error::would_block && error != asio::error::try_again &&
          error != asio::error::interrupted) {
        co_return stream_error(error, peer_, "write");
      }
      data = data.subspan(error ? 0 : sent);
    }
    begin(write_, timeout);
    auto [error, count] =
        co_await asio::async_write(stream_, asio::buffer(data.data(), data.size()), token);
    if (end(write_)) {
      // Part of the data may be on the wire: the framing is broken, so the stream cannot be reused
      // (the watchdog closed it).
      co_return timeout_error(peer_, "write", timeout);
    }
    if (error) co_return stream_error(error, peer_, "write");
    co_return Expected<void>{};
  }

  // Also stops the watchdog, so that a closed stream leaves no work on the event loop.
  void close() override {
    std::error_code ignored;
    stream_.close(ignored);
    if (armed_) {
      armed_ = false;
      ++generation_;
      watchdog_.cancel();
    }
  }
  // The pending operations end now with connection_closed; the stream stays open.
  void cancel() override {
    std::error_code ignored;
    stream_.cancel(ignored);
  }
  [[nodiscard]] bool is_open() const override { return stream_.is_open(); }
  [[nodiscard]] const std::string& peer() const override { return peer_; }

  AsioStream& native() { return stream_; }

 private:
  static constexpr bool kCanTryWritesAtOnce =
      requires(AsioStream & stream, std::error_code& error) {
    stream.non_blocking(true, error);
  };

  // A caller bug (two reads at once on one stream): loud, and the pending operation keeps its slot.
  Error overlap_error(std::string_view operation) const {
    return make_error(ErrorCode::protocol_state,
                      peer_ + ": " + std::string(operation) + " refused: another " +
                          std::string(operation) +
                          " is still pending on this stream (one at a time: wait for it or "
                          "cancel it first)");
  }

  struct Pending {
    bool active = false;
    bool timed_out = false;
    Clock::time_point deadline{};
  };

  void begin(Pending& operation, Timeout timeout) {
    operation = Pending{true, false, Clock::now() + timeout};
    arm(operation.deadline);
  }
  // Ends an operation; true when the watchdog found it past its deadline.
  static bool end(Pending& operation) {
    operation.active = false;
    return std::exchange(operation.timed_out, false);
  }

  // Makes sure the watchdog fires no later than `deadline`. An expiry already pending at or before
  // it is kept: when it fires it looks at the deadlines then.
  void arm(Clock::time_point deadline) {
    if (armed_ && watchdog_expiry_ <= deadline) return;
    armed_ = true;
    watchdog_expiry_ = deadline;
    watchdog_.expires_at(deadline);  // a wait already pending ends with operation_aborted
    watchdog_.async_wait([this, alive = alive_, generation = ++generation_](std::error_code error) {
      // Destroyed, cancelled or armed again since.
      if (!*alive || error || generation != generation_) return;
      on_watchdog();
    });
  }

  void on_watchdog() {
    armed_ = false;
    const auto now = Clock::now();
    if (read_.active && !read_.timed_out && now >= read_.deadline) {
      read_.timed_out = true;
      std::error_code ignored;
      stream_.cancel(ignored);
    }
    if (write_.active && !write_.timed_out && now >= write_.deadline) {
      write_.timed_out = true;
      close();
    }
    if (!is_open()) return;
    std::optional<Clock::time_point> next;
    for (const Pending* operation : {&read_, &write_}) {
      if (operation->active && !operation->timed_out && (!next || operation->deadline < *next)) {
        next = operation->deadline;
      }
    }
    if (next) arm(*next);
  }

  AsioStream stream_;
  std::string peer_;
  asio::steady_timer watchdog_;
  bool armed_ = false;
  Clock::time_point watchdog_expiry_{};
  std::uint64_t generation_ = 0;
  bool try_writes_at_once_ = false;
  // Tells a watchdog handler still queued after the stream is gone not to touch it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  Pending read_;
  Pending write_;
};

}  // namespace dlmsgw::net
