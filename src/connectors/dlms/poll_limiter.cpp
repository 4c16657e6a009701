#include "connectors/dlms/poll_limiter.hpp"

#pragma GCC diagnostic ignored "-Wmismatched-new-delete"  // asio frame allocator, see session.cpp

#include <asio/experimental/as_tuple.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>

namespace dlmsgw::connectors::dlms {
asio::awaitable<PollLimiter::Slot> PollLimiter::acquire() {
  while (used_ >= slots_) {
    auto executor = co_await asio::this_coro::executor;
    waiters_.push_back(Waiter{asio::steady_timer(executor, asio::steady_timer::time_point::max())});
    const auto it = std::prev(waiters_.end());
    // Removes the waiter however its wait ends, including a coroutine destroyed while parked.
    struct Erase {
      std::list<Waiter>& list;
      std::list<Waiter>::iterator it;
      ~Erase() {
        // A waiter woken but gone (its coroutine destroyed) must pass the wake-up on.
        const bool pass_on = it->woken;
        list.erase(it);
        if (pass_on) {
          for (auto& next : list) {
            if (!next.woken) {
              next.woken = true;
              next.timer.cancel();
              break;
            }
          }
        }
      }
    } erase{waiters_, it};
    co_await it->timer.async_wait(asio::experimental::as_tuple(asio::use_awaitable));
    // Woken or not, this waiter is done with its wake-up: it takes the slot or queues again
    // (a coroutine that never waited took the slot first).
    it->woken = false;
    if (used_ < slots_) break;
  }
  ++used_;
  co_return Slot(this);
}

void PollLimiter::release() {
  --used_;
  for (auto& waiter : waiters_) {
    if (!waiter.woken) {
      waiter.woken = true;
      waiter.timer.cancel();
      return;
    }
  }
}

}  // namespace dlmsgw::connectors::dlms
