#pragma once
// ApduChannel: moves whole xDLMS/ACSE APDUs to and from one meter over a ByteStream, hiding the
// framing (HDLC or the TCP wrapper). Every call ends within the configured deadlines in a value or
// an Error (timeout, connection_closed, protocol_state...); none waits forever.

#include <asio/awaitable.hpp>
#include <memory>
#include <string>

#include "client/frame_trace.hpp"
#include "core/bytes.hpp"
#include "core/expected.hpp"

namespace dlmsgw::client {

class ApduChannel {
 public:
  virtual ~ApduChannel() = default;

  // Link-level connection (HDLC SNRM/UA); nothing to do for the wrapper.
  virtual asio::awaitable<Expected<void>> open() = 0;
  // Hands one APDU to the meter (HDLC: until every segment is acknowledged).
  virtual asio::awaitable<Expected<void>> send(ByteView apdu) = 0;
  // The next APDU from the meter, waiting at most the response timeout per attempt.
  virtual asio::awaitable<Expected<Bytes>> receive() = 0;
  // Link-level disconnection (HDLC DISC, best effort), then closes the stream. Never fails.
  virtual asio::awaitable<void> close() = 0;
  // Closes the stream at once, without DISC: pending calls end with connection_closed. For
  // shutting down while a request is stuck on a silent meter.
  virtual void abort() = 0;

  [[nodiscard]] virtual bool is_open() const = 0;
  [[nodiscard]] virtual const std::string& peer() const = 0;
  virtual void set_trace(FrameTrace trace) = 0;
};

}  // namespace dlmsgw::client
