#pragma once
// run_until: runs a test's io_context in short slices until a condition holds or a time limit
// passes (then false, so the test can say what it was waiting for). The one loop every test that
// drives asio from its own thread uses. Header-only.

#include <asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace dlmsgw::test {

inline bool run_until(asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::steady_clock::duration limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace dlmsgw::test
