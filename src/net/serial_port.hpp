#pragma once
// Opens a serial port (RS-485/RS-232 or an optical probe) as a ByteStream, with the line settings a
// meter expects. Opening is synchronous: it is a local device, not a network wait.

#include <asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "net/byte_stream.hpp"

namespace dlmsgw::net {

enum class Parity { none, even, odd };
enum class StopBits { one, two };

struct SerialSettings {
  std::string device;  // "/dev/ttyUSB0"
  unsigned baud = 9600;
  Parity parity = Parity::none;
  unsigned data_bits = 8;  // 5..8
  StopBits stop_bits = StopBits::one;
  bool operator==(const SerialSettings&) const = default;
};

// Errors name the device and the setting that failed (e.g. "baud 12345 is not supported").
Expected<std::unique_ptr<ByteStream>> open_serial(const asio::any_io_executor& executor,
                                                  const SerialSettings& settings);

// Parses "none"/"even"/"odd".
Expected<Parity> parse_parity(std::string_view text);

}  // namespace dlmsgw::net
