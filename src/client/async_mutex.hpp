#pragma once
// AsyncMutex: mutual exclusion between coroutines on one executor (a request and the keep-alive
// must not interleave on one meter link). Waiters park on a timer that unlock() cancels; no thread
// synchronisation, since a session lives on one executor.

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <list>

namespace dlmsgw::client {

class AsyncMutex {
 public:
  class Guard {
   public:
    explicit Guard(AsyncMutex* mutex) : mutex_(mutex) {}
    Guard(Guard&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    Guard& operator=(Guard&&) = delete;
    ~Guard() {
      if (mutex_ != nullptr) mutex_->unlock();
    }

   private:
    AsyncMutex* mutex_;
  };

  asio::awaitable<Guard> lock() {
    while (locked_) {
      auto executor = co_await asio::this_coro::executor;
      waiters_.emplace_back(executor, asio::steady_timer::time_point::max());
      // Erased however the wait ends: a coroutine destroyed while parked (its operation cancelled
      // by a deadline) must not leave a timer behind for unlock() to wake instead of a live waiter.
      const EraseOnExit erase{waiters_, std::prev(waiters_.end())};
      co_await erase.it->async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    }
    locked_ = true;
    co_return Guard(this);
  }
  [[nodiscard]] bool locked() const { return locked_; }

 private:
  void unlock() {
    locked_ = false;
    if (!waiters_.empty()) waiters_.front().cancel();
  }

  struct EraseOnExit {
    EraseOnExit(std::list<asio::steady_timer>& waiters, std::list<asio::steady_timer>::iterator at)
        : list(waiters), it(at) {}
    std::list<asio::steady_timer>& list;
    std::list<asio::steady_timer>::iterator it;
    EraseOnExit(const EraseOnExit&) = delete;
    EraseOnExit& operator=(const EraseOnExit&) = delete;
    ~EraseOnExit() { list.erase(it); }
  };

  bool locked_ = false;
  std::list<asio::steady_timer> waiters_;
};

}  // namespace dlmsgw::client
