#pragma once
// PollLimiter: the connector-wide limit on meters being connected or polled at the same moment
// (maxConcurrentPolls), so that thousands of meters due in the same second are worked through a
// bounded number at a time instead of all opening sockets at once. A counting semaphore for
// coroutines on one executor; waiters are served first come, first served.

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <cstddef>
#include <list>
#include <utility>

namespace dlmsgw::connectors::dlms {

class PollLimiter {
 public:
  // Held while polling; gives the slot back when destroyed.
  class Slot {
   public:
    explicit Slot(PollLimiter* limiter) : limiter_(limiter) {}
    Slot(Slot&& other) noexcept : limiter_(std::exchange(other.limiter_, nullptr)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (limiter_ != nullptr) limiter_->release();
    }

   private:
    PollLimiter* limiter_;
  };

  explicit PollLimiter(std::size_t slots) : slots_(slots == 0 ? 1 : slots) {}

  asio::awaitable<Slot> acquire();

  [[nodiscard]] std::size_t in_use() const { return used_; }
  [[nodiscard]] std::size_t waiting() const { return waiters_.size(); }

 private:
  struct Waiter {
    asio::steady_timer timer;
    bool woken = false;
  };

  void release();

  std::size_t slots_;
  std::size_t used_ = 0;
  std::list<Waiter> waiters_;
};

}  // namespace dlmsgw::connectors::dlms
