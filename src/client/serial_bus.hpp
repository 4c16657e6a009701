#pragma once
// SerialBus: the one owner of a serial port that several meters share (RS-485 multi-drop, one HDLC
// address each). Each meter's HDLC channel talks through a stream from attach(); the bus gives the
// half-duplex line to one meter at a time, so one request is in flight on it:
//   - a meter takes the line when it writes or reads, and keeps it until a frame from its address
//     with the final bit arrives (its answer is complete) or one of its reads times out: a silent
//     meter holds the others up by at most its own response timeout;
//   - before a meter writes, the line has been quiet for the inter-frame gap;
//   - bytes nobody waits for (a late answer) go to whoever holds the line next, whose HDLC link
//     drops frames from another address.
// Sessions stay one per meter address; only the port is shared. shared_bus() keeps one bus per
// port in the process (a /dev/serial/by-id/... link and the /dev/ttyUSB0 it points to are one
// port) and refuses a meter whose line settings differ from the bus's.

#include <asio/any_io_executor.hpp>
#include <atomic>
#include <chrono>
#include <memory>

#include "client/async_mutex.hpp"
#include "dlms/hdlc/hdlc_address.hpp"
#include "net/byte_stream.hpp"
#include "net/serial_port.hpp"

namespace dlmsgw::client {

// Silence on the line before a frame is written (IEC 62056-46 leaves it to the meters; 20 ms is
// above what RS-485 transceivers need to turn the line around at 9600 baud and above).
inline constexpr std::chrono::milliseconds kInterFrameGap{20};

struct SerialBusStats {
  std::uint64_t turns = 0;         // times a meter took the line
  std::uint64_t waited_turns = 0;  // ... of which it had to wait for another meter
};

class SerialBus {
 public:
  SerialBus(std::unique_ptr<net::ByteStream> port, net::SerialSettings settings,
            std::chrono::milliseconds gap = kInterFrameGap);
  SerialBus(const SerialBus&) = delete;
  SerialBus& operator=(const SerialBus&) = delete;

  // The bus of `settings.device` in this process, opened on first use and closed when its last
  // stream is gone. Refused, naming both, when the open bus has other line settings. The bus keeps
  // the largest inter-frame `gap` its meters ask for.
  static Expected<std::shared_ptr<SerialBus>> shared_bus(
      const asio::any_io_executor& executor, const net::SerialSettings& settings,
      std::chrono::milliseconds gap = kInterFrameGap);

  // A stream for the meter at `meter` (its HDLC server address). `self` must own this bus.
  static std::unique_ptr<net::ByteStream> attach(const std::shared_ptr<SerialBus>& self,
                                                 hdlc::HdlcAddress meter);

  [[nodiscard]] const net::SerialSettings& settings() const { return settings_; }
  [[nodiscard]] const SerialBusStats& stats() const { return stats_; }
  [[nodiscard]] std::chrono::milliseconds gap() const {
    return std::chrono::milliseconds(gap_ms_.load());
  }

 private:
  friend class BusStream;

  std::unique_ptr<net::ByteStream> port_;
  net::SerialSettings settings_;
  std::atomic<std::chrono::milliseconds::rep> gap_ms_;
  AsyncMutex line_;
  std::chrono::steady_clock::time_point last_activity_{};
  SerialBusStats stats_;
};

// The path `device` resolves to, symlinks followed (/dev/serial/by-id/usb-... -> /dev/ttyUSB0), so
// that two names of one port count as one; `device` itself when it does not resolve.
std::string serial_port_identity(const std::string& device);

// "/dev/ttyUSB0 9600 8N1".
std::string describe_line(const net::SerialSettings& settings);

}  // namespace dlmsgw::client
