#pragma once
// The IEC 62056-21 mode E opening of an optical probe or RS-485 port before HDLC: at 300 baud 7E1
// the client sends "/?!\r\n", the meter identifies itself ("/MMMZ\2ident\r\n", Z its baud rate
// character), the client acknowledges with ACK '2' Z '2' CR LF (protocol mode E = HDLC) and both
// sides switch to Z's baud rate, 8N1.

#include <asio/awaitable.hpp>
#include <chrono>
#include <string_view>

#include "core/bytes.hpp"
#include "core/expected.hpp"
#include "net/byte_stream.hpp"
#include "net/serial_port.hpp"

namespace dlmsgw::client {

struct IecIdentification {
  char baud_char = '5';  // '0'..'6'
  unsigned baud = 9600;
  std::string_view text;  // the whole line without CR LF (borrowed from the input)
};

// The identification line ("/XXX5\2ABC\r\n" or "/XXX5ABC"); errors name what is wrong.
Expected<IecIdentification> parse_iec_identification(std::string_view line);
// 06 32 <baud char> 32 0D 0A.
Bytes iec_mode_e_acknowledgement(char baud_char);
// "/?!\r\n".
Bytes iec_request_message();

// Runs the opening on a serial port opened by net::open_serial, then leaves the port at the
// announced baud rate with the line settings of `line` (data bits, parity, stop bits).
asio::awaitable<Expected<void>> run_iec_mode_e_opening(net::ByteStream& serial,
                                                       const net::SerialSettings& line,
                                                       std::chrono::milliseconds timeout);

}  // namespace dlmsgw::client
