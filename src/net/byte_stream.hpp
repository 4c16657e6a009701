#pragma once
// ByteStream: a connected, ordered byte stream to one meter (a TCP socket or a serial port), used
// from coroutines on the event loop. Every operation takes a deadline and ends in bytes or an Error
// (timeout, connection_closed, io_error) that names the peer; none can wait forever.

#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>

#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::net {

using Timeout = std::chrono::milliseconds;

class ByteStream {
 public:
  virtual ~ByteStream() = default;

  // Waits for at least one byte and returns how many were placed in `buffer`.
  virtual asio::awaitable<Expected<std::size_t>> read_some(std::span<std::uint8_t> buffer,
                                                           Timeout timeout) = 0;
  // Writes all of `data`. A write that times out closes the stream: a frame may be half sent.
  virtual asio::awaitable<Expected<void>> write(ByteView data, Timeout timeout) = 0;
  // Closes the stream; pending operations end with connection_closed. Safe to call twice.
  virtual void close() = 0;
  // Ends the pending operations now (with connection_closed) and leaves the stream open.
  virtual void cancel() = 0;
  [[nodiscard]] virtual bool is_open() const = 0;
  // "127.0.0.1:3333" or "/dev/ttyUSB0": used in every error and log line about this stream.
  [[nodiscard]] virtual const std::string& peer() const = 0;
};

}  // namespace dlmsgw::net
