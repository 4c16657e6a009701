#include "client/iec_mode_e.hpp"

#include <array>
#include <asio/serial_port.hpp>
#include <asio/steady_timer.hpp>
#include <string>

#include "net/asio_byte_stream.hpp"

namespace dlmsgw::client {

Expected<IecIdentification> parse_iec_identification(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.size() < 5 || line.front() != '/') {
    return make_error(ErrorCode::malformed,
                      "IEC 62056-21 identification '" + std::string(line) +
                          "': expected '/', three manufacturer letters and a baud character");
  }
  static constexpr std::array<unsigned, 7> kBauds{300, 600, 1200, 2400, 4800, 9600, 19200};
  const char z = line[4];
  if (z < '0' || z > '6') {
    return make_error(ErrorCode::unsupported, "IEC 62056-21 identification: baud character '" +
                                                  std::string(1, z) + "' is not 0..6");
  }
  return IecIdentification{z, kBauds[static_cast<std::size_t>(z - '0')], line};
}

Bytes iec_mode_e_acknowledgement(char baud_char) {
  return {0x06, 0x32, static_cast<std::uint8_t>(baud_char), 0x32, 0x0D, 0x0A};
}

Bytes iec_request_message() {
  return {'/', '?', '!', '\r', '\n'};
}

asio::awaitable<Expected<void>> run_iec_mode_e_opening(net::ByteStream& serial,
                                                       const net::SerialSettings& line,
                                                       std::chrono::milliseconds timeout) {
  using Port = asio::serial_port;
  auto* stream = dynamic_cast<net::AsioByteStream<Port>*>(&serial);
  if (stream == nullptr) {
    co_return make_error(ErrorCode::invalid_argument,
                         serial.peer() + ": IEC mode E needs a serial port");
  }
  Port& port = stream->native();
  std::error_code error;
  std::string failed_option;
  const auto set = [&](unsigned baud, unsigned data_bits, Port::parity::type parity,
                       Port::stop_bits::type stop) {
    const auto apply = [&](const auto& option, const char* what) {
      if (error) return;
      port.set_option(option, error);
      if (error) failed_option = what;
    };
    apply(Port::baud_rate(baud), "baud rate");
    apply(Port::character_size(data_bits), "data bits");
    apply(Port::parity(parity), "parity");
    apply(Port::stop_bits(stop), "stop bits");
  };
  set(300, 7, Port::parity::even, Port::stop_bits::one);
  if (error)
    co_return make_error(ErrorCode::io_error, serial.peer() + ": 300 baud 7E1: " + failed_option +
                                                  ": " + error.message());
  const Bytes request = iec_request_message();
  if (auto written = co_await serial.write(request, timeout); !written) {
    co_return written.error().with_context("IEC 62056-21 request");
  }
  std::string text;
  std::array<std::uint8_t, 64> buffer{};
  while (text.find("\r\n") == std::string::npos) {
    if (text.size() > 128) {
      co_return make_error(ErrorCode::malformed,
                           "IEC 62056-21 identification longer than 128 bytes");
    }
    auto count = co_await serial.read_some(buffer, timeout);
    if (!count) co_return count.error().with_context("IEC 62056-21 identification");
    for (std::size_t i = 0; i < *count; ++i) text.push_back(static_cast<char>(buffer[i] & 0x7F));
  }
  const auto start = text.find('/');
  if (start == std::string::npos) {
    co_return make_error(ErrorCode::malformed, "IEC 62056-21 identification: no '/' in the answer");
  }
  auto identification = parse_iec_identification(std::string_view(text).substr(start));
  if (!identification) co_return identification.error();
  const Bytes ack = iec_mode_e_acknowledgement(identification->baud_char);
  if (auto written = co_await serial.write(ack, timeout); !written) {
    co_return written.error().with_context("IEC 62056-21 acknowledgement");
  }
  // The driver may still be sending the ACK at 300 baud (6 characters take 220 ms): changing the
  // rate now would garble it.
  asio::steady_timer drain(port.get_executor(), std::chrono::milliseconds(300));
  co_await drain.async_wait(asio::use_awaitable);
  set(identification->baud, line.data_bits,
      line.parity == net::Parity::even  ? Port::parity::even
      : line.parity == net::Parity::odd ? Port::parity::odd
                                        : Port::parity::none,
      line.stop_bits == net::StopBits::two ? Port::stop_bits::two : Port::stop_bits::one);
  if (error) {
    co_return make_error(ErrorCode::io_error,
                         serial.peer() + ": " + std::to_string(identification->baud) +
                             " baud: " + failed_option + ": " + error.message());
  }
  co_return Expected<void>{};
}

}  // namespace dlmsgw::client
