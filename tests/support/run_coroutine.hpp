#pragma once
// Drives a test's io_context from the test's own thread, one handler at a time so that a test can
// stop exactly when its condition first holds: wait_until (a condition, failing the test at the
// limit rather than hanging) and run (a coroutine to completion, returning its result).
// Header-only.

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <thread>

namespace dlmsgw::test {

template <class Predicate>
bool wait_until(asio::io_context& io, Predicate done,
                std::chrono::steady_clock::duration limit = std::chrono::seconds(30)) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "condition not reached in time";
      return false;
    }
    if (io.run_one_for(std::chrono::milliseconds(100)) == 0 && io.stopped()) {
      // Out of work here; another thread may still post some.
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      io.restart();
    }
  }
  return true;
}

template <class T>
T run(asio::io_context& io, asio::awaitable<T> coroutine) {
  std::optional<T> result;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { result.emplace(co_await std::move(coroutine)); },
      asio::detached);
  if (!wait_until(io, [&] { return result.has_value(); })) {
    throw std::runtime_error("the coroutine did not finish in time");
  }
  return std::move(*result);
}

inline void run(asio::io_context& io, asio::awaitable<void> coroutine) {
  bool done = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await std::move(coroutine);
        done = true;
      },
      asio::detached);
  wait_until(io, [&] { return done; });
}

}  // namespace dlmsgw::test
